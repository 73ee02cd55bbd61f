use srehub_core::{Check, Findings, Severity};
use srehub_model::ci::CiKind;
use srehub_model::yaml::Node;

use super::{CiInput, gha_jobs};

srehub_core::declare_check! {
    /// ## What it checks
    /// GitHub workflows that leave the `GITHUB_TOKEN` permissions to the repository default: no
    /// top-level `permissions:` while some job sets none either (one finding per such job); and
    /// `permissions: write-all` at the workflow or job level (critical).
    ///
    /// ## Why it matters
    /// Without `permissions:`, the token gets the repository's or organisation's default, which is
    /// read-write on everything in older repositories. Any step that is compromised (a moved action
    /// tag, a script injection, a malicious dependency) can then push code, create releases or approve
    /// pull requests. `write-all` grants that explicitly.
    ///
    /// ## How to fix
    /// Declare the least the workflow needs at the top, `permissions: { contents: read }` (or
    /// `permissions: {}`), and grant more only on the job that needs it
    /// (`permissions: { contents: read, packages: write }`).
    GHA003 WorkflowPermissionsUnsetOrWriteAll { name: "workflow-permissions-unset-or-write-all", severity: Warning, category: Security, group: "ci" }
}

const HINT: &str = "Set `permissions: { contents: read }` at the top of the workflow and grant more \
                    only on the jobs that need it";

impl Check<CiInput<'_>> for WorkflowPermissionsUnsetOrWriteAll {
    fn run(&self, input: &CiInput<'_>, out: &mut Findings) {
        if input.kind() != CiKind::GithubWorkflow {
            return;
        }
        let root = &input.file.root;
        let write_all = |node: &Node, owner: &str, out: &mut Findings| {
            if node.as_str() == Some("write-all") {
                out.push(
                    input
                        .at(
                            &Self::META,
                            node.pos,
                            format!(
                                "{owner} sets `permissions: write-all`: every step gets a token that can write to every scope"
                            ),
                        )
                        .severity(Severity::Critical)
                        .hint(HINT),
                );
            }
        };
        let top = root.get("permissions");
        if let Some(p) = top {
            write_all(p, "the workflow", out);
        }
        for (id, job) in gha_jobs(root) {
            match job.get("permissions") {
                Some(p) => write_all(p, &format!("job `{}`", id.text), out),
                None if top.is_none() => out.push(
                    input
                        .at(
                            &Self::META,
                            id.pos,
                            format!(
                                "job `{}` runs with the repository's default token permissions: neither it nor the workflow sets `permissions`",
                                id.text
                            ),
                        )
                        .hint(HINT),
                ),
                None => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::testing::{positions, workflow};

    #[test]
    fn triggers_on_unset_and_write_all() {
        let text = "\
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    steps: [{run: make}]
  release:
    runs-on: ubuntu-24.04
    permissions: write-all
    steps: [{run: make release}]
  docs:
    runs-on: ubuntu-24.04
    permissions:
      contents: read
    steps: [{run: make docs}]
";
        let found = workflow(&WorkflowPermissionsUnsetOrWriteAll, text);
        assert_eq!(positions(&found), [(3, 3), (8, 18)]);
        assert_eq!(found[1].severity, Severity::Critical);
        insta::assert_yaml_snapshot!(found);
        let found = workflow(
            &WorkflowPermissionsUnsetOrWriteAll,
            "on: push\npermissions: write-all\njobs:\n  a:\n    runs-on: x\n    steps: [{run: y}]\n",
        );
        assert_eq!(positions(&found), [(2, 14)]);
    }

    #[test]
    fn quiet_with_least_privilege() {
        let text = "\
on: push
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-24.04
    steps: [{run: make}]
  publish:
    runs-on: ubuntu-24.04
    permissions:
      packages: write
    steps: [{run: make publish}]
";
        assert!(workflow(&WorkflowPermissionsUnsetOrWriteAll, text).is_empty());
        let text = "on: push\njobs:\n  a:\n    runs-on: x\n    permissions: read-all\n    steps: [{run: y}]\n";
        assert!(workflow(&WorkflowPermissionsUnsetOrWriteAll, text).is_empty());
    }
}
