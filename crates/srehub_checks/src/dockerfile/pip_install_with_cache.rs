use srehub_core::{Check, Findings};

use super::DockerfileInput;
use super::shell::{Manager, mounts, package_command, run_commands};

srehub_core::declare_check! {
    /// ## What it checks
    /// `pip install` (also `pip3`, `python -m pip install`) without `--no-cache-dir`, unless
    /// `PIP_NO_CACHE_DIR` is set by an earlier `ENV` of the stage (or on the command itself), or the
    /// `RUN` mounts a cache (`--mount=type=cache,target=/root/.cache/pip`).
    ///
    /// ## Why it matters
    /// pip keeps every downloaded wheel and source archive in `~/.cache/pip`, written into the layer:
    /// for scientific stacks (numpy, torch) that is hundreds of megabytes to gigabytes of pure dead
    /// weight in every pull, as the packages are already installed.
    ///
    /// ## How to fix
    /// `pip install --no-cache-dir -r requirements.txt`, or `ENV PIP_NO_CACHE_DIR=1` once at the top of
    /// the stage. To keep the cache between builds without shipping it, use BuildKit:
    /// `RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt`.
    DKR016 PipInstallWithCache { name: "pip-install-with-cache", severity: Info, category: Efficiency, group: "dockerfile" }
}

impl Check<DockerfileInput<'_>> for PipInstallWithCache {
    fn run(&self, input: &DockerfileInput<'_>, out: &mut Findings) {
        let mut env_set = vec![false; input.file.stages.len()];
        for i in &input.file.instructions {
            let Some(stage) = i.stage else { continue };
            if i.keyword == "ENV" && i.args.contains("PIP_NO_CACHE_DIR") {
                env_set[stage] = true;
            }
            if i.keyword != "RUN" || env_set[stage] {
                continue;
            }
            let cached = mounts(i).iter().any(|m| {
                m.kind == "cache"
                    && m.target.as_deref().is_some_and(|t| {
                        t.contains("pip") || t.trim_end_matches('/').ends_with(".cache")
                    })
            });
            if cached {
                continue;
            }
            for c in run_commands(i) {
                let Some(p) = package_command(&c.command) else {
                    continue;
                };
                if p.manager != Manager::Pip || !p.installs() || p.has("--no-cache-dir") {
                    continue;
                }
                if c.command
                    .words
                    .iter()
                    .any(|w| w.starts_with("PIP_NO_CACHE_DIR="))
                {
                    continue;
                }
                out.push(
                    input
                        .at_line(&Self::META, c.line, c.column, "`pip install` without --no-cache-dir keeps downloaded packages in ~/.cache/pip in the layer")
                        .hint("Add --no-cache-dir, or set ENV PIP_NO_CACHE_DIR=1 in the stage"),
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
    fn triggers_without_no_cache_dir() {
        let text = "FROM python:3.12-slim\nRUN pip install -r requirements.txt\nRUN <<EOF\nset -e\npython3 -m pip install --upgrade pip\nEOF\n";
        let found = run(&PipInstallWithCache, text);
        assert_eq!(lines(&found), [2, 5]);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_with_flag_env_or_cache_mount() {
        let text = "FROM python:3.12-slim\nRUN pip3 install --no-cache-dir flask\nRUN --mount=type=cache,target=/root/.cache/pip pip install -r req.txt\nRUN PIP_NO_CACHE_DIR=1 pip install x\nENV PIP_NO_CACHE_DIR=1\nRUN pip install -r requirements.txt\n";
        assert!(run(&PipInstallWithCache, text).is_empty());
    }
}
