use srehub_core::{Check, Finding, Findings};

use super::{ManifestInput, label_selector};

srehub_core::declare_check! {
    /// ## What it checks
    /// NetworkPolicies whose `spec.podSelector` is not empty and matches the pod template of no workload
    /// (and no Pod) in their namespace among the linted files.
    ///
    /// ## Why it matters
    /// The policy isolates nothing: the pods it was meant to protect accept traffic from everywhere, and
    /// nobody notices because nothing breaks.
    ///
    /// ## How to fix
    /// Make `spec.podSelector` match the workload's `spec.template.metadata.labels`.
    K8S307 NetworkPolicySelectorMatchesNoPods { name: "network-policy-selector-matches-no-pods", severity: Warning, category: Security, group: "manifest" }
}

impl Check<ManifestInput<'_>> for NetworkPolicySelectorMatchesNoPods {
    fn run(&self, input: &ManifestInput<'_>, out: &mut Findings) {
        for np in input.of_kind("NetworkPolicy") {
            let Some(node) = np.node.at(&["spec", "podSelector"]) else {
                continue;
            };
            let Some(sel) = label_selector(node) else {
                continue;
            };
            if sel.is_empty() {
                continue; // selects every pod of the namespace
            }
            let matched = input
                .pod_templates()
                .any(|(o, t)| o.namespace == np.namespace && sel.matches(&t.labels));
            if !matched {
                let pos = np
                    .node
                    .at(&["spec"])
                    .and_then(|s| s.key("podSelector"))
                    .map_or(node.pos, |k| k.pos);
                input.push(
                    out,
                    &Self::META,
                    np,
                    pos,
                    Finding::new(
                        &Self::META,
                        "podSelector matches no pod template in the linted files".to_string(),
                    )
                    .hint(
                        "Make spec.podSelector match the workload's spec.template.metadata.labels",
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::testing::run;

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: db, labels: {app: db}}\nspec: {containers: [{name: db, image: postgres}]}\n";

    #[test]
    fn triggers_when_no_pod_matches() {
        let text = format!(
            "{POD}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: db}}\nspec:\n  podSelector: {{matchLabels: {{app: database}}}}\n"
        );
        let found = run(&NetworkPolicySelectorMatchesNoPods, &text);
        assert_eq!(found.len(), 1);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_matching_and_empty_selectors() {
        let text = format!(
            "{POD}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: db}}\nspec:\n  podSelector: {{matchLabels: {{app: db}}}}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny-all}}\nspec:\n  podSelector: {{}}\n"
        );
        assert!(run(&NetworkPolicySelectorMatchesNoPods, &text).is_empty());
    }
}
