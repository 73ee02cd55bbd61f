use std::collections::HashSet;

use srehub_core::{Check, Finding, Findings};

use super::{audited_namespaces, namespace_activity};
use crate::k8s::K8sInput;
use crate::k8s::input::resource;

srehub_core::declare_check! {
    /// ## What it checks
    /// Namespaces that run pods or workloads but have no LimitRange. `kube-system`, `kube-public` and
    /// `kube-node-lease` are skipped, as are namespaces being deleted.
    ///
    /// ## Why it matters
    /// A container that sets no requests or limits gets none: it is scheduled as if it needed nothing
    /// (BestEffort, first to be evicted) and may use a whole node's memory. With a ResourceQuota on
    /// `requests.*`, such pods are rejected outright. A LimitRange fills in defaults.
    ///
    /// ## How to fix
    /// Add a LimitRange with `spec.limits[].type: Container` and `defaultRequest` / `default` (cpu,
    /// memory) sized for a typical container; optionally `max` to stop single containers asking for a
    /// whole node. Existing pods get the defaults when they are next recreated.
    K8S022 NamespaceWithoutLimitRange { name: "namespace-without-limit-range", severity: Info, category: Efficiency, group: "audit" }
}

impl Check<K8sInput<'_>> for NamespaceWithoutLimitRange {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let snap = input.snap;
        if !snap.has("LimitRange") || !snap.has("Namespace") {
            return;
        }
        let with_range: HashSet<&str> = snap
            .limit_ranges
            .iter()
            .map(|l| l.namespace.as_str())
            .collect();
        let activity = namespace_activity(snap);
        for (m, a) in audited_namespaces(snap, &activity) {
            if with_range.contains(m.name.as_str()) {
                continue;
            }
            input.report(
                out,
                &Self::META,
                m,
                Finding::new(
                    &Self::META,
                    format!("Namespace has {} but no LimitRange giving containers default requests and limits", a.describe()),
                )
                .resource(resource(m))
                .hint(format!(
                    "Add a LimitRange in {} with spec.limits[type=Container].defaultRequest and .default for cpu and memory",
                    m.name
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{pod, run, snapshot};
    use serde_json::json;

    fn namespace(name: &str) -> serde_json::Value {
        json!({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
               "status": {"phase": "Active"}})
    }

    fn limit_range(ns: &str) -> serde_json::Value {
        json!({"kind": "LimitRange", "apiVersion": "v1", "metadata": {"name": "defaults", "namespace": ns},
               "spec": {"limits": [{"type": "Container", "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
                                    "default": {"memory": "512Mi"}}]}})
    }

    #[test]
    fn triggers_on_namespace_without_limit_range() {
        let snap = snapshot(
            &[
                namespace("shop"),
                namespace("payments"),
                pod("shop", "api-1", json!({})),
                pod("shop", "api-2", json!({})),
                pod("payments", "ledger-0", json!({})),
                limit_range("payments"),
            ],
            &[],
        );
        let found = run(&NamespaceWithoutLimitRange, &snap);
        assert_eq!(found.len(), 1, "{found:?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_with_limit_range_and_in_terminating_namespaces() {
        let mut leaving = namespace("old");
        leaving["status"]["phase"] = json!("Terminating");
        let snap = snapshot(
            &[
                namespace("payments"),
                leaving,
                pod("payments", "ledger-0", json!({})),
                pod("old", "api-1", json!({})),
                limit_range("payments"),
            ],
            &[],
        );
        assert!(run(&NamespaceWithoutLimitRange, &snap).is_empty());
        let snap = snapshot(&[namespace("shop"), pod("shop", "api-1", json!({}))], &[]);
        assert!(
            run(&NamespaceWithoutLimitRange, &snap).is_empty(),
            "limit ranges were not collected"
        );
    }
}
