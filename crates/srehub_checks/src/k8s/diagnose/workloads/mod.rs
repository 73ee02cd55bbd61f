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

use crate::k8s::text::{count, duration};
