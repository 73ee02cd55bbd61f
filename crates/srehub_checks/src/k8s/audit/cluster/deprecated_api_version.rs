use srehub_core::{Check, Finding, Findings, Severity};
use srehub_model::k8s::{ClusterSnapshot, Meta, parse_minor};

use super::deprecations::lookup;
use crate::k8s::K8sInput;
use crate::k8s::input::resource;

srehub_core::declare_check! {
    /// ## What it checks
    /// Objects whose `apiVersion` is deprecated or no longer served for their kind (for example
    /// `batch/v1beta1` CronJobs, `policy/v1beta1` PodDisruptionBudgets, `networking.k8s.io/v1beta1`
    /// Ingresses, `autoscaling/v2beta2` HPAs, `flowcontrol.apiserver.k8s.io/v1beta3`), following the
    /// Kubernetes Deprecated API Migration Guide. The target release is `doctor.kube-version` if set,
    /// else the API server's version, else the newest release. An API removed at or before the target
    /// is critical; one only deprecated there is a warning. A live cluster returns objects at its
    /// preferred version, so this mostly fires on manifests and on objects of kinds the doctor does not
    /// otherwise read.
    ///
    /// ## Why it matters
    /// After an upgrade past the removal release, the API server rejects the old `apiVersion`:
    /// `kubectl apply`, Helm releases and GitOps syncs that still use it fail with `no matches for kind`,
    /// usually in the middle of a deploy. Stored objects survive, but nothing can manage them through the
    /// old manifests.
    ///
    /// ## How to fix
    /// Change `apiVersion` in the manifest, chart or operator that creates the object to the replacement
    /// and apply the field changes the migration guide lists for it (`kubectl-convert -f FILE
    /// --output-version GROUP/VERSION` rewrites a file). Do it before upgrading the control plane.
    K8S023 DeprecatedApiVersion { name: "deprecated-api-version", severity: Warning, category: Deprecation, group: "audit" }
}

/// The metadata of every object in the snapshot.
fn all_objects(s: &ClusterSnapshot) -> impl Iterator<Item = &Meta> {
    s.namespaces
        .iter()
        .map(|o| &o.metadata)
        .chain(s.nodes.iter().map(|o| &o.metadata))
        .chain(s.pods.iter().map(|o| &o.metadata))
        .chain(s.events.iter().map(|o| &o.metadata))
        .chain(s.workloads.iter().map(|o| &o.metadata))
        .chain(s.replica_sets.iter().map(|o| &o.metadata))
        .chain(s.jobs.iter().map(|o| &o.metadata))
        .chain(s.cron_jobs.iter().map(|o| &o.metadata))
        .chain(s.services.iter().map(|o| &o.metadata))
        .chain(s.pvcs.iter().map(|o| &o.metadata))
        .chain(s.hpas.iter().map(|o| &o.metadata))
        .chain(s.pdbs.iter().map(|o| &o.metadata))
        .chain(s.network_policies.iter().map(|o| &o.metadata))
        .chain(s.resource_quotas.iter())
        .chain(s.limit_ranges.iter())
        .chain(s.roles.iter().map(|o| &o.metadata))
        .chain(s.role_bindings.iter().map(|o| &o.metadata))
        .chain(s.others.iter())
}

impl Check<K8sInput<'_>> for DeprecatedApiVersion {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        // `None` means "the newest release": everything deprecated, and everything removed, counts.
        let target = input
            .settings
            .kube_version
            .as_deref()
            .and_then(parse_minor)
            .or_else(|| {
                input
                    .snap
                    .server_version
                    .as_ref()
                    .and_then(|v| v.minor_version())
            });
        let against = target
            .map(|(ma, mi)| format!(" (target {ma}.{mi})"))
            .unwrap_or_default();
        for m in all_objects(input.snap) {
            let Some(d) = lookup(&m.api_version, &m.kind) else {
                continue;
            };
            let (dma, dmi) = d.deprecated_in;
            let (rma, rmi) = d.removed_in;
            let (severity, message) = if target.is_none_or(|t| t >= d.removed_in) {
                (
                    Severity::Critical,
                    format!(
                        "Uses {}, removed in Kubernetes {rma}.{rmi}{against}; use {}",
                        m.api_version, d.replacement
                    ),
                )
            } else if target.is_some_and(|t| t >= d.deprecated_in) {
                (
                    Severity::Warning,
                    format!(
                        "Uses {}, deprecated since Kubernetes {dma}.{dmi} and removed in {rma}.{rmi}{against}; use {}",
                        m.api_version, d.replacement
                    ),
                )
            } else {
                continue;
            };
            input.report(
                out,
                &Self::META,
                m,
                Finding::new(&Self::META, message)
                    .severity(severity)
                    .resource(resource(m))
                    .hint(format!(
                        "Change apiVersion to {} in the manifest or chart that creates this {} (see the Kubernetes deprecated API migration guide for field changes)",
                        d.replacement, m.kind
                    )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{run, run_with, snapshot};
    use serde_json::json;
    use srehub_config::DoctorSettings;

    fn objects() -> Vec<serde_json::Value> {
        vec![
            json!({"kind": "CronJob", "apiVersion": "batch/v1beta1", "metadata": {"name": "nightly-report", "namespace": "analytics"},
                   "spec": {"schedule": "0 2 * * *", "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure",
                            "containers": [{"name": "report", "image": "registry.example.com/report:5.1.0"}]}}}}}}),
            json!({"kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v2beta2", "metadata": {"name": "api", "namespace": "shop"},
                   "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}, "minReplicas": 2, "maxReplicas": 8}}),
            json!({"kind": "FlowSchema", "apiVersion": "flowcontrol.apiserver.k8s.io/v1beta3", "metadata": {"name": "acme-controllers"},
                   "spec": {"matchingPrecedence": 1000, "priorityLevelConfiguration": {"name": "workload-high"}}}),
            json!({"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "api", "namespace": "shop"},
                   "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "app", "image": "api:1"}]}}}}),
        ]
    }

    fn settings(v: &str) -> DoctorSettings {
        DoctorSettings {
            kube_version: Some(v.to_string()),
            ..DoctorSettings::default()
        }
    }

    #[test]
    fn triggers_against_target_version() {
        let found = run_with(
            &DeprecatedApiVersion,
            &snapshot(&objects(), &[]),
            &settings("1.25"),
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].severity, Severity::Critical);
        assert_eq!(found[1].severity, Severity::Warning);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn unknown_version_means_newest_release() {
        let found = run(&DeprecatedApiVersion, &snapshot(&objects(), &[]));
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found.iter().all(|f| f.severity == Severity::Critical));
    }

    #[test]
    fn server_version_is_the_target_without_a_setting() {
        let mut snap = snapshot(&objects(), &[]);
        snap.server_version = Some(srehub_model::k8s::ServerVersion {
            major: "1".into(),
            minor: "22+".into(),
            git_version: "v1.22.17-eks-0a21954".into(),
            platform: "linux/amd64".into(),
        });
        let found = run(&DeprecatedApiVersion, &snap);
        // CronJob batch/v1beta1 deprecated in 1.21; v2beta2 HPA not yet deprecated in 1.22; v1beta3 not yet.
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Warning);
    }

    #[test]
    fn quiet_on_current_versions() {
        let current = vec![
            json!({"kind": "CronJob", "apiVersion": "batch/v1", "metadata": {"name": "nightly-report", "namespace": "analytics"}}),
            json!({"kind": "Ingress", "apiVersion": "networking.k8s.io/v1", "metadata": {"name": "web", "namespace": "shop"}}),
            json!({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "settings", "namespace": "shop"}}),
        ];
        assert!(run(&DeprecatedApiVersion, &snapshot(&current, &[])).is_empty());
    }
}
