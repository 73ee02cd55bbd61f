//! API versions Kubernetes deprecated or stopped serving, from the Deprecated API Migration Guide
//! (<https://kubernetes.io/docs/reference/using-api/deprecation-guide/>) and the API server's
//! deprecation warnings (`… is deprecated in v1.21+, unavailable in v1.25+`).

/// One deprecated `apiVersion` of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deprecation {
    /// `group/version` as written in `apiVersion`.
    pub api_version: &'static str,
    pub kind: &'static str,
    /// `(major, minor)` of the release that deprecated it.
    pub deprecated_in: (u32, u32),
    /// `(major, minor)` of the first release that no longer serves it.
    pub removed_in: (u32, u32),
    /// What to use instead.
    pub replacement: &'static str,
}

const fn d(
    api_version: &'static str,
    kind: &'static str,
    deprecated_in: u32,
    removed_in: u32,
    replacement: &'static str,
) -> Deprecation {
    Deprecation {
        api_version,
        kind,
        deprecated_in: (1, deprecated_in),
        removed_in: (1, removed_in),
        replacement,
    }
}

/// Every deprecated `(apiVersion, kind)`, by removal release.
pub(crate) const DEPRECATIONS: &[Deprecation] = &[
    // Removed in 1.16.
    d("extensions/v1beta1", "Deployment", 9, 16, "apps/v1"),
    d("extensions/v1beta1", "DaemonSet", 9, 16, "apps/v1"),
    d("extensions/v1beta1", "ReplicaSet", 9, 16, "apps/v1"),
    d(
        "extensions/v1beta1",
        "NetworkPolicy",
        9,
        16,
        "networking.k8s.io/v1",
    ),
    d(
        "extensions/v1beta1",
        "PodSecurityPolicy",
        11,
        16,
        "Pod Security Admission (PodSecurityPolicy has no successor API)",
    ),
    d("apps/v1beta1", "Deployment", 9, 16, "apps/v1"),
    d("apps/v1beta1", "StatefulSet", 9, 16, "apps/v1"),
    d("apps/v1beta1", "ControllerRevision", 9, 16, "apps/v1"),
    d("apps/v1beta2", "Deployment", 9, 16, "apps/v1"),
    d("apps/v1beta2", "StatefulSet", 9, 16, "apps/v1"),
    d("apps/v1beta2", "DaemonSet", 9, 16, "apps/v1"),
    d("apps/v1beta2", "ReplicaSet", 9, 16, "apps/v1"),
    d("apps/v1beta2", "ControllerRevision", 9, 16, "apps/v1"),
    // Removed in 1.22.
    d(
        "extensions/v1beta1",
        "Ingress",
        14,
        22,
        "networking.k8s.io/v1",
    ),
    d(
        "networking.k8s.io/v1beta1",
        "Ingress",
        19,
        22,
        "networking.k8s.io/v1",
    ),
    d(
        "networking.k8s.io/v1beta1",
        "IngressClass",
        19,
        22,
        "networking.k8s.io/v1",
    ),
    d(
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        16,
        22,
        "admissionregistration.k8s.io/v1",
    ),
    d(
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        16,
        22,
        "admissionregistration.k8s.io/v1",
    ),
    d(
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        16,
        22,
        "apiextensions.k8s.io/v1",
    ),
    d(
        "apiregistration.k8s.io/v1beta1",
        "APIService",
        19,
        22,
        "apiregistration.k8s.io/v1",
    ),
    d(
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        19,
        22,
        "certificates.k8s.io/v1",
    ),
    d(
        "coordination.k8s.io/v1beta1",
        "Lease",
        19,
        22,
        "coordination.k8s.io/v1",
    ),
    d(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRole",
        17,
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    d(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRoleBinding",
        17,
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    d(
        "rbac.authorization.k8s.io/v1beta1",
        "Role",
        17,
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    d(
        "rbac.authorization.k8s.io/v1beta1",
        "RoleBinding",
        17,
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    d(
        "scheduling.k8s.io/v1beta1",
        "PriorityClass",
        14,
        22,
        "scheduling.k8s.io/v1",
    ),
    d(
        "storage.k8s.io/v1beta1",
        "CSIDriver",
        19,
        22,
        "storage.k8s.io/v1",
    ),
    d(
        "storage.k8s.io/v1beta1",
        "CSINode",
        17,
        22,
        "storage.k8s.io/v1",
    ),
    d(
        "storage.k8s.io/v1beta1",
        "StorageClass",
        19,
        22,
        "storage.k8s.io/v1",
    ),
    d(
        "storage.k8s.io/v1beta1",
        "VolumeAttachment",
        19,
        22,
        "storage.k8s.io/v1",
    ),
    // Removed in 1.25.
    d("batch/v1beta1", "CronJob", 21, 25, "batch/v1"),
    d(
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        21,
        25,
        "discovery.k8s.io/v1",
    ),
    d("events.k8s.io/v1beta1", "Event", 22, 25, "events.k8s.io/v1"),
    d(
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        22,
        25,
        "autoscaling/v2",
    ),
    d("policy/v1beta1", "PodDisruptionBudget", 21, 25, "policy/v1"),
    d(
        "policy/v1beta1",
        "PodSecurityPolicy",
        21,
        25,
        "Pod Security Admission (PodSecurityPolicy has no successor API)",
    ),
    d(
        "node.k8s.io/v1beta1",
        "RuntimeClass",
        22,
        25,
        "node.k8s.io/v1",
    ),
    // Removed in 1.26.
    d(
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        23,
        26,
        "autoscaling/v2",
    ),
    d(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "FlowSchema",
        23,
        26,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    d(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
        23,
        26,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    // Removed in 1.27.
    d(
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        24,
        27,
        "storage.k8s.io/v1",
    ),
    // Removed in 1.29.
    d(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "FlowSchema",
        26,
        29,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    d(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "PriorityLevelConfiguration",
        26,
        29,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    // Removed in 1.31: the alpha "classic" dynamic resource allocation API.
    d(
        "resource.k8s.io/v1alpha2",
        "ResourceClaim",
        31,
        31,
        "resource.k8s.io/v1 (structured parameters)",
    ),
    d(
        "resource.k8s.io/v1alpha2",
        "ResourceClaimTemplate",
        31,
        31,
        "resource.k8s.io/v1 (structured parameters)",
    ),
    d(
        "resource.k8s.io/v1alpha2",
        "ResourceClass",
        31,
        31,
        "resource.k8s.io/v1 DeviceClass",
    ),
    d(
        "resource.k8s.io/v1alpha2",
        "PodSchedulingContext",
        31,
        31,
        "resource.k8s.io/v1 (structured parameters)",
    ),
    // Removed in 1.32.
    d(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "FlowSchema",
        29,
        32,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    d(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "PriorityLevelConfiguration",
        29,
        32,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
];

/// The deprecation of `kind` at `api_version`, if any.
pub(crate) fn lookup(api_version: &str, kind: &str) -> Option<&'static Deprecation> {
    DEPRECATIONS
        .iter()
        .find(|d| d.api_version == api_version && d.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for d in DEPRECATIONS {
            assert!(d.deprecated_in <= d.removed_in, "{d:?}");
            assert!(d.api_version.contains('/'), "{d:?}");
            assert_eq!(
                DEPRECATIONS
                    .iter()
                    .filter(|e| e.api_version == d.api_version && e.kind == d.kind)
                    .count(),
                1,
                "duplicate {d:?}"
            );
        }
        assert_eq!(
            lookup("batch/v1beta1", "CronJob").map(|d| d.removed_in),
            Some((1, 25))
        );
        assert!(lookup("batch/v1", "CronJob").is_none());
    }
}
