use srehub_core::{Check, Findings};
use srehub_model::ci::CiKind;
use srehub_model::yaml::{Node, Value};

use super::{CiInput, did_you_mean, gha_jobs};

srehub_core::declare_check! {
    /// ## What it checks
    /// GitHub Actions files that GitHub rejects: a workflow without `on` or `jobs`, unknown keys at the
    /// top level, in a job or in a step, a job with neither `runs-on` nor `uses`, a step with both `uses`
    /// and `run` or neither; an action's `action.yml` without `runs`, with a missing or unknown
    /// `runs.using`, or with composite `run` steps that set no `shell`. Misspelled keys get the closest
    /// known key as a suggestion.
    ///
    /// ## Why it matters
    /// GitHub reports these errors only when the workflow is triggered, often after the merge, and an
    /// invalid workflow simply does not run: the tests, the release or the deployment it was meant to
    /// perform silently stop happening.
    ///
    /// ## How to fix
    /// Fix the key the finding points at (the message suggests the closest known key), following the
    /// workflow syntax reference: `runs-on` for a job's runner, `uses` *or* `run` per step, and `shell`
    /// on every `run` step of a composite action.
    GHA001 WorkflowSchemaError { name: "workflow-schema-error", severity: Critical, category: Correctness, group: "ci" }
}

const WORKFLOW_KEYS: &[&str] = &[
    "name",
    "run-name",
    "on",
    "permissions",
    "env",
    "defaults",
    "concurrency",
    "jobs",
];

const JOB_KEYS: &[&str] = &[
    "name",
    "permissions",
    "needs",
    "if",
    "runs-on",
    "snapshot",
    "environment",
    "concurrency",
    "outputs",
    "env",
    "defaults",
    "steps",
    "timeout-minutes",
    "strategy",
    "continue-on-error",
    "container",
    "services",
    "uses",
    "with",
    "secrets",
];

/// The keys a job that calls a reusable workflow (`uses`) may have.
const REUSABLE_JOB_KEYS: &[&str] = &[
    "name",
    "uses",
    "with",
    "secrets",
    "needs",
    "if",
    "permissions",
    "concurrency",
    "strategy",
];

const STEP_KEYS: &[&str] = &[
    "id",
    "if",
    "name",
    "uses",
    "run",
    "working-directory",
    "shell",
    "with",
    "env",
    "continue-on-error",
    "timeout-minutes",
];

const ACTION_KEYS: &[&str] = &[
    "name",
    "author",
    "description",
    "inputs",
    "outputs",
    "runs",
    "branding",
];

const COMPOSITE_STEP_KEYS: &[&str] = &[
    "id",
    "if",
    "name",
    "uses",
    "run",
    "working-directory",
    "shell",
    "with",
    "env",
    "continue-on-error",
];

const USING: &[&str] = &["composite", "node16", "node20", "node24", "docker"];

impl Check<CiInput<'_>> for WorkflowSchemaError {
    fn run(&self, input: &CiInput<'_>, out: &mut Findings) {
        let mut report = |pos, message: String| out.push(input.at(&Self::META, pos, message));
        match input.kind() {
            CiKind::GithubWorkflow => workflow(&input.file.root, &mut report),
            CiKind::GithubAction => action(&input.file.root, &mut report),
            CiKind::GitlabCi => {}
        }
    }
}

type Report<'r> = dyn FnMut(srehub_model::yaml::Pos, String) + 'r;

fn unknown_keys(node: &Node, known: &[&str], what: &str, report: &mut Report<'_>) {
    for (k, _) in node.entries() {
        if !known.contains(&k.text.as_str()) {
            report(
                k.pos,
                format!(
                    "unknown key `{}` in {what}{}",
                    k.text,
                    did_you_mean(&k.text, known)
                ),
            );
        }
    }
}

fn workflow(root: &Node, report: &mut Report<'_>) {
    unknown_keys(root, WORKFLOW_KEYS, "the workflow", report);
    if root.get("on").is_none() {
        report(
            root.pos,
            "the workflow has no `on:` trigger, so GitHub never runs it".into(),
        );
    }
    let Some(jobs) = root.get("jobs") else {
        report(
            root.pos,
            "the workflow has no `jobs:`; GitHub rejects it".into(),
        );
        return;
    };
    match &jobs.value {
        Value::Map(entries) if !entries.is_empty() => {}
        Value::Map(_) | Value::Null => {
            report(
                jobs.pos,
                "`jobs` is empty: a workflow needs at least one job".into(),
            );
            return;
        }
        other => {
            report(
                jobs.pos,
                format!(
                    "`jobs` must be a mapping of job ids to jobs, found {}",
                    other.type_name()
                ),
            );
            return;
        }
    }
    for (id, job) in gha_jobs(root) {
        let Value::Map(_) = job.value else {
            report(
                id.pos,
                format!(
                    "job `{}` must be a mapping, found {}",
                    id.text,
                    job.value.type_name()
                ),
            );
            continue;
        };
        let what = format!("job `{}`", id.text);
        unknown_keys(job, JOB_KEYS, &what, report);
        let reusable = job.get("uses").is_some();
        if reusable {
            for (k, _) in job.entries() {
                if JOB_KEYS.contains(&k.text.as_str())
                    && !REUSABLE_JOB_KEYS.contains(&k.text.as_str())
                {
                    report(
                        k.pos,
                        format!(
                            "`{}` cannot be used in job `{}`, which calls a reusable workflow (`uses`)",
                            k.text, id.text
                        ),
                    );
                }
            }
        } else {
            if job.get("runs-on").is_none() {
                report(
                    id.pos,
                    format!(
                        "job `{}` has neither `runs-on` (a runner) nor `uses` (a reusable workflow)",
                        id.text
                    ),
                );
            }
            for key in ["with", "secrets"] {
                if let Some(k) = job.key(key) {
                    report(
                        k.pos,
                        format!(
                            "`{key}` in job `{}` only applies to a job that calls a reusable workflow (`uses`)",
                            id.text
                        ),
                    );
                }
            }
        }
        if let Some(steps) = job.get("steps") {
            steps_of(steps, STEP_KEYS, &what, false, report);
        }
    }
}

fn steps_of(steps: &Node, known: &[&str], owner: &str, composite: bool, report: &mut Report<'_>) {
    let Value::Seq(items) = &steps.value else {
        report(
            steps.pos,
            format!(
                "`steps` of {owner} must be a list, found {}",
                steps.value.type_name()
            ),
        );
        return;
    };
    for (i, step) in items.iter().enumerate() {
        let label = match step.get("name").and_then(Node::as_str) {
            Some(n) => format!("step {} (`{n}`) of {owner}", i + 1),
            None => format!("step {} of {owner}", i + 1),
        };
        let Value::Map(_) = step.value else {
            report(
                step.pos,
                format!(
                    "{label} must be a mapping, found {}",
                    step.value.type_name()
                ),
            );
            continue;
        };
        unknown_keys(step, known, &label, report);
        match (step.key("uses"), step.key("run")) {
            (Some(_), Some(run)) => report(
                run.pos,
                format!("{label} has both `uses` and `run`; a step does one or the other"),
            ),
            (None, None) => report(
                step.pos,
                format!("{label} has neither `uses` (an action) nor `run` (a script)"),
            ),
            (None, Some(run)) if composite && step.get("shell").is_none() => report(
                run.pos,
                format!("{label} has `run` but no `shell`, which composite actions require"),
            ),
            _ => {}
        }
    }
}

fn action(root: &Node, report: &mut Report<'_>) {
    unknown_keys(root, ACTION_KEYS, "the action metadata", report);
    let Some(runs) = root.get("runs") else {
        report(
            root.pos,
            "the action has no `runs:`, so GitHub does not know how to run it".into(),
        );
        return;
    };
    let Value::Map(_) = runs.value else {
        report(
            runs.pos,
            format!("`runs` must be a mapping, found {}", runs.value.type_name()),
        );
        return;
    };
    let runs_key = root.key("runs").map_or(root.pos, |k| k.pos);
    let Some(using) = runs.get("using") else {
        report(
            runs_key,
            format!("`runs` has no `using` (one of {})", USING.join(", ")),
        );
        return;
    };
    let using_text = super::scalar_text(using).unwrap_or_default();
    let (known, required): (&[&str], &str) = match using_text.as_str() {
        "composite" => (&["using", "steps"], "steps"),
        "docker" => (
            &[
                "using",
                "image",
                "env",
                "args",
                "entrypoint",
                "pre-entrypoint",
                "post-entrypoint",
                "pre-if",
                "post-if",
            ],
            "image",
        ),
        "node16" | "node20" | "node24" => (
            &["using", "main", "pre", "pre-if", "post", "post-if"],
            "main",
        ),
        "node12" => {
            report(
                using.pos,
                "`runs.using: node12` is no longer supported by GitHub runners; use node20 or node24"
                    .into(),
            );
            return;
        }
        other => {
            report(
                using.pos,
                format!(
                    "unknown `runs.using: {other}` (expected one of {}){}",
                    USING.join(", "),
                    did_you_mean(other, USING)
                ),
            );
            return;
        }
    };
    unknown_keys(
        runs,
        known,
        &format!("`runs` of a {using_text} action"),
        report,
    );
    if runs.get(required).is_none() {
        report(
            runs_key,
            format!("a {using_text} action needs `runs.{required}`"),
        );
    }
    if using_text == "composite"
        && let Some(steps) = runs.get("steps")
    {
        steps_of(
            steps,
            COMPOSITE_STEP_KEYS,
            "the composite action",
            true,
            report,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::testing::{action, positions, workflow};

    const BAD_WORKFLOW: &str = "\
name: ci
on: push
permisions: read-all
jobs:
  build:
    runs_on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        run: make
      - name: nothing
      - run: make test
        wiht:
          x: 1
  call:
    uses: ./.github/workflows/reusable.yml
    steps: []
  plain:
    runs-on: ubuntu-24.04
    with:
      a: 1
    steps:
      - run: true
";

    #[test]
    fn triggers_on_workflow_errors() {
        let found = workflow(&WorkflowSchemaError, BAD_WORKFLOW);
        assert_eq!(
            positions(&found),
            [
                (3, 1),
                (6, 5),
                (5, 3),
                (9, 9),
                (10, 9),
                (12, 9),
                (16, 5),
                (19, 5)
            ]
        );
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn triggers_on_missing_on_and_jobs() {
        let found = workflow(&WorkflowSchemaError, "name: ci\n");
        assert_eq!(found.len(), 2);
        assert_eq!(positions(&found), [(1, 1), (1, 1)]);
    }

    #[test]
    fn triggers_on_action_errors() {
        let found = action(
            &WorkflowSchemaError,
            "name: setup\ndescription: d\nruns:\n  using: composite\n  steps:\n    - run: make\n    - uses: ./x\n      shel: bash\n",
        );
        assert_eq!(positions(&found), [(6, 7), (8, 7)]);
        insta::assert_yaml_snapshot!(found);
        let found = action(
            &WorkflowSchemaError,
            "name: x\nruns:\n  using: node21\n  main: index.js\n",
        );
        assert_eq!(positions(&found), [(3, 10)]);
        assert!(
            found[0].message.contains("did you mean `node20`"),
            "{}",
            found[0].message
        );
        let found = action(&WorkflowSchemaError, "name: x\nruns:\n  using: docker\n");
        assert!(found[0].message.contains("`runs.image`"));
        assert_eq!(action(&WorkflowSchemaError, "name: x\n").len(), 1);
    }

    #[test]
    fn quiet_on_valid_files() {
        let text = "\
name: ci
on:
  push:
    branches: [main]
permissions:
  contents: read
env:
  CI: true
jobs:
  build:
    runs-on: ubuntu-24.04
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - run: make
        shell: bash
  release:
    needs: build
    uses: org/repo/.github/workflows/release.yml@v1
    with:
      version: 1
    secrets: inherit
";
        assert!(workflow(&WorkflowSchemaError, text).is_empty());
        let text = "name: setup\ndescription: d\ninputs:\n  v:\n    default: '1'\nruns:\n  using: composite\n  steps:\n    - run: echo\n      shell: bash\n    - uses: actions/cache@v4\n";
        assert!(action(&WorkflowSchemaError, text).is_empty());
        let text =
            "name: js\nruns:\n  using: node20\n  main: dist/index.js\n  post: dist/post.js\n";
        assert!(action(&WorkflowSchemaError, text).is_empty());
    }
}
