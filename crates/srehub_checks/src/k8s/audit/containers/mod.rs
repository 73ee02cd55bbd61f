//! Audit checks over pod specs (workload templates and standalone pods) and their containers.

mod container_without_memory_limit;

pub use container_without_memory_limit::ContainerWithoutMemoryLimit;

use crate::k8s::K8sCheck;

/// The container audit checks.
pub const CHECKS: &[&K8sCheck] = &[&ContainerWithoutMemoryLimit];
