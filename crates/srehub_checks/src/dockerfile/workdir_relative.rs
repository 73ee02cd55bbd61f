use srehub_core::{Check, Findings};

use super::DockerfileInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// `WORKDIR` with a relative path (`WORKDIR app`). Paths starting with a variable (`$HOME/app`) and
    /// Windows paths (`C:\app`) are not judged.
    ///
    /// ## Why it matters
    /// A relative `WORKDIR` resolves against the previous working directory, which comes from the base
    /// image and from every earlier `WORKDIR`: the same line lands somewhere else when the base image
    /// changes its default directory, or when an instruction is reordered, and `COPY`/`RUN` then write
    /// to an unexpected place.
    ///
    /// ## How to fix
    /// Use an absolute path: `WORKDIR /app` (or `WORKDIR /app/src` for a nested one).
    DKR007 WorkdirRelative { name: "workdir-relative", severity: Warning, category: Correctness, group: "dockerfile" }
}

fn is_windows_path(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' || p.starts_with('\\')
}

impl Check<DockerfileInput<'_>> for WorkdirRelative {
    fn run(&self, input: &DockerfileInput<'_>, out: &mut Findings) {
        for i in input
            .file
            .instructions
            .iter()
            .filter(|i| i.keyword == "WORKDIR")
        {
            let path = i.args.trim().trim_matches(|c| c == '"' || c == '\'');
            if path.is_empty()
                || path.starts_with('/')
                || path.starts_with('$')
                || is_windows_path(path)
            {
                continue;
            }
            out.push(
                input
                    .at(&Self::META, i, format!("`WORKDIR {path}` is relative to whatever the previous working directory is"))
                    .hint(format!("Use an absolute path: WORKDIR /{}", path.trim_start_matches("./"))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::testing::{lines, run};

    #[test]
    fn triggers_on_relative_paths() {
        let found = run(
            &WorkdirRelative,
            "FROM alpine:3.20\nWORKDIR /srv\nWORKDIR app\nWORKDIR \"./data\"\n",
        );
        assert_eq!(lines(&found), [3, 4]);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_absolute_variable_and_windows_paths() {
        let text = "FROM alpine:3.20\nWORKDIR /app\nWORKDIR $HOME/src\nWORKDIR ${APP_DIR}\nWORKDIR C:\\\\app\nWORKDIR c:/app\n";
        assert!(run(&WorkdirRelative, text).is_empty());
    }
}
