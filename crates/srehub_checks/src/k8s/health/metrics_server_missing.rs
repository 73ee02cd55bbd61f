use srehub_core::{Check, Finding, Findings};

use crate::k8s::K8sInput;
use srehub_model::k8s::Meta;

srehub_core::declare_check! {
    /// ## What it checks
    /// Clusters without a metrics-server Deployment (named `metrics-server`, or labelled
    /// `k8s-app: metrics-server` or `app.kubernetes.io/name: metrics-server`, in any namespace) and without
    /// node metrics in the snapshot (the `metrics.k8s.io` API served by something else counts as present).
    /// Only reported when Deployments were collected. The finding is about the cluster, not an object.
    ///
    /// ## Why it matters
    /// Without the resource metrics API, HorizontalPodAutoscalers on CPU or memory cannot scale
    /// (`FailedGetResourceMetric`), `kubectl top` fails, and the doctor cannot check node load.
    ///
    /// ## How to fix
    /// Install it: `kubectl apply -f https://github.com/kubernetes-sigs/metrics-server/releases/latest/download/components.yaml`
    /// or the `metrics-server` Helm chart (managed clusters usually offer it as an add-on), then check
    /// `kubectl get apiservice v1beta1.metrics.k8s.io` is `Available`.
    K8S108 MetricsServerMissing { name: "metrics-server-missing", severity: Info, category: Observability, group: "health" }
}

impl Check<K8sInput<'_>> for MetricsServerMissing {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let snap = input.snap;
        if !snap.has("Deployment") || snap.node_metrics.is_some() {
            return;
        }
        let present = snap.workloads.iter().any(|w| {
            let m = &w.metadata;
            m.kind == "Deployment"
                && (m.name == "metrics-server"
                    || m.labels
                        .get("k8s-app")
                        .is_some_and(|v| v == "metrics-server")
                    || m.labels
                        .get("app.kubernetes.io/name")
                        .is_some_and(|v| v == "metrics-server"))
        });
        if present {
            return;
        }
        input.report(
            out,
            &Self::META,
            &Meta::default(),
            Finding::new(
                &Self::META,
                "The cluster has no metrics-server Deployment and no node metrics: HPAs on CPU/memory cannot scale and kubectl top fails",
            )
            .hint("Install metrics-server (its Helm chart or components.yaml, or the managed add-on), then check kubectl get apiservice v1beta1.metrics.k8s.io"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    fn deployment(ns: &str, name: &str, labels: serde_json::Value) -> serde_json::Value {
        json!({"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": name, "namespace": ns, "labels": labels},
               "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "c", "image": "i:1"}]}}},
               "status": {"replicas": 1, "availableReplicas": 1}})
    }

    #[test]
    fn triggers_without_metrics_server() {
        let snap = snapshot(
            &[deployment(
                "kube-system",
                "coredns",
                json!({"k8s-app": "kube-dns"}),
            )],
            &[],
        );
        let found = run(&MetricsServerMissing, &snap);
        assert_eq!(found.len(), 1);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_with_metrics_server_or_metrics_or_without_deployments() {
        let gke = deployment(
            "kube-system",
            "metrics-server-v1.30.3",
            json!({"k8s-app": "metrics-server", "version": "v1.30.3"}),
        );
        assert!(run(&MetricsServerMissing, &snapshot(&[gke], &[])).is_empty());
        let helm = deployment(
            "monitoring",
            "ms",
            json!({"app.kubernetes.io/name": "metrics-server"}),
        );
        assert!(run(&MetricsServerMissing, &snapshot(&[helm], &[])).is_empty());
        let mut with_metrics = snapshot(&[], &["Deployment"]);
        with_metrics.node_metrics = Some(Default::default());
        assert!(run(&MetricsServerMissing, &with_metrics).is_empty());
        assert!(run(&MetricsServerMissing, &snapshot(&[], &[])).is_empty());
    }
}
