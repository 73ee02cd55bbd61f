use srehub_core::{Check, Finding, Findings};

use super::count;
use crate::k8s::K8sInput;
use crate::k8s::input::resource;
use srehub_model::k8s::Workload;

/// CNI DaemonSets by name, with the add-on they belong to.
const CNI: [(&str, &str); 9] = [
    ("calico-node", "Calico"),
    ("canal", "Canal"),
    ("cilium", "Cilium"),
    ("kube-flannel-ds", "Flannel"),
    ("flannel", "Flannel"),
    ("weave-net", "Weave Net"),
    ("aws-node", "Amazon VPC CNI"),
    ("antrea-agent", "Antrea"),
    ("kube-router", "kube-router"),
];

/// Namespaces the CNI operators and manifests install into besides `kube-system`.
const CNI_NAMESPACES: [&str; 3] = ["kube-system", "kube-flannel", "calico-system"];

srehub_core::declare_check! {
    /// ## What it checks
    /// The cluster add-ons everything else relies on, when fewer of their pods are available than
    /// desired: CoreDNS/kube-dns (Deployment `coredns` or labelled `k8s-app: kube-dns`), kube-proxy, the
    /// CNI DaemonSet (calico-node, canal, cilium, flannel, weave-net, aws-node, antrea-agent, kube-router)
    /// and metrics-server. DaemonSets count as unhealthy with any unavailable pod.
    ///
    /// ## Why it matters
    /// Without DNS, Service names stop resolving cluster-wide; a node without kube-proxy or its CNI pod
    /// cannot route Service traffic or give pods a network; without metrics-server, HPAs stop scaling and
    /// `kubectl top` fails.
    ///
    /// ## How to fix
    /// `kubectl -n NAMESPACE get pods -l SELECTOR -o wide` to find the unavailable pods and their nodes,
    /// then `kubectl describe pod` and `kubectl logs` (`--previous` after a crash). Typical causes: the
    /// add-on's image or version does not match the cluster version after an upgrade, missing tolerations
    /// for new node taints, or resource limits too low for the cluster's size (CoreDNS OOM).
    K8S106 AddonUnhealthy { name: "addon-unhealthy", severity: Critical, category: Health, group: "health" }
}

/// The add-on a workload is, if it is one.
fn addon(w: &Workload) -> Option<String> {
    let m = &w.metadata;
    let label = |k: &str| m.labels.get(k).map(String::as_str);
    match m.kind.as_str() {
        "Deployment"
            if m.name == "metrics-server"
                || label("k8s-app") == Some("metrics-server")
                || label("app.kubernetes.io/name") == Some("metrics-server") =>
        {
            Some("metrics-server".into())
        }
        "Deployment"
            if m.namespace == "kube-system"
                && (m.name == "coredns" || label("k8s-app") == Some("kube-dns")) =>
        {
            Some(if m.name == "kube-dns" {
                "kube-dns".into()
            } else {
                "CoreDNS".into()
            })
        }
        "DaemonSet"
            if m.namespace == "kube-system"
                && (m.name == "kube-proxy" || label("k8s-app") == Some("kube-proxy")) =>
        {
            Some("kube-proxy".into())
        }
        "DaemonSet" if CNI_NAMESPACES.contains(&m.namespace.as_str()) => CNI
            .iter()
            .find(|(n, _)| {
                m.name == *n || (*n == "kube-flannel-ds" && m.name.starts_with("kube-flannel-ds-"))
            })
            .map(|(_, what)| format!("{what} CNI")),
        _ => None,
    }
}

impl Check<K8sInput<'_>> for AddonUnhealthy {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for w in &input.snap.workloads {
            let Some(what) = addon(w) else {
                continue;
            };
            let (desired, available) = (w.desired(), w.available());
            let unavailable = w.status.number_unavailable.unwrap_or(0);
            let broken = desired > 0
                && (available < desired || (w.metadata.kind == "DaemonSet" && unavailable > 0));
            if !broken || w.metadata.deletion_timestamp.is_some() {
                continue;
            }
            let m = &w.metadata;
            let unit = if m.kind == "DaemonSet" {
                "pods"
            } else {
                "replicas"
            };
            let nodes = if m.kind == "DaemonSet" {
                format!(
                    " ({} without a working pod)",
                    count(unavailable.max(desired - available), "node", "nodes")
                )
            } else {
                String::new()
            };
            let selector = w
                .spec
                .selector
                .as_ref()
                .map(|s| {
                    s.match_labels
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .filter(|s| !s.is_empty());
            let hint = match selector {
                Some(sel) => format!(
                    "kubectl -n {} get pods -l {sel} -o wide; then kubectl describe and kubectl logs --previous on the failing pods",
                    m.namespace
                ),
                None => format!(
                    "kubectl -n {} describe {} {}",
                    m.namespace,
                    m.kind.to_lowercase(),
                    m.name
                ),
            };
            input.report(
                out,
                &Self::META,
                m,
                Finding::new(
                    &Self::META,
                    format!(
                        "{what} ({} {}) has {available}/{desired} {unit} available{nodes}",
                        m.kind, m.name
                    ),
                )
                .resource(resource(m))
                .hint(hint),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    fn deployment(
        ns: &str,
        name: &str,
        k8s_app: &str,
        replicas: i32,
        available: i32,
    ) -> serde_json::Value {
        json!({"kind": "Deployment", "apiVersion": "apps/v1",
               "metadata": {"name": name, "namespace": ns, "labels": {"k8s-app": k8s_app}, "generation": 3},
               "spec": {"replicas": replicas, "selector": {"matchLabels": {"k8s-app": k8s_app}},
                        "template": {"metadata": {"labels": {"k8s-app": k8s_app}}, "spec": {"containers": [{"name": name, "image": "registry.k8s.io/coredns/coredns:v1.11.1"}]}}},
               "status": {"observedGeneration": 3, "replicas": replicas, "readyReplicas": available, "availableReplicas": available,
                          "unavailableReplicas": replicas - available}})
    }

    fn daemonset(ns: &str, name: &str, desired: i32, available: i32) -> serde_json::Value {
        json!({"kind": "DaemonSet", "apiVersion": "apps/v1",
               "metadata": {"name": name, "namespace": ns, "labels": {"k8s-app": name}, "generation": 1},
               "spec": {"selector": {"matchLabels": {"k8s-app": name}},
                        "template": {"metadata": {"labels": {"k8s-app": name}}, "spec": {"containers": [{"name": name, "image": "example/cni:1"}]}}},
               "status": {"observedGeneration": 1, "desiredNumberScheduled": desired, "currentNumberScheduled": desired,
                          "numberReady": available, "numberAvailable": available,
                          "numberUnavailable": if desired > available { json!(desired - available) } else { json!(null) },
                          "updatedNumberScheduled": desired, "numberMisscheduled": 0}})
    }

    #[test]
    fn triggers_on_unavailable_addons() {
        let snap = snapshot(
            &[
                deployment("kube-system", "coredns", "kube-dns", 2, 0),
                daemonset("kube-system", "calico-node", 12, 9),
                daemonset("kube-system", "kube-proxy", 12, 12),
                deployment("monitoring", "metrics-server", "metrics-server", 1, 0),
                daemonset("kube-flannel", "kube-flannel-ds", 3, 2),
            ],
            &[],
        );
        let found = run(&AddonUnhealthy, &snap);
        assert_eq!(found.len(), 4);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_healthy_addons_and_other_workloads() {
        let snap = snapshot(
            &[
                deployment("kube-system", "coredns", "kube-dns", 2, 2),
                daemonset("kube-system", "cilium", 5, 5),
                daemonset("kube-system", "aws-node", 0, 0),
                // Not an add-on: a user's app, even if broken.
                deployment("shop", "api", "api", 3, 0),
                daemonset("shop", "calico-node", 3, 0),
            ],
            &[],
        );
        assert!(run(&AddonUnhealthy, &snap).is_empty());
    }
}
