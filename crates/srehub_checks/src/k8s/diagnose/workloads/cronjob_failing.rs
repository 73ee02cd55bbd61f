use std::collections::HashMap;

use jiff::Timestamp;
use srehub_core::{Check, Finding, Findings};

use super::duration;
use crate::k8s::K8sInput;
use crate::k8s::input::resource;
use srehub_model::k8s::{Job, condition};

/// How long a CronJob may go without a success after its last schedule when no Job is left to look at.
const NO_SUCCESS_SECONDS: i64 = 24 * 60 * 60;

srehub_core::declare_check! {
    /// ## What it checks
    /// CronJobs that are not suspended and whose most recent Job (by creation time) failed; or, when none
    /// of its Jobs is left (`failedJobsHistoryLimit: 0`, TTL clean-up), whose `status.lastSuccessfulTime` is
    /// more than a day older than `status.lastScheduleTime`, or absent. Only when Jobs were collected.
    ///
    /// ## Why it matters
    /// Scheduled work (backups, certificate renewals, clean-ups, reports) silently stops happening: nothing
    /// alerts on a CronJob by default, and failures are noticed when the backup is needed.
    ///
    /// ## How to fix
    /// `kubectl -n NS logs job/JOB` of the failed run and `kubectl -n NS describe cronjob NAME`. Once fixed,
    /// run it now with `kubectl -n NS create job --from=cronjob/NAME NAME-manual`. Keep failed runs for
    /// inspection (`failedJobsHistoryLimit` ≥ 1) and alert on
    /// `time() - kube_cronjob_status_last_successful_time`.
    K8S212 CronjobFailing { name: "cronjob-failing", severity: Warning, category: Health, group: "diagnose" }
}

/// Sort key of a CronJob's runs: creation time, then name (CronJob Job names end in the scheduled minute).
fn run_key(j: &Job) -> (Option<Timestamp>, &str) {
    (j.metadata.creation_timestamp, j.metadata.name.as_str())
}

fn since(input: &K8sInput<'_>, t: Option<Timestamp>) -> String {
    match t {
        Some(t) => format!("{t} ({} ago)", duration(input.minutes_since(t))),
        None => "never".to_string(),
    }
}

impl Check<K8sInput<'_>> for CronjobFailing {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let snap = input.snap;
        if !snap.has("Job") {
            return;
        }
        // (namespace, CronJob) → its most recent Job.
        let mut latest: HashMap<(&str, &str), &Job> = HashMap::new();
        for j in &snap.jobs {
            let Some(owner) = j.metadata.controller().filter(|o| o.kind == "CronJob") else {
                continue;
            };
            let e = latest
                .entry((j.metadata.namespace.as_str(), owner.name.as_str()))
                .or_insert(j);
            if run_key(j) > run_key(e) {
                *e = j;
            }
        }
        for cj in &snap.cron_jobs {
            let m = &cj.metadata;
            if cj.spec.suspend || m.deletion_timestamp.is_some() {
                continue;
            }
            let (scheduled, success) =
                (cj.status.last_schedule_time, cj.status.last_successful_time);
            let context = format!(
                "schedule `{}`, last scheduled {}, last success {}",
                cj.spec.schedule,
                since(input, scheduled),
                since(input, success)
            );
            let (message, hint) = match latest.get(&(m.namespace.as_str(), m.name.as_str())) {
                Some(job) => {
                    let Some(failed) =
                        condition(&job.status.conditions, "Failed").filter(|c| c.status == "True")
                    else {
                        continue;
                    };
                    let reason = if failed.reason.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", failed.reason)
                    };
                    (
                        format!(
                            "Most recent run `{}` failed{reason}; {context}",
                            job.metadata.name
                        ),
                        format!(
                            "kubectl -n {ns} logs job/{job}; once fixed, kubectl -n {ns} create job --from=cronjob/{name} {name}-manual",
                            ns = m.namespace,
                            job = job.metadata.name,
                            name = m.name
                        ),
                    )
                }
                None => {
                    let Some(s) = scheduled else {
                        continue;
                    };
                    if success.is_some_and(|ok| {
                        s.as_second().saturating_sub(ok.as_second()) <= NO_SUCCESS_SECONDS
                    }) {
                        continue;
                    }
                    (
                        format!(
                            "No successful run since its last schedule and no Job left to inspect; {context}"
                        ),
                        format!(
                            "kubectl -n {ns} describe cronjob {name}; set failedJobsHistoryLimit ≥ 1 to keep failed runs, and run one now with kubectl -n {ns} create job --from=cronjob/{name} {name}-manual",
                            ns = m.namespace,
                            name = m.name
                        ),
                    )
                }
            };
            input.report(
                out,
                &Self::META,
                m,
                Finding::new(&Self::META, message)
                    .resource(resource(m))
                    .hint(hint),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    fn cronjob(
        name: &str,
        suspend: bool,
        scheduled: Option<&str>,
        success: Option<&str>,
    ) -> serde_json::Value {
        json!({"kind": "CronJob", "apiVersion": "batch/v1",
               "metadata": {"name": name, "namespace": "ops", "creationTimestamp": "2026-01-10T00:00:00Z"},
               "spec": {"schedule": "0 * * * *", "suspend": suspend, "concurrencyPolicy": "Forbid",
                        "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
                        "jobTemplate": {"spec": {"backoffLimit": 2, "template": {"spec": {"restartPolicy": "OnFailure",
                          "containers": [{"name": "main", "image": "registry.example.com/backup:1.8.2"}]}}}}},
               "status": {"lastScheduleTime": scheduled, "lastSuccessfulTime": success}})
    }

    fn job(cronjob: &str, name: &str, created: &str, outcome: &str) -> serde_json::Value {
        let conditions = match outcome {
            "failed" => {
                json!([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                                "message": "Job has reached the specified backoff limit", "lastTransitionTime": created}])
            }
            "complete" => {
                json!([{"type": "Complete", "status": "True", "lastTransitionTime": created}])
            }
            _ => json!([]),
        };
        json!({"kind": "Job", "apiVersion": "batch/v1",
               "metadata": {"name": name, "namespace": "ops", "creationTimestamp": created,
                            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": cronjob, "controller": true}]},
               "spec": {"template": {"spec": {"containers": [{"name": "main", "image": "registry.example.com/backup:1.8.2"}]}}},
               "status": {"startTime": created, "active": if outcome == "running" { json!(1) } else { json!(null) }, "conditions": conditions}})
    }

    #[test]
    fn triggers_on_failed_latest_run_and_long_silence() {
        let snap = snapshot(
            &[
                cronjob(
                    "backup",
                    false,
                    Some("2026-11-20T09:00:00Z"),
                    Some("2026-11-19T07:00:41Z"),
                ),
                job(
                    "backup",
                    "backup-29394420",
                    "2026-11-20T08:00:00Z",
                    "complete",
                ),
                job(
                    "backup",
                    "backup-29394480",
                    "2026-11-20T09:00:00Z",
                    "failed",
                ),
                // Failed runs deleted at once (failedJobsHistoryLimit: 0); no success for four days.
                cronjob(
                    "rotate-certs",
                    false,
                    Some("2026-11-20T09:00:00Z"),
                    Some("2026-11-16T09:00:12Z"),
                ),
            ],
            &["Job"],
        );
        let found = run(&CronjobFailing, &snap);
        assert_eq!(found.len(), 2);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_success_running_suspended_and_uncollected_jobs() {
        let snap = snapshot(
            &[
                cronjob(
                    "backup",
                    false,
                    Some("2026-11-20T09:00:00Z"),
                    Some("2026-11-20T08:00:41Z"),
                ),
                job(
                    "backup",
                    "backup-29394420",
                    "2026-11-20T08:00:00Z",
                    "failed",
                ),
                job(
                    "backup",
                    "backup-29394480",
                    "2026-11-20T09:00:00Z",
                    "running",
                ),
                cronjob(
                    "weekly",
                    false,
                    Some("2026-11-16T00:00:00Z"),
                    Some("2026-11-16T00:10:00Z"),
                ),
                cronjob("paused", true, Some("2026-11-01T00:00:00Z"), None),
                job(
                    "paused",
                    "paused-29360000",
                    "2026-11-01T00:00:00Z",
                    "failed",
                ),
                cronjob("new", false, None, None),
            ],
            &["Job"],
        );
        let found = run(&CronjobFailing, &snap);
        assert!(found.is_empty(), "{found:?}");
        let no_jobs = snapshot(
            &[cronjob(
                "rotate-certs",
                false,
                Some("2026-11-20T09:00:00Z"),
                None,
            )],
            &[],
        );
        assert!(run(&CronjobFailing, &no_jobs).is_empty());
    }
}
