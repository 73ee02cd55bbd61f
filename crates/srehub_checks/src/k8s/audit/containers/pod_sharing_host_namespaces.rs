use srehub_core::{Check, Finding, Findings};

use super::util::audited_specs;
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Pod specs with `hostNetwork`, `hostPID` or `hostIPC` set to `true`; one finding per workload (or
    /// standalone pod) naming which host namespaces it shares.
    ///
    /// ## Why it matters
    /// `hostPID` shows every process on the node (and, with ptrace or root, lets the pod read their memory
    /// and environment, secrets included); `hostIPC` exposes the node's shared memory; `hostNetwork` lets
    /// the pod bind and sniff the node's interfaces, reach services bound to localhost (the kubelet's
    /// read-only port, cloud metadata without hop limits) and bypass NetworkPolicies.
    ///
    /// ## How to fix
    /// Remove `spec.hostNetwork`, `spec.hostPID` and `spec.hostIPC` from the pod template; expose ports
    /// with a Service (or `hostPort` if a node port is really needed). Node agents that need them (CNI,
    /// kube-proxy, node exporters) can be exempted in the srehub config or with the annotation
    /// `srehub.io/ignore: K8S010`.
    K8S010 PodSharingHostNamespaces { name: "pod-sharing-host-namespaces", severity: Critical, category: Security, group: "audit" }
}

impl Check<K8sInput<'_>> for PodSharingHostNamespaces {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for owner in audited_specs(input) {
            let s = owner.spec;
            let shared: Vec<&str> = [
                (s.host_network, "hostNetwork"),
                (s.host_pid, "hostPID"),
                (s.host_ipc, "hostIPC"),
            ]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
            if shared.is_empty() {
                continue;
            }
            let what = shared
                .iter()
                .map(|n| format!("{n}: true"))
                .collect::<Vec<_>>()
                .join(", ");
            input.report(
                out,
                &Self::META,
                owner.meta,
                Finding::new(
                    &Self::META,
                    format!("Pod spec shares the node's namespaces ({what})"),
                )
                .resource(owner.resource())
                .hint(format!(
                    "Remove {} from the pod spec, or exempt the node agent in the srehub config",
                    shared.join(", ")
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::fixtures::{deployment, owned_pod, workload};
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    #[test]
    fn triggers_once_per_owner_listing_namespaces() {
        let exporter = workload(
            "DaemonSet",
            "monitoring",
            "node-exporter",
            json!({
            "hostNetwork": true, "hostPID": true,
            "containers": [{"name": "node-exporter", "image": "quay.io/prometheus/node-exporter:v1.8.2"}]}),
        );
        let legacy = deployment(
            "shop",
            "shm-cache",
            json!({"hostIPC": true,
            "containers": [{"name": "app", "image": "registry.example.com/shm-cache:1.0.0"}]}),
        );
        let replica = owned_pod(
            "monitoring",
            "node-exporter-5qz8t",
            "DaemonSet",
            "node-exporter",
            json!({
            "hostNetwork": true, "hostPID": true,
            "containers": [{"name": "node-exporter", "image": "quay.io/prometheus/node-exporter:v1.8.2"}]}),
        );
        let found = run(
            &PodSharingHostNamespaces,
            &snapshot(&[exporter, legacy, replica], &[]),
        );
        assert_eq!(found.len(), 2);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_without_host_namespaces() {
        let web = deployment(
            "shop",
            "web",
            json!({"hostNetwork": false, "hostPID": null,
            "containers": [{"name": "app", "image": "registry.example.com/web:2.4.1"}]}),
        );
        let found = run(&PodSharingHostNamespaces, &snapshot(&[web], &[]));
        assert!(found.is_empty(), "{found:?}");
    }
}
