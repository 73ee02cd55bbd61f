use srehub_core::{Check, Findings};

use super::DockerfileInput;
use super::shell::{Manager, basename, has_cache_mount, package_command, run_commands};

srehub_core::declare_check! {
    /// ## What it checks
    /// `apk add` without `--no-cache`, unless the same `RUN` mounts a cache on `/var/cache/apk` (or
    /// `/etc/apk/cache`) or removes `/var/cache/apk/*`.
    ///
    /// ## Why it matters
    /// Without `--no-cache`, `apk` keeps the downloaded package index (and, with `apk update`, the
    /// cache) in `/var/cache/apk`, written into the layer: a few megabytes on every image, which on
    /// Alpine can be a sizeable share of the whole image, and a stale index for any later `apk add`.
    ///
    /// ## How to fix
    /// `apk add --no-cache pkg` (it also makes a separate `apk update` unnecessary), or with BuildKit:
    /// `RUN --mount=type=cache,target=/var/cache/apk apk add pkg`.
    DKR015 ApkAddWithoutNoCache { name: "apk-add-without-no-cache", severity: Info, category: Efficiency, group: "dockerfile" }
}

impl Check<DockerfileInput<'_>> for ApkAddWithoutNoCache {
    fn run(&self, input: &DockerfileInput<'_>, out: &mut Findings) {
        for i in input
            .file
            .instructions
            .iter()
            .filter(|i| i.keyword == "RUN")
        {
            if has_cache_mount(i, &["/var/cache/apk", "/etc/apk/cache"]) {
                continue;
            }
            let cmds = run_commands(i);
            let cleaned = cmds.iter().any(|c| {
                let tool = c.command.tool();
                tool.first().is_some_and(|p| basename(p) == "rm")
                    && tool[1..].iter().any(|w| w.starts_with("/var/cache/apk"))
            });
            if cleaned {
                continue;
            }
            for c in &cmds {
                let Some(p) = package_command(&c.command) else {
                    continue;
                };
                if p.manager != Manager::Apk || !p.installs() || p.has("--no-cache") {
                    continue;
                }
                out.push(
                    input
                        .at_line(
                            &Self::META,
                            c.line,
                            c.column,
                            "`apk add` without --no-cache keeps the package index in the layer",
                        )
                        .hint("Use `apk add --no-cache …`"),
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
    fn triggers_without_no_cache() {
        let found = run(
            &ApkAddWithoutNoCache,
            "FROM alpine:3.20\nRUN apk update && apk add curl\nRUN <<EOF\nset -e\nsudo apk add --virtual .deps gcc\nEOF\n",
        );
        assert_eq!(lines(&found), [2, 5]);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_with_no_cache_mount_or_cleanup() {
        let text = "FROM alpine:3.20\nRUN apk add --no-cache curl\nRUN apk --no-cache add git\nRUN --mount=type=cache,target=/var/cache/apk apk add make\nRUN apk add gcc && rm -rf /var/cache/apk/*\n";
        assert!(run(&ApkAddWithoutNoCache, text).is_empty());
    }
}
