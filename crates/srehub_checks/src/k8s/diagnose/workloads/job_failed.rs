use std::collections::HashMap;

use jiff::Timestamp;
use srehub_core::{Check, Finding, Findings};

use super::{count, duration};
use crate::k8s::K8sInput;
use crate::k8s::input::resource;
use srehub_model::k8s::{Job, condition};

srehub_core::declare_check! {
    /// ## What it checks
    /// Jobs with the condition `Failed=True` (`BackoffLimitExceeded`, `DeadlineExceeded`,
    /// `PodFailurePolicy`, …), with the reason and the number of failed pods. A failed Job of a CronJob is
    /// skipped once a later run of the same CronJob has succeeded.
    ///
    /// ## Why it matters
    /// The work the Job stands for (a migration, a backup, a report) did not happen, and nothing retries it:
    /// the Job controller gave up.
    ///
    /// ## How to fix
    /// `kubectl -n NS describe job NAME` and `kubectl -n NS logs job/NAME` (add `--previous` or pick a
    /// failed pod with `kubectl -n NS get pods -l job-name=NAME`). Fix the cause, then re-run it: delete and
    /// re-create the Job, or `kubectl create job --from=cronjob/CRONJOB` for a CronJob's. Set
    /// `ttlSecondsAfterFinished` so finished Jobs are cleaned up.
    K8S211 JobFailed { name: "job-failed", severity: Warning, category: Health, group: "diagnose" }
}

/// The CronJob that created a Job, if any.
fn cronjob_of(job: &Job) -> Option<&str> {
    job.metadata
        .controller()
        .filter(|o| o.kind == "CronJob")
        .map(|o| o.name.as_str())
}

impl Check<K8sInput<'_>> for JobFailed {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let snap = input.snap;
        // (namespace, CronJob) → when its newest succeeded Job was created, and its last success time.
        let mut succeeded: HashMap<(&str, &str), Timestamp> = HashMap::new();
        for j in &snap.jobs {
            let complete =
                condition(&j.status.conditions, "Complete").is_some_and(|c| c.status == "True");
            if let (true, Some(cj), Some(created)) =
                (complete, cronjob_of(j), j.metadata.creation_timestamp)
            {
                let e = succeeded
                    .entry((j.metadata.namespace.as_str(), cj))
                    .or_insert(created);
                *e = (*e).max(created);
            }
        }
        let last_success: HashMap<(&str, &str), Timestamp> = snap
            .cron_jobs
            .iter()
            .filter_map(|c| {
                Some((
                    (c.metadata.namespace.as_str(), c.metadata.name.as_str()),
                    c.status.last_successful_time?,
                ))
            })
            .collect();
        for job in &snap.jobs {
            let m = &job.metadata;
            let Some(failed) =
                condition(&job.status.conditions, "Failed").filter(|c| c.status == "True")
            else {
                continue;
            };
            if m.deletion_timestamp.is_some() {
                continue;
            }
            let when = failed
                .last_transition_time
                .or(job.status.start_time)
                .or(m.creation_timestamp);
            if let Some(cj) = cronjob_of(job) {
                let key = (m.namespace.as_str(), cj);
                let later_run_ok = succeeded
                    .get(&key)
                    .zip(m.creation_timestamp)
                    .is_some_and(|(s, c)| *s > c);
                let later_success = last_success
                    .get(&key)
                    .zip(when)
                    .is_some_and(|(s, w)| *s > w);
                if later_run_ok || later_success {
                    continue;
                }
            }
            let reason = match (failed.reason.is_empty(), failed.message.is_empty()) {
                (true, true) => String::new(),
                (false, true) => format!(" ({})", failed.reason),
                (true, false) => format!(" ({})", failed.message.trim_end_matches('.')),
                (false, false) => format!(
                    " ({}: {})",
                    failed.reason,
                    failed.message.trim_end_matches('.')
                ),
            };
            let ago = when
                .map(|t| format!(" {} ago", duration(input.minutes_since(t))))
                .unwrap_or_default();
            let pods = job.status.failed.unwrap_or(0);
            let owner = cronjob_of(job)
                .map(|c| format!(" (run of CronJob `{c}`)"))
                .unwrap_or_default();
            input.report(
                out,
                &Self::META,
                m,
                Finding::new(&Self::META, format!("Job failed{ago}{reason} with {}{owner}", count(pods, "failed pod", "failed pods")))
                    .resource(resource(m))
                    .hint(format!(
                        "kubectl -n {ns} logs job/{name}; kubectl -n {ns} get pods -l job-name={name}; re-run it once fixed",
                        ns = m.namespace,
                        name = m.name
                    )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    fn job(name: &str, cronjob: Option<&str>, created: &str, outcome: &str) -> serde_json::Value {
        let owners = cronjob.map(|c| json!([{"apiVersion": "batch/v1", "kind": "CronJob", "name": c, "controller": true}]));
        let (conditions, failed, succeeded) = match outcome {
            "failed" => (
                json!([{"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"},
                       {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit",
                        "lastTransitionTime": "2026-11-20T07:12:00Z"}]),
                json!(7),
                json!(null),
            ),
            "complete" => (
                json!([{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True", "lastTransitionTime": created}]),
                json!(null),
                json!(1),
            ),
            _ => (json!(null), json!(null), json!(null)),
        };
        json!({"kind": "Job", "apiVersion": "batch/v1",
               "metadata": {"name": name, "namespace": "batch", "creationTimestamp": created, "ownerReferences": owners,
                            "labels": {"job-name": name}},
               "spec": {"backoffLimit": 6, "completions": 1, "parallelism": 1,
                        "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "registry.example.com/etl:2.4.0"}]}}},
               "status": {"startTime": created, "failed": failed, "succeeded": succeeded, "conditions": conditions}})
    }

    #[test]
    fn triggers_on_failed_jobs() {
        let snap = snapshot(
            &[
                job("db-migrate-v42", None, "2026-11-20T07:00:00Z", "failed"),
                job(
                    "report-29123880",
                    Some("report"),
                    "2026-11-20T07:00:00Z",
                    "failed",
                ),
                job(
                    "report-29123820",
                    Some("report"),
                    "2026-11-20T06:00:00Z",
                    "complete",
                ),
            ],
            &[],
        );
        let found = run(&JobFailed, &snap);
        assert_eq!(found.len(), 2);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_running_complete_and_superseded_failures() {
        let snap = snapshot(
            &[
                job(
                    "backup-29123700",
                    Some("backup"),
                    "2026-11-20T07:00:00Z",
                    "failed",
                ),
                job(
                    "backup-29123760",
                    Some("backup"),
                    "2026-11-20T08:00:00Z",
                    "complete",
                ),
                job("reindex", None, "2026-11-20T09:00:00Z", "running"),
                job("seed", None, "2026-11-20T09:00:00Z", "complete"),
            ],
            &[],
        );
        let found = run(&JobFailed, &snap);
        assert!(found.is_empty(), "{found:?}");
    }
}
