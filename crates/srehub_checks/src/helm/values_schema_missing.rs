use srehub_core::{Check, Findings};
use srehub_model::yaml::{Node, Pos, Value};

use super::HelmInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// An application chart (`type: application`, or no `type`) whose `values.yaml` has more than 20
    /// keys, counted at every level (`image.repository` and `image.tag` are three keys with `image`),
    /// and no `values.schema.json`.
    ///
    /// ## Why it matters
    /// Helm checks user values against `values.schema.json` on `install`, `upgrade`, `template` and
    /// `lint`. Without it, a misspelled key (`replicacount`) is ignored and a wrong type (`port: "80"`,
    /// `enabled: "false"`, which is true) renders a broken or surprising manifest, found only in the
    /// cluster. The larger the values file, the more room for such mistakes.
    ///
    /// ## How to fix
    /// Add `values.schema.json` next to `values.yaml` (a JSON Schema; tools such as the
    /// `helm-values-schema-json` plugin generate a first version from `values.yaml`), with
    /// `additionalProperties: false` where keys are closed, and keep it in step with `values.yaml`.
    HELM006 ValuesSchemaMissing { name: "values-schema-missing", severity: Info, category: BestPractice, group: "helm" }
}

/// Charts with more keys than this in values.yaml should have a schema.
const MAX_KEYS_WITHOUT_SCHEMA: usize = 20;

/// Mapping keys at every level of a YAML tree.
fn count_keys(node: &Node) -> usize {
    match &node.value {
        Value::Map(entries) => entries.iter().map(|(_, v)| 1 + count_keys(v)).sum(),
        Value::Seq(items) => items.iter().map(count_keys).sum(),
        _ => 0,
    }
}

impl Check<HelmInput<'_>> for ValuesSchemaMissing {
    fn run(&self, input: &HelmInput<'_>, out: &mut Findings) {
        let chart = input.chart;
        let Some(values) = &chart.values else {
            return;
        };
        if chart.has_values_schema || chart.chart_type() != "application" {
            return;
        }
        let keys = count_keys(&values.root);
        if keys <= MAX_KEYS_WITHOUT_SCHEMA {
            return;
        }
        out.push(
            input
                .at(
                    &Self::META,
                    &values.path,
                    Pos { line: 1, column: 1 },
                    format!(
                        "values.yaml has {keys} keys and the chart has no values.schema.json: typos and wrong types in user values go unnoticed"
                    ),
                )
                .hint("Add values.schema.json (a JSON Schema of values.yaml) next to values.yaml"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::helm::testing::{CHART_YAML, chart, positions, run};

    fn values(n: usize) -> String {
        (0..n).map(|i| format!("key{i}: {i}\n")).collect()
    }

    #[test]
    fn triggers_on_large_values_without_schema() {
        let v = format!(
            "{}image:\n  repository: nginx\n  tag: \"1.27\"\nlist:\n  - a: 1\n",
            values(17)
        );
        let c = chart(CHART_YAML, Some(&v), &[]);
        let found = run(&ValuesSchemaMissing, &c);
        insta::assert_yaml_snapshot!(found);
        assert_eq!(
            positions(&found),
            [("charts/web/values.yaml".to_string(), 1, 1)]
        );
    }

    #[test]
    fn quiet_with_a_schema_few_keys_or_a_library() {
        let mut c = chart(CHART_YAML, Some(&values(30)), &[]);
        c.has_values_schema = true;
        assert!(run(&ValuesSchemaMissing, &c).is_empty());
        assert!(
            run(
                &ValuesSchemaMissing,
                &chart(CHART_YAML, Some(&values(20)), &[])
            )
            .is_empty()
        );
        let library = format!("{CHART_YAML}type: library\n");
        assert!(
            run(
                &ValuesSchemaMissing,
                &chart(&library, Some(&values(30)), &[])
            )
            .is_empty()
        );
    }
}
