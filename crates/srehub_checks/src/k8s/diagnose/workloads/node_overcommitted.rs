use srehub_core::{Check, Finding, Findings, Severity};

use super::count;
use crate::k8s::K8sInput;
use crate::k8s::input::resource;
use srehub_model::k8s::{Pod, Resources, format_bytes, format_cpu, parse_quantity};

srehub_core::declare_check! {
    /// ## What it checks
    /// Per node, the limits of the containers of its non-terminated pods, summed as the scheduler does
    /// (app and sidecar containers, or the largest init container if bigger), against the node's
    /// allocatable CPU and memory: reported above `limits-overcommit-percent`. Also, as critical, requests
    /// adding up to more than 100% of allocatable, which the scheduler never does by itself.
    ///
    /// ## Why it matters
    /// Limits far above capacity are a bet that pods never peak together: when they do, memory runs out and
    /// the kernel OOM-kills containers or the kubelet evicts pods, and CPU is throttled for everyone.
    /// Requests above allocatable mean pods bypassed the scheduler (static pods, `spec.nodeName` set by
    /// hand) or the node's allocatable shrank (kubelet reservations changed): the node is promised more
    /// than it has.
    ///
    /// ## How to fix
    /// Lower limits toward observed peak usage (`kubectl top pods`, `srehub cost`), and give important
    /// workloads memory limits equal to requests (Guaranteed QoS). For requests over 100%, find the pods
    /// that skipped the scheduler with `kubectl describe node NAME` (Non-terminated Pods) and check the
    /// kubelet's `kubeReserved`/`systemReserved` settings.
    K8S216 NodeOvercommitted { name: "node-overcommitted", severity: Warning, category: Efficiency, group: "diagnose" }
}

/// What a pod reserves of resource `key` in `pick` (requests or limits): the sum of its app and sidecar
/// containers, or its largest init container plus the sidecars when that is bigger.
fn pod_amount(pod: &Pod, key: &str, pick: fn(&Resources) -> &srehub_model::k8s::SmallMap) -> f64 {
    let amount = |r: &Resources| {
        pick(r)
            .get(key)
            .and_then(|q| parse_quantity(q))
            .unwrap_or(0.0)
    };
    let (sidecars, inits): (Vec<_>, Vec<_>) = pod
        .spec
        .init_containers
        .iter()
        .partition(|c| c.restart_policy.as_deref() == Some("Always"));
    let sidecar_sum: f64 = sidecars.iter().map(|c| amount(&c.resources)).sum();
    let app: f64 = pod
        .spec
        .containers
        .iter()
        .map(|c| amount(&c.resources))
        .sum::<f64>()
        + sidecar_sum;
    let init = inits
        .iter()
        .map(|c| amount(&c.resources))
        .fold(0.0, f64::max)
        + sidecar_sum;
    app.max(init)
}

impl Check<K8sInput<'_>> for NodeOvercommitted {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let threshold = f64::from(input.settings.limits_overcommit_percent);
        for node in &input.snap.nodes {
            let name = &node.metadata.name;
            let pods: Vec<&Pod> = input
                .pods_on(name)
                .iter()
                .copied()
                .filter(|p| !matches!(p.status.phase.as_str(), "Succeeded" | "Failed"))
                .collect();
            if pods.is_empty() {
                continue;
            }
            let mut limits = Vec::new();
            let mut requests = Vec::new();
            for (key, fmt) in [
                ("cpu", format_cpu as fn(f64) -> String),
                ("memory", format_bytes),
            ] {
                let Some(alloc) = node
                    .status
                    .allocatable
                    .get(key)
                    .and_then(|q| parse_quantity(q))
                    .filter(|v| *v > 0.0)
                else {
                    continue;
                };
                let label = if key == "cpu" { "CPU" } else { "memory" };
                let lim: f64 = pods.iter().map(|p| pod_amount(p, key, |r| &r.limits)).sum();
                let pct = lim / alloc * 100.0;
                if pct > threshold {
                    limits.push(format!(
                        "{label} {} ({pct:.0}% of {} allocatable)",
                        fmt(lim),
                        fmt(alloc)
                    ));
                }
                let req: f64 = pods
                    .iter()
                    .map(|p| pod_amount(p, key, |r| &r.requests))
                    .sum();
                let pct = req / alloc * 100.0;
                // A rounding margin: quantities are summed as floats.
                if req > alloc * 1.0001 {
                    requests.push(format!(
                        "{label} {} ({pct:.0}% of {} allocatable)",
                        fmt(req),
                        fmt(alloc)
                    ));
                }
            }
            if !limits.is_empty() {
                input.report(
                    out,
                    &Self::META,
                    &node.metadata,
                    Finding::new(
                        &Self::META,
                        format!("Container limits of the {} on the node add up to {}", count(pods.len(), "pod", "pods"), limits.join(" and ")),
                    )
                    .resource(resource(&node.metadata))
                    .hint("Lower limits toward observed peak usage (kubectl top pods), and set memory limits equal to requests for important workloads"),
                );
            }
            if !requests.is_empty() {
                input.report(
                    out,
                    &Self::META,
                    &node.metadata,
                    Finding::new(
                        &Self::META,
                        format!("Container requests of the {} on the node add up to {}, more than the scheduler would place", count(pods.len(), "pod", "pods"), requests.join(" and ")),
                    )
                    .severity(Severity::Critical)
                    .resource(resource(&node.metadata))
                    .hint(format!(
                        "kubectl describe node {name}: look for static pods or pods with spec.nodeName set by hand, and check the kubelet's kubeReserved/systemReserved"
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{pod, run, run_with, snapshot};
    use serde_json::json;
    use srehub_config::DoctorSettings;

    fn node(name: &str) -> serde_json::Value {
        json!({"kind": "Node", "apiVersion": "v1", "metadata": {"name": name},
               "status": {"capacity": {"cpu": "4", "memory": "16331212Ki", "pods": "110"},
                          "allocatable": {"cpu": "3920m", "memory": "15180236Ki", "pods": "110"},
                          "conditions": [{"type": "Ready", "status": "True"}]}})
    }

    fn on(
        node: &str,
        name: &str,
        requests: serde_json::Value,
        limits: serde_json::Value,
        phase: &str,
    ) -> serde_json::Value {
        pod(
            "shop",
            name,
            json!({"spec": {"nodeName": node, "containers": [{"name": "app", "image": "registry.example.com/app:1.2.3",
            "resources": {"requests": requests, "limits": limits}}]}, "status": {"phase": phase}}),
        )
    }

    #[test]
    fn triggers_on_overcommitted_limits_and_requests() {
        let mut objects = vec![node("node-1"), node("node-2")];
        for i in 0..4 {
            objects.push(on(
                "node-1",
                &format!("api-{i}"),
                json!({"cpu": "250m", "memory": "512Mi"}),
                json!({"cpu": "2", "memory": "8Gi"}),
                "Running",
            ));
        }
        // A finished pod no longer counts.
        objects.push(on(
            "node-1",
            "batch-0",
            json!({"cpu": "3"}),
            json!({"cpu": "30"}),
            "Succeeded",
        ));
        // Static pods over the top: requests above allocatable.
        objects.push(on(
            "node-2",
            "etcd-node-2",
            json!({"cpu": "2", "memory": "8Gi"}),
            json!({}),
            "Running",
        ));
        objects.push(on(
            "node-2",
            "kube-apiserver-node-2",
            json!({"cpu": "2500m", "memory": "2Gi"}),
            json!({}),
            "Running",
        ));
        let found = run(&NodeOvercommitted, &snapshot(&objects, &[]));
        assert_eq!(found.len(), 2);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_within_limits_and_counts_init_containers_like_the_scheduler() {
        let mut with_init = on(
            "node-1",
            "migrate",
            json!({"cpu": "500m"}),
            json!({"cpu": "1", "memory": "1Gi"}),
            "Running",
        );
        with_init["spec"]["initContainers"] = json!([{"name": "init", "image": "busybox:1.36",
            "resources": {"requests": {"cpu": "3"}, "limits": {"cpu": "3", "memory": "1Gi"}}}]);
        let snap = snapshot(
            &[
                node("node-1"),
                with_init,
                on(
                    "node-1",
                    "web-0",
                    json!({"cpu": "500m", "memory": "1Gi"}),
                    json!({"cpu": "1", "memory": "2Gi"}),
                    "Running",
                ),
            ],
            &[],
        );
        assert!(run(&NodeOvercommitted, &snap).is_empty());
        let strict = DoctorSettings {
            limits_overcommit_percent: 100,
            ..DoctorSettings::default()
        };
        let found = run_with(&NodeOvercommitted, &snap, &strict);
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
