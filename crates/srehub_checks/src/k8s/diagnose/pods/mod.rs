//! Diagnose checks about pods and their containers.

mod pod_crash_looping;

pub use pod_crash_looping::PodCrashLooping;

use crate::k8s::K8sCheck;

/// The pod diagnose checks.
pub const CHECKS: &[&K8sCheck] = &[&PodCrashLooping];
