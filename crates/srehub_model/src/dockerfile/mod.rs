//! The Dockerfile model: instructions with their exact positions, stages, and heredocs.
//!
//! [`parse`] follows BuildKit's Dockerfile frontend: parser directives (`# syntax=`, `# escape=`),
//! line continuations with the escape character, comments, exec (JSON) and shell forms, `--flags`, and
//! heredocs (`<<EOF`, `<<-EOF`, `<<"EOF"`, several per instruction).

use serde::{Deserialize, Serialize};

/// Instructions BuildKit knows.
pub const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// A heredoc attached to an instruction (`RUN <<EOF … EOF`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heredoc {
    /// The delimiter word.
    pub name: String,
    /// The body, lines joined with `\n` (leading tabs removed for `<<-`).
    pub body: String,
    /// The line of the body's first line.
    pub line: u32,
}

/// One instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instruction {
    /// Upper-case keyword (`RUN`).
    pub keyword: String,
    /// `--name=value` flags before the arguments (`COPY --from=build`), in order.
    pub flags: Vec<(String, Option<String>)>,
    /// The arguments after the flags, continuation lines joined with a space.
    pub args: String,
    /// The arguments as a list when written in exec (JSON array) form.
    pub exec_form: Option<Vec<String>>,
    pub heredocs: Vec<Heredoc>,
    /// First line (1-based) and column of the keyword.
    pub line: u32,
    pub column: u32,
    /// Last line, continuations and heredocs included.
    pub end_line: u32,
    /// The stage it belongs to (index into [`Dockerfile::stages`]); instructions before the first
    /// `FROM` (global `ARG`s) have none.
    pub stage: Option<usize>,
}

impl Instruction {
    /// The value of a flag (`--from`), if given.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
    }

    /// The shell script of a `RUN`: its arguments and heredoc bodies.
    pub fn script(&self) -> String {
        let mut s = match &self.exec_form {
            Some(parts) => parts.join(" "),
            None => self.args.clone(),
        };
        for h in &self.heredocs {
            s.push('\n');
            s.push_str(&h.body);
        }
        s
    }
}

/// A build stage (`FROM image [AS name]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    /// The base image reference as written (`golang:1.23-alpine`, `builder`, `${BASE}`).
    pub base: String,
    /// The stage name (`AS build`), lower-cased as BuildKit compares it.
    pub name: Option<String>,
    pub platform: Option<String>,
    /// Index of its `FROM` in [`Dockerfile::instructions`].
    pub from: usize,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dockerfile {
    pub instructions: Vec<Instruction>,
    pub stages: Vec<Stage>,
    /// The escape character (`\` or `` ` ``).
    pub escape: char,
}

impl Dockerfile {
    /// The instructions of one stage.
    pub fn stage_instructions(&self, stage: usize) -> impl Iterator<Item = &Instruction> {
        self.instructions
            .iter()
            .filter(move |i| i.stage == Some(stage))
    }
}

/// A syntax error, with its 1-based position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct SyntaxError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

fn err(line: usize, column: usize, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        line: line as u32 + 1,
        column: column as u32 + 1,
        message: message.into(),
    }
}

/// Heredoc markers in an instruction's first line: `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'`.
fn heredoc_markers(line: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("<<") {
        let mut after = &rest[i + 2..];
        let strip = after.starts_with('-');
        if strip {
            after = &after[1..];
        }
        let quoted = after.starts_with('"') || after.starts_with('\'');
        let word: String = if quoted {
            let q = after.chars().next().unwrap_or('"');
            after[1..].chars().take_while(|c| *c != q).collect()
        } else {
            after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        };
        if !word.is_empty()
            && word
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        {
            out.push((word, strip));
        }
        rest = &rest[i + 2..];
    }
    out
}

/// Splits leading `--flag[=value]` words off the arguments.
fn split_flags(args: &str) -> (Vec<(String, Option<String>)>, String) {
    let mut flags = Vec::new();
    let mut rest = args.trim_start();
    while let Some(f) = rest.strip_prefix("--") {
        let end = f.find(char::is_whitespace).unwrap_or(f.len());
        let word = &f[..end];
        match word.split_once('=') {
            Some((n, v)) => flags.push((
                n.to_ascii_lowercase(),
                Some(v.trim_matches('"').to_string()),
            )),
            None => flags.push((word.to_ascii_lowercase(), None)),
        }
        rest = f[end..].trim_start();
    }
    (flags, rest.to_string())
}

/// Parses a Dockerfile. Keywords BuildKit does not know are errors with their position, as for
/// `docker build`.
pub fn parse(text: &str) -> Result<Dockerfile, SyntaxError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut escape = '\\';
    // Parser directives: only at the very top, before any other line.
    for l in &lines {
        let t = l.trim();
        let Some(d) = t.strip_prefix('#') else { break };
        let Some((k, v)) = d.split_once('=') else {
            break;
        };
        match k.trim().to_ascii_lowercase().as_str() {
            "escape" => match v.trim() {
                "`" => escape = '`',
                "\\" => escape = '\\',
                other => {
                    return Err(err(
                        0,
                        0,
                        format!("invalid escape directive `{other}` (use \\ or `)"),
                    ));
                }
            },
            "syntax" | "check" => {}
            _ => break,
        }
    }
    let mut df = Dockerfile {
        escape,
        ..Dockerfile::default()
    };
    let mut i = 0;
    while i < lines.len() {
        let raw = lines[i];
        let t = raw.trim_start();
        if t.is_empty() || t.starts_with('#') {
            i += 1;
            continue;
        }
        let start = i;
        let column = raw.len() - t.len();
        // Join continuation lines; comment lines inside a continuation are skipped, as BuildKit does.
        let mut joined = String::new();
        let mut cur = t.trim_end().to_string();
        loop {
            if let Some(stripped) = cur.strip_suffix(escape) {
                joined.push_str(stripped);
                joined.push(' ');
                i += 1;
                while i < lines.len() && lines[i].trim_start().starts_with('#') {
                    i += 1;
                }
                if i >= lines.len() {
                    break;
                }
                cur = lines[i].trim().to_string();
            } else {
                joined.push_str(&cur);
                break;
            }
        }
        let joined = joined.trim().to_string();
        let (kw, rest) = match joined.find(char::is_whitespace) {
            Some(p) => (&joined[..p], joined[p..].trim_start()),
            None => (joined.as_str(), ""),
        };
        let keyword = kw.to_ascii_uppercase();
        if !KEYWORDS.contains(&keyword.as_str()) {
            return Err(err(start, column, format!("unknown instruction `{kw}`")));
        }
        let mut heredocs = Vec::new();
        if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            for (name, strip) in heredoc_markers(rest) {
                let body_line = i + 1;
                let mut body = Vec::new();
                let mut found = false;
                i += 1;
                while i < lines.len() {
                    let l = lines[i];
                    let cmp = if strip { l.trim_start_matches('\t') } else { l };
                    if cmp == name {
                        found = true;
                        break;
                    }
                    body.push(cmp.to_string());
                    i += 1;
                }
                if !found {
                    return Err(err(
                        start,
                        column,
                        format!("heredoc `{name}` is never closed"),
                    ));
                }
                heredocs.push(Heredoc {
                    name,
                    body: body.join("\n"),
                    line: body_line as u32 + 1,
                });
            }
        }
        // Only these instructions take `--flags`; for the others (`CMD --port 80`) they are arguments.
        let (flags, args) = if matches!(
            keyword.as_str(),
            "FROM" | "RUN" | "COPY" | "ADD" | "HEALTHCHECK"
        ) {
            split_flags(rest)
        } else {
            (Vec::new(), rest.to_string())
        };
        let exec_form = if args.starts_with('[') {
            serde_json::from_str::<Vec<String>>(&args).ok()
        } else {
            None
        };
        if keyword == "FROM" {
            let words: Vec<&str> = args.split_whitespace().collect();
            let Some(base) = words.first() else {
                return Err(err(start, column, "FROM needs an image"));
            };
            let name = match words.as_slice() {
                [_, as_kw, name, ..] if as_kw.eq_ignore_ascii_case("as") => {
                    Some(name.to_ascii_lowercase())
                }
                _ => None,
            };
            df.stages.push(Stage {
                base: base.to_string(),
                name,
                platform: flags
                    .iter()
                    .find(|(n, _)| n == "platform")
                    .and_then(|(_, v)| v.clone()),
                from: df.instructions.len(),
            });
        }
        let stage = df.stages.len().checked_sub(1);
        df.instructions.push(Instruction {
            keyword,
            flags,
            args,
            exec_form,
            heredocs,
            line: start as u32 + 1,
            column: column as u32 + 1,
            end_line: (i.min(lines.len().saturating_sub(1))) as u32 + 1,
            stage,
        });
        i += 1;
    }
    if df.stages.is_empty() {
        return Err(err(0, 0, "no FROM instruction: not a Dockerfile"));
    }
    Ok(df)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stages_flags_continuations_and_positions() {
        let df = parse(
            "# syntax=docker/dockerfile:1\nFROM golang:1.23 AS Build\nWORKDIR /src\nRUN apt-get update && \\\n    # a comment\n    apt-get install -y curl\nFROM gcr.io/distroless/static\nCOPY --from=build --chown=1000 /out/app /app\nCMD [\"/app\", \"--serve\"]\n",
        )
        .unwrap();
        assert_eq!(df.stages.len(), 2);
        assert_eq!(df.stages[0].name.as_deref(), Some("build"));
        let run = &df.instructions[2];
        assert_eq!(
            (run.keyword.as_str(), run.line, run.end_line),
            ("RUN", 4, 6)
        );
        assert_eq!(run.args, "apt-get update &&  apt-get install -y curl");
        let copy = &df.instructions[4];
        assert_eq!(copy.flag("from"), Some("build"));
        assert_eq!(copy.stage, Some(1));
        assert_eq!(
            df.instructions[5].exec_form.as_deref(),
            Some(&["/app".to_string(), "--serve".to_string()][..])
        );
    }

    #[test]
    fn only_flag_taking_instructions_have_flags() {
        let df = parse("FROM --platform=linux/amd64 alpine:3.20\nCMD --port 8080\n").unwrap();
        assert_eq!(df.instructions[0].flag("platform"), Some("linux/amd64"));
        assert!(df.instructions[1].flags.is_empty());
        assert_eq!(df.instructions[1].args, "--port 8080");
    }

    #[test]
    fn heredocs_are_bodies_not_instructions() {
        let df = parse("FROM alpine:3.20\nRUN <<EOF\nset -e\napk add curl\nEOF\nCOPY <<-CONF /etc/app.conf\n\tkey=value\n\tCONF\nUSER app\n").unwrap();
        let run = &df.instructions[1];
        assert_eq!(run.heredocs[0].body, "set -e\napk add curl");
        assert_eq!(run.heredocs[0].line, 3);
        assert_eq!(df.instructions[2].heredocs[0].body, "key=value");
        assert_eq!(df.instructions[3].keyword, "USER");
        assert_eq!(df.instructions[3].line, 9);
    }

    #[test]
    fn escape_directive_changes_continuations() {
        let df = parse(
            "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir `\n  c:\\\n",
        )
        .unwrap();
        assert_eq!(df.escape, '`');
        assert_eq!(df.instructions[1].args, "dir  c:\\");
    }

    #[test]
    fn syntax_errors_have_positions() {
        assert_eq!(
            parse("FROM a\n  RUNN echo\n").unwrap_err().to_string(),
            "2:3: unknown instruction `RUNN`"
        );
        assert!(
            parse("FROM a\nRUN <<EOF\necho\n")
                .unwrap_err()
                .message
                .contains("never closed")
        );
        assert!(parse("# just a comment\n").is_err());
    }
}
