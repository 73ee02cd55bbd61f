use srehub_core::{Check, Findings};
use srehub_model::dockerfile::Instruction;

use super::DockerfileInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// The final stage runs as root: it has no `USER` (nor does the earlier stage it is built `FROM`),
    /// or its last `USER` is `root`, `0` or `0:<group>`. Base images whose tag says they run as non-root
    /// (`…:nonroot`, distroless `:nonroot`) are not judged when there is no `USER`. `FROM scratch` is
    /// reported too: a static binary in a scratch image runs as uid 0.
    ///
    /// ## Why it matters
    /// A process running as root in a container is one kernel or runtime bug away from root on the
    /// node, can write anywhere in its filesystem (including the binaries it runs), and is refused by
    /// clusters that enforce `runAsNonRoot` or the `restricted` Pod Security Standard.
    ///
    /// ## How to fix
    /// Create an unprivileged user and switch to it at the end of the final stage:
    /// `RUN useradd --system --uid 10001 --no-create-home app` (Alpine: `adduser -S -u 10001 app`), then
    /// `USER 10001:10001`. Use a numeric uid so Kubernetes can verify `runAsNonRoot`; for scratch or
    /// distroless images, `USER 65532:65532` needs no `/etc/passwd` entry. Keep root-only steps
    /// (package installs) before the `USER` line.
    DKR006 LastUserRoot { name: "last-user-root", severity: Warning, category: Security, group: "dockerfile" }
}

fn is_root(user: &str) -> bool {
    let u = user.split(':').next().unwrap_or(user);
    u == "root" || u == "0"
}

/// The last `USER` in effect in a stage, following `FROM <earlier stage>`.
fn last_user<'a>(
    input: &'a DockerfileInput<'_>,
    stage: usize,
    depth: usize,
) -> Option<&'a Instruction> {
    if let Some(u) = input
        .file
        .stage_instructions(stage)
        .filter(|i| i.keyword == "USER")
        .last()
    {
        return Some(u);
    }
    let base = input.file.stages[stage].base.to_ascii_lowercase();
    let parent = input.file.stages[..stage]
        .iter()
        .rposition(|s| s.name.as_deref() == Some(base.as_str()))?;
    if depth > input.file.stages.len() {
        return None;
    }
    last_user(input, parent, depth + 1)
}

impl Check<DockerfileInput<'_>> for LastUserRoot {
    fn run(&self, input: &DockerfileInput<'_>, out: &mut Findings) {
        let Some(last) = input.file.stages.len().checked_sub(1) else {
            return;
        };
        match last_user(input, last, 0) {
            Some(u) => {
                let user = u
                    .args
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .trim_matches('"');
                if is_root(user) {
                    out.push(
                        input
                            .at(&Self::META, u, format!("The image runs as root: the final stage's last USER is `{user}`"))
                            .hint("Switch to an unprivileged numeric user at the end: USER 10001:10001"),
                    );
                }
            }
            None => {
                let stage = &input.file.stages[last];
                let base = stage.base.to_ascii_lowercase();
                if base.contains("nonroot") || base.contains('$') {
                    return;
                }
                let from = &input.file.instructions[stage.from];
                out.push(
                    input
                        .at(&Self::META, from, format!("The final stage (`FROM {}`) has no USER, so the image runs as root", stage.base))
                        .hint("Add an unprivileged numeric user at the end: USER 10001:10001"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::testing::{lines, run};

    #[test]
    fn triggers_on_root_or_missing_user() {
        let found = run(
            &LastUserRoot,
            "FROM golang:1.23 AS build\nUSER app\nFROM alpine:3.20\nUSER app\nRUN apk add curl\nUSER 0:0\n",
        );
        assert_eq!(lines(&found), [6]);
        let missing = run(
            &LastUserRoot,
            "FROM golang:1.23 AS build\nUSER 1000\nFROM scratch\nCOPY --from=build /app /app\n",
        );
        assert_eq!(lines(&missing), [3]);
        insta::assert_yaml_snapshot!([found, missing]);
    }

    #[test]
    fn quiet_on_non_root_users() {
        assert!(
            run(
                &LastUserRoot,
                "FROM alpine:3.20\nUSER root\nRUN apk add curl\nUSER 10001:10001\n"
            )
            .is_empty()
        );
        assert!(
            run(
                &LastUserRoot,
                "FROM node:22 AS base\nUSER node\nFROM base\nCMD [\"node\"]\n"
            )
            .is_empty()
        );
        assert!(
            run(
                &LastUserRoot,
                "FROM gcr.io/distroless/static:nonroot\nCOPY app /app\n"
            )
            .is_empty()
        );
    }
}
