use srehub_core::{Check, Finding, Findings};

use super::util::{all_containers, audited_specs, container_resource, is_privileged, own};
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers and init containers whose `securityContext.allowPrivilegeEscalation` is not `false`.
    /// The field defaults to `true` when unset. Privileged containers are left to K8S005
    /// (`container-privileged`), which already covers them.
    ///
    /// ## Why it matters
    /// With privilege escalation allowed, the kernel's `no_new_privs` flag is off: a setuid binary in the
    /// image (`su`, `sudo`, `ping` on older images) or a file capability lets a compromised non-root
    /// process gain root or extra capabilities inside the container, the first step of most container
    /// escapes. The Pod Security Standard `restricted` requires it to be `false`.
    ///
    /// ## How to fix
    /// Set `securityContext.allowPrivilegeEscalation: false` on each container (there is no pod-level
    /// field). Almost every application runs unchanged; the exceptions are processes that call setuid
    /// binaries or need `CAP_SYS_ADMIN`.
    K8S006 ContainerPrivilegeEscalationAllowed { name: "container-privilege-escalation-allowed", severity: Warning, category: Security, group: "audit" }
}

impl Check<K8sInput<'_>> for ContainerPrivilegeEscalationAllowed {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for owner in audited_specs(input) {
            for (c, role) in all_containers(owner.spec) {
                if is_privileged(c) {
                    continue;
                }
                let how = match own(c, |s| s.allow_privilege_escalation) {
                    Some(false) => continue,
                    Some(true) => "sets allowPrivilegeEscalation: true",
                    None => "does not set allowPrivilegeEscalation: false (it defaults to true)",
                };
                input.report(
                    out,
                    &Self::META,
                    owner.meta,
                    Finding::new(&Self::META, format!("{} `{}` {how}", role.label(), c.name))
                        .resource(container_resource(&owner, c))
                        .hint(
                            "Set securityContext.allowPrivilegeEscalation: false on the container",
                        ),
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
    fn triggers_when_unset_or_true() {
        let web = deployment(
            "shop",
            "web",
            json!({
            "securityContext": {"runAsNonRoot": true, "runAsUser": 10001},
            "initContainers": [{"name": "migrate", "image": "registry.example.com/web:2.4.1"}],
            "containers": [
                {"name": "app", "image": "registry.example.com/web:2.4.1",
                 "securityContext": {"allowPrivilegeEscalation": true}},
                {"name": "proxy", "image": "envoyproxy/envoy:v1.31.2",
                 "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]}),
        );
        let found = run(&ContainerPrivilegeEscalationAllowed, &snapshot(&[web], &[]));
        assert_eq!(found.len(), 2);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_when_false_and_on_privileged_containers() {
        let web = deployment(
            "shop",
            "web",
            json!({"containers": [
            {"name": "app", "image": "registry.example.com/web:2.4.1",
             "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true}}]}),
        );
        let csi = deployment(
            "kube-system",
            "ebs-csi-controller",
            json!({"containers": [
            {"name": "ebs-plugin", "image": "public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.35.0",
             "securityContext": {"privileged": true}}]}),
        );
        let found = run(
            &ContainerPrivilegeEscalationAllowed,
            &snapshot(&[web, csi], &[]),
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
