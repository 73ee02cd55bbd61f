use srehub_core::{Check, Finding, Findings};

use super::ManifestInput;
use super::schema::ViolationKind;

srehub_core::declare_check! {
    /// ## What it checks
    /// Fields of built-in Kubernetes kinds that the API schema does not have: typos (`imagePullPolicy`
    /// spelt `imagepullpolicy`, `selectr`), fields at the wrong level (`containerPort` directly under a
    /// container instead of under `ports`), and fields of another kind. The schema is Kubernetes 1.37's,
    /// generated from the official OpenAPI document. Custom resources are judged against the
    /// `openAPIV3Schema` of their CustomResourceDefinition when it is among the linted files (fields under
    /// `x-kubernetes-preserve-unknown-fields` are free), and not judged otherwise.
    ///
    /// ## Why it matters
    /// `kubectl apply` rejects unknown fields since Kubernetes 1.27 (strict field validation), and older
    /// clients and tools drop them silently: the setting the author meant never takes effect.
    ///
    /// ## How to fix
    /// Use the field name the message suggests, or move the field to where `kubectl explain KIND.PATH`
    /// shows it.
    K8S300 UnknownField { name: "unknown-field", severity: Critical, category: Correctness, group: "manifest" }
}

impl Check<ManifestInput<'_>> for UnknownField {
    fn run(&self, input: &ManifestInput<'_>, out: &mut Findings) {
        for (i, v) in input.violations(ViolationKind::UnknownField) {
            let o = &input.objects[i];
            input.push(
                out,
                &Self::META,
                o,
                v.pos,
                Finding::new(&Self::META, v.message.clone()).hint(format!(
                    "kubectl explain {}.{}",
                    o.kind.to_ascii_lowercase(),
                    parent(&v.path)
                )),
            );
        }
    }
}

/// The path of the mapping that holds the field, without list indexes (as `kubectl explain` wants it).
fn parent(path: &str) -> String {
    let mut parts: Vec<String> = path
        .split('.')
        .map(|p| p.split('[').next().unwrap_or(p).to_string())
        .collect();
    parts.pop();
    parts.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::testing::run;

    #[test]
    fn triggers_on_a_misspelled_field_at_its_key() {
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selectr: {app: web}\n  ports:\n    - port: 80\n";
        let found = run(&UnknownField, text);
        assert_eq!(found.len(), 1);
        let loc = found[0].location.as_ref().unwrap();
        assert_eq!((loc.line, loc.column), (Some(6), Some(3)));
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn triggers_on_custom_resources_whose_crd_is_in_the_set() {
        let text = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n            spec: {type: object, properties: {size: {type: integer}}}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {sise: 3}\n";
        let found = run(&UnknownField, text);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].message.contains("did you mean `size`"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].location.as_ref().unwrap().line, Some(21));
    }

    #[test]
    fn quiet_on_a_valid_object_and_on_custom_resources() {
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n    - port: 80\n      targetPort: http\n---\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: web}\nspec: {whatever: 1}\n";
        assert!(run(&UnknownField, text).is_empty());
    }
}
