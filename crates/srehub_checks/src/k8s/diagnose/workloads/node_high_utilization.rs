use srehub_core::{Check, Finding, Findings};

use crate::k8s::K8sInput;
use crate::k8s::input::resource;
use srehub_model::k8s::{format_bytes, format_cpu, parse_quantity};

srehub_core::declare_check! {
    /// ## What it checks
    /// Nodes whose current CPU or memory usage (from the metrics API, `kubectl top nodes`) is at or above
    /// `node-cpu-percent` / `node-memory-percent` of their allocatable capacity. Nothing is reported
    /// without node metrics.
    ///
    /// ## Why it matters
    /// A node near its CPU capacity throttles every pod on it and slows the kubelet and container runtime;
    /// near its memory capacity, the kernel OOM-kills containers and the kubelet starts evicting pods.
    /// Usage far above what pods request means the scheduler keeps packing pods onto a node it believes
    /// is half empty.
    ///
    /// ## How to fix
    /// Find the consumers: `kubectl top pods -A --sort-by=cpu` (or `=memory`) and
    /// `kubectl describe node NAME` (Non-terminated Pods). Set requests close to real usage so the scheduler
    /// spreads load, add limits to the outliers, and add nodes (or let the cluster autoscaler) if the
    /// cluster as a whole is full.
    K8S215 NodeHighUtilization { name: "node-high-utilization", severity: Warning, category: Efficiency, group: "diagnose" }
}

impl Check<K8sInput<'_>> for NodeHighUtilization {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let Some(metrics) = input.snap.node_metrics.as_ref() else {
            return;
        };
        let (cpu_limit, mem_limit) = (
            f64::from(input.settings.node_cpu_percent),
            f64::from(input.settings.node_memory_percent),
        );
        for node in &input.snap.nodes {
            let Some(usage) = metrics.get(&node.metadata.name) else {
                continue;
            };
            let alloc = |k: &str| {
                node.status
                    .allocatable
                    .get(k)
                    .and_then(|q| parse_quantity(q))
                    .filter(|v| *v > 0.0)
            };
            let mut parts = Vec::new();
            if let Some(cpu) = alloc("cpu") {
                let pct = usage.cpu / cpu * 100.0;
                if pct >= cpu_limit {
                    parts.push(format!(
                        "CPU {} of {} allocatable ({pct:.0}%)",
                        format_cpu(usage.cpu),
                        format_cpu(cpu)
                    ));
                }
            }
            if let Some(mem) = alloc("memory") {
                let pct = usage.memory / mem * 100.0;
                if pct >= mem_limit {
                    parts.push(format!(
                        "memory {} of {} allocatable ({pct:.0}%)",
                        format_bytes(usage.memory),
                        format_bytes(mem)
                    ));
                }
            }
            if parts.is_empty() {
                continue;
            }
            input.report(
                out,
                &Self::META,
                &node.metadata,
                Finding::new(&Self::META, format!("Node uses {}", parts.join(" and ")))
                    .resource(resource(&node.metadata))
                    .hint(format!(
                        "kubectl describe node {} and kubectl top pods -A --sort-by=memory: right-size requests of the top consumers or add nodes",
                        node.metadata.name
                    )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{run, run_with, snapshot};
    use serde_json::json;
    use srehub_config::DoctorSettings;

    fn node(name: &str) -> serde_json::Value {
        json!({"kind": "Node", "apiVersion": "v1", "metadata": {"name": name},
               "status": {"capacity": {"cpu": "4", "memory": "16331212Ki", "pods": "110"},
                          "allocatable": {"cpu": "3920m", "memory": "15180236Ki", "pods": "110"},
                          "conditions": [{"type": "Ready", "status": "True"}]}})
    }

    fn metrics(name: &str, cpu: &str, memory: &str) -> serde_json::Value {
        json!({"kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
               "metadata": {"name": name, "creationTimestamp": "2026-11-20T09:59:50Z"},
               "timestamp": "2026-11-20T09:59:40Z", "window": "10.06s", "usage": {"cpu": cpu, "memory": memory}})
    }

    #[test]
    fn triggers_on_busy_nodes() {
        let snap = snapshot(
            &[
                node("node-1"),
                metrics("node-1", "3712345678n", "14102348Ki"),
                node("node-2"),
                metrics("node-2", "450m", "14502348Ki"),
                node("node-3"),
                metrics("node-3", "1200m", "6Gi"),
            ],
            &[],
        );
        let found = run(&NodeHighUtilization, &snap);
        assert_eq!(found.len(), 2);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_below_thresholds_or_without_metrics() {
        let snap = snapshot(
            &[
                node("node-1"),
                metrics("node-1", "3712345678n", "14102348Ki"),
            ],
            &[],
        );
        let relaxed = DoctorSettings {
            node_cpu_percent: 99,
            node_memory_percent: 99,
            ..DoctorSettings::default()
        };
        assert!(run_with(&NodeHighUtilization, &snap, &relaxed).is_empty());
        assert!(
            run(
                &NodeHighUtilization,
                &snapshot(&[node("node-1")], &["Node"])
            )
            .is_empty()
        );
        // Metrics for a node that is not in the snapshot, and a node without allocatable.
        let odd = snapshot(
            &[
                json!({"kind": "Node", "apiVersion": "v1", "metadata": {"name": "n"}}),
                metrics("n", "8", "64Gi"),
                metrics("ghost", "8", "64Gi"),
            ],
            &[],
        );
        assert!(run(&NodeHighUtilization, &odd).is_empty());
    }
}
