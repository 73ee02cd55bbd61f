use std::collections::HashMap;

use srehub_core::{Check, Finding, Findings};
use srehub_model::k8s::{Service, map_selector_matches};

use super::util::{audited_specs, container_resource, is_batch, name_list};
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Long-running containers (`spec.containers` of Deployments, StatefulSets, DaemonSets, ReplicaSets
    /// and standalone pods) that define no `readinessProbe`. Jobs, CronJobs and init containers are
    /// skipped. The message names the Services that select the pods, when Services were collected.
    ///
    /// ## Why it matters
    /// Without a readiness probe a container counts as ready as soon as its process starts: Services and
    /// load balancers send it traffic before it has opened its port or warmed its caches, and keep sending
    /// it traffic while it is overloaded or has lost a dependency. Rolling updates also proceed on the
    /// strength of "started" rather than "serving", so a bad release replaces every replica.
    ///
    /// ## How to fix
    /// Add a `readinessProbe` that answers only when the container can serve, e.g.
    /// `httpGet: {path: /readyz, port: 8080}` with `periodSeconds: 5`; it may check critical dependencies
    /// (unlike the liveness probe). Apply with `kubectl -n NS edit deployment NAME` or in the manifest.
    K8S002 ContainerWithoutReadinessProbe { name: "container-without-readiness-probe", severity: Warning, category: Reliability, group: "audit" }
}

impl Check<K8sInput<'_>> for ContainerWithoutReadinessProbe {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let mut services: HashMap<&str, Vec<&Service>> = HashMap::new();
        for s in &input.snap.services {
            services
                .entry(s.metadata.namespace.as_str())
                .or_default()
                .push(s);
        }
        for owner in audited_specs(input) {
            if is_batch(&owner) {
                continue;
            }
            let mut missing = owner
                .spec
                .containers
                .iter()
                .filter(|c| c.readiness_probe.is_none())
                .peekable();
            if missing.peek().is_none() {
                continue;
            }
            let selecting: Vec<&str> = services
                .get(owner.meta.namespace.as_str())
                .map(|list| {
                    list.iter()
                        .filter(|s| map_selector_matches(&s.spec.selector, owner.pod_labels))
                        .map(|s| s.metadata.name.as_str())
                        .collect()
                })
                .unwrap_or_default();
            let why = match selecting.len() {
                0 => "it counts as ready as soon as it starts".to_string(),
                1 => format!(
                    "Service {} sends it traffic as soon as it starts",
                    name_list(&selecting, 3)
                ),
                _ => format!(
                    "Services {} send it traffic as soon as it starts",
                    name_list(&selecting, 3)
                ),
            };
            for c in missing {
                input.report(
                    out,
                    &Self::META,
                    owner.meta,
                    Finding::new(&Self::META, format!("Container `{}` has no readiness probe, so {why}", c.name))
                        .resource(container_resource(&owner, c))
                        .hint("Add readinessProbe (e.g. httpGet on a /readyz endpoint that fails while the container cannot serve)"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::fixtures::{cron_job, deployment, owned_pod, workload};
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    fn service(ns: &str, name: &str, selector: serde_json::Value) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
               "spec": {"type": "ClusterIP", "clusterIP": "10.96.14.7", "selector": selector,
                        "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]}})
    }

    #[test]
    fn triggers_and_names_the_selecting_service() {
        let web = deployment(
            "shop",
            "web",
            json!({"containers": [
            {"name": "app", "image": "registry.example.com/web:2.4.1"}]}),
        );
        let agent = workload(
            "DaemonSet",
            "monitoring",
            "node-agent",
            json!({"containers": [
            {"name": "agent", "image": "registry.example.com/node-agent:3.1.0"}]}),
        );
        let svc = service("shop", "web", json!({"app.kubernetes.io/name": "web"}));
        let other = service(
            "shop",
            "checkout",
            json!({"app.kubernetes.io/name": "checkout"}),
        );
        let found = run(
            &ContainerWithoutReadinessProbe,
            &snapshot(&[web, agent, svc, other], &[]),
        );
        assert_eq!(found.len(), 2);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_with_readiness_probe_and_on_batch_work_and_owned_pods() {
        let web = deployment(
            "shop",
            "web",
            json!({"containers": [{"name": "app", "image": "registry.example.com/web:2.4.1",
            "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080}, "periodSeconds": 5}}]}),
        );
        let report = cron_job(
            "shop",
            "nightly-report",
            json!({"restartPolicy": "OnFailure",
            "containers": [{"name": "report", "image": "registry.example.com/report:1.0.0"}]}),
        );
        let replica = owned_pod(
            "shop",
            "web-7d9f8-abcde",
            "ReplicaSet",
            "web-7d9f8",
            json!({"containers": [{"name": "app", "image": "registry.example.com/web:2.4.1"}]}),
        );
        let found = run(
            &ContainerWithoutReadinessProbe,
            &snapshot(&[web, report, replica], &[]),
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
