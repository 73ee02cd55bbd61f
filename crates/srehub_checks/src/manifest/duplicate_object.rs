use std::collections::HashMap;

use srehub_core::{Check, Finding, Findings};

use super::ManifestInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// The same object (API group, kind, namespace and name) defined twice in the linted files.
    ///
    /// ## Why it matters
    /// Only the last definition applied survives: two teams, two overlays or two copies of a chart
    /// silently overwrite each other's settings on every apply, and the effective configuration depends
    /// on the order of files.
    ///
    /// ## How to fix
    /// Keep one definition; use a kustomize patch or Helm values for the differences.
    K8S304 DuplicateObject { name: "duplicate-object", severity: Critical, category: Correctness, group: "manifest" }
}

impl Check<ManifestInput<'_>> for DuplicateObject {
    fn run(&self, input: &ManifestInput<'_>, out: &mut Findings) {
        let mut first: HashMap<(&str, &str, &str, &str), usize> = HashMap::new();
        for (i, o) in input.objects.iter().enumerate() {
            if o.name.is_empty() || o.kind.is_empty() {
                continue;
            }
            let key = (
                o.group(),
                o.kind.as_str(),
                o.namespace.as_str(),
                o.name.as_str(),
            );
            match first.get(&key) {
                None => {
                    first.insert(key, i);
                }
                Some(&j) => {
                    let f = &input.objects[j];
                    let p = f.pos();
                    input.push(
                        out,
                        &Self::META,
                        o,
                        o.pos(),
                        Finding::new(
                            &Self::META,
                            format!(
                                "{} {} is defined again; first defined at {}:{}:{}",
                                o.kind, o.name, f.file, p.line, p.column
                            ),
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::testing::run;

    #[test]
    fn triggers_on_the_second_definition() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n";
        let found = run(&DuplicateObject, text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location.as_ref().unwrap().line, Some(6));
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_when_namespace_kind_or_group_differ() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: y}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: x}\n---\napiVersion: v1\nkind: Event\nmetadata: {name: a, namespace: x}\n---\napiVersion: events.k8s.io/v1\nkind: Event\nmetadata: {name: a, namespace: x}\n";
        assert!(run(&DuplicateObject, text).is_empty());
    }
}
