use srehub_core::{Check, Finding, Findings};

use super::{count, duration};
use crate::k8s::K8sInput;
use crate::k8s::input::resource;
use srehub_model::k8s::condition;

srehub_core::declare_check! {
    /// ## What it checks
    /// Nodes whose `NetworkUnavailable` condition is `True`: the network plugin (or the cloud route
    /// controller) has not configured pod networking on the node.
    ///
    /// ## Why it matters
    /// The node carries the `node.kubernetes.io/network-unavailable:NoSchedule` taint, and pods already on it
    /// cannot reach, or be reached by, pods on other nodes: Services backed by them fail intermittently.
    ///
    /// ## How to fix
    /// Check the CNI pod on that node: `kubectl -n kube-system get pods -o wide --field-selector spec.nodeName=NAME`
    /// (calico-node, cilium, aws-node, …) and its logs. On clouds using routes (GKE routes-based, kubenet on
    /// AKS/AWS), check the cloud-controller-manager's route controller (`RouteCreated` should be set) and route
    /// table quotas.
    K8S102 NodeNetworkUnavailable { name: "node-network-unavailable", severity: Critical, category: Health, group: "health" }
}

impl Check<K8sInput<'_>> for NodeNetworkUnavailable {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for node in &input.snap.nodes {
            let Some(c) = condition(&node.status.conditions, "NetworkUnavailable")
                .filter(|c| c.status == "True")
            else {
                continue;
            };
            let since = c
                .last_transition_time
                .map(|t| format!(" for {}", duration(input.minutes_since(t))))
                .unwrap_or_default();
            let why = match (c.reason.is_empty(), c.message.is_empty()) {
                (true, true) => String::new(),
                (false, true) => format!(": {}", c.reason),
                (true, false) => format!(": {}", c.message.trim_end_matches('.')),
                (false, false) => format!(": {} ({})", c.message.trim_end_matches('.'), c.reason),
            };
            let pods = input.pods_on(&node.metadata.name).len();
            let name = &node.metadata.name;
            input.report(
                out,
                &Self::META,
                &node.metadata,
                Finding::new(
                    &Self::META,
                    format!("Node network is unavailable{since}{why}; {} scheduled on it", count(pods, "pod", "pods")),
                )
                .resource(resource(&node.metadata))
                .hint(format!(
                    "Check the CNI pod on the node: kubectl -n kube-system get pods -o wide --field-selector spec.nodeName={name}, then its logs"
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

    fn node(name: &str, status: &str, reason: &str, message: &str) -> serde_json::Value {
        json!({"kind": "Node", "apiVersion": "v1", "metadata": {"name": name},
               "status": {"conditions": [
                 {"type": "NetworkUnavailable", "status": status, "reason": reason, "message": message,
                  "lastHeartbeatTime": "2026-11-20T09:20:00Z", "lastTransitionTime": "2026-11-20T09:20:00Z"},
                 {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}]}})
    }

    #[test]
    fn triggers_on_network_unavailable() {
        let snap = snapshot(
            &[
                node(
                    "node-1",
                    "True",
                    "NoRouteCreated",
                    "Node created without a route",
                ),
                node(
                    "node-2",
                    "False",
                    "CalicoIsUp",
                    "Calico is running on this node",
                ),
            ],
            &[],
        );
        let found = run(&NodeNetworkUnavailable, &snap);
        assert_eq!(found.len(), 1);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_when_network_is_up_or_condition_absent() {
        let bare = json!({"kind": "Node", "apiVersion": "v1", "metadata": {"name": "node-3"}, "status": {"conditions": null}});
        let snap = snapshot(
            &[
                node(
                    "node-2",
                    "False",
                    "RouteCreated",
                    "RouteController created a route",
                ),
                bare,
            ],
            &[],
        );
        assert!(run(&NodeNetworkUnavailable, &snap).is_empty());
    }
}
