use srehub_core::{Check, Finding, Findings, Severity};

use crate::k8s::K8sInput;
use crate::k8s::input::resource;
use srehub_model::k8s::parse_minor;

srehub_core::declare_check! {
    /// ## What it checks
    /// Kubelet versions against the API server's, per the Kubernetes version skew policy: a kubelet must
    /// not be newer than the API server, and may be at most 3 minor versions older (2 before Kubernetes
    /// 1.28). Either is reported as critical. Also (warning) kubelets more than one minor version behind the
    /// newest kubelet in the cluster: an upgrade left half-done. Nothing is reported without the API
    /// server's version.
    ///
    /// ## Why it matters
    /// Outside the supported skew the kubelet and the API server may disagree on API fields and behaviour:
    /// pods fail in odd ways and the next control-plane upgrade pushes the node further out of support
    /// (upgrades go one minor version at a time). Mixed node versions also make behaviour differ by node.
    ///
    /// ## How to fix
    /// Upgrade the control plane first, then node pools, one minor version at a time: roll nodes to the
    /// new version (`kubeadm upgrade node` and a kubelet package upgrade; a managed node-group or node-pool
    /// upgrade on EKS/GKE/AKS), draining each node. Replace nodes that are too old to upgrade in place.
    K8S104 KubeletVersionSkew { name: "kubelet-version-skew", severity: Warning, category: Health, group: "health" }
}

impl Check<K8sInput<'_>> for KubeletVersionSkew {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let Some(server) = input.snap.server_version.as_ref() else {
            return;
        };
        let Some((s_major, s_minor)) = server.minor_version() else {
            return;
        };
        let server_text = if server.git_version.is_empty() {
            format!("{s_major}.{s_minor}")
        } else {
            server.git_version.clone()
        };
        let allowed: u32 = if s_minor >= 28 { 3 } else { 2 };
        let kubelets: Vec<_> = input
            .snap
            .nodes
            .iter()
            .filter_map(|n| {
                let v = &n.status.node_info.kubelet_version;
                let (major, minor) = parse_minor(v)?;
                (major == s_major).then_some((n, v.as_str(), minor))
            })
            .collect();
        // The newest supported kubelet: one newer than the API server is reported on its own.
        let newest = kubelets
            .iter()
            .filter(|(_, _, minor)| *minor <= s_minor)
            .map(|(_, v, minor)| (*minor, *v))
            .max_by_key(|(m, _)| *m);
        for (node, version, minor) in &kubelets {
            let (minor, version) = (*minor, *version);
            let finding = if minor > s_minor {
                Finding::new(
                    &Self::META,
                    format!(
                        "Kubelet {version} is newer than the API server ({server_text}), which the version skew policy does not support"
                    ),
                )
                .severity(Severity::Critical)
                .hint("Upgrade the control plane to at least the kubelet's minor version, or roll the node back to a supported kubelet")
            } else if s_minor - minor > allowed {
                Finding::new(
                    &Self::META,
                    format!(
                        "Kubelet {version} is {} minor versions behind the API server ({server_text}); at most {allowed} are supported",
                        s_minor - minor
                    ),
                )
                .severity(Severity::Critical)
                .hint("Upgrade the node (kubelet) one minor version at a time, or replace it with a node of the current version")
            } else if let Some((n_minor, n_version)) = newest
                && n_minor > minor + 1
            {
                Finding::new(
                    &Self::META,
                    format!(
                        "Kubelet {version} is {} minor versions behind the newest kubelet in the cluster ({n_version}); a node upgrade looks unfinished",
                        n_minor - minor
                    ),
                )
                .hint("Finish the node upgrade: roll this node (or its node pool) to the version of the other nodes")
            } else {
                continue;
            };
            input.report(
                out,
                &Self::META,
                &node.metadata,
                finding.resource(resource(&node.metadata)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;
    use srehub_model::k8s::ServerVersion;

    fn node(name: &str, kubelet: &str) -> serde_json::Value {
        json!({"kind": "Node", "apiVersion": "v1", "metadata": {"name": name},
               "status": {"nodeInfo": {"kubeletVersion": kubelet, "kubeProxyVersion": kubelet,
                 "containerRuntimeVersion": "containerd://1.7.22", "osImage": "Ubuntu 22.04.4 LTS", "kernelVersion": "5.15.0-119-generic"},
                 "conditions": [{"type": "Ready", "status": "True"}]}})
    }

    fn with_server(
        nodes: &[serde_json::Value],
        git_version: &str,
        minor: &str,
    ) -> srehub_model::k8s::ClusterSnapshot {
        let mut snap = snapshot(nodes, &[]);
        snap.server_version = Some(ServerVersion {
            major: "1".into(),
            minor: minor.into(),
            git_version: git_version.into(),
            platform: "linux/amd64".into(),
        });
        snap
    }

    #[test]
    fn triggers_on_unsupported_and_uneven_skew() {
        let snap = with_server(
            &[
                node("node-new", "v1.31.2-eks-7f9249a"),
                node("node-old", "v1.26.15-eks-1552ad0"),
                node("node-lagging", "v1.28.13-eks-a737599"),
                node("node-current", "v1.30.4-eks-a737599"),
                node("node-unknown", ""),
            ],
            "v1.30.4-eks-a737599",
            "30+",
        );
        let found = run(&KubeletVersionSkew, &snap);
        assert_eq!(found.len(), 3);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_within_policy_or_without_server_version() {
        let nodes = [
            node("a", "v1.30.4"),
            node("b", "v1.29.8"),
            node("c", "v1.30.1"),
        ];
        assert!(run(&KubeletVersionSkew, &with_server(&nodes, "v1.30.4", "30")).is_empty());
        let old = [node("a", "v1.27.16"), node("b", "v1.27.16")];
        assert!(run(&KubeletVersionSkew, &with_server(&old, "v1.30.4", "30")).is_empty());
        let stale = [node("a", "v1.20.0")];
        assert!(run(&KubeletVersionSkew, &snapshot(&stale, &[])).is_empty());
    }
}
