use srehub_core::{Check, Finding, Findings};

use super::{count, duration};
use crate::k8s::K8sInput;
use crate::k8s::input::resource;
use srehub_model::k8s::{Pod, condition};

/// The control-plane components that run as static pods on self-managed clusters (kubeadm, RKE2, …).
const COMPONENTS: [&str; 4] = [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
];

srehub_core::declare_check! {
    /// ## What it checks
    /// The control-plane pods in `kube-system` (etcd, kube-apiserver, kube-controller-manager,
    /// kube-scheduler: static pods labelled `component: …` / `tier: control-plane`, or mirror pods named
    /// `<component>-<node>`) that are not `Running` and `Ready`, have a container waiting, or keep restarting
    /// (more than `restart-warning` restarts, the last one within `event-window-minutes`). Managed control
    /// planes (EKS, GKE, AKS) run no such pods, so nothing is reported there.
    ///
    /// ## Why it matters
    /// An unhealthy etcd member or API server replica is one failure away from losing quorum or the API;
    /// a broken controller-manager stops rollouts, node lifecycle and garbage collection; a broken scheduler
    /// leaves new pods Pending. Restarts usually mean OOM, expired certificates or etcd latency.
    ///
    /// ## How to fix
    /// On the node: `crictl ps -a --name COMPONENT` and `crictl logs ID`; the manifest is in
    /// `/etc/kubernetes/manifests/`. Check certificates (`kubeadm certs check-expiration`), etcd health
    /// (`etcdctl endpoint health --cluster`) and the node's memory and disk latency.
    K8S105 ControlPlaneComponentUnhealthy { name: "control-plane-component-unhealthy", severity: Critical, category: Health, group: "health" }
}

/// The control-plane component a pod runs, if it is one.
fn component(pod: &Pod) -> Option<&'static str> {
    let m = &pod.metadata;
    if m.namespace != "kube-system" {
        return None;
    }
    if let Some(c) = m.labels.get("component")
        && let Some(found) = COMPONENTS.iter().find(|x| **x == c.as_str())
    {
        return Some(found);
    }
    // Static pods without the kubeadm labels: `<component>-<node>`, mirrored by the kubelet with the Node as
    // owner, or labelled `tier: control-plane`.
    let is_mirror = m.controller().is_some_and(|o| o.kind == "Node");
    let tier = m.labels.get("tier").is_some_and(|t| t == "control-plane");
    if !(is_mirror || tier) {
        return None;
    }
    COMPONENTS
        .iter()
        .find(|c| {
            m.name
                .strip_prefix(**c)
                .is_some_and(|rest| rest.starts_with('-'))
        })
        .copied()
}

impl Check<K8sInput<'_>> for ControlPlaneComponentUnhealthy {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let window = i64::from(input.settings.event_window_minutes);
        for pod in &input.snap.pods {
            if pod.metadata.deletion_timestamp.is_some() {
                continue;
            }
            let Some(comp) = component(pod) else {
                continue;
            };
            let mut problems = Vec::new();
            let phase = pod.status.phase.as_str();
            if phase != "Running" {
                let phase = if phase.is_empty() { "unknown" } else { phase };
                let reason = if pod.status.reason.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", pod.status.reason)
                };
                problems.push(format!("phase {phase}{reason}"));
            } else if condition(&pod.status.conditions, "Ready").is_none_or(|c| c.status != "True")
            {
                problems.push("not Ready".to_string());
            }
            for cs in &pod.status.container_statuses {
                if let Some(w) = &cs.state.waiting {
                    let reason = if w.reason.is_empty() {
                        "no reason given"
                    } else {
                        w.reason.as_str()
                    };
                    problems.push(format!("container `{}` waiting ({reason})", cs.name));
                }
                if cs.restart_count <= input.settings.restart_warning {
                    continue;
                }
                let last = cs.last_state.terminated.as_ref();
                let ago = last
                    .and_then(|t| t.finished_at)
                    .map(|t| input.minutes_since(t));
                // A cumulative count alone is history (node reboots, past upgrades): report restarts when recent,
                // or as context for a pod that is unhealthy now.
                if ago.is_none_or(|m| m > window) && problems.is_empty() {
                    continue;
                }
                let detail = last
                    .map(|t| {
                        let reason = if t.reason.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", t.reason)
                        };
                        let when = ago
                            .map(|m| format!(" {} ago", duration(m)))
                            .unwrap_or_default();
                        format!(
                            ", last exit code {}{reason}{when}",
                            t.exit_code.unwrap_or_default()
                        )
                    })
                    .unwrap_or_default();
                problems.push(format!(
                    "container `{}` restarted {}{detail}",
                    cs.name,
                    count(cs.restart_count, "time", "times")
                ));
            }
            if problems.is_empty() {
                continue;
            }
            let node = &pod.spec.node_name;
            let on = if node.is_empty() {
                String::new()
            } else {
                format!(" on node {node}")
            };
            let hint = if node.is_empty() {
                format!(
                    "kubectl -n kube-system describe pod {}; on its node: crictl ps -a --name {comp}, crictl logs ID",
                    pod.metadata.name
                )
            } else {
                format!(
                    "On node {node}: crictl ps -a --name {comp}, then crictl logs ID; check /etc/kubernetes/manifests/{comp}.yaml"
                )
            };
            input.report(
                out,
                &Self::META,
                &pod.metadata,
                Finding::new(
                    &Self::META,
                    format!("{comp}{on} is unhealthy: {}", problems.join("; ")),
                )
                .resource(resource(&pod.metadata))
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

    fn static_pod(comp: &str, node: &str, patch: serde_json::Value) -> serde_json::Value {
        let mut p = pod(
            "kube-system",
            &format!("{comp}-{node}"),
            json!({"metadata": {"labels": {"component": comp, "tier": "control-plane", "app": null},
                     "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": node, "controller": true}]},
                   "spec": {"nodeName": node, "containers": [{"name": comp, "image": format!("registry.k8s.io/{comp}:v1.30.4")}]},
                   "status": {"containerStatuses": [{"name": comp, "ready": true, "restartCount": 0,
                     "image": format!("registry.k8s.io/{comp}:v1.30.4"), "state": {"running": {"startedAt": "2026-11-01T00:00:00Z"}}}]}}),
        );
        crate::k8s::testing::merge(&mut p, patch);
        p
    }

    #[test]
    fn triggers_on_unready_and_restarting_components() {
        let apiserver = static_pod(
            "kube-apiserver",
            "cp-1",
            json!({"status": {"conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}],
                "containerStatuses": [{"name": "kube-apiserver", "ready": false, "restartCount": 23,
                  "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
                  "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-11-20T09:57:00Z"}}}]}}),
        );
        let etcd = static_pod(
            "etcd",
            "cp-2",
            json!({"status": {"containerStatuses": [{"name": "etcd", "ready": true, "restartCount": 9,
                "state": {"running": {"startedAt": "2026-11-20T09:40:00Z"}},
                "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": "2026-11-20T09:39:58Z"}}}]}}),
        );
        // Labelled only by name, as some installers do.
        let unlabelled = pod(
            "kube-system",
            "kube-scheduler-cp-3",
            json!({"metadata": {"labels": null, "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": "cp-3", "controller": true}]},
                   "spec": {"nodeName": "cp-3"}, "status": {"phase": "Pending", "conditions": null, "containerStatuses": null}}),
        );
        let healthy = static_pod("kube-controller-manager", "cp-1", json!({}));
        let found = run(
            &ControlPlaneComponentUnhealthy,
            &snapshot(&[apiserver, etcd, unlabelled, healthy], &[]),
        );
        assert_eq!(found.len(), 3);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_healthy_old_restarts_and_lookalikes() {
        // Restarted long ago (node reboots): history, not a problem now.
        let scheduler = static_pod(
            "kube-scheduler",
            "cp-1",
            json!({"status": {"containerStatuses": [{"name": "kube-scheduler", "ready": true, "restartCount": 12,
                "state": {"running": {"startedAt": "2026-10-02T00:00:00Z"}},
                "lastState": {"terminated": {"exitCode": 2, "reason": "Error", "finishedAt": "2026-10-01T23:59:00Z"}}}]}}),
        );
        // An etcd operator Deployment pod in kube-system is not a control-plane member.
        let lookalike = pod(
            "kube-system",
            "etcd-operator-6b9f7d8c5-x2x9q",
            json!({"metadata": {"ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "etcd-operator-6b9f7d8c5", "controller": true}]},
                   "status": {"phase": "Pending", "conditions": null}}),
        );
        // Being deleted during an upgrade.
        let leaving = static_pod(
            "etcd",
            "cp-9",
            json!({"metadata": {"deletionTimestamp": "2026-11-20T09:59:00Z"}, "status": {"phase": "Pending"}}),
        );
        let snap = snapshot(
            &[
                static_pod("etcd", "cp-1", json!({})),
                scheduler,
                lookalike,
                leaving,
            ],
            &[],
        );
        assert!(run(&ControlPlaneComponentUnhealthy, &snap).is_empty());
    }
}
