use std::collections::HashMap;

use srehub_core::{Check, Finding, Findings};

use super::count;
use crate::k8s::K8sInput;
use crate::k8s::input::resource;
use srehub_model::k8s::{Pod, ServiceEndpoints, map_selector_matches};

srehub_core::declare_check! {
    /// ## What it checks
    /// Services with a selector (not `ExternalName`) that have no ready endpoint: their Endpoints or
    /// EndpointSlices list no ready address, or do not exist. Only when Endpoints or EndpointSlices were
    /// collected. The message says how many addresses are not ready and how many pods match the selector.
    ///
    /// ## Why it matters
    /// Every connection to the Service fails (`connection refused` from kube-proxy, 503 from an Ingress
    /// controller): whatever depends on it is down.
    ///
    /// ## How to fix
    /// No pod matches: compare the Service's `spec.selector` with the pod labels
    /// (`kubectl -n NS get pods -l KEY=VALUE`), often a typo or a workload scaled to zero. Pods match but
    /// are not ready: `kubectl -n NS describe pod` for failing readiness probes, crashes or Pending pods.
    K8S214 ServiceWithoutReadyEndpoints { name: "service-without-ready-endpoints", severity: Critical, category: Health, group: "diagnose" }
}

impl Check<K8sInput<'_>> for ServiceWithoutReadyEndpoints {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let snap = input.snap;
        if !snap.has("Endpoints") {
            return;
        }
        let endpoints: HashMap<(&str, &str), &ServiceEndpoints> = snap
            .endpoints
            .iter()
            .map(|e| ((e.namespace.as_str(), e.service.as_str()), e))
            .collect();
        // Built only if some Service needs it: live pods by namespace.
        let mut pods_by_ns: Option<HashMap<&str, Vec<&Pod>>> = None;
        for svc in &snap.services {
            let m = &svc.metadata;
            if svc.spec.selector.is_empty()
                || svc.spec.type_.as_deref() == Some("ExternalName")
                || m.deletion_timestamp.is_some()
            {
                continue;
            }
            let ep = endpoints.get(&(m.namespace.as_str(), m.name.as_str()));
            if ep.is_some_and(|e| e.ready > 0) {
                continue;
            }
            let selector = svc
                .spec
                .selector
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",");
            let not_ready = match ep {
                Some(e) if e.not_ready > 0 => {
                    count(e.not_ready, "not-ready address", "not-ready addresses")
                }
                Some(_) => "no addresses".to_string(),
                None => "no Endpoints object".to_string(),
            };
            let matching = if snap.has("Pod") {
                let by_ns = pods_by_ns.get_or_insert_with(|| {
                    let mut map: HashMap<&str, Vec<&Pod>> = HashMap::new();
                    for p in snap
                        .pods
                        .iter()
                        .filter(|p| !matches!(p.status.phase.as_str(), "Succeeded" | "Failed"))
                    {
                        map.entry(p.metadata.namespace.as_str())
                            .or_default()
                            .push(p);
                    }
                    map
                });
                let n = by_ns.get(m.namespace.as_str()).map_or(0, |pods| {
                    pods.iter()
                        .filter(|p| map_selector_matches(&svc.spec.selector, &p.metadata.labels))
                        .count()
                });
                match n {
                    0 => "; no pod matches its selector".to_string(),
                    n => format!("; {} its selector", count(n, "pod matches", "pods match")),
                }
            } else {
                String::new()
            };
            input.report(
                out,
                &Self::META,
                m,
                Finding::new(
                    &Self::META,
                    format!("Service selecting {selector} has no ready endpoints ({not_ready}){matching}"),
                )
                .resource(resource(m))
                .hint(format!(
                    "kubectl -n {} get pods -l {selector}: fix the selector if none match, else why they are not Ready (kubectl describe pod)",
                    m.namespace
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{pod, run, snapshot};
    use serde_json::json;

    fn service(name: &str, selector: serde_json::Value, type_: &str) -> serde_json::Value {
        json!({"kind": "Service", "apiVersion": "v1", "metadata": {"name": name, "namespace": "shop"},
               "spec": {"type": type_, "selector": selector, "clusterIP": "10.96.12.34",
                        "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]}})
    }

    fn endpoints(name: &str, ready: usize, not_ready: usize) -> serde_json::Value {
        let addr = |i: usize| json!({"ip": format!("10.244.1.{i}"), "targetRef": {"kind": "Pod", "namespace": "shop", "name": format!("{name}-{i}")}});
        let mut subset = json!({"ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]});
        if ready > 0 {
            subset["addresses"] = (0..ready).map(addr).collect();
        }
        if not_ready > 0 {
            subset["notReadyAddresses"] = (0..not_ready).map(addr).collect();
        }
        json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": {"name": name, "namespace": "shop"}, "subsets": [subset]})
    }

    #[test]
    fn triggers_on_services_without_ready_endpoints() {
        let unready = pod(
            "shop",
            "api-7d9c-abcde",
            json!({"metadata": {"labels": {"app": "api"}},
            "status": {"conditions": [{"type": "Ready", "status": "False"}]}}),
        );
        let snap = snapshot(
            &[
                service("api", json!({"app": "api"}), "ClusterIP"),
                endpoints("api", 0, 2),
                unready,
                service("checkout", json!({"app": "chekout"}), "LoadBalancer"),
                endpoints("checkout", 0, 0),
                service("orphan", json!({"app": "gone"}), "ClusterIP"),
            ],
            &[],
        );
        let found = run(&ServiceWithoutReadyEndpoints, &snap);
        assert_eq!(found.len(), 3);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_ready_selectorless_external_and_uncollected() {
        let objects = [
            service("api", json!({"app": "api"}), "ClusterIP"),
            endpoints("api", 2, 1),
            service("kubernetes", json!(null), "ClusterIP"),
            service("db", json!({}), "ClusterIP"),
            json!({"kind": "Service", "apiVersion": "v1", "metadata": {"name": "payments-api", "namespace": "shop"},
                   "spec": {"type": "ExternalName", "externalName": "api.payments.example.com", "selector": {"app": "x"}}}),
        ];
        let found = run(&ServiceWithoutReadyEndpoints, &snapshot(&objects, &[]));
        assert!(found.is_empty(), "{found:?}");
        let no_endpoints = snapshot(
            &[service("api", json!({"app": "api"}), "ClusterIP")],
            &["Service"],
        );
        assert!(run(&ServiceWithoutReadyEndpoints, &no_endpoints).is_empty());
    }
}
