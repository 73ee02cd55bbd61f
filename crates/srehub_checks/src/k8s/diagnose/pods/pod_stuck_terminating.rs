use srehub_core::{Check, Finding, Findings};

use super::{duration, pod_resource};
use crate::k8s::K8sInput;

/// The API's default `terminationGracePeriodSeconds`.
const DEFAULT_GRACE_SECONDS: i64 = 30;

srehub_core::declare_check! {
    /// ## What it checks
    /// Pods with a `deletionTimestamp` that still exist more than `doctor.stuck-terminating-minutes` after
    /// their grace period (`deletionGracePeriodSeconds`, else `spec.terminationGracePeriodSeconds`, else
    /// 30 s) ran out. The finding says whether the pod's node is NotReady or gone, the usual cause.
    ///
    /// ## Why it matters
    /// A pod stuck in `Terminating` still counts for its controller: a StatefulSet will not create the
    /// replacement ordinal, a ReadWriteOnce volume stays attached, and a rollout or drain waits on it. On a
    /// dead node the kubelet can never confirm the containers stopped, so the API server keeps the pod.
    ///
    /// ## How to fix
    /// If the node is NotReady or gone: recover the node, or delete the Node object
    /// (`kubectl delete node NODE`) once it is really down, and the pod is removed. Otherwise look at
    /// `metadata.finalizers` (`kubectl get pod -n NS POD -o jsonpath='{.metadata.finalizers}'`) and the
    /// controller that owns each finalizer, and at the kubelet log for a hung volume unmount or container
    /// stop. `kubectl delete pod -n NS POD --grace-period=0 --force` is the last resort: it removes the
    /// object without confirming the containers stopped (a StatefulSet pod can then run twice).
    K8S205 PodStuckTerminating { name: "pod-stuck-terminating", severity: Warning, category: Health, group: "diagnose" }
}

impl Check<K8sInput<'_>> for PodStuckTerminating {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let now = input.now.as_second();
        let stuck_after = i64::from(input.settings.stuck_terminating_minutes) * 60;
        for pod in &input.snap.pods {
            let m = &pod.metadata;
            let Some(deletion) = m.deletion_timestamp else {
                continue;
            };
            let grace = m
                .deletion_grace_period_seconds
                .or(pod.spec.termination_grace_period_seconds)
                .unwrap_or(DEFAULT_GRACE_SECONDS)
                .max(0);
            let deadline = deletion
                .as_second()
                .saturating_add(grace)
                .saturating_add(stuck_after);
            if now <= deadline {
                continue;
            }
            // The API server sets deletionTimestamp to the request time plus the grace period.
            let requested = deletion
                .as_second()
                .saturating_sub(m.deletion_grace_period_seconds.unwrap_or(0).max(0));
            let minutes = now.saturating_sub(requested) / 60;
            let node = pod.spec.node_name.as_str();
            let (where_, node_down) = if node.is_empty() {
                (" and was never scheduled to a node".to_string(), false)
            } else {
                match input.node(node) {
                    None if input.snap.has("Node") => {
                        (format!(" on node `{node}`, which no longer exists"), true)
                    }
                    None => (format!(" on node `{node}`"), false),
                    Some(n) => match n.ready_status() {
                        "True" => (format!(" on node `{node}` (Ready)"), false),
                        "Unknown" => (
                            format!(" on node `{node}`, which is NotReady (kubelet not reporting)"),
                            true,
                        ),
                        _ => (format!(" on node `{node}`, which is NotReady"), true),
                    },
                }
            };
            let force = format!(
                "kubectl delete pod -n {} {} --grace-period=0 --force",
                m.namespace, m.name
            );
            let hint = if node_down {
                format!(
                    "Recover node `{node}` or, once it is really down, delete it (kubectl delete node {node}) so its pods are removed; `{force}` only as the last resort"
                )
            } else {
                format!(
                    "Check metadata.finalizers (kubectl get pod -n {} {} -o jsonpath='{{.metadata.finalizers}}') and the kubelet log for a hung unmount or container stop; `{force}` only as the last resort",
                    m.namespace, m.name
                )
            };
            input.report(
                out,
                &Self::META,
                m,
                Finding::new(
                    &Self::META,
                    format!(
                        "Pod has been terminating for {} (grace period {grace} s){where_}",
                        duration(minutes)
                    ),
                )
                .resource(pod_resource(pod))
                .hint(hint),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{pod, run, snapshot};
    use serde_json::json;

    fn node(name: &str, ready: &str) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
               "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "NodeStatusUnknown",
                 "message": "Kubelet stopped posting node status.", "lastTransitionTime": "2026-11-20T08:55:00Z"}]}})
    }

    fn terminating(name: &str, node: &str, deletion: &str, grace: i64) -> serde_json::Value {
        pod(
            "orders",
            name,
            json!({"metadata": {"deletionTimestamp": deletion, "deletionGracePeriodSeconds": grace},
                   "spec": {"nodeName": node, "terminationGracePeriodSeconds": grace}}),
        )
    }

    #[test]
    fn triggers_on_pods_stuck_past_their_grace_period() {
        let snap = snapshot(
            &[
                node("node-a", "Unknown"),
                node("node-b", "True"),
                terminating("db-0", "node-a", "2026-11-20T09:00:30Z", 30),
                terminating("api-1", "node-b", "2026-11-20T09:40:00Z", 60),
                terminating("gone-0", "node-z", "2026-11-20T07:00:30Z", 30),
            ],
            &[],
        );
        let found = run(&PodStuckTerminating, &snap);
        assert_eq!(found.len(), 3);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_within_the_grace_period_and_margin() {
        // deletionTimestamp 09:56 + 120 s grace + 5 min margin = 10:03, after now (10:00).
        let snap = snapshot(
            &[
                node("node-b", "True"),
                terminating("draining", "node-b", "2026-11-20T09:56:00Z", 120),
                pod("orders", "ok", json!({"spec": {"nodeName": "node-b"}})),
            ],
            &[],
        );
        assert!(run(&PodStuckTerminating, &snap).is_empty());
    }
}
