use srehub_core::{Check, Findings, Severity};
use srehub_model::helm::ChartFile;
use srehub_model::yaml::{Node, Pos, Value};

use super::HelmInput;
use crate::manifest::schema::closest;

srehub_core::declare_check! {
    /// ## What it checks
    /// `Chart.yaml` metadata that Helm rejects or misreads, as `helm lint` (Helm 3.x and 4) sees it:
    ///
    /// - `apiVersion`, `name` or `version` missing or empty (critical); `apiVersion` other than `v2`
    ///   (`v1`, the Helm 2 format, is a warning; anything else is critical);
    /// - `version` that Helm cannot read as a version (critical). Helm reads versions with
    ///   Masterminds/semver, which also takes `1`, `1.2` and a leading `v` (`v1.2.3`) and treats them as
    ///   `1.0.0`, `1.2.0` and `1.2.3`; those are reported as warnings, because they are not SemVer 2
    ///   (Helm 4's `helm lint` warns "is not a valid SemVerV2" for them too);
    /// - `version` or `appVersion` that YAML reads as a number or a boolean (`version: 1.10` is the number
    ///   1.1) (critical, as in `helm lint`: "should be of type string");
    /// - `type` other than `application` or `library`, and `type` or `dependencies` in an `apiVersion: v1`
    ///   chart (critical);
    /// - a `name` with a path separator (critical), or a `name` that differs from the chart's directory
    ///   name (warning: Helm 2's `helm lint` required them to match; Helm 3 accepts it, but packaged
    ///   archives, dependencies under `charts/` and repositories go by the name, not the directory);
    /// - top-level keys Helm does not know (warning, with the closest known key), which Helm ignores and
    ///   Helm 4's `helm lint` reports when it parses `Chart.yaml` strictly.
    ///
    /// ## Why it matters
    /// `helm install`, `helm package` and `helm push` refuse a chart without a valid name and SemVer
    /// version. A version YAML reads as a number silently changes (`1.10` becomes `1.1`, so two releases
    /// share a version), and `appVersion` read the same way ends up in labels and, in most charts, as
    /// the default image tag. A misspelled key (`appversion`, `dependecies`) is ignored without a word,
    /// so the setting the author meant never applies.
    ///
    /// ## How to fix
    /// Use `apiVersion: v2`, a `name` equal to the chart's directory, and a quoted SemVer 2 version
    /// (`version: "1.10.0"`, `appVersion: "1.10"`); set `type` to `application` or `library`; fix or
    /// remove unknown keys (custom data belongs under `annotations`).
    HELM001 ChartMetadataInvalid { name: "chart-metadata-invalid", severity: Critical, category: Correctness, group: "helm" }
}

/// The top-level keys of `Chart.yaml` (Helm's `chart.Metadata`).
const KNOWN_KEYS: &[&str] = &[
    "apiVersion",
    "name",
    "version",
    "kubeVersion",
    "description",
    "type",
    "keywords",
    "home",
    "sources",
    "dependencies",
    "maintainers",
    "icon",
    "appVersion",
    "deprecated",
    "annotations",
];

const START: Pos = Pos { line: 1, column: 1 };

/// Why a version string is not what Helm wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum VersionProblem {
    /// Helm cannot read it at all.
    Invalid,
    /// Helm reads it (coerced) but it is not SemVer 2; the SemVer 2 spelling.
    NotStrict(String),
}

/// Checks a version as Helm does: Masterminds/semver `NewVersion` (lenient), then `StrictNewVersion`.
pub(crate) fn check_version(v: &str) -> Result<(), VersionProblem> {
    let (body, had_v) = match v.strip_prefix('v') {
        Some(rest) => (rest, true),
        None => (v, false),
    };
    let (body, meta) = match body.split_once('+') {
        Some((b, m)) => (b, Some(m)),
        None => (body, None),
    };
    let (core, pre) = match body.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (body, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    let numeric = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let idents_ok = |s: &str, no_leading_zero: bool| {
        s.split('.').all(|id| {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !(no_leading_zero && numeric(id) && id.len() > 1 && id.starts_with('0'))
        })
    };
    let lenient = parts.len() <= 3
        && parts.iter().all(|p| numeric(p) && p.parse::<u64>().is_ok())
        && pre.is_none_or(|p| idents_ok(p, true))
        && meta.is_none_or(|m| idents_ok(m, false));
    if !lenient {
        return Err(VersionProblem::Invalid);
    }
    let leading_zero = parts.iter().any(|p| p.len() > 1 && p.starts_with('0'));
    if !had_v && parts.len() == 3 && !leading_zero {
        return Ok(());
    }
    let mut nums: Vec<String> = parts
        .iter()
        .map(|p| p.parse::<u64>().unwrap_or(0).to_string())
        .collect();
    while nums.len() < 3 {
        nums.push("0".into());
    }
    let mut strict = nums.join(".");
    if let Some(p) = pre {
        strict.push('-');
        strict.push_str(p);
    }
    if let Some(m) = meta {
        strict.push('+');
        strict.push_str(m);
    }
    Err(VersionProblem::NotStrict(strict))
}

/// How a scalar that is not a string was written, for messages (`1.10`, not `1.1`).
fn as_written(file: &ChartFile, node: &Node) -> String {
    file.raw_scalar(node.pos)
        .map(str::to_string)
        .or_else(|| super::scalar_text(node))
        .unwrap_or_else(|| node.value.type_name().to_string())
}

impl Check<HelmInput<'_>> for ChartMetadataInvalid {
    fn run(&self, input: &HelmInput<'_>, out: &mut Findings) {
        let file = &input.chart.chart_yaml;
        let root = &file.root;
        let at = |pos: Pos, message: String| input.at(&Self::META, &file.path, pos, message);
        if !matches!(root.value, Value::Map(_)) {
            out.push(
                at(
                    root.pos,
                    format!(
                        "Chart.yaml holds {} instead of a mapping of chart metadata",
                        root.value.type_name()
                    ),
                )
                .hint("Write Chart.yaml as a mapping: apiVersion: v2, name, version"),
            );
            return;
        }

        // apiVersion
        let api = root.get("apiVersion");
        match api.map(|n| (n, &n.value)) {
            None | Some((_, Value::Null)) => out.push(
                at(START, "Chart.yaml has no `apiVersion`".into()).hint("Add `apiVersion: v2`"),
            ),
            Some((_, Value::Str(s))) if s == "v2" => {}
            Some((n, Value::Str(s))) if s == "v1" => out.push(
                at(
                    n.pos,
                    "`apiVersion: v1` is the Helm 2 chart format; Helm 3 charts use v2".into(),
                )
                .severity(Severity::Warning)
                .hint("Set `apiVersion: v2` and move requirements.yaml's dependencies into Chart.yaml"),
            ),
            Some((n, _)) => out.push(
                at(
                    n.pos,
                    format!(
                        "`apiVersion: {}` is not a chart API version (v2 expected)",
                        as_written(file, n)
                    ),
                )
                .hint("Set `apiVersion: v2`"),
            ),
        }
        let is_v1 = api.and_then(Node::as_str) == Some("v1");

        // name
        match root.get("name") {
            None => out.push(
                at(START, "Chart.yaml has no `name`".into())
                    .hint(format!("Add `name: {}`", dir_or(input, "my-chart"))),
            ),
            Some(n) => match &n.value {
                Value::Str(s) if s.is_empty() => out.push(
                    at(n.pos, "the chart's `name` is empty".into())
                        .hint(format!("Set `name: {}`", dir_or(input, "my-chart"))),
                ),
                Value::Str(s) if s.contains(['/', '\\']) => out.push(
                    at(
                        n.pos,
                        format!("chart name `{s}` contains a path separator; Helm rejects it"),
                    )
                    .hint(format!("Set `name: {}`", dir_or(input, "my-chart"))),
                ),
                Value::Str(s) => {
                    let dir = input.chart.dir_name();
                    if !dir.is_empty() && s != dir {
                        out.push(
                            at(
                                n.pos,
                                format!("chart name `{s}` differs from its directory `{dir}`"),
                            )
                            .severity(Severity::Warning)
                            .hint(format!(
                                "Rename the directory to `{s}` or set `name: {dir}`"
                            )),
                        );
                    }
                }
                _ => out.push(
                    at(
                        n.pos,
                        format!(
                            "the chart's `name` is {} `{}`, not a string",
                            article(n.value.type_name()),
                            as_written(file, n)
                        ),
                    )
                    .hint("Quote the name"),
                ),
            },
        }

        // version
        match root.get("version") {
            None => out.push(
                at(START, "Chart.yaml has no `version`".into())
                    .hint("Add a SemVer 2 version: `version: \"0.1.0\"`"),
            ),
            Some(n) => match &n.value {
                Value::Null => out.push(
                    at(n.pos, "the chart's `version` is empty".into())
                        .hint("Set a SemVer 2 version: `version: \"0.1.0\"`"),
                ),
                Value::Str(s) if s.is_empty() => out.push(
                    at(n.pos, "the chart's `version` is empty".into())
                        .hint("Set a SemVer 2 version: `version: \"0.1.0\"`"),
                ),
                Value::Str(s) => match check_version(s) {
                    Ok(()) => {}
                    Err(VersionProblem::Invalid) => out.push(
                        at(
                            n.pos,
                            format!("chart version `{s}` is not a SemVer version; Helm rejects it"),
                        )
                        .hint("Use MAJOR.MINOR.PATCH, e.g. `version: \"1.2.0\"`"),
                    ),
                    Err(VersionProblem::NotStrict(strict)) => out.push(
                        at(
                            n.pos,
                            format!(
                                "chart version `{s}` is not SemVer 2; Helm reads it as `{strict}`"
                            ),
                        )
                        .severity(Severity::Warning)
                        .hint(format!("Write `version: \"{strict}\"`")),
                    ),
                },
                _ => out.push(not_a_string(input, file, "version", n)),
            },
        }

        // appVersion
        if let Some(n) = root.get("appVersion")
            && !matches!(n.value, Value::Str(_) | Value::Null)
        {
            out.push(not_a_string(input, file, "appVersion", n));
        }

        // type
        if let Some(n) = root.get("type") {
            match &n.value {
                Value::Null => {}
                Value::Str(s) if s.is_empty() => {}
                Value::Str(s) if s == "application" || s == "library" => {
                    if is_v1 {
                        out.push(
                            at(
                                n.pos,
                                format!("`type: {s}` is not valid in an `apiVersion: v1` chart"),
                            )
                            .hint("Set `apiVersion: v2`"),
                        );
                    }
                }
                _ => {
                    let written = as_written(file, n);
                    let guess = closest(&written, ["application", "library"].into_iter())
                        .map(|g| format!("; did you mean `{g}`?"))
                        .unwrap_or_default();
                    out.push(
                        at(
                            n.pos,
                            format!(
                                "`type: {written}` is not a chart type (application or library){guess}"
                            ),
                        )
                        .hint("Set `type: application` or `type: library`"),
                    );
                }
            }
        }

        // dependencies in a v1 chart
        if is_v1 && let Some(k) = root.key("dependencies") {
            out.push(
                at(
                    k.pos,
                    "`dependencies` in Chart.yaml are not valid in an `apiVersion: v1` chart"
                        .into(),
                )
                .hint("Set `apiVersion: v2`"),
            );
        }

        // unknown keys
        for (k, _) in root.entries() {
            if KNOWN_KEYS.contains(&k.text.as_str()) {
                continue;
            }
            let guess = closest(&k.text, KNOWN_KEYS.iter().copied());
            let message = match guess {
                Some(g) => format!(
                    "unknown key `{}` in Chart.yaml; did you mean `{g}`?",
                    k.text
                ),
                None => format!("unknown key `{}` in Chart.yaml; Helm ignores it", k.text),
            };
            let hint = match guess {
                Some(g) => format!("Rename `{}` to `{g}`", k.text),
                None => "Remove it, or move it under `annotations`".to_string(),
            };
            out.push(at(k.pos, message).severity(Severity::Warning).hint(hint));
        }
    }
}

/// "a string", "an integer".
fn article(type_name: &str) -> String {
    let an = type_name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {type_name}", if an { "an" } else { "a" })
}

fn dir_or<'a>(input: &'a HelmInput<'_>, fallback: &'a str) -> &'a str {
    match input.chart.dir_name() {
        "" => fallback,
        d => d,
    }
}

fn not_a_string(
    input: &HelmInput<'_>,
    file: &ChartFile,
    field: &str,
    n: &Node,
) -> srehub_core::Finding {
    let written = as_written(file, n);
    let read = super::scalar_text(n).unwrap_or_else(|| n.value.type_name().to_string());
    let message = if read == written || matches!(n.value, Value::Seq(_) | Value::Map(_)) {
        format!(
            "`{field}` is {}, not a string",
            article(n.value.type_name())
        )
    } else {
        format!(
            "`{field}: {written}` is read by YAML as the {} {read}, not the string `{written}`",
            n.value.type_name()
        )
    };
    input
        .at(&ChartMetadataInvalid::META, &file.path, n.pos, message)
        .hint(format!("Quote it: `{field}: \"{written}\"`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::helm::testing::{CHART_YAML, chart, positions, run};

    #[test]
    fn versions_are_read_as_helm_reads_them() {
        assert_eq!(check_version("1.2.3"), Ok(()));
        assert_eq!(check_version("0.1.0-rc.1+build.5"), Ok(()));
        assert_eq!(
            check_version("1.2"),
            Err(VersionProblem::NotStrict("1.2.0".into()))
        );
        assert_eq!(
            check_version("v1.2.3"),
            Err(VersionProblem::NotStrict("1.2.3".into()))
        );
        assert_eq!(
            check_version("1"),
            Err(VersionProblem::NotStrict("1.0.0".into()))
        );
        assert_eq!(
            check_version("01.2.3"),
            Err(VersionProblem::NotStrict("1.2.3".into()))
        );
        for bad in [
            "",
            "latest",
            "1.2.3.4",
            "1..2",
            "1.2.3-",
            "1.2.3-01",
            "1.2.3+",
            "v",
            "V1.2.3",
            "1.2.3-a_b",
        ] {
            assert_eq!(check_version(bad), Err(VersionProblem::Invalid), "{bad}");
        }
    }

    #[test]
    fn triggers_on_broken_metadata() {
        let c = chart(
            "apiVersion: v1\nname: website\nversion: 1.10\nappVersion: 2.0\ntype: aplication\nappversion: \"2.0\"\nmaintainer: me\n",
            None,
            &[],
        );
        let found = run(&ChartMetadataInvalid, &c);
        insta::assert_yaml_snapshot!(found);
        assert!(
            found[2].message.contains("the number 1.1"),
            "{}",
            found[2].message
        );
        assert_eq!(
            positions(&found)[2],
            ("charts/web/Chart.yaml".to_string(), 3, 10)
        );
    }

    #[test]
    fn triggers_on_missing_fields_and_loose_versions() {
        let found = run(&ChartMetadataInvalid, &chart("description: x\n", None, &[]));
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "Chart.yaml has no `apiVersion`",
                "Chart.yaml has no `name`",
                "Chart.yaml has no `version`"
            ]
        );
        assert_eq!(
            positions(&found)[0],
            ("charts/web/Chart.yaml".to_string(), 1, 1)
        );

        let found = run(
            &ChartMetadataInvalid,
            &chart("apiVersion: v2\nname: web\nversion: v1.2\n", None, &[]),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(found[0].hint.as_deref(), Some("Write `version: \"1.2.0\"`"));
    }

    #[test]
    fn quiet_on_a_correct_chart() {
        assert!(run(&ChartMetadataInvalid, &chart(CHART_YAML, None, &[])).is_empty());
        let full = "apiVersion: v2\nname: web\ndescription: d\ntype: library\nversion: 0.1.0-rc.1\nkubeVersion: \">=1.25.0\"\nkeywords: [a]\nhome: https://x\nsources: [https://x]\nmaintainers: [{name: me}]\nicon: https://x/i.png\nappVersion: \"1.10\"\ndeprecated: false\nannotations: {a: b}\ndependencies: []\n";
        assert!(run(&ChartMetadataInvalid, &chart(full, None, &[])).is_empty());
    }
}
