use srehub_core::{Check, Findings};

use super::DockerfileInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// More than one `CMD`, `ENTRYPOINT` or `HEALTHCHECK` in the same stage. Each earlier one is
    /// reported, since only the last of each takes effect.
    ///
    /// ## Why it matters
    /// The earlier instructions are silently ignored: whoever reads the file (or edits the first one)
    /// believes the container starts, or is health-checked, differently from what actually runs.
    ///
    /// ## How to fix
    /// Keep one of each per stage, the one you mean, and delete the others. To run several commands at
    /// start, use one entrypoint script (ending with `exec "$@"`); to provide default arguments, use
    /// `ENTRYPOINT` for the program and `CMD` for its arguments.
    DKR010 MultipleCmdOrEntrypoint { name: "multiple-cmd-or-entrypoint", severity: Warning, category: Correctness, group: "dockerfile" }
}

impl Check<DockerfileInput<'_>> for MultipleCmdOrEntrypoint {
    fn run(&self, input: &DockerfileInput<'_>, out: &mut Findings) {
        for stage in 0..input.file.stages.len() {
            for kw in ["CMD", "ENTRYPOINT", "HEALTHCHECK"] {
                let all: Vec<_> = input
                    .file
                    .stage_instructions(stage)
                    .filter(|i| i.keyword == kw)
                    .collect();
                let Some((last, earlier)) = all.split_last() else {
                    continue;
                };
                for i in earlier {
                    out.push(
                        input
                            .at(
                                &Self::META,
                                i,
                                format!(
                                    "This {kw} has no effect: the {kw} on line {} replaces it",
                                    last.line
                                ),
                            )
                            .hint(format!("Keep a single {kw} per stage")),
                    );
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
    fn triggers_on_repeated_instructions() {
        let text = "FROM python:3.12-slim\nCMD [\"python\", \"migrate.py\"]\nHEALTHCHECK CMD curl -f localhost\nCMD [\"python\", \"app.py\"]\nHEALTHCHECK NONE\n";
        let found = run(&MultipleCmdOrEntrypoint, text);
        assert_eq!(lines(&found), [2, 3]);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_with_one_per_stage() {
        let text = "FROM golang:1.23 AS build\nCMD [\"go\", \"test\"]\nFROM alpine:3.20\nENTRYPOINT [\"/app\"]\nCMD [\"--serve\"]\n";
        assert!(run(&MultipleCmdOrEntrypoint, text).is_empty());
    }
}
