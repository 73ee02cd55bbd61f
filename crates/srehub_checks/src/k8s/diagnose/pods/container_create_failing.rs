use srehub_core::{Check, Finding, Findings};

use super::{CREATE_REASONS, MAX_QUOTE, all_statuses, pod_resource, quote};
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers (init containers included) waiting with `CreateContainerConfigError`,
    /// `CreateContainerError`, `RunContainerError`, `PreCreateHookError` or `PostStartHookError`: the
    /// image was pulled but the kubelet or the runtime cannot create or start the container.
    ///
    /// ## Why it matters
    /// The pod never becomes ready and the kubelet retries forever without a crash loop to notice. The
    /// cause is almost always configuration: a missing Secret, ConfigMap or key, a bad `command`, a
    /// failing lifecycle hook.
    ///
    /// ## How to fix
    /// The message names the cause (also in `kubectl describe pod -n NS POD`).
    /// `CreateContainerConfigError`: create the Secret/ConfigMap or key referenced by `env[].valueFrom`,
    /// `envFrom` or a volume (`kubectl get secret -n NS NAME -o jsonpath='{.data}'`), or mark the
    /// reference `optional: true`. `CreateContainerError` / `RunContainerError`: an executable not found
    /// in `command`/`args`, a bad `workingDir`, a mount over a file, or a `securityContext` the image
    /// cannot satisfy (`runAsNonRoot` with a root image). Hook errors: fix
    /// `lifecycle.postStart` / the runtime's pre-create hook.
    K8S202 ContainerCreateFailing { name: "container-create-failing", severity: Critical, category: Health, group: "diagnose" }
}

impl Check<K8sInput<'_>> for ContainerCreateFailing {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for pod in &input.snap.pods {
            if pod.metadata.deletion_timestamp.is_some() {
                continue;
            }
            for cs in all_statuses(pod) {
                let Some(w) = cs
                    .state
                    .waiting
                    .as_ref()
                    .filter(|w| CREATE_REASONS.contains(&w.reason.as_str()))
                else {
                    continue;
                };
                let detail = if w.message.trim().is_empty() {
                    String::new()
                } else {
                    format!(": {}", quote(&w.message, MAX_QUOTE))
                };
                let m = &pod.metadata;
                let hint = match w.reason.as_str() {
                    "CreateContainerConfigError" => format!(
                        "Create the Secret/ConfigMap or key that `{}` references in env, envFrom or volumes (kubectl get secret,configmap -n {}), or mark the reference optional: true",
                        cs.name, m.namespace
                    ),
                    "PostStartHookError" | "PreCreateHookError" => format!(
                        "Fix the lifecycle hook of `{}` (spec.containers[].lifecycle.postStart); kubectl describe pod -n {} {}",
                        cs.name, m.namespace, m.name
                    ),
                    _ => format!(
                        "Fix the command, args, workingDir, mounts or securityContext of `{}`; kubectl describe pod -n {} {}",
                        cs.name, m.namespace, m.name
                    ),
                };
                input.report(
                    out,
                    &Self::META,
                    m,
                    Finding::new(
                        &Self::META,
                        format!(
                            "Container `{}` cannot start ({}){detail}",
                            cs.name, w.reason
                        ),
                    )
                    .resource(pod_resource(pod).container(cs.name.clone()))
                    .hint(hint),
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
    fn triggers_on_config_and_runtime_errors() {
        let missing_key = pod(
            "payments",
            "api-6c8d7f9b4-qz7tn",
            json!({"status": {"phase": "Pending", "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}],
                "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0, "image": "registry.example.com/app:1.2.3",
                  "state": {"waiting": {"reason": "CreateContainerConfigError", "message": "couldn't find key password in Secret payments/db"}}}]}}),
        );
        let bad_command = pod(
            "payments",
            "cron-28870020-8fj2k",
            json!({"status": {"phase": "Pending",
                "containerStatuses": [{"name": "app", "ready": false, "restartCount": 3, "image": "registry.example.com/app:1.2.3",
                  "state": {"waiting": {"reason": "RunContainerError", "message": "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"/app/run.sh\": stat /app/run.sh: no such file or directory: unknown"}}}]}}),
        );
        let found = run(
            &ContainerCreateFailing,
            &snapshot(
                &[missing_key, bad_command, pod("payments", "ok", json!({}))],
                &[],
            ),
        );
        assert_eq!(found.len(), 2);
        assert!(
            found[0]
                .message
                .contains("couldn't find key password in Secret payments/db")
        );
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_healthy_and_creating_pods() {
        let creating = pod(
            "payments",
            "new",
            json!({"status": {"phase": "Pending", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0,
                "state": {"waiting": {"reason": "ContainerCreating"}}}]}}),
        );
        assert!(
            run(
                &ContainerCreateFailing,
                &snapshot(&[pod("payments", "ok", json!({})), creating], &[])
            )
            .is_empty()
        );
    }
}
