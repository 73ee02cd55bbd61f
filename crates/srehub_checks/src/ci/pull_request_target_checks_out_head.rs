use srehub_core::{Check, Findings};
use srehub_model::ci::CiKind;
use srehub_model::yaml::Node;

use super::{CiInput, gha_steps, gha_triggers};

srehub_core::declare_check! {
    /// ## What it checks
    /// Workflows triggered by `pull_request_target` that check out the pull request's code:
    /// `actions/checkout` with a `ref` naming `github.event.pull_request.head.sha`/`.ref`,
    /// `github.head_ref`, the merge commit (`github.event.pull_request.merge_commit_sha`,
    /// `refs/pull/…`), or a `repository` naming the pull request's head repository.
    ///
    /// ## Why it matters
    /// `pull_request_target` runs in the context of the base repository, with a read-write token and
    /// access to secrets, even for pull requests from forks. Checking out the fork's code and then
    /// building or testing it (`npm install`, `make`, a test script) runs the attacker's code with those
    /// privileges: the "pwn request" that has leaked secrets and publishing tokens of many projects.
    ///
    /// ## How to fix
    /// Use `on: pull_request` to build and test untrusted code (no secrets, read-only token). If
    /// privileged work is needed afterwards (labelling, commenting), do it in a separate
    /// `workflow_run` workflow that treats the first one's artifacts as untrusted data and never
    /// executes them.
    GHA004 PullRequestTargetChecksOutHead { name: "pull-request-target-checks-out-head", severity: Critical, category: Security, group: "ci" }
}

const UNTRUSTED_REFS: &[&str] = &[
    "github.event.pull_request.head.sha",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.merge_commit_sha",
    "github.head_ref",
    "refs/pull/",
];

impl Check<CiInput<'_>> for PullRequestTargetChecksOutHead {
    fn run(&self, input: &CiInput<'_>, out: &mut Findings) {
        if input.kind() != CiKind::GithubWorkflow
            || !gha_triggers(&input.file.root).contains(&"pull_request_target")
        {
            return;
        }
        for step in gha_steps(input.file) {
            let is_checkout = step
                .node
                .get("uses")
                .and_then(Node::as_str)
                .is_some_and(|u| {
                    u.trim()
                        .to_ascii_lowercase()
                        .starts_with("actions/checkout@")
                });
            if !is_checkout {
                continue;
            }
            let with = step.node.get("with");
            let untrusted = with
                .and_then(|w| w.get("ref"))
                .filter(|r| mentions(r, UNTRUSTED_REFS))
                .map(|r| (r, "ref"))
                .or_else(|| {
                    with.and_then(|w| w.get("repository"))
                        .filter(|r| mentions(r, &["github.event.pull_request.head.repo"]))
                        .map(|r| (r, "repository"))
                });
            if let Some((node, key)) = untrusted {
                out.push(
                    input
                        .at(
                            &Self::META,
                            node.pos,
                            format!(
                                "job `{}` runs on `pull_request_target` (with secrets and a write token) and checks out the pull request's code (`{key}: {}`)",
                                step.job.unwrap_or("?"),
                                super::shorten(node.as_str().unwrap_or_default())
                            ),
                        )
                        .hint(
                            "Build untrusted code in an `on: pull_request` workflow; keep \
                             `pull_request_target` for steps that never run the pull request's code",
                        ),
                );
            }
        }
    }
}

fn mentions(node: &Node, needles: &[&str]) -> bool {
    let text: String = node
        .as_str()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    needles.iter().any(|n| text.contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::testing::{positions, workflow};

    #[test]
    fn triggers_on_checkout_of_the_head() {
        let text = "\
on:
  pull_request_target:
    types: [opened]
jobs:
  test:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci && npm test
  other:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          repository: ${{ github.event.pull_request.head.repo.full_name }}
";
        let found = workflow(&PullRequestTargetChecksOutHead, text);
        assert_eq!(positions(&found), [(10, 16), (17, 23)]);
        insta::assert_yaml_snapshot!(found);
        let text = "on: [pull_request_target]\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n        with: {ref: '${{ github.head_ref }}'}\n";
        assert_eq!(workflow(&PullRequestTargetChecksOutHead, text).len(), 1);
    }

    #[test]
    fn quiet_on_base_checkout_or_pull_request() {
        let text = "\
on: pull_request_target
jobs:
  label:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/labeler@v5
";
        assert!(workflow(&PullRequestTargetChecksOutHead, text).is_empty());
        let text = "\
on: pull_request
jobs:
  test:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
";
        assert!(workflow(&PullRequestTargetChecksOutHead, text).is_empty());
    }
}
