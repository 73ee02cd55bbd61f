use srehub_core::{Check, Finding, Findings};

use super::{broad_group, describe_subject, is_system_subject};
use crate::k8s::K8sInput;
use crate::k8s::input::resource;

srehub_core::declare_check! {
    /// ## What it checks
    /// ClusterRoleBindings and RoleBindings whose `roleRef` is the ClusterRole `cluster-admin`, one finding
    /// per subject that is not part of Kubernetes itself. Expected: the group `system:masters`, other
    /// `system:` users and groups, and ServiceAccounts in `kube-system`. Everything else is reported: a
    /// User such as `dev@example.com`, an IdP Group, a ServiceAccount in an application namespace, and
    /// the catch-all groups `system:authenticated`, `system:unauthenticated`, `system:serviceaccounts`.
    ///
    /// ## Why it matters
    /// `cluster-admin` can do anything, including reading every Secret and creating privileged pods on any
    /// node: whoever holds those credentials (a laptop, a CI token, a pod's service-account token) owns
    /// the cluster. Bound through a RoleBinding it still gives full control of that namespace.
    ///
    /// ## How to fix
    /// Bind a narrower role (`admin`, `edit`, `view` or a custom one) in the namespaces needed, and keep
    /// break-glass access out of standing bindings:
    /// `kubectl create rolebinding NAME -n NS --clusterrole=edit --user=…`, then
    /// `kubectl delete clusterrolebinding NAME` (or remove the subject with `kubectl edit`).
    K8S019 ClusterAdminBoundToNonSystemSubject { name: "cluster-admin-bound-to-non-system-subject", severity: Critical, category: Security, group: "audit" }
}

impl Check<K8sInput<'_>> for ClusterAdminBoundToNonSystemSubject {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for b in &input.snap.role_bindings {
            if b.role_ref.kind != "ClusterRole" || b.role_ref.name != "cluster-admin" {
                continue;
            }
            let m = &b.metadata;
            let scope = if m.kind == "RoleBinding" {
                format!("over namespace `{}`", m.namespace)
            } else {
                "over the whole cluster".to_string()
            };
            let hint = if m.kind == "RoleBinding" {
                format!(
                    "Bind a narrower role instead (admin, edit or a custom Role) and remove the subject: kubectl edit rolebinding {} -n {}",
                    m.name, m.namespace
                )
            } else {
                format!(
                    "Bind a narrower role in the namespaces needed (admin, edit, view) and remove the subject: kubectl edit clusterrolebinding {}",
                    m.name
                )
            };
            for s in &b.subjects {
                if is_system_subject(s, &m.namespace) {
                    continue;
                }
                let who = match broad_group(&s.name) {
                    Some(desc) => format!("{} ({desc})", describe_subject(s, &m.namespace)),
                    None => describe_subject(s, &m.namespace),
                };
                input.report(
                    out,
                    &Self::META,
                    m,
                    Finding::new(
                        &Self::META,
                        format!("Grants cluster-admin {scope} to {who}"),
                    )
                    .resource(resource(m))
                    .hint(hint.clone()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    fn crb(name: &str, role: &str, subjects: serde_json::Value) -> serde_json::Value {
        json!({"kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
               "metadata": {"name": name, "creationTimestamp": "2026-02-14T16:20:00Z"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
               "subjects": subjects})
    }

    #[test]
    fn triggers_per_non_system_subject() {
        let snap = snapshot(
            &[
                crb(
                    "admins",
                    "cluster-admin",
                    json!([
                    {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "dev@example.com"},
                    {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"},
                    {"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"},
                    {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:authenticated"}]),
                ),
                json!({"kind": "RoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
                       "metadata": {"name": "team-admin", "namespace": "shop"},
                       "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                       "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "shop-team"}]}),
            ],
            &[],
        );
        let found = run(&ClusterAdminBoundToNonSystemSubject, &snap);
        assert_eq!(found.len(), 4, "{found:?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_system_subjects_and_other_roles() {
        let snap = snapshot(
            &[
                crb(
                    "cluster-admin",
                    "cluster-admin",
                    json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"}]),
                ),
                crb(
                    "kube-system-admin",
                    "cluster-admin",
                    json!([
                    {"kind": "ServiceAccount", "name": "cluster-autoscaler", "namespace": "kube-system"},
                    {"kind": "User", "name": "system:kube-controller-manager"}]),
                ),
                crb(
                    "devs-view",
                    "view",
                    json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "developers"}]),
                ),
                crb("orphan", "cluster-admin", json!(null)),
            ],
            &[],
        );
        assert!(run(&ClusterAdminBoundToNonSystemSubject, &snap).is_empty());
    }
}
