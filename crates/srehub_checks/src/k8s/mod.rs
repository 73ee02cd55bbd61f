//! Kubernetes checks of `srehub doctor`, in three groups: `health` (the cluster's own parts),
//! `diagnose` (what is broken now) and `audit` (best practice), over a [`ClusterSnapshot`].

pub mod audit;
pub mod diagnose;
pub mod health;
mod input;
mod score;
#[cfg(test)]
pub(crate) mod testing;
mod text;

pub use input::{K8sInput, PodSpecOwner};
pub use score::score;
pub use srehub_model::k8s::ClusterSnapshot;

use srehub_core::Check;

/// A Kubernetes check, for any lifetime of its input.
pub type K8sCheck = dyn for<'a> Check<K8sInput<'a>>;

/// The doctor's groups, in the order `srehub doctor` runs them.
pub const GROUPS: [&str; 3] = ["health", "diagnose", "audit"];

/// Every Kubernetes check, health then diagnose then audit.
pub fn checks() -> Vec<&'static K8sCheck> {
    [
        health::CHECKS,
        diagnose::pods::CHECKS,
        diagnose::workloads::CHECKS,
        audit::containers::CHECKS,
        audit::cluster::CHECKS,
    ]
    .concat()
}

/// Audit checks that judge a whole cluster (a namespace without a NetworkPolicy, quota or LimitRange):
/// meaningless over a set of files, so `srehub lint` leaves them out.
pub const CLUSTER_ONLY: &[&str] = &["K8S017", "K8S021", "K8S022"];

/// The audit checks `srehub lint` runs over manifests: every audit check but [`CLUSTER_ONLY`].
pub fn manifest_audit_checks() -> Vec<&'static K8sCheck> {
    [audit::containers::CHECKS, audit::cluster::CHECKS]
        .concat()
        .into_iter()
        .filter(|c| !CLUSTER_ONLY.contains(&c.meta().code))
        .collect()
}
