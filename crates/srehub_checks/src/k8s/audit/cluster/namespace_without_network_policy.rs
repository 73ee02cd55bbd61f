use std::collections::HashSet;

use srehub_core::{Check, Finding, Findings};

use super::{audited_namespaces, namespace_activity};
use crate::k8s::K8sInput;
use crate::k8s::input::resource;

srehub_core::declare_check! {
    /// ## What it checks
    /// Namespaces that run pods or workloads but contain no NetworkPolicy. `kube-system`, `kube-public`
    /// and `kube-node-lease` are skipped, as are namespaces being deleted.
    ///
    /// ## Why it matters
    /// Without a policy selecting them, pods accept connections from every pod in the cluster and can
    /// reach anything: one compromised workload can scan and attack databases and internal APIs in every
    /// other namespace. (Policies only take effect with a CNI that enforces them: Calico, Cilium, …)
    ///
    /// ## How to fix
    /// Start with a default-deny policy and allow the traffic each app needs:
    /// `kind: NetworkPolicy`, `spec.podSelector: {}`, `spec.policyTypes: [Ingress]`, then per-app policies
    /// with `ingress[].from` naming the callers (`namespaceSelector` / `podSelector`).
    K8S017 NamespaceWithoutNetworkPolicy { name: "namespace-without-network-policy", severity: Warning, category: Security, group: "audit" }
}

impl Check<K8sInput<'_>> for NamespaceWithoutNetworkPolicy {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let snap = input.snap;
        if !snap.has("NetworkPolicy") || !snap.has("Namespace") {
            return;
        }
        let with_policy: HashSet<&str> = snap
            .network_policies
            .iter()
            .map(|p| p.metadata.namespace.as_str())
            .collect();
        let activity = namespace_activity(snap);
        for (m, a) in audited_namespaces(snap, &activity) {
            if with_policy.contains(m.name.as_str()) {
                continue;
            }
            input.report(
                out,
                &Self::META,
                m,
                Finding::new(
                    &Self::META,
                    format!(
                        "Namespace has {} but no NetworkPolicy, so its pods accept traffic from any pod in the cluster",
                        a.describe()
                    ),
                )
                .resource(resource(m))
                .hint(format!(
                    "Apply a default-deny NetworkPolicy in {} (podSelector: {{}}, policyTypes: [Ingress]) and allow the callers each app needs",
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
        json!({"kind": "Namespace", "apiVersion": "v1",
               "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}, "creationTimestamp": "2026-01-10T12:00:00Z"},
               "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
    }

    fn deny_all(ns: &str) -> serde_json::Value {
        json!({"kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1", "metadata": {"name": "default-deny", "namespace": ns},
               "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}})
    }

    #[test]
    fn triggers_on_namespace_with_pods_and_no_policy() {
        let snap = snapshot(
            &[
                namespace("shop"),
                namespace("payments"),
                pod("shop", "api-1", json!({})),
                pod("shop", "api-2", json!({})),
                pod("payments", "ledger-0", json!({})),
                deny_all("payments"),
            ],
            &[],
        );
        let found = run(&NamespaceWithoutNetworkPolicy, &snap);
        assert_eq!(found.len(), 1, "{found:?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_system_empty_and_finished_namespaces() {
        let snap = snapshot(
            &[
                namespace("kube-system"),
                namespace("empty"),
                namespace("batch"),
                pod("kube-system", "coredns-5d78c9869d-x2x7k", json!({})),
                pod(
                    "batch",
                    "migrate-xk2p9",
                    json!({"status": {"phase": "Succeeded"}}),
                ),
            ],
            &["NetworkPolicy"],
        );
        assert!(run(&NamespaceWithoutNetworkPolicy, &snap).is_empty());
        // NetworkPolicies not collected: nothing is judged.
        let snap = snapshot(&[namespace("shop"), pod("shop", "api-1", json!({}))], &[]);
        assert!(run(&NamespaceWithoutNetworkPolicy, &snap).is_empty());
    }
}
