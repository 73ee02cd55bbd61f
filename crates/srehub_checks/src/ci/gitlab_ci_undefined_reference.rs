use srehub_core::{Check, Findings, Severity};
use srehub_model::ci::CiKind;
use srehub_model::yaml::{Node, Pos, Value};

use super::gitlab_ci_schema_error::GLOBAL_KEYWORDS;
use super::{CiInput, did_you_mean};

srehub_core::declare_check! {
    /// ## What it checks
    /// References between the parts of a GitLab CI pipeline that lead nowhere: a job's `stage` that
    /// `stages` does not list (without `stages`, the stages are `.pre`, `build`, `test`, `deploy` and
    /// `.post`; a job without `stage` is in `test`), a `needs` or `dependencies` entry (`build` or
    /// `{job: build}`) naming a job that does not exist, and an `extends` naming an undefined job or
    /// template.
    ///
    /// When the file has `include:`, the reference may be defined in an included file this check cannot
    /// see: the finding is then a warning and says so.
    ///
    /// ## Why it matters
    /// GitLab refuses to create the pipeline (`chosen stage does not exist`, `job needs … is not
    /// defined`, `unknown keys in extends`): no job runs until the reference is fixed. Renamed stages
    /// and jobs are the usual cause.
    ///
    /// ## How to fix
    /// Add the stage to `stages:`, or use the job's or template's exact name (the message suggests
    /// the closest one). For a `needs` on a job in another pipeline, say so with `project:` or
    /// `pipeline:`.
    GLC002 GitlabCiUndefinedReference { name: "gitlab-ci-undefined-reference", severity: Critical, category: Correctness, group: "ci" }
}

const DEFAULT_STAGES: &[&str] = &[".pre", "build", "test", "deploy", ".post"];

impl Check<CiInput<'_>> for GitlabCiUndefinedReference {
    fn run(&self, input: &CiInput<'_>, out: &mut Findings) {
        if input.kind() != CiKind::GitlabCi {
            return;
        }
        let root = &input.file.root;
        let included = root.get("include").is_some();
        let mut report = |pos: Pos, message: String, hint: &str| {
            let mut f = input.at(&Self::META, pos, message).hint(hint);
            if included {
                f.message
                    .push_str(" (it may be defined in an included file)");
                f = f.severity(Severity::Warning);
            }
            out.push(f);
        };
        let stages: Vec<&str> = match root.get("stages") {
            Some(s) => s
                .items()
                .iter()
                .filter_map(Node::as_str)
                .chain([".pre", ".post"])
                .collect(),
            None => DEFAULT_STAGES.to_vec(),
        };
        let defined: Vec<&str> = root
            .entries()
            .iter()
            .map(|(k, _)| k.text.as_str())
            .filter(|n| !GLOBAL_KEYWORDS.contains(n))
            .collect();
        let jobs: Vec<&str> = defined
            .iter()
            .copied()
            .filter(|n| !n.starts_with('.'))
            .collect();
        for (name, job) in root.entries() {
            let n = name.text.as_str();
            if GLOBAL_KEYWORDS.contains(&n) || !matches!(job.value, Value::Map(_)) {
                continue;
            }
            let extends: Vec<&Node> = match job.get("extends") {
                Some(e) if e.as_str().is_some() => vec![e],
                Some(e) => e.items().iter().filter(|i| i.as_str().is_some()).collect(),
                None => Vec::new(),
            };
            for e in &extends {
                let target = e.as_str().unwrap_or_default();
                if !defined.contains(&target) {
                    report(
                        e.pos,
                        format!(
                            "job `{n}` extends `{target}`, which is not defined{}",
                            did_you_mean(target, &defined)
                        ),
                        "Name an existing job or template (templates start with a dot)",
                    );
                }
            }
            if n.starts_with('.') {
                continue;
            }
            match job.get("stage") {
                Some(s) => {
                    let stage = super::scalar_text(s).unwrap_or_default();
                    if !stages.contains(&stage.as_str()) && !stage.contains('$') {
                        report(
                            s.pos,
                            format!(
                                "job `{n}` is in stage `{stage}`, which is not in `stages` ({}){}",
                                stages.join(", "),
                                did_you_mean(&stage, &stages)
                            ),
                            "Add the stage to `stages:` or use one of the listed stages",
                        );
                    }
                }
                None if extends.is_empty() && !stages.contains(&"test") => {
                    report(
                        name.pos,
                        format!(
                            "job `{n}` has no `stage`, so it is in `test`, which `stages` does not list"
                        ),
                        "Set the job's `stage`",
                    );
                }
                None => {}
            }
            for key in ["needs", "dependencies"] {
                for item in job.get(key).map_or(&[][..], Node::items) {
                    let (node, target) = match &item.value {
                        Value::Str(s) => (item, s.as_str()),
                        Value::Map(_) => {
                            // Another project's or pipeline's job, or one that may be absent.
                            if item.get("project").is_some()
                                || item.get("pipeline").is_some()
                                || item
                                    .get("optional")
                                    .is_some_and(|o| o.value == Value::Bool(true))
                            {
                                continue;
                            }
                            let Some(job) = item.get("job").and_then(|j| Some((j, j.as_str()?)))
                            else {
                                continue;
                            };
                            job
                        }
                        _ => continue,
                    };
                    // `build: [linux, amd64]` names one job of a `parallel: matrix`.
                    let target = target.split_once(": [").map_or(target, |(j, _)| j).trim();
                    if !jobs.contains(&target) && !target.contains('$') {
                        report(
                            node.pos,
                            format!(
                                "job `{n}` {} `{target}`, which is not a job of this pipeline{}",
                                if key == "needs" {
                                    "needs"
                                } else {
                                    "depends on"
                                },
                                did_you_mean(target, &jobs)
                            ),
                            "Name an existing job (hidden `.templates` cannot be needed)",
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::testing::{gitlab, positions};

    const BROKEN: &str = "\
stages: [build, deploy]
build:
  stage: biuld
  script: make
lint:
  script: make lint
deploy:
  stage: deploy
  extends: .deploy-template
  needs: [build, {job: packge}, {pipeline: $PARENT_PIPELINE_ID, job: x}]
  dependencies: [lint]
  script: make deploy
";

    #[test]
    fn triggers_on_undefined_stages_jobs_and_templates() {
        let found = gitlab(&GitlabCiUndefinedReference, BROKEN);
        assert_eq!(positions(&found), [(3, 10), (5, 1), (9, 12), (10, 24)]);
        assert!(found[0].message.contains("did you mean `build`"));
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn warns_when_the_file_includes_others() {
        let text = format!("include:\n  - local: templates.yml\n{BROKEN}");
        let found = gitlab(&GitlabCiUndefinedReference, &text);
        assert_eq!(found.len(), 4);
        assert!(found.iter().all(|f| f.severity == Severity::Warning));
        assert!(
            found[2]
                .message
                .ends_with("(it may be defined in an included file)")
        );
    }

    #[test]
    fn quiet_on_consistent_references() {
        let text = "\
build:
  script: make
  parallel:
    matrix:
      - OS: [linux, macos]
.template:
  image: alpine
test:
  extends: [.template]
  needs: [\"build: [linux]\", {job: build, artifacts: false}, {job: lint, optional: true}]
  script: make test
release:
  stage: .post
  dependencies: [build]
  script: make release
";
        assert!(gitlab(&GitlabCiUndefinedReference, text).is_empty());
    }
}
