use srehub_core::{Check, Findings};
use srehub_model::ci::CiKind;
use srehub_model::yaml::{Node, Value};

use super::{CiInput, did_you_mean, scalar_text};

srehub_core::declare_check! {
    /// ## What it checks
    /// GitLab CI pipelines that GitLab rejects: a job (a top-level key that is not a global keyword
    /// and does not start with `.`) without `script`, `run`, `trigger` or `extends`; unknown keys in a
    /// job, with the closest known key as a suggestion; a top-level key that is neither a keyword nor a
    /// job (`stage: test` at the top); and `when:` values GitLab does not know, in a job or in its
    /// `rules`.
    ///
    /// ## Why it matters
    /// GitLab refuses to create any pipeline from an invalid file: every push is left without CI until
    /// someone reads the error in the pipeline editor.
    ///
    /// ## How to fix
    /// Give each job a `script` (or `trigger` for a downstream pipeline), fix the misspelled key the
    /// message points at, and use one of `on_success`, `on_failure`, `always`, `manual`, `delayed` or
    /// `never` for `when`. Templates meant only for `extends` should start with a dot (`.build`).
    GLC001 GitlabCiSchemaError { name: "gitlab-ci-schema-error", severity: Critical, category: Correctness, group: "ci" }
}

/// Top-level keywords that are not jobs.
pub(crate) const GLOBAL_KEYWORDS: &[&str] = &[
    "stages",
    "variables",
    "default",
    "include",
    "workflow",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "spec",
    "types",
];

const JOB_KEYS: &[&str] = &[
    "script",
    "run",
    "after_script",
    "allow_failure",
    "artifacts",
    "before_script",
    "cache",
    "coverage",
    "dast_configuration",
    "dependencies",
    "environment",
    "extends",
    "hooks",
    "id_tokens",
    "identity",
    "image",
    "inherit",
    "interruptible",
    "manual_confirmation",
    "needs",
    "only",
    "except",
    "pages",
    "parallel",
    "release",
    "resource_group",
    "retry",
    "rules",
    "secrets",
    "services",
    "stage",
    "start_in",
    "tags",
    "timeout",
    "trigger",
    "variables",
    "when",
];

const WHEN: &[&str] = &[
    "on_success",
    "on_failure",
    "always",
    "manual",
    "delayed",
    "never",
];

impl Check<CiInput<'_>> for GitlabCiSchemaError {
    fn run(&self, input: &CiInput<'_>, out: &mut Findings) {
        if input.kind() != CiKind::GitlabCi {
            return;
        }
        for (name, job) in input.file.root.entries() {
            let n = name.text.as_str();
            if GLOBAL_KEYWORDS.contains(&n) || n.starts_with('.') {
                continue;
            }
            let Value::Map(entries) = &job.value else {
                let suggestion = did_you_mean(n, GLOBAL_KEYWORDS);
                out.push(input.at(
                    &Self::META,
                    name.pos,
                    format!(
                        "`{n}` is not a global keyword{suggestion}, and as a job its value must be a mapping, not {}",
                        job.value.type_name()
                    ),
                ));
                continue;
            };
            if !["script", "run", "trigger", "extends"]
                .iter()
                .any(|k| job.get(k).is_some())
            {
                out.push(
                    input
                        .at(
                            &Self::META,
                            name.pos,
                            format!(
                                "job `{n}` has no `script` (nor `trigger` or `extends`); GitLab rejects the pipeline"
                            ),
                        )
                        .hint(format!(
                            "Add a `script`, or start the name with a dot (`.{n}`) if it is a template"
                        )),
                );
            }
            for (k, _) in entries {
                if !JOB_KEYS.contains(&k.text.as_str()) {
                    out.push(input.at(
                        &Self::META,
                        k.pos,
                        format!(
                            "unknown key `{}` in job `{n}`{}",
                            k.text,
                            did_you_mean(&k.text, JOB_KEYS)
                        ),
                    ));
                }
            }
            let rule_whens = job
                .get("rules")
                .map_or(&[][..], Node::items)
                .iter()
                .filter_map(|r| r.get("when"));
            for when in job.get("when").into_iter().chain(rule_whens) {
                let text = scalar_text(when).unwrap_or_default();
                if !WHEN.contains(&text.as_str()) {
                    out.push(input.at(
                        &Self::META,
                        when.pos,
                        format!(
                            "`when: {text}` in job `{n}` is not one of {}{}",
                            WHEN.join(", "),
                            did_you_mean(&text, WHEN)
                        ),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::testing::{gitlab, positions};

    #[test]
    fn triggers_on_invalid_jobs() {
        let text = "\
stages: [build, test]
stage: test
build:
  stage: build
  scirpt: make
test:
  script: make test
  when: on_succes
  rules:
    - if: $CI_COMMIT_BRANCH
      when: sometimes
";
        let found = gitlab(&GitlabCiSchemaError, text);
        assert_eq!(
            positions(&found),
            [(2, 1), (3, 1), (5, 3), (8, 9), (11, 13)]
        );
        assert!(found[0].message.contains("did you mean `stages`"));
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_a_valid_pipeline() {
        let text = "\
stages: [build, deploy]
variables:
  GIT_DEPTH: 10
default:
  image: alpine:3.20
.deploy:
  stage: deploy
build:
  stage: build
  script: [make]
  artifacts:
    paths: [dist/]
deploy:
  extends: .deploy
  rules:
    - if: $CI_COMMIT_BRANCH == \"main\"
      when: manual
downstream:
  trigger: group/project
";
        assert!(gitlab(&GitlabCiSchemaError, text).is_empty());
    }
}
