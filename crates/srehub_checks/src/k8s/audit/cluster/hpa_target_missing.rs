use std::collections::HashSet;

use srehub_core::{Check, Finding, Findings};

use crate::k8s::K8sInput;
use crate::k8s::input::resource;

srehub_core::declare_check! {
    /// ## What it checks
    /// HorizontalPodAutoscalers whose `spec.scaleTargetRef` names a Deployment, StatefulSet or ReplicaSet
    /// that does not exist in the HPA's namespace. Targets of other kinds (Argo Rollouts, custom resources)
    /// and kinds that were not collected are not judged.
    ///
    /// ## Why it matters
    /// The autoscaler scales nothing: the workload it was meant for (often renamed, or deployed under a new
    /// name by a chart upgrade) runs at a fixed replica count and falls over at the next traffic peak, while
    /// dashboards still show an HPA. `kubectl describe hpa` reports `FailedGetScale`.
    ///
    /// ## How to fix
    /// Point `spec.scaleTargetRef` at the workload's current kind and name, or delete the stale HPA:
    /// `kubectl get deploy,sts -n NS` to find the name, then `kubectl edit hpa NAME -n NS`.
    K8S015 HpaTargetMissing { name: "hpa-target-missing", severity: Critical, category: Correctness, group: "audit" }
}

impl Check<K8sInput<'_>> for HpaTargetMissing {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let snap = input.snap;
        if snap.hpas.is_empty() {
            return;
        }
        let existing: HashSet<(&str, &str, &str)> = snap
            .workloads
            .iter()
            .chain(&snap.replica_sets)
            .map(|w| {
                (
                    w.metadata.kind.as_str(),
                    w.metadata.namespace.as_str(),
                    w.metadata.name.as_str(),
                )
            })
            .collect();
        for hpa in &snap.hpas {
            let m = &hpa.metadata;
            let target = &hpa.spec.scale_target_ref;
            let kind = target.kind.as_str();
            if !matches!(kind, "Deployment" | "StatefulSet" | "ReplicaSet")
                || !snap.has(kind)
                || target.name.is_empty()
            {
                continue;
            }
            if existing.contains(&(kind, m.namespace.as_str(), target.name.as_str())) {
                continue;
            }
            input.report(
                out,
                &Self::META,
                m,
                Finding::new(
                    &Self::META,
                    format!(
                        "Scale target {kind} `{}` does not exist in namespace `{}`, so nothing is autoscaled",
                        target.name, m.namespace
                    ),
                )
                .resource(resource(m))
                .hint(format!(
                    "Fix spec.scaleTargetRef (kubectl get {} -n {}) or delete the HPA: kubectl delete hpa {} -n {}",
                    kind.to_ascii_lowercase(),
                    m.namespace,
                    m.name,
                    m.namespace
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    fn hpa(name: &str, kind: &str, target: &str) -> serde_json::Value {
        json!({"kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v2",
               "metadata": {"name": name, "namespace": "shop", "creationTimestamp": "2026-10-01T08:00:00Z"},
               "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": target},
                        "minReplicas": 2, "maxReplicas": 10,
                        "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]},
               "status": {"currentReplicas": 0, "desiredReplicas": 0,
                          "conditions": [{"type": "AbleToScale", "status": "False", "reason": "FailedGetScale"}]}})
    }

    fn deployment(name: &str) -> serde_json::Value {
        json!({"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": name, "namespace": "shop"},
               "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                        "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": "api:2.1.0"}]}}}})
    }

    #[test]
    fn triggers_on_missing_target() {
        let snap = snapshot(
            &[
                deployment("checkout-v2"),
                hpa("checkout", "Deployment", "checkout"),
            ],
            &["StatefulSet"],
        );
        let found = run(&HpaTargetMissing, &snap);
        assert_eq!(found.len(), 1, "{found:?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_when_target_exists_or_kind_not_collected() {
        let snap = snapshot(
            &[
                deployment("checkout"),
                hpa("checkout", "Deployment", "checkout"),
                // StatefulSets were not collected: cannot tell.
                hpa("db", "StatefulSet", "db"),
                // A custom resource target is not judged.
                hpa("rollout", "Rollout", "web"),
            ],
            &[],
        );
        assert!(run(&HpaTargetMissing, &snap).is_empty());
    }
}
