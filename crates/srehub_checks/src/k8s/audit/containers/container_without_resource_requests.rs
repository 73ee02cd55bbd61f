use std::collections::HashSet;

use srehub_core::{Check, Finding, Findings};
use srehub_model::k8s::Container;

use super::util::{audited_specs, container_resource, long_running_containers};
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers (and sidecar init containers) with no CPU or no memory request. A limit without a
    /// request counts as a request (the API server copies the limit into the request when a pod is
    /// created). Namespaces that have a LimitRange are skipped, since its `defaultRequest` fills missing
    /// requests at admission.
    ///
    /// ## Why it matters
    /// The scheduler places pods by their requests: a container without them is treated as needing
    /// nothing, so nodes get overpacked and the container gets the minimum CPU weight when the node is busy. A pod
    /// with no requests at all is `BestEffort`, the first to be evicted under memory pressure. HPAs on
    /// CPU or memory utilisation cannot compute a percentage without a request.
    ///
    /// ## How to fix
    /// Set `resources.requests.cpu` and `resources.requests.memory` from observed usage
    /// (`kubectl top pod -n NS --containers`, or `srehub cost`), e.g. the p95 of CPU and the peak of memory.
    K8S004 ContainerWithoutResourceRequests { name: "container-without-resource-requests", severity: Warning, category: Efficiency, group: "audit" }
}

/// Whether the container asks for `resource`, directly or through a limit that the API server copies.
fn requests(c: &Container, resource: &str) -> bool {
    c.resources.requests.contains_key(resource) || c.resources.limits.contains_key(resource)
}

impl Check<K8sInput<'_>> for ContainerWithoutResourceRequests {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let with_limit_range: HashSet<&str> = input
            .snap
            .limit_ranges
            .iter()
            .map(|l| l.namespace.as_str())
            .collect();
        for owner in audited_specs(input) {
            if with_limit_range.contains(owner.meta.namespace.as_str()) {
                continue;
            }
            for (c, role) in long_running_containers(owner.spec) {
                let missing: Vec<&str> = ["cpu", "memory"]
                    .into_iter()
                    .filter(|r| !requests(c, r))
                    .collect();
                let what = match missing.as_slice() {
                    [] => continue,
                    [one] => format!("no {one} request"),
                    _ => "no cpu or memory request".to_string(),
                };
                let fields: Vec<String> = missing
                    .iter()
                    .map(|r| format!("resources.requests.{r}"))
                    .collect();
                input.report(
                    out,
                    &Self::META,
                    owner.meta,
                    Finding::new(
                        &Self::META,
                        format!("{} `{}` sets {what}", role.label(), c.name),
                    )
                    .resource(container_resource(&owner, c))
                    .hint(format!(
                        "Set {} from observed usage (kubectl top pod -n {} --containers)",
                        fields.join(" and "),
                        owner.meta.namespace
                    )),
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
    fn triggers_and_names_the_missing_requests() {
        let web = deployment(
            "shop",
            "web",
            json!({
            "initContainers": [
                {"name": "wait-for-db", "image": "busybox:1.36"},
                {"name": "log-shipper", "image": "fluent/fluent-bit:3.1.4", "restartPolicy": "Always",
                 "resources": {"requests": {"memory": "64Mi"}}}],
            "containers": [
                {"name": "app", "image": "registry.example.com/web:2.4.1"},
                {"name": "cache", "image": "redis:7.4", "resources": {"requests": {"cpu": "100m"}}}]}),
        );
        let found = run(&ContainerWithoutResourceRequests, &snapshot(&[web], &[]));
        assert_eq!(found.len(), 3);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_with_requests_or_limits_or_a_limit_range() {
        let web = deployment(
            "shop",
            "web",
            json!({"containers": [
            {"name": "app", "image": "registry.example.com/web:2.4.1",
             "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "512Mi"}}},
            {"name": "proxy", "image": "envoyproxy/envoy:v1.31.2", "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}}}]}),
        );
        let batch = deployment(
            "batch",
            "worker",
            json!({"containers": [
            {"name": "worker", "image": "registry.example.com/worker:5.0.0"}]}),
        );
        let limit_range = json!({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "defaults", "namespace": "batch"},
            "spec": {"limits": [{"type": "Container", "defaultRequest": {"cpu": "100m", "memory": "128Mi"}}]}});
        let found = run(
            &ContainerWithoutResourceRequests,
            &snapshot(&[web, batch, limit_range], &[]),
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
