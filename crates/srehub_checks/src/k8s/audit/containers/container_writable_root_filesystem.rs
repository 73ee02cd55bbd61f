use srehub_core::{Check, Finding, Findings};

use super::util::{all_containers, audited_specs, container_resource, own};
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers and init containers whose `securityContext.readOnlyRootFilesystem` is not `true` (it
    /// defaults to `false`).
    ///
    /// ## Why it matters
    /// A writable root filesystem lets an attacker who gets code execution drop tools, replace binaries
    /// or plant persistence in the container, and lets a buggy process fill the node's disk through its
    /// writable layer (which counts against ephemeral storage and can get the pod evicted). A read-only
    /// root also makes clear which paths the process really writes.
    ///
    /// ## How to fix
    /// Set `securityContext.readOnlyRootFilesystem: true` and mount an `emptyDir` on each path the process
    /// writes (typically `/tmp`, a cache or a run directory), e.g.
    /// `volumes: [{name: tmp, emptyDir: {}}]` with `volumeMounts: [{name: tmp, mountPath: /tmp}]`.
    K8S008 ContainerWritableRootFilesystem { name: "container-writable-root-filesystem", severity: Warning, category: Security, group: "audit" }
}

impl Check<K8sInput<'_>> for ContainerWritableRootFilesystem {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for owner in audited_specs(input) {
            for (c, role) in all_containers(owner.spec) {
                let how = match own(c, |s| s.read_only_root_filesystem) {
                    Some(true) => continue,
                    Some(false) => "sets readOnlyRootFilesystem: false",
                    None => {
                        "does not set readOnlyRootFilesystem: true, so its root filesystem is writable"
                    }
                };
                input.report(
                    out,
                    &Self::META,
                    owner.meta,
                    Finding::new(&Self::META, format!("{} `{}` {how}", role.label(), c.name))
                        .resource(container_resource(&owner, c))
                        .hint("Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir on each path it writes"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::fixtures::deployment;
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    #[test]
    fn triggers_when_unset_or_false() {
        let web = deployment(
            "shop",
            "web",
            json!({
            "initContainers": [{"name": "migrate", "image": "registry.example.com/web:2.4.1",
                                "securityContext": {"readOnlyRootFilesystem": false}}],
            "containers": [
                {"name": "app", "image": "registry.example.com/web:2.4.1"},
                {"name": "proxy", "image": "envoyproxy/envoy:v1.31.2", "securityContext": {"readOnlyRootFilesystem": true}}]}),
        );
        let found = run(&ContainerWritableRootFilesystem, &snapshot(&[web], &[]));
        assert_eq!(found.len(), 2);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_with_read_only_root() {
        let web = deployment(
            "shop",
            "web",
            json!({
            "volumes": [{"name": "tmp", "emptyDir": {}}],
            "containers": [{"name": "app", "image": "registry.example.com/web:2.4.1",
                            "securityContext": {"readOnlyRootFilesystem": true, "allowPrivilegeEscalation": false},
                            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]}]}),
        );
        let found = run(&ContainerWritableRootFilesystem, &snapshot(&[web], &[]));
        assert!(found.is_empty(), "{found:?}");
    }
}
