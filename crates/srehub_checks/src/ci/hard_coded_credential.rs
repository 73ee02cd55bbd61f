use std::collections::BTreeSet;

use srehub_core::{Check, Findings, Severity};
use srehub_model::ci::CiKind;
use srehub_model::yaml::{Node, Pos, Value};

use super::{CiInput, Cursor, gha_jobs};

srehub_core::declare_check! {
    /// ## What it checks
    /// Credentials written into a CI file: anywhere in the file, strings shaped like well-known tokens
    /// (AWS access key ids `AKIA…`/`ASIA…`, GitHub tokens `ghp_`/`gho_`/`ghs_`/`ghu_`/`ghr_`/
    /// `github_pat_`, Slack tokens `xoxb-`…, PEM private keys); and literal values for keys named like a
    /// secret (`password`, `token`, `secret`, `api_key`, `access_key`, `private_key`, `credential`…) in a
    /// GitHub workflow's or action's `env:`, `with:`, `secrets:` and container `credentials:`, an
    /// action input's `default:`, and GitLab CI `variables:`.
    ///
    /// Values that cannot be a secret are skipped: empty values, booleans, expressions
    /// (`${{ secrets.X }}`), variable references (`$CI_JOB_TOKEN`, `${TOKEN}`), file paths, and obvious
    /// placeholders (`<token>`, `xxxx`, `****`, `dummy`, `example`, `redacted`). `changeme` and the like
    /// are flagged: a placeholder that works is a password. Passwords of GitHub service containers
    /// (`jobs.<id>.services.<name>.env`), typically a throwaway test database, are reported as warnings.
    ///
    /// ## Why it matters
    /// A CI file is read by everyone with access to the repository, its forks and every clone, and stays
    /// in the Git history after the line is removed. Tokens found there are harvested by bots within
    /// minutes of a push to a public repository.
    ///
    /// ## How to fix
    /// Revoke the credential first (it is already exposed), then store the new one as a repository or
    /// environment secret and reference it: `${{ secrets.API_TOKEN }}` on GitHub, a masked and protected
    /// CI/CD variable on GitLab. Prefer short-lived credentials through OIDC (`id-token: write`) over
    /// long-lived keys.
    GHA006 HardCodedCredential { name: "hard-coded-credential", severity: Critical, category: Security, group: "ci" }
}

const SENSITIVE: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "access_key",
    "accesskey",
    "private_key",
    "privatekey",
    "ssh_key",
    "credential",
];

/// Suffixes of keys that name something about a secret, not the secret (`token_format`, `secret_name`).
const NOT_SECRET_SUFFIXES: &[&str] = &[
    "_file",
    "_path",
    "_name",
    "_format",
    "_type",
    "_url",
    "_env",
    "_var",
    "_id",
    "_length",
    "_ttl",
    "_expiry",
    "_expires",
    "_header",
    "_endpoint",
    "_scope",
    "_audience",
    "_issuer",
    "_prefix",
];

const PLACEHOLDERS: &[&str] = &[
    "none",
    "null",
    "nil",
    "dummy",
    "example",
    "placeholder",
    "redacted",
    "fake",
    "unset",
];

impl Check<CiInput<'_>> for HardCodedCredential {
    fn run(&self, input: &CiInput<'_>, out: &mut Findings) {
        let mut flagged: BTreeSet<Pos> = BTreeSet::new();
        let mut strings = Vec::new();
        collect_strings(&input.file.root, &mut strings);
        for node in strings {
            let Some(text) = node.as_str() else {
                continue;
            };
            let mut cursor = Cursor::new(input.file, node);
            for (kind, matched) in token_shapes(text) {
                let pos = cursor.find(matched);
                flagged.insert(node.pos);
                out.push(
                    input
                        .at(
                            &Self::META,
                            pos,
                            format!("{kind} (`{}`) is written in the file", redact(matched)),
                        )
                        .hint(HINT),
                );
            }
        }
        for group in maps(input) {
            for (k, v) in group.map.entries() {
                let value = match v.get("value") {
                    Some(inner) if input.kind() == CiKind::GitlabCi => inner,
                    _ => v,
                };
                if !sensitive(&k.text) || flagged.contains(&value.pos) {
                    continue;
                }
                let Some(text) = literal(value) else {
                    continue;
                };
                let mut f = input
                    .at(
                        &Self::META,
                        value.pos,
                        format!(
                            "`{}` in {} is set to a literal value (`{}`) instead of a secret",
                            k.text,
                            group.context,
                            redact(&text)
                        ),
                    )
                    .hint(HINT);
                if group.service {
                    f = f.severity(Severity::Warning);
                }
                out.push(f);
            }
        }
        if input.kind() == CiKind::GithubAction {
            for (name, spec) in input.file.root.get("inputs").map_or(&[][..], Node::entries) {
                if let Some(d) = spec.get("default")
                    && sensitive(&name.text)
                    && !flagged.contains(&d.pos)
                    && let Some(text) = literal(d)
                {
                    out.push(
                        input
                            .at(
                                &Self::META,
                                d.pos,
                                format!(
                                    "input `{}` defaults to a literal value (`{}`) instead of a secret",
                                    name.text,
                                    redact(&text)
                                ),
                            )
                            .hint(HINT),
                    );
                }
            }
        }
    }
}

const HINT: &str = "Revoke it, store the new value as a CI secret and reference it \
                    (`${{ secrets.NAME }}` on GitHub, a masked variable on GitLab)";

/// A mapping of names to values that may hold credentials, and how to name it in a message.
struct Group<'a> {
    map: &'a Node,
    context: String,
    /// A GitHub service container's environment: a throwaway test database, usually.
    service: bool,
}

fn maps<'a>(input: &CiInput<'a>) -> Vec<Group<'a>> {
    let root = &input.file.root;
    let mut out = Vec::new();
    let mut add = |map: Option<&'a Node>, context: String, service: bool| {
        if let Some(map) = map {
            out.push(Group {
                map,
                context,
                service,
            });
        }
    };
    match input.kind() {
        CiKind::GithubWorkflow => {
            add(root.get("env"), "the workflow's `env`".into(), false);
            for (id, job) in gha_jobs(root) {
                let j = &id.text;
                for key in ["env", "with", "secrets"] {
                    add(job.get(key), format!("`{key}` of job `{j}`"), false);
                }
                add(
                    job.at(&["container", "env"]),
                    format!("the container `env` of job `{j}`"),
                    false,
                );
                add(
                    job.at(&["container", "credentials"]),
                    format!("the container `credentials` of job `{j}`"),
                    false,
                );
                for (svc, spec) in job.get("services").map_or(&[][..], Node::entries) {
                    let s = &svc.text;
                    add(
                        spec.get("env"),
                        format!("`env` of service `{s}` of job `{j}`"),
                        true,
                    );
                    add(
                        spec.get("credentials"),
                        format!("`credentials` of service `{s}` of job `{j}`"),
                        false,
                    );
                }
                for (i, step) in job
                    .get("steps")
                    .map_or(&[][..], Node::items)
                    .iter()
                    .enumerate()
                {
                    for key in ["env", "with"] {
                        add(
                            step.get(key),
                            format!("`{key}` of step {} of job `{j}`", i + 1),
                            false,
                        );
                    }
                }
            }
        }
        CiKind::GithubAction => {
            add(root.at(&["runs", "env"]), "`runs.env`".into(), false);
            let steps = root.at(&["runs", "steps"]).map_or(&[][..], Node::items);
            for (i, step) in steps.iter().enumerate() {
                for key in ["env", "with"] {
                    add(step.get(key), format!("`{key}` of step {}", i + 1), false);
                }
            }
        }
        CiKind::GitlabCi => {
            add(
                root.get("variables"),
                "the global `variables`".into(),
                false,
            );
            for (name, job) in root.entries() {
                if name.text == "variables" {
                    continue;
                }
                add(
                    job.get("variables"),
                    format!("`variables` of `{}`", name.text),
                    false,
                );
                for svc in job.get("services").map_or(&[][..], Node::items) {
                    add(
                        svc.get("variables"),
                        format!("service `variables` of `{}`", name.text),
                        false,
                    );
                }
            }
        }
    }
    out
}

fn collect_strings<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    match &node.value {
        Value::Str(_) => out.push(node),
        Value::Seq(items) => items.iter().for_each(|n| collect_strings(n, out)),
        Value::Map(entries) => entries.iter().for_each(|(_, n)| collect_strings(n, out)),
        _ => {}
    }
}

/// Whether a key names a secret (`DB_PASSWORD`, `api-key`, `NPM_TOKEN`), not data about one.
fn sensitive(key: &str) -> bool {
    let k = key.to_ascii_lowercase().replace('-', "_");
    SENSITIVE.iter().any(|s| k.contains(s)) && !NOT_SECRET_SUFFIXES.iter().any(|s| k.ends_with(s))
}

/// The value's text when it is a literal that could be a secret.
fn literal(node: &Node) -> Option<String> {
    let text = match &node.value {
        Value::Str(s) => s.trim().to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Null | Value::Bool(_) | Value::Seq(_) | Value::Map(_) => return None,
    };
    let lower = text.to_ascii_lowercase();
    let placeholder = text.is_empty()
        || text.contains("${{")
        || has_variable_reference(&text)
        || text.starts_with('/')
        || text.starts_with("./")
        || text.starts_with("~/")
        || (text.starts_with('<') && text.ends_with('>'))
        || (text
            .chars()
            .all(|c| matches!(c, 'x' | 'X' | '*' | '#' | '.' | '-')))
        || lower == "true"
        || lower == "false"
        || PLACEHOLDERS.contains(&lower.as_str());
    (!placeholder).then_some(text)
}

/// `$NAME` or `${NAME}` with an upper-case variable name, as GitLab and shells expand.
fn has_variable_reference(text: &str) -> bool {
    let b = text.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'$'
            && match b.get(i + 1) {
                Some(b'{') => b
                    .get(i + 2)
                    .is_some_and(|n| n.is_ascii_alphabetic() || *n == b'_'),
                Some(n) => n.is_ascii_uppercase() || *n == b'_',
                None => false,
            }
    })
}

/// The first four characters, then an ellipsis: enough to find the value, not enough to use it.
fn redact(s: &str) -> String {
    let shown: String = s.chars().take(4).collect();
    if s.chars().count() > 4 {
        format!("{shown}…")
    } else {
        "…".to_string()
    }
}

/// Well-known token shapes in a string: a description of each and the matched text.
fn token_shapes(s: &str) -> Vec<(&'static str, &str)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let boundary_before = |i: usize| i == 0 || !b[i - 1].is_ascii_alphanumeric();
    let run_len = |from: usize, ok: &dyn Fn(u8) -> bool| {
        b.get(from..)
            .map_or(0, |rest| rest.iter().take_while(|c| ok(**c)).count())
    };
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let mut matched: Option<(&'static str, usize)> = None;
        if (rest.starts_with(b"AKIA") || rest.starts_with(b"ASIA")) && boundary_before(i) {
            let n = run_len(i + 4, &|c| c.is_ascii_uppercase() || c.is_ascii_digit());
            if n == 16 && !s[i..i + 20].ends_with("EXAMPLE") {
                matched = Some(("an AWS access key id", 20));
            }
        } else if rest.starts_with(b"github_pat_") && boundary_before(i) {
            let n = run_len(i + 11, &|c| c.is_ascii_alphanumeric() || c == b'_');
            if n >= 22 {
                matched = Some(("a GitHub fine-grained token", 11 + n));
            }
        } else if rest.len() > 4
            && rest.starts_with(b"gh")
            && matches!(rest[2], b'p' | b'o' | b's' | b'u' | b'r')
            && rest[3] == b'_'
            && boundary_before(i)
        {
            let n = run_len(i + 4, &|c| c.is_ascii_alphanumeric());
            if n >= 36 {
                matched = Some(("a GitHub token", 4 + n));
            }
        } else if rest.len() > 5
            && rest.starts_with(b"xox")
            && matches!(rest[3], b'b' | b'a' | b'p' | b'r' | b's')
            && rest[4] == b'-'
            && boundary_before(i)
        {
            let n = run_len(i + 5, &|c| c.is_ascii_alphanumeric() || c == b'-');
            let body = &b[i + 5..i + 5 + n];
            if n >= 10 && body.iter().any(u8::is_ascii_digit) {
                matched = Some(("a Slack token", 5 + n));
            }
        } else if rest.starts_with(b"-----BEGIN ") {
            let line_end = rest.iter().position(|c| *c == b'\n').unwrap_or(rest.len());
            let line = &s[i..i + line_end];
            if let Some(k) = line.find("PRIVATE KEY") {
                let end = k + "PRIVATE KEY".len();
                let dashes = run_len(i + end, &|c| c == b'-');
                matched = Some(("a private key", end + dashes));
            }
        }
        match matched {
            Some((kind, len)) => {
                out.push((kind, &s[i..i + len]));
                i += len;
            }
            None => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::testing::{action, gitlab, positions, workflow};

    #[test]
    fn token_shapes_are_recognised() {
        let kinds = |s: &str| {
            token_shapes(s)
                .into_iter()
                .map(|(k, _)| k)
                .collect::<Vec<_>>()
        };
        assert_eq!(kinds("id=AKIAABCDEFGHIJKLMNOP x"), ["an AWS access key id"]);
        assert!(kinds("AKIAIOSFODNN7EXAMPLE").is_empty());
        assert!(kinds("XAKIAABCDEFGHIJKLMNOP").is_empty());
        assert_eq!(
            kinds("ghp_0123456789abcdefghijABCDEFGHIJ012345"),
            ["a GitHub token"]
        );
        assert!(kinds("ghp_short").is_empty());
        assert_eq!(kinds("xoxb-1234567890-abcdef"), ["a Slack token"]);
        assert_eq!(
            token_shapes("-----BEGIN OPENSSH PRIVATE KEY-----\nabc")[0].1,
            "-----BEGIN OPENSSH PRIVATE KEY-----"
        );
        assert!(kinds("-----BEGIN CERTIFICATE-----").is_empty());
        assert!(kinds("é-----BEGIN ").is_empty());
    }

    #[test]
    fn keys_and_values() {
        assert!(sensitive("DB_PASSWORD") && sensitive("api-key") && sensitive("NPM_TOKEN"));
        assert!(!sensitive("token_format") && !sensitive("SECRET_NAME") && !sensitive("version"));
        assert_eq!(literal(&node("hunter2")), Some("hunter2".into()));
        assert_eq!(literal(&node("changeme")), Some("changeme".into()));
        for v in [
            "",
            "${{ secrets.X }}",
            "$CI_JOB_TOKEN",
            "${TOKEN}",
            "<your token>",
            "****",
            "dummy",
            "./key.json",
        ] {
            assert_eq!(literal(&node(v)), None, "{v}");
        }
    }

    fn node(s: &str) -> Node {
        Node {
            pos: Pos::default(),
            value: Value::Str(s.into()),
        }
    }

    #[test]
    fn triggers_on_literal_secrets_in_a_workflow() {
        let text = "\
on: push
env:
  API_TOKEN: s3cr3t-v4lue
jobs:
  test:
    runs-on: ubuntu-24.04
    services:
      db:
        image: postgres:17
        env:
          POSTGRES_PASSWORD: postgres
    steps:
      - uses: docker/login-action@v3
        with:
          username: bot
          password: hunter2hunter2
      - run: |
          curl -H 'Authorization: token ghp_0123456789abcdefghijABCDEFGHIJ012345' https://api.github.com
        env:
          GH_TOKEN: ${{ secrets.GH_TOKEN }}
";
        let found = workflow(&HardCodedCredential, text);
        assert_eq!(positions(&found), [(18, 41), (3, 14), (11, 30), (16, 21)]);
        assert_eq!(found[2].severity, Severity::Warning);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn triggers_in_gitlab_variables_and_action_defaults() {
        let text = "\
variables:
  DEPLOY_TOKEN: glpat-abcdefgh
  AWS_KEY: AKIAABCDEFGHIJKLMNOP
deploy:
  variables:
    DB_PASSWORD:
      value: changeme
      description: the database password
  script: ./deploy.sh
";
        let found = gitlab(&HardCodedCredential, text);
        assert_eq!(positions(&found), [(3, 12), (2, 17), (7, 14)]);
        let found = action(
            &HardCodedCredential,
            "name: x\ninputs:\n  token:\n    default: abc123def\nruns:\n  using: node20\n  main: i.js\n",
        );
        assert_eq!(positions(&found), [(4, 14)]);
    }

    #[test]
    fn quiet_on_secrets_references_and_placeholders() {
        let text = "\
on: push
env:
  API_TOKEN: ${{ secrets.API_TOKEN }}
  TOKEN_FORMAT: access_token
  SKIP_TOKEN: false
jobs:
  test:
    runs-on: ubuntu-24.04
    permissions:
      id-token: write
    steps:
      - uses: google-github-actions/auth@v2
        with:
          token_format: access_token
          password: ''
          github-token: ${{ github.token }}
";
        assert!(workflow(&HardCodedCredential, text).is_empty());
        let text = "variables:\n  TOKEN: $CI_JOB_TOKEN\n  PASSWORD: '<set in settings>'\nbuild:\n  script: echo\n";
        assert!(gitlab(&HardCodedCredential, text).is_empty());
    }
}
