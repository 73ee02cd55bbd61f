use std::collections::BTreeSet;

use srehub_core::{Check, Findings};
use srehub_model::helm::value_references;
use srehub_model::yaml::{Node, Pos, Value};

use super::HelmInput;
use crate::manifest::schema::closest;

srehub_core::declare_check! {
    /// ## What it checks
    /// `.Values.a.b` (or `$.Values.a.b`) in a template, used without a guard, where `values.yaml` does
    /// not define `a.b`: a key is missing, or a prefix (`a`) is a string, a number, a list or null
    /// rather than a mapping. A chart without `values.yaml` defines nothing.
    ///
    /// A reference is guarded, and not reported, when it is part of an `if`/`with`/`range` condition;
    /// when an enclosing `if`, `else if`, `with` or `range` (or another test in the same action:
    /// `and`, `or`, `not`, `empty`, `hasKey`) tests the same path or a prefix of it; or when it is
    /// passed to or piped into `default`, `required`, `empty`, `hasKey` or `coalesce`.
    ///
    /// Skipped: `.Values.global.…` (parent charts set it), library charts (their templates read the
    /// values of the chart that includes them), and `NOTES.txt`. Each path is reported once per
    /// template, at its first unguarded use. Templates are scanned, not rendered, so references through
    /// variables (`$v := .Values.a` then `$v.b`), `index` and `tpl` are not followed.
    ///
    /// ## Why it matters
    /// A missing last key renders as an empty string, silently: a port, a name or a flag that the
    /// author expected a default for is simply absent from the manifest. A missing or non-mapping prefix
    /// makes rendering fail for every user who does not set it (`nil pointer evaluating
    /// interface {}.b`, `can't evaluate field b in type string`). Most often the cause is a typo in
    /// the template or a key renamed in `values.yaml` but not everywhere it is used.
    ///
    /// ## How to fix
    /// Fix the name, or add the key with its default to `values.yaml` (which also documents it). For a
    /// value that is optional on purpose, guard it: `{{ with .Values.a.b }}…{{ end }}`,
    /// `{{ .Values.a.b | default "x" }}`, or `{{ required "a.b is required" .Values.a.b }}`.
    HELM005 TemplateReferencesUndefinedValue { name: "template-references-undefined-value", severity: Warning, category: Correctness, group: "helm" }
}

/// What a `.Values` path finds in values.yaml.
#[derive(Debug, PartialEq)]
enum Lookup<'n> {
    Found,
    /// The key at this index of the path is missing from `parent` (`None`: there is no values.yaml,
    /// or it is empty).
    Missing {
        at: usize,
        parent: Option<&'n Node>,
    },
    /// The value at the first `len` keys of the path (the root when 0) is not a mapping, but the path
    /// goes on.
    NotMapping {
        len: usize,
        node: &'n Node,
    },
}

fn lookup<'n>(root: Option<&'n Node>, path: &[String]) -> Lookup<'n> {
    let Some(mut node) = root.filter(|r| r.value != Value::Null) else {
        return Lookup::Missing {
            at: 0,
            parent: None,
        };
    };
    for (i, seg) in path.iter().enumerate() {
        match &node.value {
            Value::Map(_) => match node.get(seg) {
                Some(n) => node = n,
                None => {
                    return Lookup::Missing {
                        at: i,
                        parent: Some(node),
                    };
                }
            },
            _ => {
                return Lookup::NotMapping { len: i, node };
            }
        }
    }
    Lookup::Found
}

impl Check<HelmInput<'_>> for TemplateReferencesUndefinedValue {
    fn run(&self, input: &HelmInput<'_>, out: &mut Findings) {
        let chart = input.chart;
        if chart.chart_type() == "library" {
            return;
        }
        let root = chart.values.as_ref().map(|v| &v.root);
        for t in &chart.templates {
            let mut seen = BTreeSet::new();
            for r in value_references(&t.text) {
                if r.guarded || r.path.first().is_some_and(|s| s == "global") {
                    continue;
                }
                let dotted = r.path.join(".");
                let (message, hint) = match lookup(root, &r.path) {
                    Lookup::Found => continue,
                    Lookup::Missing { at, parent } => {
                        let missing = r.path[..=at].join(".");
                        let guess = parent
                            .and_then(|p| {
                                closest(
                                    &r.path[at],
                                    p.entries().iter().map(|(k, _)| k.text.as_str()),
                                )
                            })
                            .map(|g| {
                                let mut path = r.path[..at].to_vec();
                                path.push(g.to_string());
                                format!(" (did you mean `{}`?)", path.join("."))
                            })
                            .unwrap_or_default();
                        let leaf = at + 1 == r.path.len();
                        let consequence = if leaf {
                            "it renders as an empty string unless set at install"
                        } else {
                            "rendering fails with a nil pointer error unless it is set at install"
                        };
                        let message = if root.is_none_or(|r| r.value == Value::Null) {
                            format!(
                                "`.Values.{dotted}`: the chart has no values (values.yaml is missing or empty), so {consequence}"
                            )
                        } else if leaf {
                            format!(
                                "`.Values.{dotted}` is not defined in values.yaml{guess}, so {consequence}"
                            )
                        } else {
                            format!(
                                "`.Values.{dotted}`: `{missing}` is not defined in values.yaml{guess}, so {consequence}"
                            )
                        };
                        (
                            message,
                            format!(
                                "Add `{missing}` with a default to values.yaml, or guard it: `{{{{ .Values.{dotted} | default … }}}}`"
                            ),
                        )
                    }
                    Lookup::NotMapping { len, node } => {
                        let prefix = r.path[..len].join(".");
                        let what = match node.value {
                            Value::Null => "null".to_string(),
                            ref v => format!("a {}", v.type_name()),
                        };
                        let subject = if len == 0 {
                            format!("values.yaml holds {what}")
                        } else {
                            format!("`{prefix}` is {what} in values.yaml")
                        };
                        (
                            format!(
                                "`.Values.{dotted}`: {subject}, not a mapping: rendering fails"
                            ),
                            format!(
                                "Make `{prefix}` a mapping in values.yaml, or fix the reference"
                            ),
                        )
                    }
                };
                if !seen.insert(dotted) {
                    continue;
                }
                out.push(
                    input
                        .at(
                            &Self::META,
                            &t.path,
                            Pos {
                                line: r.line,
                                column: r.column,
                            },
                            message,
                        )
                        .hint(hint),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::helm::testing::{CHART_YAML, chart, positions, run};

    const VALUES: &str = "\
image:
  repository: nginx
  tag: \"1.27\"
service:
  port: 80
child: not-a-map
empty:
";

    #[test]
    fn triggers_on_undefined_values() {
        let template = "\
image: {{ .Values.image.repository }}:{{ .Values.image.tagg }}
port: {{ .Values.service.port }} {{ .Values.service.targetPort }}
key: {{ .Values.child.key }}
n: {{ .Values.empty.x }}
{{- if .Values.ingress.enabled }}
host: {{ .Values.ingress.host }}
{{- end }}
res: {{ toYaml .Values.resources.limits | nindent 4 }}
again: {{ .Values.image.tagg }}
global: {{ .Values.global.imageRegistry }}
";
        let c = chart(CHART_YAML, Some(VALUES), &[("deployment.yaml", template)]);
        let found = run(&TemplateReferencesUndefinedValue, &c);
        insta::assert_yaml_snapshot!(found);
        assert_eq!(
            positions(&found),
            [
                ("charts/web/templates/deployment.yaml".to_string(), 1, 42),
                ("charts/web/templates/deployment.yaml".to_string(), 2, 37),
                ("charts/web/templates/deployment.yaml".to_string(), 3, 9),
                ("charts/web/templates/deployment.yaml".to_string(), 4, 7),
                ("charts/web/templates/deployment.yaml".to_string(), 6, 10),
                ("charts/web/templates/deployment.yaml".to_string(), 8, 16),
            ]
        );
        assert!(
            found[0].message.contains("(did you mean `image.tag`?)"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn without_values_every_reference_is_undefined() {
        let c = chart(
            CHART_YAML,
            None,
            &[("svc.yaml", "port: {{ $.Values.port }}\n")],
        );
        let found = run(&TemplateReferencesUndefinedValue, &c);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "`.Values.port`: the chart has no values (values.yaml is missing or empty), so it renders as an empty string unless set at install"
        );
    }

    #[test]
    fn quiet_on_defined_and_guarded_values() {
        let template = "\
image: {{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- with .Values.podAnnotations }}{{ toYaml . }}{{ end }}
{{- if .Values.ingress }}{{ .Values.ingress.host }}{{ end }}
{{ required \"set service.type\" .Values.service.type }}
{{ .Values.global.registry }} {{ toYaml .Values }}
";
        let c = chart(CHART_YAML, Some(VALUES), &[("deployment.yaml", template)]);
        assert!(run(&TemplateReferencesUndefinedValue, &c).is_empty());
        let library = "apiVersion: v2\nname: web\nversion: 1.0.0\ntype: library\n";
        let c = chart(library, None, &[("_lib.tpl", "{{ .Values.anything }}")]);
        assert!(run(&TemplateReferencesUndefinedValue, &c).is_empty());
    }
}
