use srehub_core::{Check, Finding, Findings};

use super::util::{audited_specs, container_resource, is_batch};
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Long-running containers (`spec.containers` of Deployments, StatefulSets, DaemonSets, ReplicaSets
    /// and standalone pods) that define no `livenessProbe`. Jobs and CronJobs, whose containers are meant
    /// to exit, and init containers are skipped.
    ///
    /// ## Why it matters
    /// Without a liveness probe the kubelet restarts a container only when its process exits. A process
    /// that deadlocks, spins on a dead connection pool or wedges its event loop stays `Running` and keeps
    /// its replica slot while serving nothing, until a human notices.
    ///
    /// ## How to fix
    /// Add a cheap `livenessProbe` that checks only the process itself (not its dependencies), e.g.
    /// `httpGet: {path: /livez, port: 8080}` with `periodSeconds: 10` and `failureThreshold: 3`; for a slow
    /// start add a `startupProbe` rather than a long `initialDelaySeconds`. Apply with
    /// `kubectl -n NS edit deployment NAME` or in the manifest.
    K8S001 ContainerWithoutLivenessProbe { name: "container-without-liveness-probe", severity: Warning, category: Reliability, group: "audit" }
}

impl Check<K8sInput<'_>> for ContainerWithoutLivenessProbe {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for owner in audited_specs(input) {
            if is_batch(&owner) {
                continue;
            }
            for c in owner
                .spec
                .containers
                .iter()
                .filter(|c| c.liveness_probe.is_none())
            {
                let also = if c.readiness_probe.is_some() {
                    " (its readiness probe only takes it out of rotation)"
                } else {
                    ""
                };
                input.report(
                    out,
                    &Self::META,
                    owner.meta,
                    Finding::new(
                        &Self::META,
                        format!(
                            "Container `{}` has no liveness probe, so a hung process is never restarted{also}",
                            c.name
                        ),
                    )
                    .resource(container_resource(&owner, c))
                    .hint("Add livenessProbe (e.g. httpGet on a /livez endpoint that checks only the process itself)"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::fixtures::{cron_job, deployment, owned_pod, workload};
    use super::*;
    use crate::k8s::testing::{pod, run, snapshot};
    use serde_json::json;

    fn probe() -> serde_json::Value {
        json!({"httpGet": {"path": "/livez", "port": 8080, "scheme": "HTTP"}, "timeoutSeconds": 1,
               "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3})
    }

    #[test]
    fn triggers_on_long_running_containers_without_liveness() {
        let web = deployment(
            "shop",
            "web",
            json!({"containers": [
            {"name": "app", "image": "registry.example.com/web:2.4.1", "livenessProbe": probe()},
            {"name": "metrics-exporter", "image": "registry.example.com/exporter:0.9.0",
             "readinessProbe": {"tcpSocket": {"port": 9100}}}]}),
        );
        let db = workload(
            "StatefulSet",
            "shop",
            "postgres",
            json!({"containers": [
            {"name": "postgres", "image": "postgres:16.4"}]}),
        );
        let found = run(&ContainerWithoutLivenessProbe, &snapshot(&[web, db], &[]));
        assert_eq!(found.len(), 2);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_probed_containers_batch_work_init_containers_and_finished_pods() {
        let web = deployment(
            "shop",
            "web",
            json!({
            "initContainers": [{"name": "migrate", "image": "registry.example.com/web:2.4.1"}],
            "containers": [{"name": "app", "image": "registry.example.com/web:2.4.1", "livenessProbe": probe()}]}),
        );
        let report = cron_job(
            "shop",
            "nightly-report",
            json!({"restartPolicy": "OnFailure",
            "containers": [{"name": "report", "image": "registry.example.com/report:1.0.0"}]}),
        );
        let replica = owned_pod(
            "shop",
            "web-7d9f8-abcde",
            "ReplicaSet",
            "web-7d9f8",
            json!({"containers": [{"name": "app", "image": "registry.example.com/web:2.4.1"}]}),
        );
        let done = pod(
            "shop",
            "one-off-backfill",
            json!({"spec": {"restartPolicy": "Never"},
            "status": {"phase": "Succeeded", "conditions": [], "containerStatuses": []}}),
        );
        let found = run(
            &ContainerWithoutLivenessProbe,
            &snapshot(&[web, report, replica, done], &[]),
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
