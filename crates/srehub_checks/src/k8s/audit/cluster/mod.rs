//! Audit checks across objects: disruption budgets, autoscalers, services, namespaces, RBAC, API versions.

mod cluster_admin_bound_to_non_system_subject;
mod deprecated_api_version;
pub(crate) mod deprecations;
mod hpa_target_missing;
mod namespace_without_limit_range;
mod namespace_without_network_policy;
mod namespace_without_resource_quota;
mod rbac_secrets_read_access;
mod rbac_wildcard_rule;
mod service_selector_matches_no_pods;
mod workload_without_pdb;

pub use cluster_admin_bound_to_non_system_subject::ClusterAdminBoundToNonSystemSubject;
pub use deprecated_api_version::DeprecatedApiVersion;
pub use hpa_target_missing::HpaTargetMissing;
pub use namespace_without_limit_range::NamespaceWithoutLimitRange;
pub use namespace_without_network_policy::NamespaceWithoutNetworkPolicy;
pub use namespace_without_resource_quota::NamespaceWithoutResourceQuota;
pub use rbac_secrets_read_access::RbacSecretsReadAccess;
pub use rbac_wildcard_rule::RbacWildcardRule;
pub use service_selector_matches_no_pods::ServiceSelectorMatchesNoPods;
pub use workload_without_pdb::WorkloadWithoutPdb;

use std::collections::HashMap;

use srehub_model::k8s::{ClusterSnapshot, Meta, PolicyRule, Subject};

use crate::k8s::K8sCheck;

/// The cluster-wide audit checks.
pub const CHECKS: &[&K8sCheck] = &[
    &WorkloadWithoutPdb,
    &HpaTargetMissing,
    &ServiceSelectorMatchesNoPods,
    &NamespaceWithoutNetworkPolicy,
    &RbacWildcardRule,
    &ClusterAdminBoundToNonSystemSubject,
    &RbacSecretsReadAccess,
    &NamespaceWithoutResourceQuota,
    &NamespaceWithoutLimitRange,
    &DeprecatedApiVersion,
];

/// Namespaces Kubernetes itself creates and runs; namespace-level audits skip them.
const SYSTEM_NAMESPACES: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];

/// Whether `ns` is one of the namespaces Kubernetes itself creates and runs.
fn is_system_namespace(ns: &str) -> bool {
    SYSTEM_NAMESPACES.contains(&ns)
}

/// `1 pod`, `2 pods`.
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// What runs in a namespace: pods that are not finished, and controllers that make pods.
#[derive(Debug, Default, Clone, Copy)]
struct NsActivity {
    /// Pods not in phase Succeeded or Failed.
    pods: usize,
    /// Deployments, StatefulSets, DaemonSets and CronJobs.
    workloads: usize,
}

impl NsActivity {
    fn is_active(&self) -> bool {
        self.pods > 0 || self.workloads > 0
    }

    /// `12 running pods and 3 workloads`, leaving out a zero count.
    fn describe(&self) -> String {
        match (self.pods, self.workloads) {
            (p, 0) => plural(p, "running pod"),
            (0, w) => plural(w, "workload"),
            (p, w) => format!("{} and {}", plural(p, "running pod"), plural(w, "workload")),
        }
    }
}

/// Activity per namespace, built in one pass over pods and controllers.
fn namespace_activity(snap: &ClusterSnapshot) -> HashMap<&str, NsActivity> {
    let mut out: HashMap<&str, NsActivity> = HashMap::new();
    for p in &snap.pods {
        if !matches!(p.status.phase.as_str(), "Succeeded" | "Failed") {
            out.entry(p.metadata.namespace.as_str()).or_default().pods += 1;
        }
    }
    let controllers = snap
        .workloads
        .iter()
        .map(|w| &w.metadata)
        .chain(snap.cron_jobs.iter().map(|c| &c.metadata));
    for m in controllers {
        out.entry(m.namespace.as_str()).or_default().workloads += 1;
    }
    out
}

/// The namespaces the namespace-level audits look at: collected, not Kubernetes' own, not being
/// deleted, and running something. Yields each namespace's metadata and activity.
fn audited_namespaces<'a>(
    snap: &'a ClusterSnapshot,
    activity: &'a HashMap<&'a str, NsActivity>,
) -> impl Iterator<Item = (&'a Meta, NsActivity)> + 'a {
    snap.namespaces.iter().filter_map(move |ns| {
        let m = &ns.metadata;
        if is_system_namespace(&m.name)
            || ns.phase == "Terminating"
            || m.deletion_timestamp.is_some()
        {
            return None;
        }
        let a = activity.get(m.name.as_str()).copied().unwrap_or_default();
        a.is_active().then_some((m, a))
    })
}

/// ClusterRoles Kubernetes ships (`system:*`, `cluster-admin`, `admin`, `edit`, `view`, anything labelled
/// `kubernetes.io/bootstrapping: rbac-defaults`): RBAC audits leave them alone.
fn is_default_role(meta: &Meta) -> bool {
    meta.name.starts_with("system:")
        || (meta.kind == "ClusterRole"
            && matches!(
                meta.name.as_str(),
                "cluster-admin" | "admin" | "edit" | "view"
            ))
        || meta
            .labels
            .get("kubernetes.io/bootstrapping")
            .map(String::as_str)
            == Some("rbac-defaults")
}

/// Groups that stand for (nearly) everyone: binding a role to them grants it to the whole cluster.
fn broad_group(name: &str) -> Option<&'static str> {
    match name {
        "system:anonymous" | "system:unauthenticated" => Some("anonymous requests"),
        "system:authenticated" => Some("every authenticated user"),
        "system:serviceaccounts" => Some("every service account"),
        _ => None,
    }
}

/// Whether a binding subject is part of Kubernetes itself: the `system:masters` group, other `system:`
/// users and groups, and service accounts in `kube-system`. The catch-all groups (`system:authenticated`,
/// `system:anonymous`, …) and service accounts of other namespaces are not. `binding_ns` is the
/// binding's namespace, used when a ServiceAccount subject names none.
fn is_system_subject(s: &Subject, binding_ns: &str) -> bool {
    match s.kind.as_str() {
        "ServiceAccount" => {
            s.namespace
                .as_deref()
                .filter(|n| !n.is_empty())
                .unwrap_or(binding_ns)
                == "kube-system"
        }
        _ => {
            if broad_group(&s.name).is_some() {
                return false;
            }
            if let Some(ns) = s.name.strip_prefix("system:serviceaccounts:") {
                return ns == "kube-system";
            }
            if let Some(rest) = s.name.strip_prefix("system:serviceaccount:") {
                return rest.split(':').next() == Some("kube-system");
            }
            s.name.starts_with("system:")
        }
    }
}

/// `User alice`, `Group devs`, `ServiceAccount shop/api`.
fn describe_subject(s: &Subject, binding_ns: &str) -> String {
    if s.kind == "ServiceAccount" {
        let ns = s
            .namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(binding_ns);
        format!("ServiceAccount `{ns}/{}`", s.name)
    } else {
        format!("{} `{}`", s.kind, s.name)
    }
}

/// A policy rule in one line: `verbs [*] on resources [*] in API groups [*]`.
fn describe_rule(r: &PolicyRule) -> String {
    fn list(items: &[String]) -> String {
        let shown: Vec<&str> = items
            .iter()
            .map(|s| if s.is_empty() { "\"\"" } else { s.as_str() })
            .collect();
        format!("[{}]", shown.join(", "))
    }
    if r.resources.is_empty() && !r.non_resource_urls.is_empty() {
        return format!(
            "verbs {} on non-resource URLs {}",
            list(&r.verbs),
            list(&r.non_resource_urls)
        );
    }
    let mut s = format!(
        "verbs {} on resources {} in API groups {}",
        list(&r.verbs),
        list(&r.resources),
        list(&r.api_groups)
    );
    if !r.resource_names.is_empty() {
        s.push_str(&format!(" (names {})", list(&r.resource_names)));
    }
    s
}

/// Joins at most `max` items with `sep` and says how many were left out.
fn join_some(items: &[String], max: usize, sep: &str) -> String {
    let mut s = items
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join(sep);
    if items.len() > max {
        s.push_str(&format!(" (+{} more)", items.len() - max));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(kind: &str, name: &str, ns: Option<&str>) -> Subject {
        Subject {
            kind: kind.into(),
            name: name.into(),
            namespace: ns.map(str::to_string),
        }
    }

    #[test]
    fn system_subjects() {
        assert!(is_system_subject(
            &subject("Group", "system:masters", None),
            ""
        ));
        assert!(is_system_subject(
            &subject("User", "system:kube-controller-manager", None),
            ""
        ));
        assert!(is_system_subject(
            &subject("ServiceAccount", "coredns", Some("kube-system")),
            ""
        ));
        assert!(is_system_subject(
            &subject("ServiceAccount", "x", None),
            "kube-system"
        ));
        assert!(is_system_subject(
            &subject("User", "system:serviceaccount:kube-system:foo", None),
            ""
        ));
        assert!(!is_system_subject(
            &subject("User", "system:serviceaccount:shop:foo", None),
            ""
        ));
        assert!(!is_system_subject(
            &subject("Group", "system:serviceaccounts:shop", None),
            ""
        ));
        assert!(!is_system_subject(
            &subject("Group", "system:authenticated", None),
            ""
        ));
        assert!(!is_system_subject(
            &subject("User", "system:anonymous", None),
            ""
        ));
        assert!(!is_system_subject(
            &subject("User", "dev@example.com", None),
            ""
        ));
        assert!(!is_system_subject(
            &subject("ServiceAccount", "ci", Some("shop")),
            "kube-system"
        ));
    }

    #[test]
    fn rule_descriptions() {
        let r = PolicyRule {
            api_groups: vec!["".into(), "apps".into()],
            resources: vec!["*".into()],
            verbs: vec!["get".into()],
            ..PolicyRule::default()
        };
        assert_eq!(
            describe_rule(&r),
            "verbs [get] on resources [*] in API groups [\"\", apps]"
        );
        assert_eq!(
            join_some(&["a".into(), "b".into(), "c".into()], 2, ", "),
            "a, b (+1 more)"
        );
    }
}
