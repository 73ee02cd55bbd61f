use srehub_core::{Check, Finding, Findings};

use super::util::{all_containers, audited_specs, container_resource, effective};
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers and init containers that run, or may run, as root: `runAsUser` is 0, or neither
    /// `runAsNonRoot: true` nor a non-zero `runAsUser` is set, in which case the image's `USER` decides
    /// (root for most base images). The container's `securityContext` overrides the pod's, field by field.
    ///
    /// ## Why it matters
    /// Root in a container is the same UID 0 as on the node: any escape (a kernel bug, a writable
    /// hostPath, a mounted runtime socket) starts with full privileges, and root can rewrite the image's
    /// files at will. `runAsNonRoot: true` makes the kubelet refuse to start a container whose user is 0.
    ///
    /// ## How to fix
    /// Set `securityContext.runAsNonRoot: true` and a non-zero `runAsUser` (e.g. 10001) at pod level, and
    /// build the image with a numeric `USER`. If the process binds a port below 1024, give it
    /// `capabilities.add: [NET_BIND_SERVICE]` or move it to a high port.
    K8S007 ContainerRunningAsRoot { name: "container-running-as-root", severity: Warning, category: Security, group: "audit" }
}

impl Check<K8sInput<'_>> for ContainerRunningAsRoot {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for owner in audited_specs(input) {
            for (c, role) in all_containers(owner.spec) {
                let uid = effective(owner.spec, c, |s| s.run_as_user);
                let non_root = effective(owner.spec, c, |s| s.run_as_non_root);
                let why = match (uid, non_root) {
                    (Some((0, src)), _) => format!("runs as root (runAsUser: 0 in its {})", src.describe()),
                    (Some(_), _) | (_, Some((true, _))) => continue,
                    (None, Some((false, src))) => format!(
                        "may run as root: its {} sets runAsNonRoot: false and no runAsUser is set, so the image's USER decides",
                        src.describe()
                    ),
                    (None, None) => "may run as root: neither runAsNonRoot: true nor runAsUser is set, so the image's USER decides"
                        .to_string(),
                };
                input.report(
                    out,
                    &Self::META,
                    owner.meta,
                    Finding::new(&Self::META, format!("{} `{}` {why}", role.label(), c.name))
                        .resource(container_resource(&owner, c))
                        .hint("Set securityContext.runAsNonRoot: true and a non-zero runAsUser (pod or container level)"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::fixtures::deployment;
    use super::*;
    use crate::k8s::testing::{pod, run, snapshot};
    use serde_json::json;

    #[test]
    fn triggers_on_uid_zero_and_unset_user() {
        let web = deployment(
            "shop",
            "web",
            json!({
            "securityContext": {"runAsNonRoot": true, "runAsUser": 10001},
            "initContainers": [{"name": "fix-permissions", "image": "busybox:1.36",
                                "securityContext": {"runAsUser": 0, "runAsNonRoot": false}}],
            "containers": [{"name": "app", "image": "registry.example.com/web:2.4.1"}]}),
        );
        let debug = pod(
            "shop",
            "debug-shell",
            json!({"spec": {"containers": [
            {"name": "app", "image": "registry.example.com/toolbox:1.0.0"}]}}),
        );
        let legacy = deployment(
            "shop",
            "legacy",
            json!({"securityContext": {"runAsNonRoot": false},
            "containers": [{"name": "app", "image": "registry.example.com/legacy:0.9.1"}]}),
        );
        let found = run(
            &ContainerRunningAsRoot,
            &snapshot(&[web, debug, legacy], &[]),
        );
        assert_eq!(found.len(), 3);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_with_non_root_user_or_run_as_non_root() {
        let web = deployment(
            "shop",
            "web",
            json!({"securityContext": {"runAsNonRoot": true},
            "containers": [{"name": "app", "image": "registry.example.com/web:2.4.1"}]}),
        );
        let api = deployment(
            "shop",
            "api",
            json!({"containers": [
            {"name": "app", "image": "registry.example.com/api:3.0.0", "securityContext": {"runAsUser": 65532}}]}),
        );
        let found = run(&ContainerRunningAsRoot, &snapshot(&[web, api], &[]));
        assert!(found.is_empty(), "{found:?}");
    }
}
