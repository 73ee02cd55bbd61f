//! Audit checks across objects: disruption budgets, autoscalers, services, namespaces, RBAC, API versions.

use crate::k8s::K8sCheck;

/// The cluster-wide audit checks.
pub const CHECKS: &[&K8sCheck] = &[];
