//! Helm chart checks of `srehub lint` (group `helm`), over a [`Chart`] read without rendering:
//! `Chart.yaml` and `values.yaml` as spanned YAML, templates as Go template text scanned for `.Values`
//! references ([`srehub_model::helm::value_references`]).

mod chart_dependency_unpinned;
mod chart_metadata_invalid;
mod template_references_undefined_value;
mod values_hard_coded_secret;
mod values_image_tag_mutable;
mod values_schema_missing;

pub use chart_dependency_unpinned::ChartDependencyUnpinned;
pub use chart_metadata_invalid::ChartMetadataInvalid;
pub use template_references_undefined_value::TemplateReferencesUndefinedValue;
pub use values_hard_coded_secret::ValuesHardCodedSecret;
pub use values_image_tag_mutable::ValuesImageTagMutable;
pub use values_schema_missing::ValuesSchemaMissing;

use srehub_core::{Check, CheckMeta, Finding, Location, Resource};
use srehub_model::helm::Chart;
use srehub_model::yaml::{Key, Node, Pos, Value};

/// What every Helm check reads.
pub struct HelmInput<'a> {
    pub chart: &'a Chart,
}

impl HelmInput<'_> {
    /// The resource findings name: `HelmChart/<chart name>`.
    pub fn resource(&self) -> Resource {
        Resource::new("HelmChart", self.chart.display_name())
    }

    /// A finding of `meta` at a position of one of the chart's files.
    pub fn at(
        &self,
        meta: &CheckMeta,
        file: &str,
        pos: Pos,
        message: impl Into<String>,
    ) -> Finding {
        Finding::new(meta, message)
            .resource(self.resource())
            .location(Location {
                file: file.to_string(),
                line: Some(pos.line),
                column: Some(pos.column),
            })
    }
}

/// A Helm check, for any lifetime of its input.
pub type HelmCheck = dyn for<'a> Check<HelmInput<'a>>;

/// The Helm checks.
pub const CHECKS: &[&HelmCheck] = &[
    &ChartMetadataInvalid,
    &ChartDependencyUnpinned,
    &ValuesImageTagMutable,
    &ValuesHardCodedSecret,
    &TemplateReferencesUndefinedValue,
    &ValuesSchemaMissing,
];

/// One step of a path into values.yaml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// A values path as users write it: `image.tag`, `env[0].value`.
pub(crate) fn show_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// What [`walk`] calls for each node: its path, the key it sits under, the node.
pub(crate) type Visit<'v, 'n> = dyn FnMut(&[Seg], Option<&'n Key>, &'n Node) + 'v;

/// Visits every node of a YAML tree with its path and the key it sits under (none for the root and for
/// sequence items), parents before children.
pub(crate) fn walk<'n>(node: &'n Node, visit: &mut Visit<'_, 'n>) {
    fn go<'n>(
        node: &'n Node,
        key: Option<&'n Key>,
        path: &mut Vec<Seg>,
        visit: &mut Visit<'_, 'n>,
    ) {
        visit(path, key, node);
        match &node.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    path.push(Seg::Key(k.text.to_string()));
                    go(v, Some(k), path, visit);
                    path.pop();
                }
            }
            Value::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    go(v, None, path, visit);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    go(node, None, &mut Vec::new(), visit);
}

/// The first `chars` characters of a string then `…`: enough to recognise a value, never all of it.
pub(crate) fn preview(s: &str, chars: usize) -> String {
    let mut out: String = s.chars().take(chars).collect();
    out.push('…');
    out
}

/// A scalar as text (`1.1`, `true`, `nginx`), `None` for collections and null.
pub(crate) fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Seq(_) | Value::Map(_) => None,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use srehub_core::{Finding, Findings};
    use srehub_model::helm::{Chart, parse_chart};

    use super::{HelmCheck, HelmInput};

    /// A valid `Chart.yaml` for the chart directory `charts/web`.
    pub const CHART_YAML: &str =
        "apiVersion: v2\nname: web\nversion: 1.2.0\nappVersion: \"1.27.3\"\n";

    /// A chart in `charts/web` from literals; template paths are relative to `templates/`.
    pub fn chart(chart_yaml: &str, values: Option<&str>, templates: &[(&str, &str)]) -> Chart {
        parse_chart(
            "charts/web",
            ("charts/web/Chart.yaml", chart_yaml),
            values.map(|v| ("charts/web/values.yaml", v)),
            templates
                .iter()
                .map(|(p, t)| (format!("charts/web/templates/{p}"), t.to_string()))
                .collect(),
            false,
        )
        .expect("test chart parses")
    }

    /// Runs one check over a chart.
    pub fn run(check: &HelmCheck, chart: &Chart) -> Vec<Finding> {
        let mut out = Findings::new();
        check.run(&HelmInput { chart }, &mut out);
        out.into_vec()
    }

    /// The `(file, line, column)` of each finding, in order.
    pub fn positions(found: &[Finding]) -> Vec<(String, u32, u32)> {
        found
            .iter()
            .filter_map(|f| {
                let l = f.location.as_ref()?;
                Some((l.file.clone(), l.line?, l.column?))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{CHART_YAML, chart, run};
    use super::{CHECKS, Seg, show_path};

    #[test]
    fn odd_charts_never_panic() {
        let charts = [
            ("", None),
            ("- a\n- b\n", Some("- x\n")),
            ("just a string", Some("plain")),
            (
                "name: [1]\nversion: {a: 1}\napiVersion: 2\ntype: 3\ndependencies: 5\n",
                Some("~"),
            ),
            (
                "apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - 1\n  - {name: [x], version: 2, repository: {}}\n",
                Some(
                    "image: {repository: [1], tag: {}}\npassword: [a]\nenv: [{name: [1], value: 2}]\n",
                ),
            ),
        ];
        let templates = [
            ("a.yaml", "{{ .Values.a.b }}{{ if"),
            ("b.tpl", "{{/* x"),
            ("c.yaml", "{{ .Values }}{{ $.Values.global.x }}"),
        ];
        for (chart_yaml, values) in charts {
            let c = chart(chart_yaml, values, &templates);
            for check in CHECKS {
                let _ = run(*check, &c);
            }
        }
    }

    #[test]
    fn a_correct_chart_is_clean() {
        let c = chart(
            CHART_YAML,
            Some(
                "image:\n  repository: nginx\n  tag: \"1.27.3\"\nauth:\n  existingSecret: web-auth\n  password: \"\"\n",
            ),
            &[(
                "deployment.yaml",
                "image: {{ .Values.image.repository }}:{{ .Values.image.tag }}\n{{- with .Values.auth.password }}\npassword: {{ . }}\n{{- end }}\n",
            )],
        );
        for check in CHECKS {
            assert!(run(*check, &c).is_empty(), "{}", check.meta().code);
        }
    }

    #[test]
    fn paths_show_as_users_write_them() {
        let p = [
            Seg::Key("env".into()),
            Seg::Index(0),
            Seg::Key("value".into()),
        ];
        assert_eq!(show_path(&p), "env[0].value");
        assert_eq!(show_path(&[]), "");
    }
}
