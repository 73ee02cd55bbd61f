//! Exemptions: config rules that leave findings out, matched against the finding's resource.

use std::collections::BTreeMap;

use globset::{Glob, GlobMatcher};
use srehub_core::{CheckMeta, Finding, Selection};

use crate::{Error, Exemption};

/// What an exemption is matched against: a finding's resource plus its labels.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    pub kind: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
    /// Labels as `(key, value)` pairs.
    pub labels: Option<&'a [(String, String)]>,
    /// The file of a finding of `srehub lint`.
    pub path: Option<&'a str>,
}

#[derive(Debug, Clone)]
struct Compiled {
    checks: Option<Selection>,
    namespace: Option<GlobMatcher>,
    name: Option<GlobMatcher>,
    kind: Option<String>,
    labels: Vec<(String, GlobMatcher)>,
    path: Option<GlobMatcher>,
}

/// Compiled exemptions.
#[derive(Debug, Clone, Default)]
pub struct ExemptionSet {
    rules: Vec<Compiled>,
}

fn glob(origin: &str, key: &str, pattern: &str) -> Result<GlobMatcher, Error> {
    Glob::new(pattern)
        .map(|g| g.compile_matcher())
        .map_err(|e| Error::Invalid {
            origin: origin.to_string(),
            key: key.to_string(),
            message: e.kind().to_string(),
        })
}

impl ExemptionSet {
    /// Compiles exemptions; `origin` names where they came from, for errors.
    pub fn compile(rules: &[Exemption], origin: &str) -> Result<Self, Error> {
        let mut out = Vec::with_capacity(rules.len());
        for (i, r) in rules.iter().enumerate() {
            let key = |k: &str| format!("exemptions[{i}].{k}");
            let mut labels = Vec::new();
            for (k, v) in r.labels.iter().flatten() {
                labels.push((k.clone(), glob(origin, &key(&format!("labels.{k}")), v)?));
            }
            out.push(Compiled {
                checks: r
                    .checks
                    .clone()
                    .map(|c| Selection::new(c, Vec::new(), BTreeMap::new())),
                namespace: r
                    .namespace
                    .as_deref()
                    .map(|p| glob(origin, &key("namespace"), p))
                    .transpose()?,
                name: r
                    .name
                    .as_deref()
                    .map(|p| glob(origin, &key("name"), p))
                    .transpose()?,
                kind: r.kind.clone(),
                labels,
                path: r
                    .path
                    .as_deref()
                    .map(|p| glob(origin, &key("path"), p))
                    .transpose()?,
            });
        }
        Ok(ExemptionSet { rules: out })
    }

    /// Whether no exemption is configured.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether a finding of `meta` about `subject` is exempt.
    pub fn exempts(&self, meta: &CheckMeta, subject: &Subject<'_>) -> bool {
        self.rules.iter().any(|r| {
            r.checks.as_ref().is_none_or(|s| s.enabled(meta))
                && r.kind.as_deref().is_none_or(|k| k == subject.kind)
                && r.namespace
                    .as_ref()
                    .is_none_or(|g| g.is_match(subject.namespace))
                && r.name.as_ref().is_none_or(|g| g.is_match(subject.name))
                && r.path
                    .as_ref()
                    .is_none_or(|g| subject.path.is_some_and(|p| g.is_match(p)))
                && r.labels.iter().all(|(k, g)| {
                    subject
                        .labels
                        .and_then(|l| l.iter().find(|(lk, _)| lk == k))
                        .is_some_and(|(_, v)| g.is_match(v))
                })
        })
    }

    /// Checks selectors in exemptions against the known checks.
    pub fn validate<'a>(
        &self,
        known: impl IntoIterator<Item = &'a CheckMeta> + Clone,
    ) -> Result<(), srehub_core::SelectionError> {
        for r in &self.rules {
            if let Some(s) = &r.checks {
                s.validate(known.clone())?;
            }
        }
        Ok(())
    }

    /// Removes exempt findings whose resource carries no labels (labels are matched by the analyzers that
    /// have them; this is for findings as they come out of a report).
    pub fn retain(
        &self,
        findings: &mut Vec<Finding>,
        meta_of: impl Fn(&str) -> Option<&'static CheckMeta>,
    ) {
        if self.is_empty() {
            return;
        }
        findings.retain(|f| {
            let Some(meta) = meta_of(&f.check) else {
                return true;
            };
            let path = f.location.as_ref().map(|l| l.file.as_str());
            let subject = match &f.resource {
                Some(r) => Subject {
                    kind: &r.kind,
                    namespace: r.namespace.as_deref().unwrap_or(""),
                    name: &r.name,
                    labels: None,
                    path,
                },
                None if path.is_some() => Subject {
                    path,
                    ..Subject::default()
                },
                None => return true,
            };
            !self.exempts(meta, &subject)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use srehub_core::{Category, Severity};

    const META: CheckMeta = CheckMeta {
        code: "K8S003",
        name: "container-without-memory-limit",
        severity: Severity::Warning,
        category: Category::Reliability,
        group: "audit",
        raw_doc: "",
    };

    fn rules(yaml: &str) -> ExemptionSet {
        let r: Vec<Exemption> = serde_yaml_ng::from_str(yaml).unwrap();
        ExemptionSet::compile(&r, "test").unwrap()
    }

    #[test]
    fn exemptions_match_every_given_field() {
        let set = rules("- {checks: [K8S003], namespace: 'kube-*', labels: {team: 'plat*'}}");
        let labels = [("team".to_string(), "platform".to_string())];
        let s = Subject {
            kind: "Pod",
            namespace: "kube-system",
            name: "x",
            labels: Some(&labels),
            path: None,
        };
        assert!(set.exempts(&META, &s));
        assert!(!set.exempts(
            &META,
            &Subject {
                namespace: "default",
                ..s
            }
        ));
        assert!(!set.exempts(&META, &Subject { labels: None, ..s }));
    }

    #[test]
    fn exemption_without_checks_covers_all_checks() {
        let set = rules("- {name: 'legacy-*', kind: Deployment}");
        let s = Subject {
            kind: "Deployment",
            namespace: "a",
            name: "legacy-api",
            labels: None,
            path: None,
        };
        assert!(set.exempts(&META, &s));
        assert!(!set.exempts(&META, &Subject { kind: "Pod", ..s }));
    }

    #[test]
    fn path_exemptions_match_lint_findings_by_file() {
        let set = rules("- {checks: [K8S003], path: 'deploy/legacy/**'}");
        let s = Subject {
            path: Some("deploy/legacy/app.yaml"),
            ..Subject::default()
        };
        assert!(set.exempts(&META, &s));
        assert!(!set.exempts(
            &META,
            &Subject {
                path: Some("deploy/app.yaml"),
                ..s
            }
        ));
        assert!(!set.exempts(&META, &Subject::default()));
    }

    #[test]
    fn bad_glob_names_the_key() {
        let r: Vec<Exemption> = serde_yaml_ng::from_str("- {name: 'a[b'}").unwrap();
        let e = ExemptionSet::compile(&r, "srehub.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("srehub.yaml: exemptions[0].name:"), "{e}");
    }
}
