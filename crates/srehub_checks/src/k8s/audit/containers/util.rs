//! What several container audit checks share: which pod specs to audit, which containers of a spec to
//! look at, and the effective (pod plus container) security context.

use std::collections::HashSet;

use srehub_core::Resource;
use srehub_model::k8s::{Container, PodSpec, SecurityContext};

use crate::k8s::{K8sInput, PodSpecOwner};

/// The pod specs the container audits run over: [`K8sInput::pod_specs`] without standalone pods that
/// have finished (phase `Succeeded` or `Failed`), whose spec no longer runs anywhere.
pub(super) fn audited_specs<'a>(input: &K8sInput<'a>) -> Vec<PodSpecOwner<'a>> {
    let finished: HashSet<(&str, &str)> = input
        .snap
        .pods
        .iter()
        .filter(|p| {
            p.metadata.controller().is_none()
                && matches!(p.status.phase.as_str(), "Succeeded" | "Failed")
        })
        .map(|p| (p.metadata.namespace.as_str(), p.metadata.name.as_str()))
        .collect();
    let mut specs = input.pod_specs();
    if !finished.is_empty() {
        specs.retain(|o| {
            o.meta.kind != "Pod"
                || !finished.contains(&(o.meta.namespace.as_str(), o.meta.name.as_str()))
        });
    }
    specs
}

/// Whether the spec belongs to run-to-completion work (a Job or a CronJob), where probes make no sense.
pub(super) fn is_batch(owner: &PodSpecOwner<'_>) -> bool {
    matches!(owner.meta.kind.as_str(), "Job" | "CronJob")
}

/// What part a container plays in its pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// An entry of `spec.containers`.
    Main,
    /// An init container with `restartPolicy: Always`: it runs for the pod's whole life.
    Sidecar,
    /// An init container that runs to completion before the others start.
    Init,
}

impl Role {
    /// How a message names a container of this role.
    pub(super) fn label(self) -> &'static str {
        match self {
            Role::Main => "Container",
            Role::Sidecar => "Sidecar container",
            Role::Init => "Init container",
        }
    }
}

/// The role of an init container.
fn init_role(c: &Container) -> Role {
    if c.restart_policy.as_deref() == Some("Always") {
        Role::Sidecar
    } else {
        Role::Init
    }
}

/// Every container of the spec, init containers included (for security checks: an init container runs
/// with the same powers as any other).
pub(super) fn all_containers(spec: &PodSpec) -> impl Iterator<Item = (&Container, Role)> {
    spec.init_containers
        .iter()
        .map(|c| (c, init_role(c)))
        .chain(spec.containers.iter().map(|c| (c, Role::Main)))
}

/// The containers that run for the pod's whole life: `spec.containers` and sidecar init containers.
pub(super) fn long_running_containers(spec: &PodSpec) -> impl Iterator<Item = (&Container, Role)> {
    spec.containers.iter().map(|c| (c, Role::Main)).chain(
        spec.init_containers
            .iter()
            .filter(|c| init_role(c) == Role::Sidecar)
            .map(|c| (c, Role::Sidecar)),
    )
}

/// The report resource for a container of an owner's spec.
pub(super) fn container_resource(owner: &PodSpecOwner<'_>, c: &Container) -> Resource {
    owner.resource().container(c.name.clone())
}

/// Where an effective security setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    Container,
    Pod,
}

impl Source {
    /// The securityContext that set it, for messages.
    pub(super) fn describe(self) -> &'static str {
        match self {
            Source::Container => "container securityContext",
            Source::Pod => "pod securityContext",
        }
    }
}

/// A setting of the container's securityContext, else of the pod's (the container's wins).
pub(super) fn effective<T: Copy>(
    spec: &PodSpec,
    c: &Container,
    field: impl Fn(&SecurityContext) -> Option<T>,
) -> Option<(T, Source)> {
    c.security_context
        .as_ref()
        .and_then(&field)
        .map(|v| (v, Source::Container))
        .or_else(|| {
            spec.security_context
                .as_ref()
                .and_then(&field)
                .map(|v| (v, Source::Pod))
        })
}

/// A setting of the container's own securityContext (fields with no pod-level counterpart).
pub(super) fn own<'c, T>(
    c: &'c Container,
    field: impl FnOnce(&'c SecurityContext) -> Option<T>,
) -> Option<T> {
    c.security_context.as_ref().and_then(field)
}

/// Whether the container runs privileged.
pub(super) fn is_privileged(c: &Container) -> bool {
    own(c, |s| s.privileged) == Some(true)
}

/// `a`, `a` and `b`, `a, b` and `c`, each in backticks; past `max` names, "and N more".
pub(super) fn name_list<S: AsRef<str>>(names: &[S], max: usize) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(max)
        .map(|n| format!("`{}`", n.as_ref()))
        .collect();
    let rest = names.len().saturating_sub(max);
    match (shown.len(), rest) {
        (0, _) => String::new(),
        (1, 0) => shown[0].clone(),
        (n, 0) => format!("{} and {}", shown[..n - 1].join(", "), shown[n - 1]),
        (_, r) => format!("{} and {r} more", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_list_joins_and_truncates() {
        assert_eq!(name_list::<&str>(&[], 3), "");
        assert_eq!(name_list(&["a"], 3), "`a`");
        assert_eq!(name_list(&["a", "b"], 3), "`a` and `b`");
        assert_eq!(name_list(&["a", "b", "c"], 3), "`a`, `b` and `c`");
        assert_eq!(name_list(&["a", "b", "c", "d"], 2), "`a`, `b` and 2 more");
    }

    #[test]
    fn container_overrides_pod_security_context() {
        let spec: PodSpec = serde_json::from_value(serde_json::json!({
            "securityContext": {"runAsUser": 1000, "runAsNonRoot": true},
            "containers": [{"name": "a", "securityContext": {"runAsUser": 0}}, {"name": "b"}]
        }))
        .expect("valid spec");
        let uid = |c: &Container| effective(&spec, c, |s| s.run_as_user);
        assert_eq!(uid(&spec.containers[0]), Some((0, Source::Container)));
        assert_eq!(uid(&spec.containers[1]), Some((1000, Source::Pod)));
    }
}

/// Realistic objects for the container audit tests.
#[cfg(test)]
pub(super) mod fixtures {
    use serde_json::{Value, json};

    /// A Deployment `ns/name` (3 replicas) whose pod template has this `spec`.
    pub fn deployment(ns: &str, name: &str, spec: Value) -> Value {
        workload("Deployment", ns, name, spec)
    }

    /// A Deployment, StatefulSet or DaemonSet `ns/name` whose pod template has this `spec`.
    pub fn workload(kind: &str, ns: &str, name: &str, spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": kind,
            "metadata": {"name": name, "namespace": ns, "generation": 4, "creationTimestamp": "2026-10-01T08:00:00Z",
                         "labels": {"app.kubernetes.io/name": name}},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
                     "template": {"metadata": {"labels": {"app.kubernetes.io/name": name}}, "spec": spec}},
            "status": {"observedGeneration": 4, "replicas": 3, "readyReplicas": 3, "availableReplicas": 3,
                       "desiredNumberScheduled": 3, "numberAvailable": 3}})
    }

    /// A CronJob `ns/name` whose job's pod template has this `spec`.
    pub fn cron_job(ns: &str, name: &str, spec: Value) -> Value {
        json!({"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": name, "namespace": ns, "creationTimestamp": "2026-10-01T08:00:00Z"},
            "spec": {"schedule": "*/15 * * * *", "jobTemplate": {"spec": {"backoffLimit": 2,
                     "template": {"metadata": {"labels": {"job": name}}, "spec": spec}}}},
            "status": {"lastScheduleTime": "2026-11-20T09:45:00Z"}})
    }

    /// A running Pod whose controller is `kind/owner` (a ReplicaSet, DaemonSet, …) with this `spec`.
    pub fn owned_pod(ns: &str, name: &str, kind: &str, owner: &str, spec: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "creationTimestamp": "2026-11-19T10:00:00Z",
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": kind, "name": owner,
                                              "uid": "3f1c9a7e-5a8f-4d0e-9c3b-0a1b2c3d4e5f", "controller": true}]},
            "spec": spec, "status": {"phase": "Running"}})
    }
}
