use srehub_core::fix::{Edit, Fix};
use srehub_core::{Check, Findings};

use super::DockerfileInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// `ADD` used to copy local files (it is fine for remote URLs and local tar archives it is meant to
    /// extract).
    ///
    /// ## Why it matters
    /// `ADD` silently extracts archives and fetches URLs; for plain files `COPY` says what it does and
    /// does nothing more, which keeps builds predictable and reviewable.
    ///
    /// ## How to fix
    /// Replace `ADD` with `COPY` (same flags and arguments).
    DKR002 AddInsteadOfCopy { name: "add-instead-of-copy", severity: Warning, category: BestPractice, group: "dockerfile" }
}

const ARCHIVES: &[&str] = &[
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
];

impl Check<DockerfileInput<'_>> for AddInsteadOfCopy {
    fn run(&self, input: &DockerfileInput<'_>, out: &mut Findings) {
        for i in input
            .file
            .instructions
            .iter()
            .filter(|i| i.keyword == "ADD")
        {
            let words: Vec<String> = match &i.exec_form {
                Some(parts) => parts.clone(),
                None => i.args.split_whitespace().map(str::to_string).collect(),
            };
            let sources = &words[..words.len().saturating_sub(1)];
            let remote_or_archive = sources.iter().any(|s| {
                let l = s.to_ascii_lowercase();
                l.starts_with("http://")
                    || l.starts_with("https://")
                    || l.starts_with("git@")
                    || ARCHIVES.iter().any(|a| l.ends_with(a))
            });
            if remote_or_archive || !i.heredocs.is_empty() && sources.is_empty() {
                continue;
            }
            out.push(
                input
                    .at(
                        &Self::META,
                        i,
                        format!("`ADD {}` copies local files: use COPY", i.args),
                    )
                    .hint("Replace ADD with COPY")
                    .fix(Fix {
                        description: "replace ADD with COPY".into(),
                        edits: vec![Edit::replace(i.line, i.column, 3, "COPY")],
                    }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::testing::run;

    #[test]
    fn triggers_on_local_files() {
        let found = run(
            &AddInsteadOfCopy,
            "FROM alpine:3.20\nADD --chown=app ./src /app/src\n",
        );
        assert_eq!(found.len(), 1);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_urls_and_archives() {
        let text = "FROM alpine:3.20\nADD https://example.com/tool.tar.gz /opt/\nADD rootfs.tar.xz /\nCOPY . /app\n";
        assert!(run(&AddInsteadOfCopy, text).is_empty());
    }
}
