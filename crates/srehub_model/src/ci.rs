//! CI configuration files: GitHub Actions workflows, action metadata (`action.yml`) and GitLab CI
//! pipelines, as YAML trees with positions (see [`crate::yaml`]).
//!
//! The YAML reader resolves plain scalars as YAML 1.1, so a workflow's `on:` key reads as the boolean
//! `true`. [`parse`] renames that top-level key back to `on` for workflows, so checks can ask for
//! `root.get("on")`.

use std::path::Path;

use crate::yaml::{self, Key, Node, Pos, Value, YamlError};

/// Which CI system a file configures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CiKind {
    /// `.github/workflows/*.yml`.
    GithubWorkflow,
    /// `action.yml` / `action.yaml`: the metadata of a composite, JavaScript or Docker action.
    GithubAction,
    /// `.gitlab-ci.yml`.
    GitlabCi,
}

impl CiKind {
    /// A short name for messages (`GitHub workflow`).
    pub fn as_str(self) -> &'static str {
        match self {
            CiKind::GithubWorkflow => "GitHub workflow",
            CiKind::GithubAction => "GitHub action metadata",
            CiKind::GitlabCi => "GitLab CI pipeline",
        }
    }
}

/// The kind of CI file at `path`, judged by its name and place:
///
/// - `.github/workflows/NAME.yml` (or `.yaml`) is a GitHub workflow (GitHub reads only that directory,
///   not its subdirectories);
/// - `action.yml` or `action.yaml` anywhere is a GitHub action's metadata;
/// - `.gitlab-ci.yml` and `NAME.gitlab-ci.yml` (or `.yaml`) are GitLab CI pipelines.
pub fn detect(path: &Path) -> Option<CiKind> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let yaml_ext = name.ends_with(".yml") || name.ends_with(".yaml");
    if !yaml_ext {
        return None;
    }
    let is =
        |p: Option<&Path>, n: &str| p.and_then(Path::file_name).and_then(|f| f.to_str()) == Some(n);
    let parent = path.parent();
    if is(parent, "workflows") && is(parent.and_then(Path::parent), ".github") {
        return Some(CiKind::GithubWorkflow);
    }
    if name == "action.yml" || name == "action.yaml" {
        return Some(CiKind::GithubAction);
    }
    (name.ends_with(".gitlab-ci.yml") || name.ends_with(".gitlab-ci.yaml"))
        .then_some(CiKind::GitlabCi)
}

/// A parsed CI file.
#[derive(Debug, Clone, PartialEq)]
pub struct CiFile {
    pub kind: CiKind,
    /// The top-level mapping.
    pub root: Node,
    /// The source text, so checks can point inside multi-line scalars (a `run: |` script). The position
    /// of a block scalar (`|`, `>`) is that of its first non-blank content line, not of the indicator.
    pub text: String,
    /// The byte offset of each line's start, so [`CiFile::line`] takes constant time.
    line_starts: Vec<usize>,
}

impl CiFile {
    /// Line `n` (1-based) of the source, without its line break.
    pub fn line(&self, n: u32) -> Option<&str> {
        let i = usize::try_from(n).ok()?.checked_sub(1)?;
        let start = *self.line_starts.get(i)?;
        let end = self
            .line_starts
            .get(i + 1)
            .copied()
            .unwrap_or(self.text.len());
        let line = self.text.get(start..end)?;
        let line = line.strip_suffix('\n').unwrap_or(line);
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

/// Parses a CI file of `kind`: the first YAML document, which must be a mapping.
///
/// For GitLab CI, a first document that holds only the `spec:` header of a CI/CD component or a
/// pipeline with inputs is skipped: the pipeline is the second document.
pub fn parse(text: &str, kind: CiKind) -> Result<CiFile, YamlError> {
    let docs = yaml::parse(text)?;
    let mut docs = docs.into_iter();
    let mut first = docs.next();
    if kind == CiKind::GitlabCi
        && let Some(d) = &first
        && d.root.get("spec").is_some()
        && d.root.entries().len() == 1
        && let Some(second) = docs.next()
    {
        first = Some(second);
    }
    let Some(doc) = first else {
        return Err(empty(Pos { line: 1, column: 1 }, kind));
    };
    let mut root = doc.root;
    match &mut root.value {
        Value::Map(entries) => {
            if kind == CiKind::GithubWorkflow {
                rename_on(entries);
            }
        }
        Value::Null => return Err(empty(doc.start, kind)),
        other => {
            return Err(YamlError {
                pos: root.pos,
                message: format!(
                    "a {} must be a mapping of keys at the top level, found {}",
                    kind.as_str(),
                    other.type_name()
                ),
            });
        }
    }
    let line_starts = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|i| *i < text.len())
        .collect();
    Ok(CiFile {
        kind,
        root,
        text: text.to_string(),
        line_starts,
    })
}

fn empty(pos: Pos, kind: CiKind) -> YamlError {
    let needs = match kind {
        CiKind::GithubWorkflow => "`on:` and `jobs:`",
        CiKind::GithubAction => "`name:` and `runs:`",
        CiKind::GitlabCi => "at least one job",
    };
    YamlError {
        pos: if pos.line == 0 {
            Pos { line: 1, column: 1 } // an empty stream has no position of its own
        } else {
            pos
        },
        message: format!("the file is empty: a {} needs {needs}", kind.as_str()),
    }
}

/// YAML 1.1 reads `on` as `true`: give the workflow's trigger key its name back.
fn rename_on(entries: &mut [(Key, Node)]) {
    if entries.iter().any(|(k, _)| k.text == "on") {
        return;
    }
    if let Some((k, _)) = entries.iter_mut().find(|(k, _)| k.text == "true") {
        k.text = "on".into();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_detected_by_name_and_place() {
        let cases = [
            (".github/workflows/ci.yml", Some(CiKind::GithubWorkflow)),
            (
                "repo/.github/workflows/release.yaml",
                Some(CiKind::GithubWorkflow),
            ),
            (".github/workflows/sub/ci.yml", None),
            (".github/workflows/action.yml", Some(CiKind::GithubWorkflow)),
            (".github/workflows/README.md", None),
            ("workflows/ci.yml", None),
            ("action.yml", Some(CiKind::GithubAction)),
            (
                ".github/actions/setup/action.yaml",
                Some(CiKind::GithubAction),
            ),
            (".gitlab-ci.yml", Some(CiKind::GitlabCi)),
            ("ci/deploy.gitlab-ci.yml", Some(CiKind::GitlabCi)),
            ("values.yaml", None),
            ("Dockerfile", None),
        ];
        for (path, want) in cases {
            assert_eq!(detect(Path::new(path)), want, "{path}");
        }
    }

    #[test]
    fn the_on_key_of_a_workflow_is_named_on() {
        let f = parse(
            "on: push\njobs:\n  a:\n    runs-on: x\n",
            CiKind::GithubWorkflow,
        )
        .unwrap();
        assert_eq!(f.root.get("on").unwrap().as_str(), Some("push"));
        assert_eq!(f.root.key("on").unwrap().pos, Pos { line: 1, column: 1 });
        // Other kinds keep the reader's view.
        let f = parse("on: push\n", CiKind::GitlabCi).unwrap();
        assert!(f.root.get("on").is_none());
    }

    #[test]
    fn empty_and_non_mapping_files_are_errors() {
        for text in ["", "# nothing\n", "---\n"] {
            let err = parse(text, CiKind::GithubWorkflow).unwrap_err();
            assert!(err.message.contains("empty"), "{text:?}: {err}");
            assert_eq!(err.pos.line, 1, "{text:?}");
        }
        let err = parse("- a\n- b\n", CiKind::GitlabCi).unwrap_err();
        assert!(err.message.contains("found array"), "{err}");
        assert!(parse("a: [", CiKind::GitlabCi).is_err());
    }

    #[test]
    fn gitlab_spec_header_is_skipped() {
        let text =
            "spec:\n  inputs:\n    stage:\n      default: test\n---\nbuild:\n  script: make\n";
        let f = parse(text, CiKind::GitlabCi).unwrap();
        assert!(f.root.get("build").is_some());
        assert_eq!(f.line(7), Some("  script: make"));
        assert_eq!(f.line(8), None);
        assert_eq!(f.line(0), None);
        let f = parse("a: 1\r\n\r\nb: é\r\n", CiKind::GitlabCi).unwrap();
        assert_eq!(
            (f.line(1), f.line(2), f.line(3)),
            (Some("a: 1"), Some(""), Some("b: é"))
        );
    }

    #[test]
    fn block_scalars_start_at_their_first_content_line() {
        let text = "runs:\n  steps:\n    - run: |\n        echo hi\n      shell: bash\n";
        let f = parse(text, CiKind::GithubAction).unwrap();
        let run = f.root.at(&["runs", "steps", "0", "run"]).unwrap();
        assert_eq!(run.as_str(), Some("echo hi\n"));
        // Not at the `|` indicator: checks that point inside a script rely on this.
        assert_eq!(run.pos, Pos { line: 4, column: 9 });
    }
}
