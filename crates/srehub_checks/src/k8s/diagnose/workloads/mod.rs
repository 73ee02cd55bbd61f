//! Diagnose checks about controllers, jobs, storage, services and node load.

mod cronjob_failing;
mod job_failed;
mod node_high_utilization;
mod node_overcommitted;
mod pvc_not_bound;
mod rollout_stuck;
mod service_without_ready_endpoints;
mod workload_replicas_unavailable;

pub use cronjob_failing::CronjobFailing;
pub use job_failed::JobFailed;
pub use node_high_utilization::NodeHighUtilization;
pub use node_overcommitted::NodeOvercommitted;
pub use pvc_not_bound::PvcNotBound;
pub use rollout_stuck::RolloutStuck;
pub use service_without_ready_endpoints::ServiceWithoutReadyEndpoints;
pub use workload_replicas_unavailable::WorkloadReplicasUnavailable;

use crate::k8s::K8sCheck;

/// The workload diagnose checks.
pub const CHECKS: &[&K8sCheck] = &[
    &WorkloadReplicasUnavailable,
    &RolloutStuck,
    &JobFailed,
    &CronjobFailing,
    &PvcNotBound,
    &ServiceWithoutReadyEndpoints,
    &NodeHighUtilization,
    &NodeOvercommitted,
];

/// A duration in minutes for messages: `45 min`, `3h 10m`, `2d 4h`.
fn duration(minutes: i64) -> String {
    let m = minutes.max(0);
    match m {
        0..60 => format!("{m} min"),
        60..1440 => format!("{}h {}m", m / 60, m % 60),
        _ => format!("{}d {}h", m / 1440, m % 1440 / 60),
    }
}

/// `1 pod`, `3 pods`: a count with its noun in the right number.
fn count(n: impl std::fmt::Display, one: &str, many: &str) -> String {
    let n = n.to_string();
    let noun = if n == "1" { one } else { many };
    format!("{n} {noun}")
}
