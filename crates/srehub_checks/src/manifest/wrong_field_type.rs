use srehub_core::{Check, Finding, Findings};

use super::ManifestInput;
use super::schema::ViolationKind;

srehub_core::declare_check! {
    /// ## What it checks
    /// Values of the wrong type for built-in Kubernetes kinds: a quoted number where an integer is
    /// expected (`replicas: "2"`), a bare `yes`/`on`/`true` where a string is expected (YAML reads them as
    /// booleans: the "Norway problem"), a string where a list is expected (`command: run`), a list where a
    /// mapping is expected; for custom resources whose CRD is among the linted files, also a value outside
    /// the schema's `enum`.
    ///
    /// ## Why it matters
    /// The API server rejects the object (`cannot unmarshal string into Go struct field`), so the
    /// deployment fails at apply time, often in the middle of a release.
    ///
    /// ## How to fix
    /// Quote strings that look like booleans or numbers (`value: "yes"`), remove quotes around numbers,
    /// and write lists as lists (`command: ["run"]`).
    K8S301 WrongFieldType { name: "wrong-field-type", severity: Critical, category: Correctness, group: "manifest" }
}

impl Check<ManifestInput<'_>> for WrongFieldType {
    fn run(&self, input: &ManifestInput<'_>, out: &mut Findings) {
        for (i, v) in input.violations(ViolationKind::WrongType) {
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
    fn triggers_on_quoted_numbers_booleans_and_scalars_for_lists() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: \"2\"\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n          command: run\n          env:\n            - name: DEBUG\n              value: yes\n";
        let found = run(&WrongFieldType, text);
        assert_eq!(found.len(), 3, "{found:#?}");
        let loc = found[0].location.as_ref().unwrap();
        assert_eq!((loc.line, loc.column), (Some(6), Some(13)));
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_well_typed_values() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n          command: [run]\n          env:\n            - name: DEBUG\n              value: \"yes\"\n          resources: {limits: {cpu: 0.5, memory: 1Gi}}\n          ports: [{containerPort: 80}]\n          livenessProbe: {httpGet: {port: 8080}}\n";
        assert!(run(&WrongFieldType, text).is_empty());
    }
}
