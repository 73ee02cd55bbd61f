use srehub_core::{Check, Findings};

use super::DockerfileInput;
use super::shell::run_commands;

srehub_core::declare_check! {
    /// ## What it checks
    /// A `RUN` whose first command is `cd` (`RUN cd /src && make`), including the first command of a
    /// heredoc script.
    ///
    /// ## Why it matters
    /// The `cd` only lasts for that one `RUN`; every later instruction is back in the previous
    /// directory, which is easy to forget when the file is edited (a `COPY` or `RUN` added below then
    /// works in the wrong place). `WORKDIR` states the directory once, for all the instructions that
    /// follow, and creates it if missing.
    ///
    /// ## How to fix
    /// Replace the leading `cd DIR &&` by a `WORKDIR DIR` line before the `RUN` (absolute path). For a
    /// one-off command elsewhere, use the tool's own directory option (`make -C DIR`, `git -C DIR`,
    /// `npm --prefix DIR`) instead.
    DKR008 CdInRun { name: "cd-in-run", severity: Info, category: BestPractice, group: "dockerfile" }
}

impl Check<DockerfileInput<'_>> for CdInRun {
    fn run(&self, input: &DockerfileInput<'_>, out: &mut Findings) {
        for i in input
            .file
            .instructions
            .iter()
            .filter(|i| i.keyword == "RUN")
        {
            if i.exec_form
                .as_ref()
                .is_some_and(|p| p.first().is_some_and(|w| w == "cd"))
            {
                // `RUN ["cd", …]` is not a shell command at all: it fails, which the build reports.
                continue;
            }
            let cmds = run_commands(i);
            let Some(first) = cmds.first() else { continue };
            let words = &first.command.words;
            if words.first().map(String::as_str) != Some("cd") {
                continue;
            }
            let dir = words.get(1).map(String::as_str).unwrap_or("~");
            out.push(
                input
                    .at_line(&Self::META, first.line, first.column, format!("RUN starts with `cd {dir}`: the directory change is lost after this RUN"))
                    .hint(format!("Use `WORKDIR {dir}` before the RUN instead")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::testing::{lines, run};

    #[test]
    fn triggers_on_leading_cd() {
        let found = run(
            &CdInRun,
            "FROM golang:1.23\nCOPY . /src\nRUN cd /src && go build ./...\nRUN <<EOF\ncd /tmp\nmake\nEOF\n",
        );
        assert_eq!(lines(&found), [3, 5]);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_when_cd_is_not_first() {
        let text = "FROM golang:1.23\nWORKDIR /src\nRUN go build ./... && cd /tmp && ls\nRUN [\"cd\", \"/x\"]\nRUN echo cd /tmp\n";
        assert!(run(&CdInRun, text).is_empty());
    }
}
