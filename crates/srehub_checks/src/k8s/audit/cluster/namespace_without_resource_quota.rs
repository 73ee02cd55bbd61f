use std::collections::HashSet;

use srehub_core::{Check, Finding, Findings};

use super::{audited_namespaces, namespace_activity};
use crate::k8s::K8sInput;
use crate::k8s::input::resource;

srehub_core::declare_check! {
    /// ## What it checks
    /// Namespaces that run pods or workloads but have no ResourceQuota. `kube-system`, `kube-public` and
    /// `kube-node-lease` are skipped, as are namespaces being deleted.
    ///
    /// ## Why it matters
    /// Nothing caps what the namespace may request: a runaway HPA, a bad replica count or a job fan-out can
    /// claim the cluster's capacity (and trigger autoscaler spend) at the expense of every other team.
    ///
    /// ## How to fix
    /// Size a quota from current usage plus headroom, e.g.
    /// `kubectl create quota compute -n NS --hard=requests.cpu=8,requests.memory=16Gi,limits.memory=32Gi,pods=100`;
    /// `kubectl describe quota -n NS` then shows used against hard.
    K8S021 NamespaceWithoutResourceQuota { name: "namespace-without-resource-quota", severity: Info, category: Efficiency, group: "audit" }
}

impl Check<K8sInput<'_>> for NamespaceWithoutResourceQuota {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let snap = input.snap;
        if !snap.has("ResourceQuota") || !snap.has("Namespace") {
            return;
        }
        let with_quota: HashSet<&str> = snap
            .resource_quotas
            .iter()
            .map(|q| q.namespace.as_str())
            .collect();
        let activity = namespace_activity(snap);
        for (m, a) in audited_namespaces(snap, &activity) {
            if with_quota.contains(m.name.as_str()) {
                continue;
            }
            input.report(
                out,
                &Self::META,
                m,
                Finding::new(&Self::META, format!("Namespace has {} but no ResourceQuota capping its requests", a.describe()))
                    .resource(resource(m))
                    .hint(format!(
                        "kubectl create quota compute -n {} --hard=requests.cpu=…,requests.memory=…,limits.memory=…,pods=… (sized from current usage plus headroom)",
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

    fn quota(ns: &str) -> serde_json::Value {
        json!({"kind": "ResourceQuota", "apiVersion": "v1", "metadata": {"name": "compute", "namespace": ns},
               "spec": {"hard": {"requests.cpu": "8", "requests.memory": "16Gi", "pods": "100"}},
               "status": {"hard": {"requests.cpu": "8", "requests.memory": "16Gi", "pods": "100"},
                          "used": {"requests.cpu": "1500m", "requests.memory": "3Gi", "pods": "6"}}})
    }

    #[test]
    fn triggers_on_namespace_without_quota() {
        let cron = json!({"kind": "CronJob", "apiVersion": "batch/v1", "metadata": {"name": "report", "namespace": "analytics"},
            "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure",
                     "containers": [{"name": "r", "image": "report:1"}]}}}}}});
        let snap = snapshot(
            &[
                namespace("shop"),
                namespace("analytics"),
                namespace("payments"),
                pod("shop", "api-1", json!({})),
                cron,
                pod("payments", "ledger-0", json!({})),
                quota("payments"),
            ],
            &[],
        );
        let found = run(&NamespaceWithoutResourceQuota, &snap);
        assert_eq!(found.len(), 2, "{found:?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_with_quota_in_system_and_empty_namespaces() {
        let snap = snapshot(
            &[
                namespace("payments"),
                namespace("kube-system"),
                namespace("idle"),
                pod("payments", "ledger-0", json!({})),
                pod("kube-system", "etcd-cp-1", json!({})),
                quota("payments"),
            ],
            &[],
        );
        assert!(run(&NamespaceWithoutResourceQuota, &snap).is_empty());
        let snap = snapshot(&[namespace("shop"), pod("shop", "api-1", json!({}))], &[]);
        assert!(
            run(&NamespaceWithoutResourceQuota, &snap).is_empty(),
            "quotas were not collected"
        );
    }
}
