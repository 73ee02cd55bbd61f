use srehub_core::{Check, Finding, Findings, Severity};

use super::{ago, all_statuses, pod_resource};
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers whose current or last termination reason is `OOMKilled`: the kernel killed them for
    /// exceeding their memory limit (or, without a limit, because the node ran out of memory). The
    /// finding is Critical once the container restarted more than `doctor.restart-critical` times.
    ///
    /// ## Why it matters
    /// Every OOM kill drops in-flight requests and in-memory state, and repeated kills become a
    /// CrashLoopBackOff. A limit set below the working set is the usual cause; a leak is the other.
    ///
    /// ## How to fix
    /// Compare the limit with real usage (`kubectl top pod -n NS POD --containers`, or the
    /// `container_memory_working_set_bytes` metric) and raise `resources.limits.memory` (and
    /// `requests.memory` with it) above the peak; for JVMs, size `-XX:MaxRAMPercentage` to the limit. If
    /// usage grows without bound, fix the leak. Containers without a limit were killed by node memory
    /// pressure: set requests to the real need so the scheduler places them where the memory exists.
    K8S204 ContainerOomKilled { name: "container-oom-killed", severity: Warning, category: Reliability, group: "diagnose" }
}

impl Check<K8sInput<'_>> for ContainerOomKilled {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for pod in &input.snap.pods {
            let m = &pod.metadata;
            if pod.status.phase == "Succeeded" || m.deletion_timestamp.is_some() {
                continue;
            }
            for cs in all_statuses(pod) {
                let oom = [
                    cs.state.terminated.as_ref(),
                    cs.last_state.terminated.as_ref(),
                ]
                .into_iter()
                .flatten()
                .find(|t| t.reason == "OOMKilled");
                let Some(t) = oom else {
                    continue;
                };
                let limit = pod
                    .spec
                    .containers
                    .iter()
                    .chain(&pod.spec.init_containers)
                    .find(|c| c.name == cs.name)
                    .and_then(|c| c.resources.limits.get("memory"))
                    .map(String::as_str);
                let when = t
                    .finished_at
                    .map(|f| format!(" {}", ago(input.minutes_since(f))))
                    .unwrap_or_default();
                let limit_text = match limit {
                    Some(l) => format!("memory limit {l}"),
                    None => "no memory limit, so the node ran out of memory".to_string(),
                };
                let restarts = match cs.restart_count {
                    1 => "1 restart".to_string(),
                    n => format!("{n} restarts"),
                };
                let hint = match limit {
                    Some(l) => format!(
                        "Raise resources.limits.memory of `{}` above {l} or fix the leak; kubectl top pod -n {} {} --containers",
                        cs.name, m.namespace, m.name
                    ),
                    None => format!(
                        "Set resources.requests.memory and limits.memory of `{}` to its real peak; kubectl top pod -n {} {} --containers",
                        cs.name, m.namespace, m.name
                    ),
                };
                let mut f = Finding::new(
                    &Self::META,
                    format!(
                        "Container `{}` was OOMKilled{when} ({limit_text}; {restarts})",
                        cs.name
                    ),
                )
                .resource(pod_resource(pod).container(cs.name.clone()))
                .hint(hint);
                if cs.restart_count > input.settings.restart_critical {
                    f = f.severity(Severity::Critical);
                }
                input.report(out, &Self::META, m, f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{pod, run, snapshot};
    use serde_json::json;

    fn oom_pod(name: &str, restarts: u32, limits: serde_json::Value) -> serde_json::Value {
        pod(
            "search",
            name,
            json!({"spec": {"containers": [{"name": "indexer", "image": "registry.example.com/indexer:3.1.0",
                     "resources": {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": limits}}]},
                   "status": {"containerStatuses": [{"name": "indexer", "ready": true, "restartCount": restarts,
                     "image": "registry.example.com/indexer:3.1.0",
                     "state": {"running": {"startedAt": "2026-11-20T09:48:12Z"}},
                     "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                       "startedAt": "2026-11-20T09:31:40Z", "finishedAt": "2026-11-20T09:48:10Z"}}}]}}),
        )
    }

    #[test]
    fn triggers_on_oom_kills() {
        let snap = snapshot(
            &[
                oom_pod("indexer-0", 3, json!({"memory": "512Mi"})),
                oom_pod("indexer-1", 14, json!({"memory": "512Mi"})),
                oom_pod("indexer-2", 1, json!({})),
                pod("search", "ok", json!({})),
            ],
            &[],
        );
        let found = run(&ContainerOomKilled, &snap);
        assert_eq!(found.len(), 3);
        assert_eq!(found[1].severity, Severity::Critical);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_other_terminations_and_completed_pods() {
        let errored = pod(
            "search",
            "errored",
            json!({"status": {"containerStatuses": [{"name": "app", "ready": true, "restartCount": 2,
                "state": {"running": {}}, "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}}),
        );
        let done = pod(
            "search",
            "job-done",
            json!({"status": {"phase": "Succeeded", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 1,
                "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
                "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]}}),
        );
        assert!(
            run(
                &ContainerOomKilled,
                &snapshot(&[errored, done, pod("search", "ok", json!({}))], &[])
            )
            .is_empty()
        );
    }
}
