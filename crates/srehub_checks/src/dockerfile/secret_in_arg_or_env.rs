use srehub_core::{Check, Findings, Severity};

use super::DockerfileInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// `ARG` and `ENV` whose name says it holds a secret (a word part of the name is `PASSWORD`,
    /// `PASSWD`, `SECRET`, `TOKEN`, `APIKEY`, `CREDENTIALS`, or the pairs `API_KEY`, `ACCESS_KEY`,
    /// `PRIVATE_KEY`; case-insensitive, `camelCase` split too) and that set a non-empty literal value
    /// (`ENV K=V`, `ENV K V`, several pairs per `ENV`, `ARG K=V`). An `ARG` secret without a default is
    /// reported as a warning: its value is passed at build time. Names ending in `_FILE`, `_PATH`,
    /// `_DIR` (pointers to a secret, not the secret) and values that only reference a variable are not
    /// judged. The value is never shown.
    ///
    /// ## Why it matters
    /// `ENV` values are stored in the image config: anyone who can pull the image reads them with
    /// `docker inspect`, and they leak into every container's environment (crash dumps, `/proc`, debug
    /// endpoints). `ARG` values, defaults and `--build-arg` values alike, are recorded in the image
    /// history (`docker history --no-trunc`) and build provenance. Rotating a leaked credential means
    /// rebuilding and re-publishing every tag that contains it.
    ///
    /// ## How to fix
    /// Rotate the credential first if the image was ever pushed. Then pass build-time secrets with
    /// BuildKit secret mounts, which never reach a layer or the history:
    /// `RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci` with
    /// `docker build --secret id=npm_token,env=NPM_TOKEN .`. Provide run-time secrets from the
    /// orchestrator (Kubernetes Secret, mounted file, vault agent), not the image.
    DKR012 SecretInArgOrEnv { name: "secret-in-arg-or-env", severity: Critical, category: Security, group: "dockerfile" }
}

const SINGLE: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "CREDENTIALS",
];
const PAIRS: &[(&str, &str)] = &[("API", "KEY"), ("ACCESS", "KEY"), ("PRIVATE", "KEY")];

/// The upper-cased word parts of a name: `_`, `-`, `.` and camelCase boundaries.
fn parts(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            out.push(std::mem::take(&mut cur));
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_uppercase());
    }
    out.push(cur);
    out.retain(|p| !p.is_empty());
    out
}

/// Whether a variable name says it holds a secret.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let p = parts(name);
    if p.last()
        .is_some_and(|l| matches!(l.as_str(), "FILE" | "PATH" | "DIR"))
    {
        return false;
    }
    p.iter().any(|w| SINGLE.contains(&w.as_str()))
        || p.windows(2)
            .any(|w| PAIRS.contains(&(w[0].as_str(), w[1].as_str())))
}

/// Splits arguments into words, honouring quotes and backslashes (quotes removed).
fn words(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut started = false;
    let mut quote = None;
    let mut chars = args.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                started = true;
            }
            (Some(q), _) if c == q => quote = None,
            (Some('\''), _) => cur.push(c),
            (_, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                started = true;
            }
            (None, c) if c.is_whitespace() => {
                if started || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                started = false;
            }
            _ => {
                cur.push(c);
                started = true;
            }
        }
    }
    if started || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The `(name, value)` pairs of an `ENV` or `ARG`; `None` for an `ARG` without default.
fn pairs(keyword: &str, args: &str) -> Vec<(String, Option<String>)> {
    let w = words(args);
    let legacy = keyword == "ENV" && w.first().is_some_and(|f| !f.contains('='));
    if legacy {
        // `ENV NAME value with spaces`
        let mut it = args.trim().splitn(2, char::is_whitespace);
        let name = it.next().unwrap_or("").to_string();
        let value = words(it.next().unwrap_or("")).join(" ");
        return vec![(name, Some(value))];
    }
    w.into_iter()
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (p, None),
        })
        .collect()
}

/// Whether a value is only a variable reference (`$TOKEN`, `${TOKEN}`, `${TOKEN:-}`).
fn only_variable(v: &str) -> bool {
    let v = v.trim();
    if let Some(inner) = v.strip_prefix("${") {
        return inner.ends_with('}') && !inner[..inner.len() - 1].contains('}');
    }
    v.strip_prefix('$')
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

impl Check<DockerfileInput<'_>> for SecretInArgOrEnv {
    fn run(&self, input: &DockerfileInput<'_>, out: &mut Findings) {
        for i in input
            .file
            .instructions
            .iter()
            .filter(|i| i.keyword == "ENV" || i.keyword == "ARG")
        {
            for (name, value) in pairs(&i.keyword, &i.args) {
                if !is_secret_name(&name) {
                    continue;
                }
                match value {
                    Some(v) if v.trim().is_empty() || only_variable(&v) => {}
                    Some(_) if i.keyword == "ENV" => out.push(
                        input
                            .at(&Self::META, i, format!("ENV `{name}` sets a literal secret: it is stored in the image config, readable by anyone who can pull the image"))
                            .hint("Rotate it, then inject it at run time (orchestrator secret) or use RUN --mount=type=secret at build time"),
                    ),
                    Some(_) => out.push(
                        input
                            .at(&Self::META, i, format!("ARG `{name}` has a literal secret default: it is recorded in the image history"))
                            .hint("Rotate it, then use RUN --mount=type=secret,id=…,env=… and docker build --secret"),
                    ),
                    None if i.keyword == "ARG" => out.push(
                        input
                            .at(&Self::META, i, format!("ARG `{name}` passes a secret at build time: --build-arg values are recorded in the image history"))
                            .hint("Use RUN --mount=type=secret,id=…,env=… and docker build --secret instead")
                            .severity(Severity::Warning),
                    ),
                    None => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::testing::{lines, run};

    #[test]
    fn names_are_matched_by_word_parts() {
        for n in [
            "DB_PASSWORD",
            "githubToken",
            "AWS_SECRET_ACCESS_KEY",
            "x-api-key",
            "APIKEY",
            "npm.token",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "TOKENIZER",
            "PASSWORD_FILE",
            "KEYBOARD",
            "SECRETARY",
            "MONKEY",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn triggers_on_literal_secrets() {
        let text = "ARG NPM_TOKEN\nFROM node:22\nARG GITHUB_TOKEN=ghp_abc123\nENV APP_ENV=prod DB_PASSWORD=\"hunter 2\"\nENV apiKey sk-live-0123\n";
        let found = run(&SecretInArgOrEnv, text);
        assert_eq!(lines(&found), [1, 3, 4, 5]);
        assert!(found.iter().all(|f| !f.message.contains("hunter")
            && !f.message.contains("ghp_")
            && !f.message.contains("sk-live")));
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_references_empty_values_and_other_names() {
        let text = "FROM node:22\nARG VERSION=1.2\nENV TOKEN_FILE=/run/secrets/token PASSWORD=\nENV API_KEY=${API_KEY}\nENV SECRET $SECRET\n";
        assert!(run(&SecretInArgOrEnv, text).is_empty());
    }
}
