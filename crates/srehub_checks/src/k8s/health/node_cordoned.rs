use srehub_core::{Check, Finding, Findings};

use super::count;
use crate::k8s::K8sInput;
use crate::k8s::input::resource;

srehub_core::declare_check! {
    /// ## What it checks
    /// Nodes with `spec.unschedulable: true` (cordoned with `kubectl cordon` or `kubectl drain`), and how
    /// many pods still run on them.
    ///
    /// ## Why it matters
    /// A cordoned node takes no new pods but still costs money and still runs what was not evicted. Nodes
    /// left cordoned after maintenance quietly shrink the cluster's capacity; a drain that stopped half-way
    /// (a PodDisruptionBudget, a pod with local storage) leaves workloads on a node about to be removed.
    ///
    /// ## How to fix
    /// Maintenance over: `kubectl uncordon NAME`. Otherwise finish the drain:
    /// `kubectl drain NAME --ignore-daemonsets --delete-emptydir-data`, look at what blocks it (PDBs with
    /// `ALLOWED DISRUPTIONS 0`), then remove the node.
    K8S103 NodeCordoned { name: "node-cordoned", severity: Warning, category: Health, group: "health" }
}

impl Check<K8sInput<'_>> for NodeCordoned {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for node in input.snap.nodes.iter().filter(|n| n.spec.unschedulable) {
            let name = &node.metadata.name;
            let running: Vec<_> = input
                .pods_on(name)
                .iter()
                .filter(|p| !matches!(p.status.phase.as_str(), "Succeeded" | "Failed"))
                .collect();
            // DaemonSet pods and static (mirror) pods stay on a drained node by design.
            let movable = running
                .iter()
                .filter(|p| !matches!(input.pod_controller(p), Some(("DaemonSet" | "Node", _))))
                .count();
            let pods = match (running.len(), movable) {
                (0, _) => "no pods run on it".to_string(),
                (n, 0) => {
                    format!(
                        "{} on it, all from DaemonSets or static manifests",
                        count(n, "pod still runs", "pods still run")
                    )
                }
                (n, m) => format!(
                    "{} on it, {m} of them not from DaemonSets or static manifests",
                    count(n, "pod still runs", "pods still run")
                ),
            };
            input.report(
                out,
                &Self::META,
                &node.metadata,
                Finding::new(&Self::META, format!("Node is cordoned (spec.unschedulable); {pods}"))
                    .resource(resource(&node.metadata))
                    .hint(format!(
                        "kubectl uncordon {name} if maintenance is over, else finish with kubectl drain {name} --ignore-daemonsets --delete-emptydir-data"
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

    fn node(name: &str, unschedulable: bool) -> serde_json::Value {
        let taints = if unschedulable {
            json!([{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": "2026-11-18T07:00:00Z"}])
        } else {
            json!(null)
        };
        json!({"kind": "Node", "apiVersion": "v1", "metadata": {"name": name},
               "spec": {"unschedulable": unschedulable, "taints": taints},
               "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
    }

    fn on(
        node: &str,
        ns: &str,
        name: &str,
        owner: serde_json::Value,
        phase: &str,
    ) -> serde_json::Value {
        pod(
            ns,
            name,
            json!({"metadata": {"ownerReferences": owner}, "spec": {"nodeName": node}, "status": {"phase": phase}}),
        )
    }

    #[test]
    fn triggers_on_cordoned_nodes() {
        let ds = json!([{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "kube-proxy", "controller": true}]);
        let rs = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "api-5d8f7c9b4", "controller": true}]);
        let snap = snapshot(
            &[
                node("node-1", true),
                node("node-2", true),
                node("node-3", false),
                on(
                    "node-1",
                    "kube-system",
                    "kube-proxy-x7k2p",
                    ds.clone(),
                    "Running",
                ),
                on("node-1", "shop", "api-5d8f7c9b4-abcde", rs, "Running"),
                on(
                    "node-1",
                    "shop",
                    "report-28912345-q8w4z",
                    json!(null),
                    "Succeeded",
                ),
                on("node-2", "kube-system", "kube-proxy-m2n4b", ds, "Running"),
            ],
            &[],
        );
        let found = run(&NodeCordoned, &snap);
        assert_eq!(found.len(), 2);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_schedulable_nodes() {
        assert!(run(&NodeCordoned, &snapshot(&[node("node-3", false)], &[])).is_empty());
    }
}
