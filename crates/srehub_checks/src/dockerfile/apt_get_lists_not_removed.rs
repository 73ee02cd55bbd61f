use srehub_core::fix::{Edit, Fix};
use srehub_core::{Check, Findings};

use super::DockerfileInput;
use super::shell::{Manager, basename, has_cache_mount, package_command, run_commands};

srehub_core::declare_check! {
    /// ## What it checks
    /// A `RUN` that runs `apt-get update` or `apt-get install` but does not
    /// `rm -rf /var/lib/apt/lists/*` in the same `RUN` (a `--mount=type=cache` on `/var/lib/apt` or
    /// `/var/cache/apt` is fine: the lists never reach the layer).
    ///
    /// ## Why it matters
    /// The package lists are tens of megabytes written into the layer. Deleting them in a later `RUN`
    /// does not shrink the image, since the earlier layer still holds them; stale lists left in the
    /// image also make a later `apt-get install` (without `update`) fetch outdated or vanished versions.
    ///
    /// ## How to fix
    /// End the same `RUN` with the cleanup:
    /// `RUN apt-get update && apt-get install -y --no-install-recommends pkg && rm -rf /var/lib/apt/lists/*`,
    /// or use BuildKit cache mounts:
    /// `RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update && apt-get install -y pkg`.
    DKR004 AptGetListsNotRemoved { name: "apt-get-lists-not-removed", severity: Info, category: Efficiency, group: "dockerfile" }
}

impl Check<DockerfileInput<'_>> for AptGetListsNotRemoved {
    fn run(&self, input: &DockerfileInput<'_>, out: &mut Findings) {
        for i in input
            .file
            .instructions
            .iter()
            .filter(|i| i.keyword == "RUN")
        {
            if has_cache_mount(i, &["/var/lib/apt", "/var/cache/apt"]) {
                continue;
            }
            let cmds = run_commands(i);
            let first = cmds.iter().find(|c| {
                package_command(&c.command).is_some_and(|p| {
                    p.manager == Manager::Apt && (p.installs() || p.sub == "update")
                })
            });
            let Some(first) = first else { continue };
            let removed = cmds.iter().any(|c| {
                let tool = c.command.tool();
                tool.first().is_some_and(|p| basename(p) == "rm")
                    && tool[1..]
                        .iter()
                        .any(|w| w.trim_end_matches('/').starts_with("/var/lib/apt/lists"))
            });
            if removed {
                continue;
            }
            let mut finding = input
                .at_line(
                    &Self::META,
                    first.line,
                    first.column,
                    "`apt-get` leaves /var/lib/apt/lists in this layer: this RUN does not remove it",
                )
                .hint("End the same RUN with `&& rm -rf /var/lib/apt/lists/*`, or use cache mounts");
            // Only a plain shell-form RUN whose last line ends the command can take the cleanup safely.
            let last = input.line_text(i.end_line);
            let plain = i.heredocs.is_empty()
                && i.exec_form.is_none()
                && last.is_some_and(|l| {
                    let t = l.trim_end();
                    !t.is_empty()
                        && !t.ends_with('\\')
                        && !t.contains('#')
                        && !t.ends_with(['&', '|', ';'])
                });
            if let (true, Some(l)) = (plain, last) {
                let col = u32::try_from(l.trim_end().chars().count() + 1).unwrap_or(u32::MAX);
                finding = finding.fix(Fix {
                    description: "remove /var/lib/apt/lists at the end of the RUN".into(),
                    edits: vec![Edit::insert(
                        i.end_line,
                        col,
                        " && rm -rf /var/lib/apt/lists/*",
                    )],
                });
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::testing::{lines, run};

    #[test]
    fn triggers_when_lists_stay() {
        let text = "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nRUN rm -rf /var/lib/apt/lists/*\nRUN <<EOF\nset -e\napt-get update\nEOF\n";
        let found = run(&AptGetListsNotRemoved, text);
        assert_eq!(lines(&found), [2, 6]);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_with_cleanup_or_cache_mount() {
        let text = "FROM debian:12\nRUN apt-get update \\\n && apt-get install -y curl \\\n && rm -rf /var/lib/apt/lists/*\nRUN --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update && apt-get install -y git\nRUN apt-get --version\n";
        assert!(run(&AptGetListsNotRemoved, text).is_empty());
    }
}
