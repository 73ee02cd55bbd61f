use srehub_core::{Check, Findings};
use srehub_model::yaml::{Node, Value};

use super::HelmInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Entries of `dependencies` in `Chart.yaml` that do not say which chart they take:
    ///
    /// - no `repository`, unless the subchart is vendored under `charts/` (as a directory or a
    ///   `<name>-<version>.tgz` archive);
    /// - no `version`;
    /// - a version range without an upper bound: `>=1.0`, `>1`, `!=1.2.0`, `*`, `x`, or any `||`
    ///   alternative that lacks one. Exact versions (`1.2.3`), wildcards below the major version
    ///   (`1.x`, `1.2.*`), `~`, `^`, `<`, `<=` and hyphen ranges (`1.2 - 1.4`) are bounded.
    ///
    /// Versions of `file://` dependencies and of vendored subcharts are not checked: their content
    /// comes with the chart. `Chart.lock` is not read: it pins a range only until the next
    /// `helm dependency update`.
    ///
    /// ## Why it matters
    /// `helm dependency update` resolves each range against the repository's index at the time it
    /// runs. A range without an upper bound takes the newest release, including the next major version
    /// with its breaking changes, so two builds of the same commit can ship different subcharts. Without
    /// a repository (and no vendored copy) the dependency cannot be fetched at all.
    ///
    /// ## How to fix
    /// Give every dependency a `repository` (`https://…`, `oci://…` or `file://…`) and a bounded version:
    /// an exact version, or a range such as `~1.4.0` (patch releases) or `^1.4.0` (minor releases).
    /// Commit `Chart.lock` and build with `helm dependency build`.
    HELM002 ChartDependencyUnpinned { name: "chart-dependency-unpinned", severity: Warning, category: Reliability, group: "helm" }
}

const OPS: &[&str] = &["!=", ">=", "=>", "<=", "=<", "~>", ">", "<", "=", "~", "^"];

/// Whether a version (after an operator) is a wildcard at its major version: empty, `*`, `x`, `X`.
fn wildcard_major(version: &str) -> bool {
    let v = version.strip_prefix('v').unwrap_or(version);
    let major = v.split(['.', '-', '+']).next().unwrap_or("");
    matches!(major, "" | "*" | "x" | "X")
}

/// Whether one comparison (`>=1.2`, `~1.4`, `1.x`) bounds the version from above.
fn term_bounded(term: &str) -> bool {
    let op = OPS
        .iter()
        .find(|op| term.starts_with(**op))
        .copied()
        .unwrap_or("");
    let version = term[op.len()..].trim();
    match op {
        ">" | ">=" | "=>" | "!=" => false,
        _ => !wildcard_major(version),
    }
}

/// Whether a Masterminds/semver constraint (the syntax Helm uses) has an upper bound in every `||`
/// alternative.
pub(crate) fn upper_bounded(constraint: &str) -> bool {
    constraint.split("||").all(|group| {
        // Terms are separated by commas or spaces; an operator may stand apart from its version.
        let words: Vec<&str> = group
            .split([',', ' ', '\t'])
            .filter(|w| !w.is_empty())
            .collect();
        let mut terms: Vec<String> = Vec::new();
        let mut i = 0;
        let mut bounded = false;
        while i < words.len() {
            let w = words[i];
            if w == "-" {
                // Hyphen range `a - b`: bounded by its upper end.
                terms.pop();
                if let Some(upper) = words.get(i + 1) {
                    bounded |= !wildcard_major(upper);
                }
                i += 2;
                continue;
            }
            if OPS.contains(&w) {
                terms.push(format!("{w}{}", words.get(i + 1).copied().unwrap_or("")));
                i += 2;
                continue;
            }
            terms.push(w.to_string());
            i += 1;
        }
        bounded || terms.iter().any(|t| term_bounded(t))
    })
}

impl Check<HelmInput<'_>> for ChartDependencyUnpinned {
    fn run(&self, input: &HelmInput<'_>, out: &mut Findings) {
        let file = &input.chart.chart_yaml;
        let Some(deps) = file.root.get("dependencies") else {
            return;
        };
        for dep in deps.items() {
            if !matches!(dep.value, Value::Map(_)) {
                continue;
            }
            let name = dep.get("name").and_then(Node::as_str).unwrap_or("");
            let shown = if name.is_empty() { "(unnamed)" } else { name };
            let repository = dep
                .get("repository")
                .and_then(Node::as_str)
                .map(str::trim)
                .unwrap_or("");
            let vendored = !name.is_empty() && input.chart.has_subchart(name);
            if repository.is_empty() && !vendored {
                out.push(
                    input
                        .at(
                            &Self::META,
                            &file.path,
                            dep.pos,
                            format!(
                                "dependency `{shown}` has no `repository` and is not vendored under charts/"
                            ),
                        )
                        .hint("Set `repository` (https://…, oci://… or file://…), or vendor the chart under charts/"),
                );
            }
            if repository.starts_with("file://") || (repository.is_empty() && vendored) {
                continue;
            }
            let version = dep.get("version");
            let text = version.and_then(|v| match &v.value {
                Value::Str(s) => Some(s.trim().to_string()),
                Value::Null => None,
                _ => file
                    .raw_scalar(v.pos)
                    .map(str::to_string)
                    .or_else(|| super::scalar_text(v)),
            });
            match (version, text) {
                (Some(v), Some(t)) if !t.is_empty() => {
                    if !upper_bounded(&t) {
                        out.push(
                            input
                                .at(
                                    &Self::META,
                                    &file.path,
                                    v.pos,
                                    format!(
                                        "dependency `{shown}` version `{t}` has no upper bound: `helm dependency update` takes the newest release, even a new major version"
                                    ),
                                )
                                .hint("Pin an exact version, or bound the range: `~1.4.0` (patches) or `^1.4.0` (minor releases)"),
                        );
                    }
                }
                (v, _) => out.push(
                    input
                        .at(
                            &Self::META,
                            &file.path,
                            v.map_or(dep.pos, |v| v.pos),
                            format!("dependency `{shown}` has no `version`"),
                        )
                        .hint("Set `version` to an exact version or a bounded range (`~1.4.0`)"),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::helm::testing::{CHART_YAML, chart, positions, run};

    #[test]
    fn ranges_are_bounded_as_masterminds_reads_them() {
        for ok in [
            "1.2.3",
            "=1.2.3",
            "v1.2.3",
            "~1.2",
            "~> 1.2",
            "^1.2.0",
            "1.x",
            "1.2.*",
            "<2.0.0",
            ">=1.2, <2",
            ">= 1.2 < 2",
            "1.2 - 1.4.5",
            "^1 || ~2.3",
            "<=3",
        ] {
            assert!(upper_bounded(ok), "{ok}");
        }
        for bad in [
            ">=1.0",
            ">1",
            "*",
            "x",
            "X",
            "!=1.2.0",
            ">= 1.2",
            "^1 || >=3",
            "1.0 - *",
            "",
            ">=1.0,",
        ] {
            assert!(!upper_bounded(bad), "{bad}");
        }
    }

    #[test]
    fn triggers_on_unpinned_dependencies() {
        let chart_yaml = format!(
            "{CHART_YAML}dependencies:\n  - name: redis\n    version: \">=17.0.0\"\n    repository: https://charts.bitnami.com/bitnami\n  - name: postgresql\n    repository: oci://registry-1.docker.io/bitnamicharts\n  - name: common\n    version: 2.x\n  - name: child\n    version: \"*\"\n  - name: local\n    version: \"*\"\n    repository: file://../local\n"
        );
        let c = chart(&chart_yaml, None, &[]).with_subcharts(vec!["child".into()]);
        let found = run(&ChartDependencyUnpinned, &c);
        insta::assert_yaml_snapshot!(found);
        assert_eq!(
            positions(&found),
            [
                ("charts/web/Chart.yaml".to_string(), 7, 14),
                ("charts/web/Chart.yaml".to_string(), 9, 5),
                ("charts/web/Chart.yaml".to_string(), 11, 5),
            ]
        );
    }

    #[test]
    fn quiet_on_pinned_and_vendored_dependencies() {
        let chart_yaml = format!(
            "{CHART_YAML}dependencies:\n  - name: redis\n    version: 17.3.2\n    repository: https://charts.bitnami.com/bitnami\n  - name: common\n    version: ~2.4.0\n    repository: oci://registry-1.docker.io/bitnamicharts\n  - name: child\n    version: 0.1.0\n  - name: sub\n    repository: file://../sub\n"
        );
        let c = chart(&chart_yaml, None, &[]).with_subcharts(vec!["child-0.1.0.tgz".into()]);
        assert!(run(&ChartDependencyUnpinned, &c).is_empty());
    }
}
