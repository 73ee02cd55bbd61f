use srehub_core::{Check, Findings};

use super::DockerfileInput;
use super::shell::{Manager, PackageCommand, package_command, run_commands};

srehub_core::declare_check! {
    /// ## What it checks
    /// Packages installed without a version: `apt-get install pkg` (not `pkg=1.2-3`), `apk add pkg`
    /// (not `pkg=1.2.3-r0`), `pip install pkg` (not `pkg==1.2`, `>=` or `~=`; requirement files, local
    /// paths, URLs and `-e` are not judged), `npm install pkg` / `npm i -g pkg` (not `pkg@1.2.3`; a bare
    /// `npm install` or `npm ci` uses the lockfile and is fine) and `gem install pkg` (not `-v 1.2` or
    /// `pkg:1.2`). Words holding a variable (`$PKGS`) are not judged. One finding per instruction,
    /// listing the unpinned packages.
    ///
    /// ## Why it matters
    /// An unpinned package is whatever the repository serves on build day: rebuilding the same commit
    /// (for a hotfix, or with a cold cache in CI) can silently pull a new major version with breaking
    /// changes or a regression, and two replicas built a day apart can differ.
    ///
    /// ## How to fix
    /// Pin exact versions (`apt-get install -y curl=7.88.1-10+deb12u8`, `apk add curl=8.9.1-r0`,
    /// `pip install flask==3.0.3`, `npm i -g pnpm@9.12.0`, `gem install bundler -v 2.5.22`), or install
    /// from a lockfile (`pip install -r requirements.txt` with hashes, `npm ci`). Let a dependency bot
    /// (Renovate, Dependabot) bump the pins so updates are reviewed rather than accidental.
    DKR005 PackageVersionUnpinned { name: "package-version-unpinned", severity: Warning, category: Reliability, group: "dockerfile" }
}

fn is_path_or_url(w: &str) -> bool {
    let l = w.to_ascii_lowercase();
    w == "."
        || w.starts_with('.')
        || w.starts_with('/')
        || w.starts_with('~')
        || l.contains("://")
        || l.starts_with("git+")
        || l.starts_with("git@")
        || [".whl", ".tar.gz", ".tgz", ".zip", ".deb", ".apk", ".gem"]
            .iter()
            .any(|e| l.ends_with(e))
}

/// The unpinned packages of an install.
fn unpinned<'a>(p: &PackageCommand<'a>) -> Vec<&'a str> {
    if !p.installs() {
        return Vec::new();
    }
    if p.manager == Manager::Gem && (p.has("-v") || p.has("--version")) {
        return Vec::new();
    }
    p.args
        .iter()
        .copied()
        .filter(|w| !w.contains('$') && !w.is_empty() && !is_path_or_url(w))
        .filter(|w| match p.manager {
            Manager::Apt => !w.contains('=') && !w.ends_with('-'),
            Manager::Apk => !w.contains(['=', '<', '>', '~']),
            Manager::Pip => !["==", ">=", "~="].iter().any(|op| w.contains(op)),
            Manager::Npm => {
                // `@scope/name@1.2.3`, `name@1.2.3`; `user/repo` is a git reference, not judged.
                let (name, scoped) = match w.strip_prefix('@') {
                    Some(rest) => (rest, true),
                    None => (*w, false),
                };
                if !scoped && name.contains('/') {
                    return false;
                }
                match name.split_once('@') {
                    Some((_, version)) => matches!(version, "" | "latest" | "next" | "*"),
                    None => true,
                }
            }
            Manager::Gem => !w.contains(':'),
        })
        .collect()
}

impl Check<DockerfileInput<'_>> for PackageVersionUnpinned {
    fn run(&self, input: &DockerfileInput<'_>, out: &mut Findings) {
        for i in input
            .file
            .instructions
            .iter()
            .filter(|i| i.keyword == "RUN")
        {
            let cmds = run_commands(i);
            let mut at = None;
            let mut parts = Vec::new();
            for c in &cmds {
                let Some(p) = package_command(&c.command) else {
                    continue;
                };
                let names = unpinned(&p);
                if names.is_empty() {
                    continue;
                }
                at.get_or_insert((c.line, c.column));
                parts.push(format!("{} ({})", names.join(", "), p.manager.as_str()));
            }
            let Some((line, column)) = at else { continue };
            out.push(
                input
                    .at_line(&Self::META, line, column, format!("Packages installed without a version pin: {}", parts.join("; ")))
                    .hint("Pin versions (pkg=1.2.3, pkg==1.2.3, pkg@1.2.3, -v 1.2.3) or install from a lockfile"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::testing::{lines, run};

    #[test]
    fn triggers_on_unpinned_packages() {
        let text = "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl git=1:2.39.5-0+deb12u1 \\\n && pip install --no-cache-dir flask requests==2.32.3 \\\n && npm i -g @scope/tool typescript@5.6.3 pnpm@latest\nRUN <<EOF\napk add --no-cache --virtual .deps gcc musl-dev=1.2.5-r0\ngem install bundler rake:13.2.1\nEOF\n";
        let found = run(&PackageVersionUnpinned, text);
        assert_eq!(lines(&found), [2, 6]);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_pins_lockfiles_and_paths() {
        let text = "FROM node:22\nRUN apt-get install -y curl=7.88.1-10 $EXTRA ./local.deb\nRUN pip install -r requirements.txt -e . /wheels/app.whl 'flask>=3,<4' git+https://github.com/a/b\nRUN npm ci && npm install && npm i -g @scope/tool@1.0.0\nRUN gem install bundler -v 2.5.22 && apk add curl~8.9\n";
        assert!(run(&PackageVersionUnpinned, text).is_empty());
    }
}
