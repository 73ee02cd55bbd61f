use srehub_core::{Check, Finding, Findings, Severity};

use super::duration;
use crate::k8s::K8sInput;
use crate::k8s::input::resource;
use srehub_model::k8s::condition;

srehub_core::declare_check! {
    /// ## What it checks
    /// Deployments whose `Progressing` condition is `False` with reason `ProgressDeadlineExceeded`: the
    /// rollout made no progress for `spec.progressDeadlineSeconds` (10 minutes by default). Also, as a
    /// warning, any Deployment, StatefulSet or DaemonSet whose `status.observedGeneration` is behind
    /// `metadata.generation`: its controller has not acted on the latest spec.
    ///
    /// ## Why it matters
    /// A stuck rollout leaves old and new pods side by side, often with reduced capacity, and Kubernetes
    /// does not roll back by itself. A controller that does not observe new generations (kube-controller-manager
    /// down, or a broken admission webhook on pods) means no change to the workload is applied at all.
    ///
    /// ## How to fix
    /// `kubectl -n NS rollout status deployment/NAME` and `kubectl -n NS describe rs` for the newest
    /// ReplicaSet: its events show quota, image-pull, scheduling or crash problems. Fix forward or
    /// `kubectl -n NS rollout undo deployment/NAME`. For an unobserved generation, check the
    /// kube-controller-manager (`kubectl -n kube-system logs -l component=kube-controller-manager`).
    K8S210 RolloutStuck { name: "rollout-stuck", severity: Critical, category: Health, group: "diagnose" }
}

impl Check<K8sInput<'_>> for RolloutStuck {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for w in &input.snap.workloads {
            let m = &w.metadata;
            if m.deletion_timestamp.is_some() {
                continue;
            }
            let kind = m.kind.to_lowercase();
            let stuck = (m.kind == "Deployment")
                .then(|| condition(&w.status.conditions, "Progressing"))
                .flatten()
                .filter(|c| c.status == "False" && c.reason == "ProgressDeadlineExceeded");
            let finding = if let Some(c) = stuck {
                let since = c
                    .last_transition_time
                    .map(|t| format!(" {} ago", duration(input.minutes_since(t))))
                    .unwrap_or_default();
                let why = if c.message.is_empty() {
                    String::new()
                } else {
                    format!(": {}", c.message.trim_end_matches('.'))
                };
                let updated = w.status.updated_replicas.unwrap_or(0);
                let available = w.status.available_replicas.unwrap_or(0);
                Finding::new(
                    &Self::META,
                    format!(
                        "Rollout exceeded its progress deadline{since} with {updated}/{} replicas updated and {available} available{why}",
                        w.desired()
                    ),
                )
                .hint(format!(
                    "kubectl -n {} describe rs -l {}; fix forward or kubectl -n {} rollout undo deployment/{}",
                    m.namespace,
                    w.spec
                        .selector
                        .as_ref()
                        .map(|s| s.match_labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","))
                        .filter(|s| !s.is_empty())
                        .unwrap_or_else(|| format!("<selector of {}>", m.name)),
                    m.namespace,
                    m.name
                ))
            } else if let Some(generation) = m.generation
                && w.status.observed_generation.is_none_or(|o| o < generation)
            {
                let observed = w
                    .status
                    .observed_generation
                    .map_or_else(|| "never observed".to_string(), |o| format!("observed {o}"));
                Finding::new(
                    &Self::META,
                    format!(
                        "{} spec generation {generation} has not been acted on by its controller (status {observed}): the latest change is not being rolled out",
                        m.kind
                    ),
                )
                .severity(Severity::Warning)
                .hint(format!(
                    "Check kube-controller-manager (kubectl -n kube-system logs -l component=kube-controller-manager) and kubectl -n {} describe {kind} {}",
                    m.namespace, m.name
                ))
            } else {
                continue;
            };
            input.report(out, &Self::META, m, finding.resource(resource(m)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    fn deployment(
        name: &str,
        generation: i64,
        observed: i64,
        progressing: serde_json::Value,
    ) -> serde_json::Value {
        json!({"kind": "Deployment", "apiVersion": "apps/v1",
               "metadata": {"name": name, "namespace": "shop", "generation": generation},
               "spec": {"replicas": 3, "progressDeadlineSeconds": 600, "selector": {"matchLabels": {"app": name}},
                        "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": "registry.example.com/app:1.2.4"}]}}},
               "status": {"observedGeneration": observed, "replicas": 4, "updatedReplicas": 1, "readyReplicas": 3,
                          "availableReplicas": 3, "unavailableReplicas": 1,
                          "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"}, progressing]}})
    }

    #[test]
    fn triggers_on_deadline_exceeded_and_unobserved_generation() {
        let stuck = deployment(
            "api",
            7,
            7,
            json!({"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                   "message": "ReplicaSet \"api-6f7c9d8b5\" has timed out progressing.",
                   "lastUpdateTime": "2026-11-20T09:15:00Z", "lastTransitionTime": "2026-11-20T09:15:00Z"}),
        );
        let unobserved = json!({"kind": "StatefulSet", "apiVersion": "apps/v1",
            "metadata": {"name": "postgres", "namespace": "data", "generation": 5},
            "spec": {"replicas": 3, "serviceName": "postgres", "template": {"spec": {"containers": [{"name": "db", "image": "postgres:16.4"}]}}},
            "status": {"observedGeneration": 4, "replicas": 3, "readyReplicas": 3, "availableReplicas": 3}});
        let found = run(&RolloutStuck, &snapshot(&[stuck, unobserved], &[]));
        assert_eq!(found.len(), 2);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_progressing_and_complete_rollouts() {
        let progressing = deployment(
            "api",
            7,
            7,
            json!({"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                   "message": "ReplicaSet \"api-6f7c9d8b5\" is progressing."}),
        );
        let complete = deployment(
            "web",
            3,
            3,
            json!({"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                   "message": "ReplicaSet \"web-5c4b8d7f9\" has successfully progressed."}),
        );
        // A manifest, not read from a server: no generation.
        let manifest = json!({"kind": "DaemonSet", "apiVersion": "apps/v1", "metadata": {"name": "agent", "namespace": "ops"},
            "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a:1"}]}}}});
        let found = run(
            &RolloutStuck,
            &snapshot(&[progressing, complete, manifest], &[]),
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
