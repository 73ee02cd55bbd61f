use srehub_core::{Check, Finding, Findings};

use super::{describe_rule, is_default_role, join_some};
use crate::k8s::K8sInput;
use crate::k8s::input::resource;

srehub_core::declare_check! {
    /// ## What it checks
    /// Roles and ClusterRoles with a rule whose `verbs` or `resources` contain `*` (which includes
    /// `apiGroups: ["*"]` with `resources: ["*"]`). The roles Kubernetes ships (`cluster-admin`, `admin`,
    /// `edit`, `view`, `system:*`, anything labelled `kubernetes.io/bootstrapping: rbac-defaults`) are
    /// skipped; who holds `cluster-admin` is K8S019's concern.
    ///
    /// ## Why it matters
    /// A wildcard grants every verb or resource that exists now and every one added later, including
    /// `escalate`, `bind`, `impersonate`, secrets and CRDs installed next year. Roles written this way are
    /// rarely what their author needed and are a common privilege-escalation path.
    ///
    /// ## How to fix
    /// Replace `*` with the verbs and resources the subjects actually use (audit logs or
    /// `kubectl auth can-i --list --as=system:serviceaccount:NS:NAME` help), e.g.
    /// `verbs: [get, list, watch]`, `resources: [deployments]`, `apiGroups: [apps]`.
    K8S018 RbacWildcardRule { name: "rbac-wildcard-rule", severity: Warning, category: Security, group: "audit" }
}

impl Check<K8sInput<'_>> for RbacWildcardRule {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        for role in &input.snap.roles {
            let m = &role.metadata;
            if is_default_role(m) {
                continue;
            }
            let wild: Vec<String> = role
                .rules
                .iter()
                .filter(|r| {
                    r.verbs.iter().any(|v| v == "*") || r.resources.iter().any(|v| v == "*")
                })
                .map(describe_rule)
                .collect();
            if wild.is_empty() {
                continue;
            }
            let message = if wild.len() == 1 {
                format!("{} has a wildcard rule: {}", m.kind, wild[0])
            } else {
                format!(
                    "{} has {} wildcard rules: {}",
                    m.kind,
                    wild.len(),
                    join_some(&wild, 3, "; ")
                )
            };
            input.report(
                out,
                &Self::META,
                m,
                Finding::new(&Self::META, message).resource(resource(m)).hint(
                    "Replace `*` with the exact verbs, resources and apiGroups needed (kubectl auth can-i --list --as=SUBJECT shows what is used)",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{run, snapshot};
    use serde_json::json;

    fn cluster_role(
        name: &str,
        labels: serde_json::Value,
        rules: serde_json::Value,
    ) -> serde_json::Value {
        json!({"kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1",
               "metadata": {"name": name, "labels": labels, "creationTimestamp": "2026-03-02T09:00:00Z"}, "rules": rules})
    }

    #[test]
    fn triggers_on_wildcards() {
        let operator = cluster_role(
            "acme-operator",
            json!({"app.kubernetes.io/name": "acme-operator"}),
            json!([
            {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]),
        );
        let ci = json!({"kind": "Role", "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": {"name": "ci-deployer", "namespace": "shop"},
            "rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["*"]},
                      {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]},
                      {"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}]});
        let found = run(&RbacWildcardRule, &snapshot(&[operator, ci], &[]));
        assert_eq!(found.len(), 2, "{found:?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_built_in_and_narrow_roles() {
        let snap = snapshot(
            &[
                cluster_role(
                    "cluster-admin",
                    json!({"kubernetes.io/bootstrapping": "rbac-defaults"}),
                    json!([
                    {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}]),
                ),
                cluster_role(
                    "system:controller:namespace-controller",
                    json!({"kubernetes.io/bootstrapping": "rbac-defaults"}),
                    json!([
                    {"apiGroups": ["*"], "resources": ["*"], "verbs": ["delete", "deletecollection", "get", "list"]}]),
                ),
                cluster_role(
                    "pod-reader",
                    json!({}),
                    json!([{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list", "watch"]}]),
                ),
            ],
            &[],
        );
        assert!(run(&RbacWildcardRule, &snap).is_empty());
    }
}
