use srehub_core::{Check, Finding, Findings};

use super::{ManifestInput, label_selector};

srehub_core::declare_check! {
    /// ## What it checks
    /// PodDisruptionBudgets whose `spec.selector` matches the pod template of no workload (and no Pod) in
    /// their namespace among the linted files.
    ///
    /// ## Why it matters
    /// A budget that selects nothing protects nothing: node drains and cluster upgrades evict every
    /// replica at once, which is what the budget was written to prevent.
    ///
    /// ## How to fix
    /// Make `spec.selector` match the workload's `spec.template.metadata.labels`.
    K8S306 PdbSelectorMatchesNoPods { name: "pdb-selector-matches-no-pods", severity: Warning, category: Reliability, group: "manifest" }
}

impl Check<ManifestInput<'_>> for PdbSelectorMatchesNoPods {
    fn run(&self, input: &ManifestInput<'_>, out: &mut Findings) {
        for pdb in input.of_kind("PodDisruptionBudget") {
            let Some(node) = pdb.node.at(&["spec", "selector"]) else {
                continue;
            };
            let Some(sel) = label_selector(node) else {
                continue;
            };
            if sel.is_empty() {
                continue;
            }
            let matched = input
                .pod_templates()
                .any(|(o, t)| o.namespace == pdb.namespace && sel.matches(&t.labels));
            if !matched {
                let pos = pdb
                    .node
                    .at(&["spec"])
                    .and_then(|s| s.key("selector"))
                    .map_or(node.pos, |k| k.pos);
                input.push(
                    out,
                    &Self::META,
                    pdb,
                    pos,
                    Finding::new(
                        &Self::META,
                        "selector matches no pod template in the linted files".to_string(),
                    )
                    .hint("Make spec.selector match the workload's spec.template.metadata.labels"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::testing::run;

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web, tier: front}}\n    spec: {containers: [{name: web, image: nginx}]}\n";

    #[test]
    fn triggers_when_no_template_matches() {
        let text = format!(
            "{DEPLOY}---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: web}}\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: {{app: wbe}}\n"
        );
        let found = run(&PdbSelectorMatchesNoPods, &text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location.as_ref().unwrap().line, Some(15));
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_when_a_template_matches_with_expressions() {
        let text = format!(
            "{DEPLOY}---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: web}}\nspec:\n  minAvailable: 1\n  selector:\n    matchExpressions: [{{key: tier, operator: In, values: [front]}}]\n"
        );
        assert!(run(&PdbSelectorMatchesNoPods, &text).is_empty());
    }
}
