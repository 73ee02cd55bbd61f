use std::collections::{BTreeSet, HashMap};

use srehub_core::{Check, Finding, Findings};
use srehub_model::k8s::Role;

use super::{describe_subject, is_default_role, is_system_subject, join_some};
use crate::k8s::K8sInput;
use crate::k8s::input::resource;

srehub_core::declare_check! {
    /// ## What it checks
    /// Roles and ClusterRoles that let their holders read Secrets (`get`, `list`, `watch` or `*` on
    /// `secrets` or `*`, in the core API group `""` or `*`) and that a RoleBinding or ClusterRoleBinding
    /// grants to a subject outside Kubernetes itself (not a `system:` user or group, not a ServiceAccount
    /// in `kube-system`). Rules limited with `resourceNames` are not reported, nor are the roles Kubernetes
    /// ships (`system:*`, `cluster-admin`, `admin`, `edit`). Roles bound to no one are not reported.
    ///
    /// ## Why it matters
    /// Secrets hold database passwords, API keys, TLS keys and service-account tokens. `list` and `watch`
    /// return their full contents, so read access to Secrets is read access to everything they unlock; a
    /// leaked CI token or a compromised pod with this role can pivot to every system whose credentials
    /// live in the namespace (or the cluster, for a ClusterRoleBinding).
    ///
    /// ## How to fix
    /// Restrict the rule to the Secrets needed with `resourceNames: [...]` and `verbs: [get]`, or mount
    /// the Secret into the pod instead of reading it through the API. Check who holds it with
    /// `kubectl get rolebindings,clusterrolebindings -A -o wide | grep ROLE`.
    K8S020 RbacSecretsReadAccess { name: "rbac-secrets-read-access", severity: Warning, category: Security, group: "audit" }
}

/// The secret-reading verbs a role grants (`get`, `list`, `watch`, or `*`), empty if none.
fn secret_read_verbs(role: &Role) -> BTreeSet<&str> {
    let mut verbs = BTreeSet::new();
    for r in &role.rules {
        if !r.resource_names.is_empty()
            || !r.api_groups.iter().any(|g| g.is_empty() || g == "*")
            || !r.resources.iter().any(|res| res == "secrets" || res == "*")
        {
            continue;
        }
        for v in &r.verbs {
            if matches!(v.as_str(), "get" | "list" | "watch" | "*") {
                verbs.insert(v.as_str());
            }
        }
    }
    if verbs.contains("*") {
        verbs.retain(|v| *v == "*");
    }
    verbs
}

/// A role that reads secrets: the verbs, and the non-system subjects bound to it.
struct Reader<'a> {
    role: &'a Role,
    verbs: BTreeSet<&'a str>,
    subjects: Vec<String>,
}

impl Check<K8sInput<'_>> for RbacSecretsReadAccess {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let snap = input.snap;
        // (kind, namespace, name) of each role that reads secrets → its verbs and the subjects it reaches.
        let mut readers: HashMap<(&str, &str, &str), Reader<'_>> = HashMap::new();
        for role in &snap.roles {
            let m = &role.metadata;
            if is_default_role(m) {
                continue;
            }
            let verbs = secret_read_verbs(role);
            if !verbs.is_empty() {
                readers.insert(
                    (m.kind.as_str(), m.namespace.as_str(), m.name.as_str()),
                    Reader {
                        role,
                        verbs,
                        subjects: Vec::new(),
                    },
                );
            }
        }
        if readers.is_empty() {
            return;
        }
        for b in &snap.role_bindings {
            let bm = &b.metadata;
            let key = match b.role_ref.kind.as_str() {
                "ClusterRole" => ("ClusterRole", "", b.role_ref.name.as_str()),
                "Role" if bm.kind == "RoleBinding" => {
                    ("Role", bm.namespace.as_str(), b.role_ref.name.as_str())
                }
                _ => continue,
            };
            let Some(Reader { subjects, .. }) = readers.get_mut(&key) else {
                continue;
            };
            let via = if bm.kind == "RoleBinding" {
                format!("RoleBinding {}/{}", bm.namespace, bm.name)
            } else {
                format!("ClusterRoleBinding {}", bm.name)
            };
            for s in b
                .subjects
                .iter()
                .filter(|s| !is_system_subject(s, &bm.namespace))
            {
                subjects.push(format!(
                    "{} (via {via})",
                    describe_subject(s, &bm.namespace)
                ));
            }
        }
        let mut found: Vec<_> = readers
            .into_values()
            .filter(|r| !r.subjects.is_empty())
            .collect();
        found.sort_by_key(|r| {
            (
                &r.role.metadata.kind,
                &r.role.metadata.namespace,
                &r.role.metadata.name,
            )
        });
        for Reader {
            role,
            verbs,
            subjects,
        } in found
        {
            let m = &role.metadata;
            let verbs = if verbs.contains("*") {
                "all verbs (*)".to_string()
            } else {
                verbs.into_iter().collect::<Vec<_>>().join(", ")
            };
            input.report(
                out,
                &Self::META,
                m,
                Finding::new(
                    &Self::META,
                    format!(
                        "Grants {} on secrets to {}: {}",
                        verbs,
                        super::plural(subjects.len(), "subject"),
                        join_some(&subjects, 5, ", ")
                    ),
                )
                .resource(resource(m))
                .hint("Limit the rule to the Secrets needed with resourceNames and verbs [get], or bind the subjects to a role without secrets access"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    fn role(kind: &str, ns: &str, name: &str, rules: serde_json::Value) -> serde_json::Value {
        let mut meta = json!({"name": name});
        if kind == "Role" {
            meta["namespace"] = json!(ns);
        }
        json!({"kind": kind, "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": meta, "rules": rules})
    }

    fn binding(
        kind: &str,
        ns: &str,
        name: &str,
        role_kind: &str,
        role: &str,
        subjects: serde_json::Value,
    ) -> serde_json::Value {
        let mut meta = json!({"name": name});
        if kind == "RoleBinding" {
            meta["namespace"] = json!(ns);
        }
        json!({"kind": kind, "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": meta,
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role}, "subjects": subjects})
    }

    #[test]
    fn triggers_on_bound_secret_readers() {
        let snap = snapshot(
            &[
                role(
                    "ClusterRole",
                    "",
                    "secret-reader",
                    json!([{"apiGroups": [""], "resources": ["secrets", "configmaps"], "verbs": ["get", "list", "watch"]}]),
                ),
                binding(
                    "ClusterRoleBinding",
                    "",
                    "ci-secrets",
                    "ClusterRole",
                    "secret-reader",
                    json!([
                    {"kind": "ServiceAccount", "name": "runner", "namespace": "ci"},
                    {"kind": "Group", "name": "system:masters", "apiGroup": "rbac.authorization.k8s.io"}]),
                ),
                role(
                    "Role",
                    "shop",
                    "debug",
                    json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]),
                ),
                binding(
                    "RoleBinding",
                    "shop",
                    "debug",
                    "Role",
                    "debug",
                    json!([
                    {"kind": "User", "name": "alice@example.com", "apiGroup": "rbac.authorization.k8s.io"}]),
                ),
            ],
            &[],
        );
        let found = run(&RbacSecretsReadAccess, &snap);
        assert_eq!(found.len(), 2, "{found:?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_unbound_named_system_and_builtin() {
        let snap = snapshot(
            &[
                // Not bound to anyone.
                role(
                    "ClusterRole",
                    "",
                    "secret-reader",
                    json!([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]),
                ),
                // Limited to named secrets.
                role(
                    "Role",
                    "shop",
                    "tls-reader",
                    json!([{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["shop-tls"], "verbs": ["get"]}]),
                ),
                binding(
                    "RoleBinding",
                    "shop",
                    "tls-reader",
                    "Role",
                    "tls-reader",
                    json!([{"kind": "ServiceAccount", "name": "ingress", "namespace": "shop"}]),
                ),
                // Secrets in another API group are not core secrets; create/update do not read.
                role(
                    "ClusterRole",
                    "",
                    "writer",
                    json!([{"apiGroups": ["external-secrets.io"], "resources": ["secrets"], "verbs": ["get"]},
                                                          {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create", "update"]}]),
                ),
                binding(
                    "ClusterRoleBinding",
                    "",
                    "writer",
                    "ClusterRole",
                    "writer",
                    json!([{"kind": "User", "name": "bob"}]),
                ),
                // Built-in role, and a kube-system service account.
                role(
                    "ClusterRole",
                    "",
                    "edit",
                    json!([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]}]),
                ),
                binding(
                    "RoleBinding",
                    "shop",
                    "devs-edit",
                    "ClusterRole",
                    "edit",
                    json!([{"kind": "Group", "name": "devs"}]),
                ),
                role(
                    "ClusterRole",
                    "",
                    "csi-secrets",
                    json!([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]),
                ),
                binding(
                    "ClusterRoleBinding",
                    "",
                    "csi-secrets",
                    "ClusterRole",
                    "csi-secrets",
                    json!([
                    {"kind": "ServiceAccount", "name": "ebs-csi-controller-sa", "namespace": "kube-system"}]),
                ),
            ],
            &[],
        );
        let found = run(&RbacSecretsReadAccess, &snap);
        assert!(found.is_empty(), "{found:?}");
    }
}
