use srehub_core::{Check, Findings};
use srehub_model::ci::CiKind;
use srehub_model::yaml::Node;

use super::{CiInput, gha_jobs, gha_steps};

srehub_core::declare_check! {
    /// ## What it checks
    /// Actions and reusable workflows referenced by a tag or branch (`uses: actions/checkout@v4`,
    /// `uses: org/repo/.github/workflows/deploy.yml@main`) instead of a full 40-character commit SHA,
    /// in workflows and composite actions; and Docker actions (`docker://image:tag`) without a
    /// `@sha256:` digest. Local actions (`./path`) are not flagged.
    ///
    /// ## Why it matters
    /// Tags and branches are mutable: whoever controls the action's repository (or steals its
    /// maintainer's token) can point `v4` at new code, which then runs with your repository's token and
    /// secrets. This is how the `tj-actions/changed-files` compromise of 2025 leaked secrets from
    /// thousands of repositories. A commit SHA cannot be moved.
    ///
    /// ## How to fix
    /// Pin the full commit SHA and keep the version in a comment, which Dependabot and Renovate keep up
    /// to date: `uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2`. For Docker
    /// actions, pin the digest: `docker://alpine:3.20@sha256:…`.
    GHA002 ActionNotPinnedBySha { name: "action-not-pinned-by-sha", severity: Warning, category: Security, group: "ci" }
}

impl Check<CiInput<'_>> for ActionNotPinnedBySha {
    fn run(&self, input: &CiInput<'_>, out: &mut Findings) {
        if !matches!(input.kind(), CiKind::GithubWorkflow | CiKind::GithubAction) {
            return;
        }
        let mut uses: Vec<&Node> = Vec::new();
        if input.kind() == CiKind::GithubWorkflow {
            uses.extend(
                gha_jobs(&input.file.root)
                    .iter()
                    .filter_map(|(_, j)| j.get("uses")),
            );
        }
        uses.extend(
            gha_steps(input.file)
                .iter()
                .filter_map(|s| s.node.get("uses")),
        );
        uses.sort_by_key(|n| n.pos);
        for node in uses {
            let Some(text) = node.as_str() else {
                continue;
            };
            if let Some(problem) = unpinned(text) {
                let hint = if text.trim().starts_with("docker://") {
                    "Pin the image digest: `docker://image:tag@sha256:<digest>`"
                } else {
                    "Pin the full commit SHA and keep the version in a comment: \
                     `uses: owner/repo@<40-hex-sha> # v1.2.3`"
                };
                out.push(input.at(&Self::META, node.pos, problem).hint(hint));
            }
        }
    }
}

/// Why a `uses:` reference is not immutable, or `None` when it is (or is local).
fn unpinned(uses: &str) -> Option<String> {
    let u = uses.trim();
    if u.is_empty() || u.starts_with("./") || u.starts_with("../") || u.contains("${{") {
        return None;
    }
    if let Some(image) = u.strip_prefix("docker://") {
        return (!image.contains("@sha256:")).then(|| {
            format!(
                "Docker action `{u}` is not pinned by digest: the image behind the tag can change"
            )
        });
    }
    match u.rsplit_once('@') {
        None => Some(format!(
            "`{u}` names no version at all: it runs whatever the default branch holds"
        )),
        Some((_, r)) if is_commit_sha(r) => None,
        Some((_, r)) if r.len() >= 7 && r.bytes().all(|b| b.is_ascii_hexdigit()) => Some(format!(
            "`{u}` is pinned to the abbreviated SHA `{r}`: only a full 40-character SHA is immutable"
        )),
        Some((_, r)) => Some(format!(
            "`{u}` is pinned to the mutable ref `{r}`, not to a commit SHA"
        )),
    }
}

fn is_commit_sha(r: &str) -> bool {
    r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::testing::{action, positions, workflow};

    #[test]
    fn triggers_on_tags_branches_and_image_tags() {
        let text = "\
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-go@4d34df0c2316fe8122ab82dc22947d607c0c91f
      - uses: docker://alpine:3.20
      - uses: org/tools/lint@main
  deploy:
    uses: org/repo/.github/workflows/deploy.yml@main
";
        let found = workflow(&ActionNotPinnedBySha, text);
        assert_eq!(
            positions(&found),
            [(6, 15), (7, 15), (8, 15), (9, 15), (11, 11)]
        );
        insta::assert_yaml_snapshot!(found);
        let found = action(
            &ActionNotPinnedBySha,
            "runs:\n  using: composite\n  steps:\n    - uses: actions/cache@v4\n",
        );
        assert_eq!(positions(&found), [(4, 13)]);
    }

    #[test]
    fn quiet_on_shas_digests_and_local_actions() {
        let text = "\
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
      - uses: ./.github/actions/setup
      - uses: docker://alpine@sha256:0a4eaa0eecf5f8c050e5bba433f58c052be7587ee8af3e8b3910ef9ab5fbe9f5
      - run: make
  local:
    uses: ./.github/workflows/reusable.yml
";
        assert!(workflow(&ActionNotPinnedBySha, text).is_empty());
    }
}
