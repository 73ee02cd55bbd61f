//! Diagnose checks about controllers, jobs, storage, services and node load.

use crate::k8s::K8sCheck;

/// The workload diagnose checks.
pub const CHECKS: &[&K8sCheck] = &[];
