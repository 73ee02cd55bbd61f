use srehub_core::{Check, Finding, Findings};

use crate::k8s::K8sInput;
use crate::k8s::input::resource;
use srehub_model::k8s::condition;

srehub_core::declare_check! {
    /// ## What it checks
    /// Nodes whose `Ready` condition is `False` or `Unknown`, or that report no `Ready` condition.
    ///
    /// ## Why it matters
    /// Pods on a NotReady node stop getting traffic and are evicted after the
    /// `node.kubernetes.io/unreachable` toleration (5 minutes by default); `Unknown` means the kubelet
    /// stopped posting status, usually a dead node, kubelet or network partition.
    ///
    /// ## How to fix
    /// `kubectl describe node NAME`; on the node, `systemctl status kubelet` and `journalctl -u kubelet`.
    /// Replace the node if it does not come back.
    K8S100 NodeNotReady { name: "node-not-ready", severity: Critical, category: Health, group: "health" }
}

impl Check<K8sInput<'_>> for NodeNotReady {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for node in &input.snap.nodes {
            let ready = condition(&node.status.conditions, "Ready");
            let message = match ready {
                Some(c) if c.status == "True" => continue,
                Some(c) => {
                    let since = c
                        .last_transition_time
                        .map(|t| format!(" for {} min", input.minutes_since(t)))
                        .unwrap_or_default();
                    let why = if c.message.is_empty() {
                        c.reason.clone()
                    } else {
                        c.message.clone()
                    };
                    format!(
                        "Node is {}{since}: {why}",
                        if c.status == "Unknown" {
                            "Unknown (kubelet not reporting)"
                        } else {
                            "NotReady"
                        }
                    )
                }
                None => "Node reports no Ready condition".to_string(),
            };
            let pods = input.pods_on(&node.metadata.name).len();
            input.report(
                out,
                &Self::META,
                &node.metadata,
                Finding::new(&Self::META, format!("{message} ({pods} pods scheduled on it)"))
                    .resource(resource(&node.metadata))
                    .hint("Check the kubelet on the node (systemctl status kubelet; journalctl -u kubelet) or replace the node"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    fn node(name: &str, ready: &str) -> serde_json::Value {
        json!({"kind": "Node", "apiVersion": "v1", "metadata": {"name": name},
               "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "NodeStatusUnknown",
                 "message": "Kubelet stopped posting node status.", "lastTransitionTime": "2026-11-20T09:30:00Z"}]}})
    }

    #[test]
    fn triggers_on_unknown_and_false() {
        let snap = snapshot(
            &[node("a", "Unknown"), node("b", "False"), node("c", "True")],
            &[],
        );
        let found = run(&NodeNotReady, &snap);
        assert_eq!(found.len(), 2);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_ready_nodes() {
        let snap = snapshot(&[node("c", "True")], &[]);
        assert!(run(&NodeNotReady, &snap).is_empty());
    }

    #[test]
    fn annotation_exempts_the_node() {
        let mut n = node("a", "Unknown");
        n["metadata"]["annotations"] = json!({"srehub.io/ignore": "K8S010, node-not-ready"});
        assert!(run(&NodeNotReady, &snapshot(&[n], &[])).is_empty());
    }
}
