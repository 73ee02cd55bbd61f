use srehub_core::{Check, Findings};

use super::DockerfileInput;
use super::shell::{Command, Sep, run_scripts, split_commands};

srehub_core::declare_check! {
    /// ## What it checks
    /// A shell-form `RUN` (or heredoc script) with a pipe `|` when the stage's shell does not have
    /// `pipefail` (no earlier `SHELL [..., "-o", "pipefail", ...]` in the stage or the stage it is
    /// built `FROM`), and the script does not `set -o pipefail` (`set -euo pipefail`, …) before the
    /// pipe. Exec-form `RUN`s and Windows stages (Windows base image, PowerShell or cmd `SHELL`) are not
    /// judged.
    ///
    /// ## Why it matters
    /// A pipeline's exit status is that of its last command: in `RUN curl -fsSL $URL | tar xz` a failed
    /// download (404, TLS error) is hidden by `tar`, the step succeeds and the image ships without the
    /// tool, to fail only at run time. `curl … | sh` installers fail the same silent way.
    ///
    /// ## How to fix
    /// Before the `RUN`s, set a shell that fails on pipe errors:
    /// `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` (on Alpine, `apk add bash` first, or use
    /// `["/bin/ash", "-o", "pipefail", "-c"]`, which BusyBox ash supports). In a heredoc script, start
    /// with `set -euo pipefail`. Alternatively avoid the pipe (`curl -o file && tar xzf file`).
    DKR011 PipeWithoutPipefail { name: "pipe-without-pipefail", severity: Warning, category: Reliability, group: "dockerfile" }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ShellState {
    pipefail: bool,
    windows: bool,
}

/// Whether a command is `set … -o pipefail` (or `set -euo pipefail`).
fn sets_pipefail(c: &Command) -> bool {
    let tool = c.tool();
    if tool.first().map(String::as_str) != Some("set") {
        return false;
    }
    tool.windows(2)
        .any(|w| w[1] == "pipefail" && w[0].starts_with('-') && w[0].contains('o'))
}

/// The first command piped into another while `pipefail` is not set, if any.
fn first_unprotected_pipe(cmds: &[Command]) -> Option<&Command> {
    let mut pipefail = false;
    for c in cmds {
        if sets_pipefail(c) {
            pipefail = true;
        }
        if c.sep == Sep::Pipe && !pipefail {
            return Some(c);
        }
    }
    None
}

fn is_windows_image(base: &str) -> bool {
    let b = base.to_ascii_lowercase();
    ["windows", "servercore", "nanoserver", "powershell"]
        .iter()
        .any(|w| b.contains(w))
}

impl Check<DockerfileInput<'_>> for PipeWithoutPipefail {
    fn run(&self, input: &DockerfileInput<'_>, out: &mut Findings) {
        let file = input.file;
        let mut finals: Vec<ShellState> = Vec::with_capacity(file.stages.len());
        for (idx, stage) in file.stages.iter().enumerate() {
            let base = stage.base.to_ascii_lowercase();
            let parent = file.stages[..idx]
                .iter()
                .rposition(|s| s.name.as_deref() == Some(base.as_str()));
            let mut state = match parent {
                Some(p) => finals[p],
                None => ShellState {
                    pipefail: false,
                    windows: is_windows_image(&base) || file.escape == '`',
                },
            };
            for i in file.stage_instructions(idx) {
                match i.keyword.as_str() {
                    "SHELL" => {
                        let parts = i.exec_form.clone().unwrap_or_default();
                        let first = parts
                            .first()
                            .map(|p| p.to_ascii_lowercase())
                            .unwrap_or_default();
                        state.windows = ["powershell", "pwsh", "cmd"]
                            .iter()
                            .any(|w| first.contains(w));
                        state.pipefail = parts.iter().any(|p| p.contains("pipefail"));
                    }
                    "RUN" if i.exec_form.is_none() && !state.windows && !state.pipefail => {
                        let found = run_scripts(i).into_iter().find_map(|s| {
                            let cmds = split_commands(&s.text);
                            first_unprotected_pipe(&cmds).map(|c| {
                                let line = s.line + c.line_offset;
                                let column = if c.line_offset == 0 { s.column } else { 1 };
                                (line, column, c.tool().first().cloned().unwrap_or_default())
                            })
                        });
                        if let Some((line, column, cmd)) = found {
                            out.push(
                                input
                                    .at_line(&Self::META, line, column, format!("`{cmd} | …` runs without pipefail: if `{cmd}` fails, the pipeline and the build step still succeed"))
                                    .hint("Add SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] before this RUN, or start the script with set -o pipefail"),
                            );
                        }
                    }
                    _ => {}
                }
            }
            finals.push(state);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::testing::{lines, run};

    #[test]
    fn triggers_on_unprotected_pipes() {
        let text = "FROM debian:12\nRUN curl -fsSL https://example.com/tool.tgz | tar xz -C /usr/local/bin\nRUN <<EOF\nset -e\nwget -qO- https://example.com/install.sh | sh\nEOF\nSHELL [\"/bin/bash\", \"-c\"]\nRUN a || b; c | d\n";
        let found = run(&PipeWithoutPipefail, text);
        assert_eq!(lines(&found), [2, 5, 8]);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_with_pipefail_or_no_pipe() {
        let text = "FROM debian:12 AS base\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl -fsSL u | tar xz\nFROM base\nRUN curl u | sh\nFROM alpine:3.20\nRUN set -euo pipefail; curl u | sh\nRUN <<EOF\nset -eo pipefail\ncurl u | sh\nEOF\nRUN a || b && echo \"x | y\" && v=$(uname | tr a b)\nRUN [\"sh\", \"-c\", \"a | b\"]\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir | findstr x\n";
        assert!(run(&PipeWithoutPipefail, text).is_empty());
    }
}
