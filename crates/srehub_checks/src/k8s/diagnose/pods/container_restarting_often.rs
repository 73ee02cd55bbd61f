use srehub_core::{Check, Finding, Findings, Severity};

use super::{ago, all_statuses, pod_resource, waiting_reason};
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers (init containers and sidecars included) of live pods that restarted more than
    /// `doctor.restart-warning` times (Critical past `doctor.restart-critical`) and are not in
    /// `CrashLoopBackOff` now (K8S200 reports those). The finding gives the last termination's reason, exit
    /// code and when it happened.
    ///
    /// ## Why it matters
    /// A container that keeps restarting but recovers each time hides a real fault: memory kills, a
    /// liveness probe that is too strict, a crash under load. Each restart drops in-flight requests and
    /// state, and the kubelet's back-off grows until it becomes a crash loop.
    ///
    /// ## How to fix
    /// `kubectl logs -n NS POD -c CONTAINER --previous` for the last run's end, and
    /// `kubectl describe pod -n NS POD` for the last state. Exit code 137 with `OOMKilled`: raise
    /// `resources.limits.memory`; 137 or 143 without it: usually a failed `livenessProbe` (raise its
    /// `timeoutSeconds`/`failureThreshold`, or add a `startupProbe`); other codes: the application's own
    /// error in the logs. The count resets only when the pod is replaced.
    K8S207 ContainerRestartingOften { name: "container-restarting-often", severity: Warning, category: Reliability, group: "diagnose" }
}

impl Check<K8sInput<'_>> for ContainerRestartingOften {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let s = input.settings;
        for pod in &input.snap.pods {
            let m = &pod.metadata;
            if matches!(pod.status.phase.as_str(), "Succeeded" | "Failed")
                || m.deletion_timestamp.is_some()
            {
                continue;
            }
            for cs in all_statuses(pod) {
                if cs.restart_count <= s.restart_warning || waiting_reason(cs) == "CrashLoopBackOff"
                {
                    continue;
                }
                let last = cs
                    .last_state
                    .terminated
                    .as_ref()
                    .and_then(|t| {
                        let what = match (t.exit_code, t.reason.as_str()) {
                            (Some(c), "") => format!("exit code {c}"),
                            (Some(c), r) => format!("exit code {c} ({r})"),
                            (None, "") => return None,
                            (None, r) => r.to_string(),
                        };
                        let when = t
                            .finished_at
                            .map(|f| format!(", {}", ago(input.minutes_since(f))))
                            .unwrap_or_default();
                        Some(format!("; last termination: {what}{when}"))
                    })
                    .unwrap_or_default();
                let mut f = Finding::new(
                    &Self::META,
                    format!(
                        "Container `{}` has restarted {} times{last}",
                        cs.name, cs.restart_count
                    ),
                )
                .resource(pod_resource(pod).container(cs.name.clone()))
                .hint(format!(
                    "kubectl logs -n {} {} -c {} --previous",
                    m.namespace, m.name, cs.name
                ));
                if cs.restart_count > s.restart_critical {
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

    fn restarted(name: &str, restarts: u32, last: serde_json::Value) -> serde_json::Value {
        pod(
            "ledger",
            name,
            json!({"status": {"containerStatuses": [{"name": "app", "ready": true, "restartCount": restarts,
                "image": "registry.example.com/app:1.2.3",
                "state": {"running": {"startedAt": "2026-11-20T09:12:00Z"}}, "lastState": last}]}}),
        )
    }

    #[test]
    fn triggers_past_the_thresholds() {
        let liveness = json!({"terminated": {"exitCode": 137, "reason": "Error",
            "startedAt": "2026-11-20T07:02:00Z", "finishedAt": "2026-11-20T09:11:58Z"}});
        let snap = snapshot(
            &[
                restarted("ledger-0", 7, liveness.clone()),
                restarted(
                    "ledger-1",
                    31,
                    json!({"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": "2026-11-18T22:40:00Z"}}),
                ),
                restarted("ledger-2", 6, json!({})),
                restarted("ledger-3", 5, liveness),
            ],
            &[],
        );
        let found = run(&ContainerRestartingOften, &snap);
        assert_eq!(found.len(), 3);
        assert_eq!(found[1].severity, Severity::Critical);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_crash_loops_few_restarts_and_finished_pods() {
        let crashing = pod(
            "ledger",
            "crashing",
            json!({"status": {"containerStatuses": [{"name": "app", "ready": false, "restartCount": 40,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}}),
        );
        let done = pod(
            "ledger",
            "backfill-x8k2q",
            json!({"status": {"phase": "Succeeded", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 8,
                "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}}),
        );
        let snap = snapshot(
            &[
                crashing,
                done,
                restarted("few", 2, json!({})),
                pod("ledger", "ok", json!({})),
            ],
            &[],
        );
        assert!(run(&ContainerRestartingOften, &snap).is_empty());
    }
}
