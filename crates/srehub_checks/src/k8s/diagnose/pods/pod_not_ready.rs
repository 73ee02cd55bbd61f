use srehub_core::{Check, Finding, Findings};
use srehub_model::k8s::{ContainerStatus, Pod, condition};

use super::{MAX_QUOTE, duration, pod_resource, quote, waiting_for_known_reason};
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Pods in phase `Running` whose `Ready` condition is `False`, started more than
    /// `doctor.pending-minutes` ago and not ready for at least as long, and not being deleted. Pods with a
    /// container in `CrashLoopBackOff`, an image pull error or a create error are left to K8S200–K8S202.
    /// The finding names the containers that are not ready and their state.
    ///
    /// ## Why it matters
    /// A pod that is not Ready is removed from its Services' endpoints: it takes no traffic, it counts as
    /// unavailable for PodDisruptionBudgets and rollouts (`maxUnavailable`), and a Deployment whose new
    /// pods never become ready stalls its rollout.
    ///
    /// ## How to fix
    /// `kubectl describe pod -n NS POD`: failing readiness probes show as `Unhealthy` events with the
    /// probe's error. Check `readinessProbe` (path, port, `timeoutSeconds`, `failureThreshold`) against
    /// what the application serves, and the application's dependencies (a database it waits for). If all
    /// containers are ready, a `spec.readinessGates` condition (e.g. a load balancer target) is not met.
    K8S206 PodNotReady { name: "pod-not-ready", severity: Warning, category: Health, group: "diagnose" }
}

/// What a not-ready container is doing.
fn container_state(pod: &Pod, cs: &ContainerStatus) -> String {
    if let Some(w) = &cs.state.waiting {
        return if w.reason.is_empty() {
            "waiting".into()
        } else {
            format!("waiting: {}", w.reason)
        };
    }
    if let Some(t) = &cs.state.terminated {
        let reason = if t.reason.is_empty() {
            "terminated"
        } else {
            t.reason.as_str()
        };
        return match t.exit_code {
            Some(code) => format!("{reason}, exit code {code}"),
            None => reason.to_string(),
        };
    }
    let probe = pod
        .spec
        .containers
        .iter()
        .find(|c| c.name == cs.name)
        .and_then(|c| c.readiness_probe.as_ref());
    if probe.is_some() {
        "running, readiness probe failing".into()
    } else {
        "running".into()
    }
}

impl Check<K8sInput<'_>> for PodNotReady {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let threshold = i64::from(input.settings.pending_minutes) * 60;
        let now = input.now.as_second();
        for pod in &input.snap.pods {
            let m = &pod.metadata;
            if pod.status.phase != "Running" || m.deletion_timestamp.is_some() {
                continue;
            }
            let Some(ready) =
                condition(&pod.status.conditions, "Ready").filter(|c| c.status == "False")
            else {
                continue;
            };
            let Some(started) = pod.status.start_time else {
                continue;
            };
            if now.saturating_sub(started.as_second()) <= threshold {
                continue;
            }
            // A probe that failed a minute ago on an old pod may be a blip.
            if ready
                .last_transition_time
                .is_some_and(|t| now.saturating_sub(t.as_second()) <= threshold)
            {
                continue;
            }
            let statuses = pod
                .status
                .init_container_statuses
                .iter()
                .chain(&pod.status.container_statuses);
            if statuses.clone().any(waiting_for_known_reason) {
                continue;
            }
            let not_ready: Vec<String> = pod
                .status
                .container_statuses
                .iter()
                .filter(|cs| !cs.ready)
                .map(|cs| format!("`{}` ({})", cs.name, container_state(pod, cs)))
                .collect();
            let since = ready
                .last_transition_time
                .map(|t| format!(" for {}", duration(input.minutes_since(t))))
                .unwrap_or_default();
            let what = if not_ready.is_empty() {
                let why = if ready.message.is_empty() {
                    ready.reason.as_str()
                } else {
                    ready.message.as_str()
                };
                if why.is_empty() {
                    "all containers are ready (a readiness gate is not met)".to_string()
                } else {
                    format!("all containers are ready: {}", quote(why, MAX_QUOTE))
                }
            } else {
                let n = not_ready.len();
                format!(
                    "{n} container{} not ready: {}",
                    if n == 1 { "" } else { "s" },
                    not_ready.join(", ")
                )
            };
            let hint = if not_ready.is_empty() {
                format!(
                    "kubectl get pod -n {} {} -o jsonpath='{{.spec.readinessGates}}{{.status.conditions}}': find the readiness gate that is not True and the controller that sets it",
                    m.namespace, m.name
                )
            } else {
                format!(
                    "kubectl describe pod -n {} {} (Unhealthy events show the readiness probe error); check readinessProbe path, port and timeoutSeconds",
                    m.namespace, m.name
                )
            };
            input.report(
                out,
                &Self::META,
                m,
                Finding::new(
                    &Self::META,
                    format!("Pod is Running but not Ready{since}; {what}"),
                )
                .resource(pod_resource(pod))
                .hint(hint),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{pod, run, snapshot};
    use serde_json::json;

    fn not_ready(name: &str, statuses: serde_json::Value) -> serde_json::Value {
        pod(
            "checkout",
            name,
            json!({"spec": {"containers": [
                      {"name": "app", "image": "registry.example.com/checkout:2.8.0",
                       "readinessProbe": {"httpGet": {"path": "/healthz/ready", "port": 8080}, "periodSeconds": 10, "failureThreshold": 3}},
                      {"name": "envoy", "image": "envoyproxy/envoy:v1.31.2"}]},
                   "status": {"phase": "Running", "startTime": "2026-11-20T09:00:00Z",
                     "conditions": [
                       {"type": "Initialized", "status": "True", "lastTransitionTime": "2026-11-20T09:00:00Z"},
                       {"type": "Ready", "status": "False", "reason": "ContainersNotReady",
                        "message": "containers with unready status: [app]", "lastTransitionTime": "2026-11-20T09:20:00Z"},
                       {"type": "ContainersReady", "status": "False", "reason": "ContainersNotReady", "lastTransitionTime": "2026-11-20T09:20:00Z"},
                       {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-11-20T09:00:00Z"}],
                     "containerStatuses": statuses}}),
        )
    }

    #[test]
    fn triggers_on_running_pods_that_stay_unready() {
        let probe_failing = not_ready(
            "checkout-5b7c9d-abcde",
            json!([
                {"name": "app", "ready": false, "restartCount": 0, "started": true, "state": {"running": {"startedAt": "2026-11-20T09:00:04Z"}}},
                {"name": "envoy", "ready": true, "restartCount": 0, "started": true, "state": {"running": {"startedAt": "2026-11-20T09:00:03Z"}}}
            ]),
        );
        let sidecar_exited = not_ready(
            "checkout-5b7c9d-fghij",
            json!([
                {"name": "app", "ready": true, "restartCount": 0, "state": {"running": {}}},
                {"name": "envoy", "ready": false, "restartCount": 0, "state": {"terminated": {"reason": "Error", "exitCode": 1}}}
            ]),
        );
        let found = run(
            &PodNotReady,
            &snapshot(
                &[
                    probe_failing,
                    sidecar_exited,
                    pod("checkout", "ok", json!({})),
                ],
                &[],
            ),
        );
        assert_eq!(found.len(), 2);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_ready_young_crashing_and_deleted_pods() {
        let crashing = not_ready(
            "crashing",
            json!([{"name": "app", "ready": false, "restartCount": 9, "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
                   {"name": "envoy", "ready": true, "restartCount": 0, "state": {"running": {}}}]),
        );
        let mut young = not_ready(
            "young",
            json!([{"name": "app", "ready": false, "restartCount": 0, "state": {"running": {}}}]),
        );
        young["status"]["startTime"] = json!("2026-11-20T09:58:00Z");
        let mut blip = not_ready(
            "blip",
            json!([{"name": "app", "ready": false, "restartCount": 0, "state": {"running": {}}}]),
        );
        blip["status"]["conditions"][1]["lastTransitionTime"] = json!("2026-11-20T09:59:00Z");
        let mut deleting = not_ready(
            "deleting",
            json!([{"name": "app", "ready": false, "restartCount": 0, "state": {"running": {}}}]),
        );
        deleting["metadata"]["deletionTimestamp"] = json!("2026-11-20T09:59:30Z");
        let snap = snapshot(
            &[
                crashing,
                young,
                blip,
                deleting,
                pod("checkout", "ok", json!({})),
            ],
            &[],
        );
        assert!(run(&PodNotReady, &snap).is_empty());
    }
}
