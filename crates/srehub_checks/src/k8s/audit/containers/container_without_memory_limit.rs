use srehub_core::{Check, Finding, Findings};

use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers (and sidecar init containers) that set no `resources.limits.memory`.
    ///
    /// ## Why it matters
    /// One leaking container can use all of its node's memory: the kernel then OOM-kills processes and the
    /// kubelet evicts neighbours that did nothing wrong.
    ///
    /// ## How to fix
    /// Set `resources.limits.memory` from observed usage (peak plus headroom); `srehub cost` suggests one.
    K8S003 ContainerWithoutMemoryLimit { name: "container-without-memory-limit", severity: Warning, category: Reliability, group: "audit" }
}

impl Check<K8sInput<'_>> for ContainerWithoutMemoryLimit {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for owner in input.pod_specs() {
            let sidecars = owner
                .spec
                .init_containers
                .iter()
                .filter(|c| c.restart_policy.as_deref() == Some("Always"));
            for c in owner.spec.containers.iter().chain(sidecars) {
                if c.resources.limits.contains_key("memory") {
                    continue;
                }
                input.report(
                    out,
                    &Self::META,
                    owner.meta,
                    Finding::new(
                        &Self::META,
                        format!("Container `{}` sets no memory limit", c.name),
                    )
                    .resource(owner.resource().container(c.name.clone()))
                    .hint("Set resources.limits.memory from observed peak usage plus headroom"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    fn deployment(limits: serde_json::Value) -> serde_json::Value {
        json!({"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "api", "namespace": "shop"},
               "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [
                 {"name": "app", "image": "api:1", "resources": {"limits": limits}}]}}}})
    }

    #[test]
    fn triggers_without_memory_limit() {
        let found = run(
            &ContainerWithoutMemoryLimit,
            &snapshot(&[deployment(json!({"cpu": "1"}))], &[]),
        );
        assert_eq!(found.len(), 1);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_with_memory_limit_and_on_owned_pods() {
        let owned_pod = json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "api-1", "namespace": "shop",
            "ownerReferences": [{"kind": "ReplicaSet", "name": "api-7d", "controller": true}]},
            "spec": {"containers": [{"name": "app", "image": "api:1"}]}});
        let found = run(
            &ContainerWithoutMemoryLimit,
            &snapshot(&[deployment(json!({"memory": "256Mi"})), owned_pod], &[]),
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
