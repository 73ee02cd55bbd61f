use srehub_core::fix::{Edit, Fix};
use srehub_core::{Check, Findings};

use super::DockerfileInput;
use super::shell::{Manager, package_command, run_commands};

srehub_core::declare_check! {
    /// ## What it checks
    /// `apt-get install` (or `apt install`) of packages without `--no-install-recommends` (or
    /// `-o APT::Install-Recommends=false`), unless an earlier `RUN` of the stage writes an APT config
    /// that turns recommends off.
    ///
    /// ## Why it matters
    /// APT installs every "Recommends:" dependency by default: documentation, X11 libraries, extra
    /// tools. That often doubles the layer, slows pulls and cold starts, and adds packages that show up
    /// in CVE scans without ever being used.
    ///
    /// ## How to fix
    /// `apt-get install -y --no-install-recommends pkg …`, adding explicitly any recommended package the
    /// image really needs (`ca-certificates` is the usual one). For a whole image, write
    /// `APT::Install-Recommends "false";` to `/etc/apt/apt.conf.d/99-no-recommends` first.
    DKR003 AptGetWithoutNoInstallRecommends { name: "apt-get-without-no-install-recommends", severity: Info, category: Efficiency, group: "dockerfile" }
}

/// Whether the words set `APT::Install-Recommends` off (`-o APT::Install-Recommends=false`).
fn recommends_off(words: &[String]) -> bool {
    words.iter().any(|w| {
        let l = w.to_ascii_lowercase();
        l.contains("apt::install-recommends=false") || l.contains("apt::install-recommends=0")
    })
}

impl Check<DockerfileInput<'_>> for AptGetWithoutNoInstallRecommends {
    fn run(&self, input: &DockerfileInput<'_>, out: &mut Findings) {
        let mut configured = vec![false; input.file.stages.len()];
        for i in input
            .file
            .instructions
            .iter()
            .filter(|i| i.keyword == "RUN")
        {
            let stage = i.stage.unwrap_or(0);
            for c in run_commands(i) {
                let Some(p) = package_command(&c.command) else {
                    // `echo 'APT::Install-Recommends "false";' > /etc/apt/apt.conf.d/…`
                    let text = c.command.words.join(" ").to_ascii_lowercase();
                    if text.contains("apt::install-recommends")
                        && (text.contains("\"0\"") || text.contains("false"))
                    {
                        configured[stage] = true;
                    }
                    continue;
                };
                if p.manager != Manager::Apt || !p.installs() || p.args.is_empty() {
                    continue;
                }
                if configured[stage] || p.has("--no-install-recommends") || recommends_off(p.words)
                {
                    continue;
                }
                let mut finding = input
                    .at_line(
                        &Self::META,
                        c.line,
                        c.column,
                        format!(
                            "`{} install {}` also installs every recommended package",
                            p.words[0],
                            p.args.join(" ")
                        ),
                    )
                    .hint("Add --no-install-recommends");
                if let Some(col) = install_end(input.line_text(c.line), c.column) {
                    finding = finding.fix(Fix {
                        description: "add --no-install-recommends".into(),
                        edits: vec![Edit::insert(c.line, col, " --no-install-recommends")],
                    });
                }
                out.push(finding);
            }
        }
    }
}

/// The column just after the `install` word that follows `apt-get`/`apt` in the same command on a line,
/// from `column` on.
fn install_end(line: Option<&str>, column: u32) -> Option<u32> {
    let chars: Vec<char> = line?.chars().collect();
    let from = usize::try_from(column).ok()?.checked_sub(1)?;
    let rest: String = chars.get(from..)?.iter().collect();
    for (apt, _) in rest.match_indices("apt") {
        let mut offset = apt;
        for word in rest[apt..].split_inclusive(char::is_whitespace) {
            let w = word.trim_end();
            if w == "install" {
                let chars_before = rest[..offset].chars().count() + w.chars().count();
                return u32::try_from(from + chars_before + 1).ok();
            }
            if matches!(w, "&&" | ";" | "|" | "||" | "\\") {
                break;
            }
            offset += word.len();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::testing::{lines, run};

    #[test]
    fn triggers_on_install_with_recommends() {
        let text = "FROM debian:12\nRUN apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y curl\nRUN <<EOF\nset -e\napt install --yes git\nEOF\n";
        let found = run(&AptGetWithoutNoInstallRecommends, text);
        assert_eq!(lines(&found), [2, 5]);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_with_flag_option_or_config() {
        let text = "FROM debian:12\nRUN apt-get update && apt-get -y install --no-install-recommends curl\nRUN apt-get -o APT::Install-Recommends=false install -y git\nRUN apt-get install -y -f\nFROM debian:12\nRUN echo 'APT::Install-Recommends \"0\";' > /etc/apt/apt.conf.d/99norec\nRUN apt-get install -y make\n";
        assert!(run(&AptGetWithoutNoInstallRecommends, text).is_empty());
    }
}
