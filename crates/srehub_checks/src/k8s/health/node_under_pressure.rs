use srehub_core::{Check, Finding, Findings};

use super::{count, duration};
use crate::k8s::K8sInput;
use crate::k8s::input::resource;
use srehub_model::k8s::condition;

/// The pressure conditions a kubelet reports, in the order they are listed.
const PRESSURES: [&str; 3] = ["MemoryPressure", "DiskPressure", "PIDPressure"];

srehub_core::declare_check! {
    /// ## What it checks
    /// Nodes whose kubelet reports `MemoryPressure`, `DiskPressure` or `PIDPressure` as `True`; one
    /// finding per node, listing every pressure.
    ///
    /// ## Why it matters
    /// Under pressure the kubelet evicts pods (BestEffort first, then Burstable pods above their requests)
    /// and the node gets the `node.kubernetes.io/{memory,disk,pid}-pressure:NoSchedule` taint, so nothing
    /// new lands there. Disk pressure also triggers image garbage collection, slowing the next pod starts.
    ///
    /// ## How to fix
    /// `kubectl describe node NAME` (Conditions, Allocated resources, Events with `Evicted`/`FreeDiskSpaceFailed`).
    /// Memory: find the top consumers with `kubectl top pods -A --sort-by=memory` and set `resources.limits.memory`
    /// on them. Disk: on the node, `crictl rmi --prune`, clean up logs and `emptyDir` volumes, or grow the
    /// root/image filesystem. PID: find the process leak (`ps -eLf | wc -l`) and set the kubelet's `podPidsLimit`.
    K8S101 NodeUnderPressure { name: "node-under-pressure", severity: Critical, category: Health, group: "health" }
}

impl Check<K8sInput<'_>> for NodeUnderPressure {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for node in &input.snap.nodes {
            let active: Vec<String> = PRESSURES
                .iter()
                .filter_map(|p| condition(&node.status.conditions, p))
                .filter(|c| c.status == "True")
                .map(|c| {
                    let since = c
                        .last_transition_time
                        .map(|t| format!(" for {}", duration(input.minutes_since(t))))
                        .unwrap_or_default();
                    let why = if c.message.is_empty() {
                        c.reason.as_str()
                    } else {
                        c.message.trim_end_matches('.')
                    };
                    if why.is_empty() {
                        format!("{}{since}", c.type_)
                    } else {
                        format!("{}{since} ({why})", c.type_)
                    }
                })
                .collect();
            if active.is_empty() {
                continue;
            }
            let pods = input.pods_on(&node.metadata.name).len();
            input.report(
                out,
                &Self::META,
                &node.metadata,
                Finding::new(
                    &Self::META,
                    format!("Node reports {}; {} scheduled on it", active.join(", "), count(pods, "pod", "pods")),
                )
                .resource(resource(&node.metadata))
                .hint(format!(
                    "kubectl describe node {} (Conditions, Events); free memory (kubectl top pods -A --sort-by=memory), disk (crictl rmi --prune, logs, emptyDirs) or PIDs, or drain the node",node.metadata.name
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

    fn node(name: &str, memory: &str, disk: &str, pid: &str) -> serde_json::Value {
        json!({"kind": "Node", "apiVersion": "v1", "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
               "status": {"conditions": [
                 {"type": "MemoryPressure", "status": memory, "reason": if memory == "True" { "KubeletHasInsufficientMemory" } else { "KubeletHasSufficientMemory" },
                  "message": if memory == "True" { "kubelet has insufficient memory available" } else { "kubelet has sufficient memory available" },
                  "lastHeartbeatTime": "2026-11-20T09:59:00Z", "lastTransitionTime": "2026-11-20T08:45:00Z"},
                 {"type": "DiskPressure", "status": disk, "reason": if disk == "True" { "KubeletHasDiskPressure" } else { "KubeletHasNoDiskPressure" },
                  "message": if disk == "True" { "kubelet has disk pressure" } else { "kubelet has no disk pressure" },
                  "lastHeartbeatTime": "2026-11-20T09:59:00Z", "lastTransitionTime": "2026-11-20T09:48:00Z"},
                 {"type": "PIDPressure", "status": pid, "reason": "KubeletHasSufficientPID",
                  "message": "kubelet has sufficient PID available", "lastHeartbeatTime": "2026-11-20T09:59:00Z",
                  "lastTransitionTime": "2026-11-01T00:00:00Z"},
                 {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}]}})
    }

    #[test]
    fn triggers_once_per_node_listing_pressures() {
        let snap = snapshot(
            &[
                node("node-1", "True", "True", "False"),
                node("node-2", "False", "False", "False"),
                pod("shop", "api-0", json!({})),
            ],
            &[],
        );
        let found = run(&NodeUnderPressure, &snap);
        assert_eq!(found.len(), 1);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_without_pressure_or_conditions() {
        let bare = json!({"kind": "Node", "apiVersion": "v1", "metadata": {"name": "node-3"}});
        let snap = snapshot(&[node("node-2", "False", "False", "False"), bare], &[]);
        assert!(run(&NodeUnderPressure, &snap).is_empty());
    }
}
