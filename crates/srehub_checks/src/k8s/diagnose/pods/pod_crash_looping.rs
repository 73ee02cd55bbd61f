use srehub_core::{Check, Finding, Findings, Resource};

use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers waiting in `CrashLoopBackOff`: they start, exit, and the kubelet backs off restarting
    /// them (up to 5 minutes between tries).
    ///
    /// ## Why it matters
    /// The container is not serving, and each restart loses its in-memory state. The cause is in the
    /// previous run's logs and exit code.
    ///
    /// ## How to fix
    /// `kubectl logs POD -c CONTAINER --previous` and `kubectl describe pod POD`; exit code 137 is a kill
    /// (OOM or failed liveness probe), 1 or 2 an application error, 126/127 a bad command.
    K8S200 PodCrashLooping { name: "pod-crash-looping", severity: Critical, category: Health, group: "diagnose" }
}

impl Check<K8sInput<'_>> for PodCrashLooping {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for pod in &input.snap.pods {
            let statuses = pod
                .status
                .init_container_statuses
                .iter()
                .chain(&pod.status.container_statuses);
            for cs in statuses {
                if cs
                    .state
                    .waiting
                    .as_ref()
                    .is_none_or(|w| w.reason != "CrashLoopBackOff")
                {
                    continue;
                }
                let last = cs
                    .last_state
                    .terminated
                    .as_ref()
                    .map(|t| {
                        let reason = if t.reason.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", t.reason)
                        };
                        format!(
                            "; last exit code {}{reason}",
                            t.exit_code.unwrap_or_default()
                        )
                    })
                    .unwrap_or_default();
                let m = &pod.metadata;
                input.report(
                    out,
                    &Self::META,
                    m,
                    Finding::new(
                        &Self::META,
                        format!(
                            "Container `{}` is in CrashLoopBackOff after {} restarts{last}",
                            cs.name, cs.restart_count
                        ),
                    )
                    .resource(
                        Resource::new("Pod", m.name.clone())
                            .in_namespace(m.namespace.clone())
                            .container(cs.name.clone()),
                    )
                    .hint(format!(
                        "kubectl logs -n {} {} -c {} --previous",
                        m.namespace, m.name, cs.name
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{pod, run, snapshot};
    use serde_json::json;

    #[test]
    fn triggers_on_crash_loop() {
        let crashing = pod(
            "shop",
            "api-0",
            json!({"status": {"containerStatuses": [{"name": "app", "restartCount": 27,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}}),
        );
        let found = run(
            &PodCrashLooping,
            &snapshot(&[crashing, pod("shop", "ok", json!({}))], &[]),
        );
        assert_eq!(found.len(), 1);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_running_pods() {
        assert!(
            run(
                &PodCrashLooping,
                &snapshot(&[pod("shop", "ok", json!({}))], &[])
            )
            .is_empty()
        );
    }
}
