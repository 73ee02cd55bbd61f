use srehub_core::{Check, Finding, Findings, Severity};
use srehub_model::yaml::{Node, Pos, Value};

use super::{ManifestInput, pod_template};

srehub_core::declare_check! {
    /// ## What it checks
    /// Pod templates that reference a ConfigMap or Secret that is not defined in their namespace among the
    /// linted files: volumes (`configMap`, `secret`, `projected` sources), `envFrom`, `env[].valueFrom`
    /// key references and `imagePullSecrets`; and key references (`configMapKeyRef`, `secretKeyRef`) to a
    /// ConfigMap or Secret of the linted files that has no such key. References marked `optional: true`
    /// are not judged. A Secret
    /// also counts as defined when a SealedSecret or an ExternalSecret (its `spec.target.name`, else its
    /// name) in the files produces it. Missing ConfigMaps are warnings; missing Secrets are reported as
    /// info, since Secrets are often created outside the manifests.
    ///
    /// ## Why it matters
    /// Pods that mount or read a missing ConfigMap or Secret stay in `ContainerCreating` or
    /// `CreateContainerConfigError`, and the rollout never finishes.
    ///
    /// ## How to fix
    /// Add the ConfigMap or Secret, fix the name, or mark the reference `optional: true` if the pod can
    /// start without it.
    K8S309 ConfigReferenceMissing { name: "config-reference-missing", severity: Warning, category: Correctness, group: "manifest" }
}

/// One reference: the kind, the node with the name, and for key references the node with the key.
struct Ref<'a> {
    kind: &'static str,
    name: &'a Node,
    key: Option<&'a Node>,
}

fn optional(n: &Node) -> bool {
    n.get("optional")
        .is_some_and(|v| v.value == Value::Bool(true))
}

fn refs<'a>(spec: &'a Node) -> Vec<Ref<'a>> {
    let mut out = Vec::new();
    fn push<'a>(out: &mut Vec<Ref<'a>>, kind: &'static str, holder: &'a Node, key: &str) {
        if let Some(name) = holder.get(key)
            && !optional(holder)
        {
            out.push(Ref {
                kind,
                name,
                key: holder.get("key"),
            });
        }
    }
    let mut add =
        |kind: &'static str, holder: &'a Node, key: &str| push(&mut out, kind, holder, key);
    for v in spec.get("volumes").map(Node::items).unwrap_or(&[]) {
        if let Some(cm) = v.get("configMap") {
            add("ConfigMap", cm, "name");
        }
        if let Some(s) = v.get("secret") {
            add("Secret", s, "secretName");
        }
        for src in v
            .at(&["projected", "sources"])
            .map(Node::items)
            .unwrap_or(&[])
        {
            if let Some(cm) = src.get("configMap") {
                add("ConfigMap", cm, "name");
            }
            if let Some(s) = src.get("secret") {
                add("Secret", s, "name");
            }
        }
    }
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        for c in spec.get(list).map(Node::items).unwrap_or(&[]) {
            for ef in c.get("envFrom").map(Node::items).unwrap_or(&[]) {
                if let Some(r) = ef.get("configMapRef") {
                    add("ConfigMap", r, "name");
                }
                if let Some(r) = ef.get("secretRef") {
                    add("Secret", r, "name");
                }
            }
            for e in c.get("env").map(Node::items).unwrap_or(&[]) {
                if let Some(r) = e.at(&["valueFrom", "configMapKeyRef"]) {
                    add("ConfigMap", r, "name");
                }
                if let Some(r) = e.at(&["valueFrom", "secretKeyRef"]) {
                    add("Secret", r, "name");
                }
            }
        }
    }
    for s in spec.get("imagePullSecrets").map(Node::items).unwrap_or(&[]) {
        add("Secret", s, "name");
    }
    out
}

impl Check<ManifestInput<'_>> for ConfigReferenceMissing {
    fn run(&self, input: &ManifestInput<'_>, out: &mut Findings) {
        // Secrets that SealedSecrets and ExternalSecrets produce, by (namespace, name).
        let produced: Vec<(&str, &str)> = input
            .objects
            .iter()
            .filter_map(|o| match o.kind.as_str() {
                "SealedSecret" => Some((o.namespace.as_str(), o.name.as_str())),
                "ExternalSecret" => Some((
                    o.namespace.as_str(),
                    o.node
                        .at(&["spec", "target", "name"])
                        .and_then(Node::as_str)
                        .unwrap_or(o.name.as_str()),
                )),
                _ => None,
            })
            .collect();
        for o in input.objects {
            let Some(t) = pod_template(o) else { continue };
            let mut seen: Vec<(&str, &str, Pos)> = Vec::new();
            for r in refs(t.spec) {
                let Some(name) = r.name.as_str().filter(|n| !n.is_empty()) else {
                    continue;
                };
                // A key reference to an object in the set: the key must be in its data.
                if let (Some(target), Some(key_node)) =
                    (input.find(r.kind, &o.namespace, name), r.key)
                    && let Some(key) = key_node.as_str()
                {
                    let sections: &[&str] = if r.kind == "Secret" {
                        &["data", "stringData"]
                    } else {
                        &["data", "binaryData"]
                    };
                    let has = sections
                        .iter()
                        .any(|s| target.node.get(s).is_some_and(|d| d.get(key).is_some()));
                    if !has {
                        input.push(
                            out,
                            &Self::META,
                            o,
                            key_node.pos,
                            Finding::new(
                                &Self::META,
                                format!("{} `{name}` has no key `{key}`", r.kind),
                            )
                            .hint(format!(
                                "Use a key of the {} ({}) or add `{key}` to it",
                                r.kind,
                                sections.join("/")
                            )),
                        );
                    }
                }
                if seen.iter().any(|(k, n, _)| *k == r.kind && *n == name) {
                    continue;
                }
                seen.push((r.kind, name, r.name.pos));
                let defined = input.exists(&[r.kind], &o.namespace, name)
                    || (r.kind == "Secret" && produced.contains(&(o.namespace.as_str(), name)));
                if defined {
                    continue;
                }
                let severity = if r.kind == "Secret" {
                    Severity::Info
                } else {
                    Severity::Warning
                };
                input.push(
                    out,
                    &Self::META,
                    o,
                    r.name.pos,
                    Finding::new(
                        &Self::META,
                        format!("{} `{name}` is not defined in the linted files", r.kind),
                    )
                    .severity(severity)
                    .hint(format!(
                        "Add the {}, fix the name, or mark the reference optional: true",
                        r.kind
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::testing::run;

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  imagePullSecrets: [{name: regcred}]\n  volumes:\n    - name: cfg\n      configMap: {name: app-config}\n    - name: tls\n      secret: {secretName: app-tls}\n  containers:\n    - name: a\n      image: busybox\n      envFrom: [{configMapRef: {name: app-config}}]\n      env:\n        - name: PW\n          valueFrom: {secretKeyRef: {name: db, key: pw}}\n        - name: OPT\n          valueFrom: {configMapKeyRef: {name: extra, key: k, optional: true}}\n";

    #[test]
    fn triggers_on_each_missing_reference_once() {
        let found = run(&ConfigReferenceMissing, POD);
        let got: Vec<(&str, Severity)> = found
            .iter()
            .map(|f| (f.message.as_str(), f.severity))
            .collect();
        assert_eq!(got.len(), 4, "{got:#?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn triggers_on_a_key_the_config_map_does_not_have() {
        let text = format!(
            "{POD}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: app-config}}\ndata: {{a: b}}\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: db}}\nstringData: {{password: x}}\n"
        );
        let found = run(&ConfigReferenceMissing, &text);
        let msgs: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert!(msgs.contains(&"Secret `db` has no key `pw`"), "{msgs:#?}");
        let f = found.iter().find(|f| f.message.contains("no key")).unwrap();
        assert_eq!(f.location.as_ref().unwrap().line, Some(17));
    }

    #[test]
    fn quiet_when_everything_is_defined_or_produced() {
        let text = format!(
            "{POD}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: app-config}}\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: app-tls}}\n---\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {{name: regcred}}\n---\napiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {{name: db-es}}\nspec: {{target: {{name: db}}}}\n"
        );
        assert!(run(&ConfigReferenceMissing, &text).is_empty());
    }
}
