//! Audit checks over pod specs (workload templates and standalone pods) and their containers.

mod container_dangerous_capabilities;
mod container_privilege_escalation_allowed;
mod container_privileged;
mod container_running_as_root;
mod container_without_liveness_probe;
mod container_without_memory_limit;
mod container_without_readiness_probe;
mod container_without_resource_requests;
mod container_writable_root_filesystem;
mod image_latest_tag;
mod liveness_probe_same_as_readiness;
mod pod_hostpath_volume;
mod pod_sharing_host_namespaces;
mod util;

pub use container_dangerous_capabilities::ContainerDangerousCapabilities;
pub use container_privilege_escalation_allowed::ContainerPrivilegeEscalationAllowed;
pub use container_privileged::ContainerPrivileged;
pub use container_running_as_root::ContainerRunningAsRoot;
pub use container_without_liveness_probe::ContainerWithoutLivenessProbe;
pub use container_without_memory_limit::ContainerWithoutMemoryLimit;
pub use container_without_readiness_probe::ContainerWithoutReadinessProbe;
pub use container_without_resource_requests::ContainerWithoutResourceRequests;
pub use container_writable_root_filesystem::ContainerWritableRootFilesystem;
pub use image_latest_tag::ImageLatestTag;
pub use liveness_probe_same_as_readiness::LivenessProbeSameAsReadiness;
pub use pod_hostpath_volume::PodHostpathVolume;
pub use pod_sharing_host_namespaces::PodSharingHostNamespaces;

use crate::k8s::K8sCheck;

/// The container audit checks, in code order.
pub const CHECKS: &[&K8sCheck] = &[
    &ContainerWithoutLivenessProbe,
    &ContainerWithoutReadinessProbe,
    &ContainerWithoutMemoryLimit,
    &ContainerWithoutResourceRequests,
    &ContainerPrivileged,
    &ContainerPrivilegeEscalationAllowed,
    &ContainerRunningAsRoot,
    &ContainerWritableRootFilesystem,
    &ContainerDangerousCapabilities,
    &PodSharingHostNamespaces,
    &PodHostpathVolume,
    &ImageLatestTag,
    &LivenessProbeSameAsReadiness,
];
