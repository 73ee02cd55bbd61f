use srehub_core::{Check, Finding, Findings};

use super::util::{all_containers, audited_specs, container_resource, is_privileged};
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers and init containers with `securityContext.privileged: true`.
    ///
    /// ## Why it matters
    /// A privileged container has every capability, all host devices, and no seccomp or AppArmor
    /// confinement: root in it is root on the node. A compromise of the process (or of its image) is a
    /// compromise of the node, the kubelet's credentials and every pod scheduled there.
    ///
    /// ## How to fix
    /// Remove `privileged: true` and grant only what the process needs: specific
    /// `securityContext.capabilities.add` entries, a device plugin for hardware, or a hostPath mounted
    /// read-only. Components that genuinely need it (CNI agents, CSI node plugins) can be exempted in the
    /// srehub config by namespace and name, or with the annotation `srehub.io/ignore: K8S005`.
    K8S005 ContainerPrivileged { name: "container-privileged", severity: Critical, category: Security, group: "audit" }
}

impl Check<K8sInput<'_>> for ContainerPrivileged {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for owner in audited_specs(input) {
            for (c, role) in all_containers(owner.spec).filter(|(c, _)| is_privileged(c)) {
                input.report(
                    out,
                    &Self::META,
                    owner.meta,
                    Finding::new(
                        &Self::META,
                        format!("{} `{}` runs privileged, with full access to its node", role.label(), c.name),
                    )
                    .resource(container_resource(&owner, c))
                    .hint("Remove securityContext.privileged and add only the capabilities the process needs"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::fixtures::{owned_pod, workload};
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    #[test]
    fn triggers_on_privileged_containers_and_init_containers() {
        let cni = workload(
            "DaemonSet",
            "kube-system",
            "calico-node",
            json!({"hostNetwork": true,
            "initContainers": [{"name": "install-cni", "image": "docker.io/calico/cni:v3.28.1",
                                "securityContext": {"privileged": true}}],
            "containers": [{"name": "calico-node", "image": "docker.io/calico/node:v3.28.1",
                            "securityContext": {"privileged": true}}]}),
        );
        let found = run(&ContainerPrivileged, &snapshot(&[cni], &[]));
        assert_eq!(found.len(), 2);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_when_not_privileged_and_on_owned_pods() {
        let web = workload(
            "Deployment",
            "shop",
            "web",
            json!({"containers": [
            {"name": "app", "image": "registry.example.com/web:2.4.1", "securityContext": {"privileged": false}},
            {"name": "proxy", "image": "envoyproxy/envoy:v1.31.2"}]}),
        );
        let replica = owned_pod(
            "kube-system",
            "calico-node-x7k2p",
            "DaemonSet",
            "calico-node",
            json!({"containers": [{"name": "calico-node", "image": "docker.io/calico/node:v3.28.1",
                                   "securityContext": {"privileged": true}}]}),
        );
        let found = run(&ContainerPrivileged, &snapshot(&[web, replica], &[]));
        assert!(found.is_empty(), "{found:?}");
    }
}
