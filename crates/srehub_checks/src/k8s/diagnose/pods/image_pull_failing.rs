use srehub_core::{Check, Finding, Findings};

use super::{IMAGE_PULL_REASONS, MAX_QUOTE, all_statuses, pod_resource, quote};
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers (init containers included) waiting with `ImagePullBackOff`, `ErrImagePull`,
    /// `InvalidImageName` or `ErrImageNeverPull`: the kubelet cannot get the image.
    ///
    /// ## Why it matters
    /// The pod never starts. During a rollout the new ReplicaSet stalls while the old pods keep running,
    /// until `progressDeadlineSeconds` marks the Deployment failed; a new node, an evicted pod or a scale-up
    /// of the same spec cannot run at all.
    ///
    /// ## How to fix
    /// Read the pull error in `kubectl describe pod -n NS POD` (Events). `not found` / `manifest unknown`:
    /// fix the tag in `spec.containers[].image` (a typo, or a tag never pushed). `unauthorized` / `denied`:
    /// add or fix `spec.imagePullSecrets` (or the node's registry credentials / IRSA / workload identity).
    /// `i/o timeout` / `no such host`: registry reachability from the nodes (proxy, NAT, firewall).
    /// `InvalidImageName`: the image reference is malformed. `ErrImageNeverPull`: `imagePullPolicy: Never`
    /// with the image missing on the node; use `IfNotPresent`.
    K8S201 ImagePullFailing { name: "image-pull-failing", severity: Critical, category: Health, group: "diagnose" }
}

impl Check<K8sInput<'_>> for ImagePullFailing {
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
                    .filter(|w| IMAGE_PULL_REASONS.contains(&w.reason.as_str()))
                else {
                    continue;
                };
                let image = if cs.image.is_empty() {
                    pod.spec
                        .init_containers
                        .iter()
                        .chain(&pod.spec.containers)
                        .find(|c| c.name == cs.name)
                        .map(|c| c.image.as_str())
                        .unwrap_or("")
                } else {
                    cs.image.as_str()
                };
                let detail = if w.message.trim().is_empty() {
                    String::new()
                } else {
                    format!(": {}", quote(&w.message, MAX_QUOTE))
                };
                let m = &pod.metadata;
                let hint = match w.reason.as_str() {
                    "InvalidImageName" => format!(
                        "Fix the image reference of `{}` in the pod template (spec.containers[].image): `{image}` is not a valid image name",
                        cs.name
                    ),
                    "ErrImageNeverPull" => format!(
                        "Set imagePullPolicy: IfNotPresent on `{}` or pre-load `{image}` on the node",
                        cs.name
                    ),
                    _ => format!(
                        "kubectl describe pod -n {} {}: check that `{image}` exists in the registry and that spec.imagePullSecrets grant access",
                        m.namespace, m.name
                    ),
                };
                input.report(
                    out,
                    &Self::META,
                    m,
                    Finding::new(
                        &Self::META,
                        format!(
                            "Container `{}` cannot pull image `{image}` ({}){detail}",
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
    fn triggers_on_pull_errors_of_containers_and_init_containers() {
        let backoff = pod(
            "payments",
            "api-7d9f8b6c5-x2k4p",
            json!({"spec": {"containers": [{"name": "api", "image": "registry.example.com/payments/api:1.4.2"}]},
                   "status": {"phase": "Pending", "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}],
                     "containerStatuses": [{"name": "api", "ready": false, "restartCount": 0, "image": "registry.example.com/payments/api:1.4.2",
                       "imageID": "", "started": false,
                       "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"registry.example.com/payments/api:1.4.2\""}},
                       "lastState": {}}]}}),
        );
        let long_error = format!(
            "failed to pull and unpack image \"ghcr.io/acme/migrate:v9\": failed to resolve reference \"ghcr.io/acme/migrate:v9\": {}",
            "401 Unauthorized ".repeat(20)
        );
        let init = pod(
            "payments",
            "worker-0",
            json!({"spec": {"initContainers": [{"name": "migrate", "image": "ghcr.io/acme/migrate:v9"}]},
                   "status": {"phase": "Pending",
                     "initContainerStatuses": [{"name": "migrate", "ready": false, "restartCount": 0, "image": "ghcr.io/acme/migrate:v9",
                       "state": {"waiting": {"reason": "ErrImagePull", "message": long_error}}}],
                     "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0, "image": "registry.example.com/app:1.2.3",
                       "state": {"waiting": {"reason": "PodInitializing"}}}]}}),
        );
        let invalid = pod(
            "payments",
            "bad-ref",
            json!({"spec": {"containers": [{"name": "app", "image": "Registry.example.com/App:1.2.3"}]},
                   "status": {"phase": "Pending", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0, "image": "",
                "state": {"waiting": {"reason": "InvalidImageName", "message": "Failed to apply default image tag \"Registry.example.com/App:1.2.3\": couldn't parse image name"}}}]}}),
        );
        let found = run(
            &ImagePullFailing,
            &snapshot(
                &[backoff, init, invalid, pod("payments", "ok", json!({}))],
                &[],
            ),
        );
        assert_eq!(found.len(), 3);
        assert!(found[1].message.ends_with('…'));
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_running_and_initializing_pods() {
        let creating = pod(
            "payments",
            "new",
            json!({"status": {"phase": "Pending", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0,
                "state": {"waiting": {"reason": "ContainerCreating"}}}]}}),
        );
        let deleting = pod(
            "payments",
            "old",
            json!({"metadata": {"deletionTimestamp": "2026-11-20T09:59:00Z", "deletionGracePeriodSeconds": 30},
                   "status": {"phase": "Pending", "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0,
                "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}}),
        );
        let snap = snapshot(&[pod("payments", "ok", json!({})), creating, deleting], &[]);
        assert!(run(&ImagePullFailing, &snap).is_empty());
    }
}
