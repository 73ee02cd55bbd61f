//! Helpers for the CI checks' tests.

use srehub_core::{Finding, Findings};
use srehub_model::ci::{CiFile, CiKind, parse};

use super::{CiCheck, CiInput};

/// Parses a test file.
pub fn file(kind: CiKind, text: &str) -> CiFile {
    parse(text, kind).expect("test CI file parses")
}

/// Runs one check over the text of a CI file of `kind`.
pub fn run(check: &CiCheck, kind: CiKind, text: &str) -> Vec<Finding> {
    let file = file(kind, text);
    let path = match kind {
        CiKind::GithubWorkflow => ".github/workflows/ci.yml",
        CiKind::GithubAction => "action.yml",
        CiKind::GitlabCi => ".gitlab-ci.yml",
    };
    let input = CiInput { path, file: &file };
    let mut out = Findings::new();
    check.run(&input, &mut out);
    out.into_vec()
}

/// Runs one check over a GitHub workflow.
pub fn workflow(check: &CiCheck, text: &str) -> Vec<Finding> {
    run(check, CiKind::GithubWorkflow, text)
}

/// Runs one check over an action's `action.yml`.
pub fn action(check: &CiCheck, text: &str) -> Vec<Finding> {
    run(check, CiKind::GithubAction, text)
}

/// Runs one check over a `.gitlab-ci.yml`.
pub fn gitlab(check: &CiCheck, text: &str) -> Vec<Finding> {
    run(check, CiKind::GitlabCi, text)
}

/// The (line, column) of each finding, in order.
pub fn positions(found: &[Finding]) -> Vec<(u32, u32)> {
    found
        .iter()
        .filter_map(|f| {
            let l = f.location.as_ref()?;
            Some((l.line?, l.column?))
        })
        .collect()
}
