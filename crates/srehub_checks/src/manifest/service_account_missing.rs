use srehub_core::{Check, Finding, Findings};

use super::{ManifestInput, pod_template};

srehub_core::declare_check! {
    /// ## What it checks
    /// Pod templates whose `serviceAccountName` (or the deprecated `serviceAccount`) names a
    /// ServiceAccount that is not defined in their namespace among the linted files. The `default`
    /// account, which every namespace has, is not judged.
    ///
    /// ## Why it matters
    /// The workload's pods are never created: the ReplicaSet reports `serviceaccount "…" not found` and
    /// the rollout hangs.
    ///
    /// ## How to fix
    /// Add the ServiceAccount to the manifests, or fix the name. If it is created elsewhere (by another
    /// chart or an operator), silence the finding with `srehub.io/ignore: K8S308` on the workload.
    K8S308 ServiceAccountMissing { name: "service-account-missing", severity: Warning, category: Correctness, group: "manifest" }
}

impl Check<ManifestInput<'_>> for ServiceAccountMissing {
    fn run(&self, input: &ManifestInput<'_>, out: &mut Findings) {
        for o in input.objects {
            let Some(t) = pod_template(o) else { continue };
            let Some(node) = t
                .spec
                .get("serviceAccountName")
                .or_else(|| t.spec.get("serviceAccount"))
            else {
                continue;
            };
            let Some(sa) = node.as_str().filter(|s| !s.is_empty() && *s != "default") else {
                continue;
            };
            if !input.exists(&["ServiceAccount"], &o.namespace, sa) {
                input.push(
                    out,
                    &Self::META,
                    o,
                    node.pos,
                    Finding::new(
                        &Self::META,
                        format!("ServiceAccount `{sa}` is not defined in the linted files"),
                    )
                    .hint("Add the ServiceAccount or fix serviceAccountName"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::testing::run;

    #[test]
    fn triggers_on_an_undefined_account() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      serviceAccountName: web-sa\n      containers: [{name: web, image: nginx}]\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web-sa, namespace: other}\n";
        let found = run(&ServiceAccountMissing, text);
        assert_eq!(found.len(), 1);
        let loc = found[0].location.as_ref().unwrap();
        assert_eq!((loc.line, loc.column), (Some(9), Some(27)));
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_defined_and_default_accounts() {
        let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: j}\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          serviceAccountName: runner\n          containers: [{name: a, image: busybox}]\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: runner}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  serviceAccountName: default\n  containers: [{name: a, image: busybox}]\n";
        assert!(run(&ServiceAccountMissing, text).is_empty());
    }
}
