use srehub_core::{Check, Finding, Findings};

use crate::k8s::K8sInput;
use crate::k8s::input::resource;

srehub_core::declare_check! {
    /// ## What it checks
    /// Clusters with exactly one node labelled `node-role.kubernetes.io/control-plane` (or the older
    /// `node-role.kubernetes.io/master`). Managed clusters, whose control plane has no nodes, are not
    /// reported.
    ///
    /// ## Why it matters
    /// That node holds the only API server and, on kubeadm clusters, the only etcd member: a reboot, a full
    /// disk or a failed upgrade takes the API down (no deploys, no scaling, no self-healing), and losing its
    /// disk loses the cluster state unless etcd is backed up.
    ///
    /// ## How to fix
    /// Run three control-plane nodes (an odd number, for etcd quorum) behind a load balancer:
    /// `kubeadm join … --control-plane` with a `controlPlaneEndpoint` set. Until then, back up etcd
    /// (`etcdctl snapshot save`) on a schedule and off the node.
    K8S107 SingleControlPlaneNode { name: "single-control-plane-node", severity: Warning, category: Reliability, group: "health" }
}

impl Check<K8sInput<'_>> for SingleControlPlaneNode {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let nodes = &input.snap.nodes;
        let mut control_plane = nodes.iter().filter(|n| n.is_control_plane());
        let (Some(only), None) = (control_plane.next(), control_plane.next()) else {
            return;
        };
        input.report(
            out,
            &Self::META,
            &only.metadata,
            Finding::new(
                &Self::META,
                format!(
                    "Node is the only control-plane node of the cluster's {} nodes: the API server and etcd have no redundancy",
                    nodes.len()
                ),
            )
            .resource(resource(&only.metadata))
            .hint("Add two control-plane nodes (kubeadm join --control-plane) behind a load-balanced controlPlaneEndpoint; back up etcd meanwhile"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    fn node(name: &str, role: Option<&str>) -> serde_json::Value {
        let mut labels = json!({"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"});
        if let Some(r) = role {
            labels[format!("node-role.kubernetes.io/{r}")] = json!("");
        }
        json!({"kind": "Node", "apiVersion": "v1", "metadata": {"name": name, "labels": labels},
               "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
    }

    #[test]
    fn triggers_on_one_control_plane_node() {
        let snap = snapshot(
            &[
                node("cp-1", Some("control-plane")),
                node("worker-1", None),
                node("worker-2", None),
            ],
            &[],
        );
        let found = run(&SingleControlPlaneNode, &snap);
        assert_eq!(found.len(), 1);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_ha_and_managed_control_planes() {
        let ha = snapshot(
            &[
                node("cp-1", Some("control-plane")),
                node("cp-2", Some("master")),
                node("cp-3", Some("control-plane")),
                node("w", None),
            ],
            &[],
        );
        assert!(run(&SingleControlPlaneNode, &ha).is_empty());
        let managed = snapshot(
            &[
                node("ip-10-0-1-12.ec2.internal", None),
                node("ip-10-0-2-40.ec2.internal", None),
            ],
            &[],
        );
        assert!(run(&SingleControlPlaneNode, &managed).is_empty());
        assert!(run(&SingleControlPlaneNode, &snapshot(&[], &["Node"])).is_empty());
    }
}
