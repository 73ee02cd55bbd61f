use srehub_core::{Check, Finding, Findings, Severity};

use crate::k8s::K8sInput;
use crate::k8s::input::resource;
use srehub_model::k8s::{Workload, WorkloadStatus, condition};

srehub_core::declare_check! {
    /// ## What it checks
    /// Deployments, StatefulSets and DaemonSets with fewer available pods than desired; critical when none
    /// is available. Workloads scaled to zero are skipped, and so is a Deployment in the middle of a rollout
    /// (`Progressing` with reason `ReplicaSetUpdated`) that still has pods available: a rollout that stops
    /// making progress is reported by `rollout-stuck`.
    ///
    /// ## Why it matters
    /// Missing replicas mean less capacity and less redundancy than planned: the remaining pods take all
    /// the load, and one more failure (a node drain, a crash) can take the service down. With zero
    /// available, it is down.
    ///
    /// ## How to fix
    /// `kubectl -n NS describe deployment|statefulset|daemonset NAME` and the pods it owns
    /// (`kubectl -n NS get pods -l SELECTOR -o wide`): Pending pods point to capacity, quota, affinity or
    /// volume problems; crashing or unready pods to the application or its probes.
    K8S209 WorkloadReplicasUnavailable { name: "workload-replicas-unavailable", severity: Warning, category: Health, group: "diagnose" }
}

/// Whether a Deployment is rolling out now, within its progress deadline.
fn rolling_out(w: &Workload) -> bool {
    w.metadata.kind == "Deployment"
        && condition(&w.status.conditions, "Progressing").is_some_and(|c| {
            c.status == "True"
                && matches!(
                    c.reason.as_str(),
                    "ReplicaSetUpdated" | "NewReplicaSetCreated" | "FoundNewReplicaSet"
                )
        })
}

impl Check<K8sInput<'_>> for WorkloadReplicasUnavailable {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for w in &input.snap.workloads {
            let m = &w.metadata;
            // Objects without status and generation were not read from an API server (manifests).
            if m.deletion_timestamp.is_some()
                || (m.generation.is_none() && w.status == WorkloadStatus::default())
            {
                continue;
            }
            let (desired, available) = (w.desired(), w.available());
            if desired <= 0 || available >= desired || (available > 0 && rolling_out(w)) {
                continue;
            }
            let unit = if m.kind == "DaemonSet" {
                "pods"
            } else {
                "replicas"
            };
            let ready = if m.kind == "DaemonSet" {
                w.status.number_ready
            } else {
                w.status.ready_replicas
            };
            let ready = match ready {
                Some(r) if r != available => format!(", {r} ready"),
                _ => String::new(),
            };
            let selector = w
                .spec
                .selector
                .as_ref()
                .map(|s| {
                    s.match_labels
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .filter(|s| !s.is_empty());
            let hint = match selector {
                Some(sel) => format!(
                    "kubectl -n {} get pods -l {sel} -o wide, then kubectl describe the pods that are not Ready",
                    m.namespace
                ),
                None => format!(
                    "kubectl -n {} describe {} {}",
                    m.namespace,
                    m.kind.to_lowercase(),
                    m.name
                ),
            };
            let mut finding = Finding::new(
                &Self::META,
                format!(
                    "{} has {available}/{desired} {unit} available{ready}",
                    m.kind
                ),
            )
            .resource(resource(m))
            .hint(hint);
            if available <= 0 {
                finding = finding.severity(Severity::Critical);
            }
            input.report(out, &Self::META, m, finding);
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
        replicas: i32,
        available: i32,
        progressing: &str,
    ) -> serde_json::Value {
        json!({"kind": "Deployment", "apiVersion": "apps/v1",
               "metadata": {"name": name, "namespace": "shop", "generation": 4},
               "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                        "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": "registry.example.com/app:1.2.3"}]}}},
               "status": {"observedGeneration": 4, "replicas": replicas, "updatedReplicas": replicas, "readyReplicas": available,
                          "availableReplicas": if available > 0 { json!(available) } else { json!(null) },
                          "unavailableReplicas": replicas - available,
                          "conditions": [
                            {"type": "Available", "status": if available >= replicas { "True" } else { "False" }, "reason": "MinimumReplicasUnavailable"},
                            {"type": "Progressing", "status": "True", "reason": progressing}]}})
    }

    fn statefulset(name: &str, replicas: i32, ready: i32) -> serde_json::Value {
        json!({"kind": "StatefulSet", "apiVersion": "apps/v1",
               "metadata": {"name": name, "namespace": "data", "generation": 2},
               "spec": {"replicas": replicas, "serviceName": name, "selector": {"matchLabels": {"app": name}},
                        "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "db", "image": "postgres:16"}]}}},
               "status": {"observedGeneration": 2, "replicas": replicas, "readyReplicas": ready, "availableReplicas": ready,
                          "currentReplicas": replicas, "updatedReplicas": replicas}})
    }

    fn daemonset(name: &str, desired: i32, available: i32) -> serde_json::Value {
        json!({"kind": "DaemonSet", "apiVersion": "apps/v1",
               "metadata": {"name": name, "namespace": "logging", "generation": 1},
               "spec": {"selector": {"matchLabels": {"app": name}},
                        "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "agent", "image": "fluent/fluent-bit:3.1"}]}}},
               "status": {"observedGeneration": 1, "desiredNumberScheduled": desired, "currentNumberScheduled": desired,
                          "numberReady": available, "numberAvailable": available, "numberUnavailable": desired - available}})
    }

    #[test]
    fn triggers_on_missing_replicas() {
        let snap = snapshot(
            &[
                deployment("api", 3, 0, "NewReplicaSetAvailable"),
                deployment("web", 4, 2, "NewReplicaSetAvailable"),
                statefulset("postgres", 3, 2),
                daemonset("fluent-bit", 6, 5),
            ],
            &[],
        );
        let found = run(&WorkloadReplicasUnavailable, &snap);
        assert_eq!(found.len(), 4);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_healthy_scaled_to_zero_and_rolling_out() {
        let snap = snapshot(
            &[
                deployment("api", 3, 3, "NewReplicaSetAvailable"),
                deployment("idle", 0, 0, "NewReplicaSetAvailable"),
                deployment("web", 4, 3, "ReplicaSetUpdated"),
                statefulset("postgres", 3, 3),
                daemonset("fluent-bit", 6, 6),
                daemonset("gpu-exporter", 0, 0),
            ],
            &[],
        );
        let found = run(&WorkloadReplicasUnavailable, &snap);
        assert!(found.is_empty(), "{found:?}");
    }
}
