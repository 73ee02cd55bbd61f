use srehub_core::{Check, Finding, Findings};

use super::ManifestInput;
use super::schema::ViolationKind;

srehub_core::declare_check! {
    /// ## What it checks
    /// Fields the Kubernetes API requires that a manifest of a built-in kind leaves out: `metadata.name`,
    /// a Deployment's `spec.selector` and `spec.template`, a container's `name`, a Service port's `port`,
    /// a volume's `name`, and every other field the API schema marks as required (for custom resources,
    /// what their CRD's schema requires, when the CRD is among the linted files).
    ///
    /// ## Why it matters
    /// The API server rejects the object with `Required value`, so the apply fails.
    ///
    /// ## How to fix
    /// Add the field; `kubectl explain KIND.PATH` shows what it takes.
    K8S302 MissingRequiredField { name: "missing-required-field", severity: Critical, category: Correctness, group: "manifest" }
}

impl Check<ManifestInput<'_>> for MissingRequiredField {
    fn run(&self, input: &ManifestInput<'_>, out: &mut Findings) {
        for (i, v) in input.violations(ViolationKind::Missing) {
            let o = &input.objects[i];
            input.push(
                out,
                &Self::META,
                o,
                v.pos,
                Finding::new(&Self::META, v.message.clone()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::testing::run;

    #[test]
    fn triggers_on_missing_selector_container_name_and_object_name() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels: {app: web}\nspec:\n  template:\n    spec:\n      containers:\n        - image: nginx:1.27\n";
        let found = run(&MissingRequiredField, text);
        let paths: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(found.len(), 3, "{paths:#?}");
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_when_everything_required_is_there() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: \"nginx:1.27\"}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {generateName: job-}\nspec:\n  containers: [{name: a, image: busybox}]\n";
        assert!(run(&MissingRequiredField, text).is_empty());
    }
}
