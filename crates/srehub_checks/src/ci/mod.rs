//! CI configuration checks of `srehub lint` (group `ci`), over a parsed [`CiFile`]: GitHub Actions
//! workflows (`GHA…`), action metadata (`action.yml`, `GHA…`) and GitLab CI pipelines (`GLC…`).
//!
//! Every check looks at `input.file.kind` and returns early on the kinds it does not apply to.

mod action_not_pinned_by_sha;
mod cron_invalid;
mod gitlab_ci_schema_error;
mod gitlab_ci_undefined_reference;
mod hard_coded_credential;
mod job_needs_undefined;
mod pull_request_target_checks_out_head;
mod script_injection_in_run;
mod workflow_permissions_unset_or_write_all;
mod workflow_schema_error;

#[cfg(test)]
pub(crate) mod testing;

pub use action_not_pinned_by_sha::ActionNotPinnedBySha;
pub use cron_invalid::CronInvalid;
pub use gitlab_ci_schema_error::GitlabCiSchemaError;
pub use gitlab_ci_undefined_reference::GitlabCiUndefinedReference;
pub use hard_coded_credential::HardCodedCredential;
pub use job_needs_undefined::JobNeedsUndefined;
pub use pull_request_target_checks_out_head::PullRequestTargetChecksOutHead;
pub use script_injection_in_run::ScriptInjectionInRun;
pub use workflow_permissions_unset_or_write_all::WorkflowPermissionsUnsetOrWriteAll;
pub use workflow_schema_error::WorkflowSchemaError;

use srehub_core::{Check, CheckMeta, Finding, Location};
use srehub_model::ci::{CiFile, CiKind};
use srehub_model::yaml::{Key, Node, Pos, Value};

/// What every CI check reads.
pub struct CiInput<'a> {
    /// The path shown in findings.
    pub path: &'a str,
    pub file: &'a CiFile,
}

impl CiInput<'_> {
    /// A finding of `meta` at a position of the file.
    pub fn at(&self, meta: &CheckMeta, pos: Pos, message: impl Into<String>) -> Finding {
        Finding::new(meta, message).location(Location {
            file: self.path.to_string(),
            line: Some(pos.line),
            column: Some(pos.column),
        })
    }

    /// The file's kind.
    pub fn kind(&self) -> CiKind {
        self.file.kind
    }
}

/// A CI check, for any lifetime of its input.
pub type CiCheck = dyn for<'a> Check<CiInput<'a>>;

/// The CI checks.
pub const CHECKS: &[&CiCheck] = &[
    &WorkflowSchemaError,
    &ActionNotPinnedBySha,
    &WorkflowPermissionsUnsetOrWriteAll,
    &PullRequestTargetChecksOutHead,
    &ScriptInjectionInRun,
    &HardCodedCredential,
    &JobNeedsUndefined,
    &CronInvalid,
    &GitlabCiSchemaError,
    &GitlabCiUndefinedReference,
];

/// The jobs of a GitHub workflow (`jobs:`), in document order.
pub(crate) fn gha_jobs(root: &Node) -> &[(Key, Node)] {
    root.get("jobs").map(Node::entries).unwrap_or(&[])
}

/// A step of a GitHub workflow job or of a composite action.
pub(crate) struct Step<'a> {
    /// The job's id (`None` in an action).
    pub job: Option<&'a str>,
    pub node: &'a Node,
}

/// Every step of a workflow's jobs, or of a composite action's `runs.steps`.
pub(crate) fn gha_steps(file: &CiFile) -> Vec<Step<'_>> {
    match file.kind {
        CiKind::GithubWorkflow => gha_jobs(&file.root)
            .iter()
            .flat_map(|(k, job)| {
                job.get("steps")
                    .map(Node::items)
                    .unwrap_or(&[])
                    .iter()
                    .map(|node| Step {
                        job: Some(k.text.as_str()),
                        node,
                    })
            })
            .collect(),
        CiKind::GithubAction => file
            .root
            .at(&["runs", "steps"])
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .map(|node| Step { job: None, node })
            .collect(),
        CiKind::GitlabCi => Vec::new(),
    }
}

/// The events a workflow's `on:` names (`on: push`, `on: [push, pull_request]`, `on: {push: …}`).
pub(crate) fn gha_triggers(root: &Node) -> Vec<&str> {
    let Some(on) = root.get("on") else {
        return Vec::new();
    };
    match &on.value {
        Value::Str(s) => vec![s.as_str()],
        Value::Seq(items) => items.iter().filter_map(Node::as_str).collect(),
        Value::Map(entries) => entries.iter().map(|(k, _)| k.text.as_str()).collect(),
        _ => Vec::new(),
    }
}

/// A scalar's text as written (numbers and booleans too); `None` for null and collections.
pub(crate) fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Seq(_) | Value::Map(_) => None,
    }
}

/// The `${{ … }}` expressions of a string: each one's full text (delimiters included) and its inside.
pub(crate) fn expressions(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else {
            break;
        };
        out.push((&rest[start..start + 3 + end + 2], &after[..end]));
        rest = &after[end + 2..];
    }
    out
}

/// Finds text inside a string node's source, in order: the exact position of an expression inside a
/// multi-line `run: |` script. Falls back to the node's own position when the text cannot be found
/// (escapes in a quoted scalar, an expression folded over two lines).
pub(crate) struct Cursor<'a> {
    file: &'a CiFile,
    fallback: Pos,
    line: u32,
    /// Characters of `line` already consumed.
    skip: usize,
    last: u32,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `node` (a block scalar's position is its first content line).
    pub fn new(file: &'a CiFile, node: &Node) -> Self {
        let text = node.as_str().unwrap_or("");
        // A folded scalar may spread one value line over many source lines: bound generously.
        let span = text.matches('\n').count() + text.matches(' ').count() + 1;
        Cursor {
            file,
            fallback: node.pos,
            line: node.pos.line,
            skip: usize::try_from(node.pos.column.saturating_sub(1)).unwrap_or(0),
            last: node
                .pos
                .line
                .saturating_add(u32::try_from(span).unwrap_or(u32::MAX)),
        }
    }

    /// The position of the next occurrence of `needle`, or the node's position.
    pub fn find(&mut self, needle: &str) -> Pos {
        let mut line = self.line;
        let mut skip = self.skip;
        while line <= self.last && !needle.is_empty() {
            let Some(src) = self.file.line(line) else {
                break;
            };
            let start = src.char_indices().nth(skip).map_or(src.len(), |(b, _)| b);
            if let Some(off) = src[start..].find(needle) {
                let col = src[..start + off].chars().count();
                self.line = line;
                self.skip = col + needle.chars().count();
                return Pos {
                    line,
                    column: u32::try_from(col + 1).unwrap_or(u32::MAX),
                };
            }
            line = line.saturating_add(1);
            skip = 0;
            if line == u32::MAX {
                break;
            }
        }
        self.fallback
    }
}

/// The closest of `candidates` to a misspelled `word`, if one is close enough to be a likely typo.
pub(crate) fn closest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let w = word.to_lowercase();
    let len = w.chars().count();
    // Long words and huge candidate lists (hostile input) are not worth a quadratic search.
    if len == 0 || len > 64 || candidates.len() > 2000 {
        return None;
    }
    let limit = len.div_ceil(3).clamp(1, 3);
    candidates
        .iter()
        .map(|c| (distance(&w, &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// ` (did you mean `x`?)`, or nothing.
pub(crate) fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    closest(word, candidates)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// A value for a message: at most 60 characters, on one line.
pub(crate) fn shorten(s: &str) -> String {
    let one_line = s.trim().replace('\n', " ");
    if one_line.chars().count() <= 60 {
        one_line
    } else {
        let cut: String = one_line.chars().take(57).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::testing::file;

    #[test]
    fn expressions_are_split_out() {
        assert_eq!(
            expressions("a ${{ x }} b ${{y}}${{ z"),
            [("${{ x }}", " x "), ("${{y}}", "y")]
        );
        assert!(expressions("${{").is_empty());
    }

    #[test]
    fn cursor_finds_text_inside_block_scalars_in_order() {
        let f = file(
            srehub_model::ci::CiKind::GithubAction,
            "runs:\n  steps:\n    - run: |\n        echo ${{ a }}\n\n        é ${{ a }}\n",
        );
        let run = f.root.at(&["runs", "steps", "0", "run"]).unwrap();
        let mut c = Cursor::new(&f, run);
        assert_eq!(
            c.find("${{ a }}"),
            Pos {
                line: 4,
                column: 14
            }
        );
        assert_eq!(
            c.find("${{ a }}"),
            Pos {
                line: 6,
                column: 11
            }
        );
        assert_eq!(c.find("${{ a }}"), run.pos);
    }

    const SAMPLES: &[&str] = &[
        "on:\n  pull_request_target:\n  schedule:\n    - cron: '0 3 * * MON-FRY'\npermissions: write-all\nenv:\n  TOKEN: ghp_0123456789abcdefghijABCDEFGHIJ012345\njobs:\n  a:\n    needs: [b]\n    runs-on: x\n    services:\n      db:\n        env: {PASSWORD: pw}\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.head_ref }}\n      - run: |\n          echo \"${{ github.event.issue.title }}\" é\n  b:\n    needs: a\n    uses: o/r/.github/workflows/x.yml@main\n",
        "name: x\ninputs:\n  token:\n    default: abc\nruns:\n  using: composite\n  steps:\n    - run: >\n        echo ${{ inputs.x }}\n      shell: bash\n    - uses: docker://alpine:3\n      shel: bash\n",
        "include: [{local: a.yml}]\nstages: [build]\nvariables:\n  PASSWORD: {value: hunter2}\n.t:\n  stage: build\nbuild:\n  extends: [.t, .u]\n  needs: [{job: x}, 'y: [a]']\n  rules: [{when: never}, {when: 3}]\n  script: echo AKIAABCDEFGHIJKLMNOP\n",
    ];

    const NOISE: &[&str] = &[
        ":",
        "\n",
        "  ",
        "- ",
        "${{",
        "}}",
        "[",
        "]",
        "{",
        "}",
        "é",
        "on: ",
        "needs: ",
        "cron: '",
        "\t",
        "'",
        "\"",
        "|\n",
        ">-\n",
        "AKIA",
        "-----BEGIN ",
        "@",
        "*/",
        "&a ",
        "*a",
        "~",
        "#",
    ];

    #[test]
    fn no_input_makes_a_check_panic() {
        use srehub_core::Findings;
        use srehub_model::ci::{CiKind, parse};
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            usize::try_from(seed % u64::try_from(n.max(1)).unwrap()).unwrap()
        };
        let kinds = [
            CiKind::GithubWorkflow,
            CiKind::GithubAction,
            CiKind::GitlabCi,
        ];
        for round in 0..1500 {
            let mut text: Vec<char> = SAMPLES[round % SAMPLES.len()].chars().collect();
            for _ in 0..1 + next(6) {
                let at = next(text.len() + 1);
                match next(3) {
                    0 => {
                        let end = (at + next(12)).min(text.len());
                        text.drain(at..end);
                    }
                    _ => {
                        let piece = NOISE[next(NOISE.len())];
                        text.splice(at..at, piece.chars());
                    }
                }
            }
            let text: String = text.into_iter().collect();
            for kind in kinds {
                let Ok(file) = parse(&text, kind) else {
                    continue;
                };
                let input = CiInput {
                    path: "f",
                    file: &file,
                };
                for check in CHECKS {
                    check.run(&input, &mut Findings::new());
                }
            }
        }
    }

    #[test]
    fn samples_trigger_every_check() {
        use srehub_core::Findings;
        use srehub_model::ci::{CiKind, parse};
        let mut codes = std::collections::BTreeSet::new();
        for (text, kind) in SAMPLES.iter().zip([
            CiKind::GithubWorkflow,
            CiKind::GithubAction,
            CiKind::GitlabCi,
        ]) {
            let file = parse(text, kind).unwrap();
            let input = CiInput {
                path: "f",
                file: &file,
            };
            for check in CHECKS {
                let mut out = Findings::new();
                check.run(&input, &mut out);
                codes.extend(out.into_vec().into_iter().map(|f| f.check));
            }
        }
        assert_eq!(codes.len(), CHECKS.len(), "{codes:?}");
    }

    #[test]
    fn typos_get_suggestions() {
        let keys = ["runs-on", "steps", "needs"];
        assert_eq!(closest("runs_on", &keys), Some("runs-on"));
        assert_eq!(closest("step", &keys), Some("steps"));
        assert_eq!(closest("Needs", &keys), Some("needs"));
        assert_eq!(closest("container", &keys), None);
        assert_eq!(did_you_mean("xyz", &keys), "");
    }
}
