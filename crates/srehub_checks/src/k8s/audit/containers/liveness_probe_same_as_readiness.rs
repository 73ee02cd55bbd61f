use serde_json::Value;
use srehub_core::{Check, Finding, Findings};

use super::util::{audited_specs, container_resource, long_running_containers};
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers (and sidecar init containers) whose `livenessProbe` and `readinessProbe` are identical:
    /// same handler, same endpoint, same timings. Fields the API server defaults (`timeoutSeconds: 1`,
    /// `periodSeconds: 10`, `successThreshold: 1`, `failureThreshold: 3`, `httpGet.scheme: HTTP`,
    /// `httpGet.path: /`) are filled in before comparing, so manifests and live objects agree.
    ///
    /// ## Why it matters
    /// The two probes answer different questions. Readiness failing takes the pod out of rotation until it
    /// recovers; liveness failing kills it. With the same check, a slow database or a burst of load makes
    /// every replica fail both at once: instead of shedding traffic, the kubelet restarts them all, cold
    /// caches and all, turning a brownout into an outage.
    ///
    /// ## How to fix
    /// Point `livenessProbe` at a cheap endpoint that checks only that the process is not wedged (e.g.
    /// `/livez`, no dependency checks) and keep dependency checks in `readinessProbe` (`/readyz`); give
    /// liveness a higher `failureThreshold` than readiness so it acts only when readiness cannot help.
    K8S013 LivenessProbeSameAsReadiness { name: "liveness-probe-same-as-readiness", severity: Warning, category: Reliability, group: "audit" }
}

/// The probe with the API server's defaults filled in and zero delays removed.
fn normalized(probe: &Value) -> Value {
    let mut p = probe.clone();
    if let Some(obj) = p.as_object_mut() {
        for (field, default) in [
            ("timeoutSeconds", 1),
            ("periodSeconds", 10),
            ("successThreshold", 1),
            ("failureThreshold", 3),
        ] {
            if obj.get(field).is_none_or(Value::is_null) {
                obj.insert(field.to_string(), Value::from(default));
            }
        }
        if obj
            .get("initialDelaySeconds")
            .is_some_and(|v| v.is_null() || v.as_i64() == Some(0))
        {
            obj.remove("initialDelaySeconds");
        }
        if let Some(http) = obj.get_mut("httpGet").and_then(Value::as_object_mut) {
            for (field, default) in [("scheme", "HTTP"), ("path", "/")] {
                if http
                    .get(field)
                    .is_none_or(|v| v.is_null() || v.as_str() == Some(""))
                {
                    http.insert(field.to_string(), Value::from(default));
                }
            }
        }
    }
    p
}

/// A short description of what a probe checks, for the message.
fn describe(probe: &Value) -> String {
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => "?".to_string(),
    };
    if let Some(h) = probe.get("httpGet") {
        format!(
            "httpGet {} on port {}",
            text(h.get("path")),
            text(h.get("port"))
        )
    } else if let Some(t) = probe.get("tcpSocket") {
        format!("tcpSocket on port {}", text(t.get("port")))
    } else if let Some(g) = probe.get("grpc") {
        format!("grpc on port {}", text(g.get("port")))
    } else if let Some(cmd) = probe.pointer("/exec/command").and_then(Value::as_array) {
        let words: Vec<&str> = cmd.iter().filter_map(Value::as_str).collect();
        let mut line = words.join(" ");
        if line.chars().count() > 60 {
            line = format!("{}…", line.chars().take(60).collect::<String>());
        }
        format!("exec `{line}`")
    } else {
        "the same handler".to_string()
    }
}

impl Check<K8sInput<'_>> for LivenessProbeSameAsReadiness {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for owner in audited_specs(input) {
            for (c, role) in long_running_containers(owner.spec) {
                let (Some(live), Some(ready)) = (&c.liveness_probe, &c.readiness_probe) else {
                    continue;
                };
                let live = normalized(&live.value());
                if live != normalized(&ready.value()) {
                    continue;
                }
                input.report(
                    out,
                    &Self::META,
                    owner.meta,
                    Finding::new(
                        &Self::META,
                        format!(
                            "{} `{}` uses the same probe ({}) for liveness and readiness, so a slow dependency restarts it instead of taking it out of rotation",
                            role.label(),
                            c.name,
                            describe(&live)
                        ),
                    )
                    .resource(container_resource(&owner, c))
                    .hint("Point livenessProbe at a dependency-free endpoint (e.g. /livez) with a higher failureThreshold than readinessProbe"),
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

    fn health(path: &str) -> Value {
        json!({"httpGet": {"path": path, "port": 8080, "scheme": "HTTP"}, "timeoutSeconds": 1,
               "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3})
    }

    #[test]
    fn defaults_are_filled_before_comparing() {
        let manifest = json!({"httpGet": {"path": "/healthz", "port": 8080}});
        assert_eq!(normalized(&manifest), normalized(&health("/healthz")));
        assert_ne!(normalized(&manifest), normalized(&health("/readyz")));
    }

    #[test]
    fn triggers_on_identical_probes() {
        let web = deployment(
            "shop",
            "web",
            json!({"containers": [
            {"name": "app", "image": "registry.example.com/web:2.4.1",
             "livenessProbe": health("/healthz"), "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}}},
            {"name": "cache", "image": "redis:7.4",
             "livenessProbe": {"exec": {"command": ["redis-cli", "ping"]}, "periodSeconds": 5},
             "readinessProbe": {"exec": {"command": ["redis-cli", "ping"]}, "periodSeconds": 5}}]}),
        );
        let found = run(&LivenessProbeSameAsReadiness, &snapshot(&[web], &[]));
        assert_eq!(found.len(), 2);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_distinct_or_missing_probes() {
        let web = deployment(
            "shop",
            "web",
            json!({"containers": [
            {"name": "app", "image": "registry.example.com/web:2.4.1",
             "livenessProbe": health("/livez"), "readinessProbe": health("/readyz")},
            {"name": "worker", "image": "registry.example.com/worker:5.0.0",
             "livenessProbe": health("/healthz"),
             "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "failureThreshold": 1}},
            {"name": "proxy", "image": "envoyproxy/envoy:v1.31.2", "readinessProbe": health("/ready")}]}),
        );
        let found = run(&LivenessProbeSameAsReadiness, &snapshot(&[web], &[]));
        assert!(found.is_empty(), "{found:?}");
    }
}
