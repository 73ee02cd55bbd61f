//! `srehub explain [CHECK]`.

use std::io::Write;

use anyhow::bail;
use srehub_core::ExitCode;

use crate::args::{ExplainArgs, GlobalArgs};

pub fn run(_global: &GlobalArgs, args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match &args.check {
        Some(code) => {
            let Some(m) = srehub_checks::find_check(code) else {
                bail!("no check is called `{code}`; `srehub explain` lists them all");
            };
            writeln!(out, "{} {}", m.code, m.name)?;
            writeln!(
                out,
                "severity: {} · category: {} · group: {}\n",
                m.severity, m.category, m.group
            )?;
            writeln!(out, "{}", m.doc())?;
            writeln!(
                out,
                "\nSilence it: `--ignore {}`, `checks: {{ignore: [{}]}}` in srehub.yaml, or the annotation `srehub.io/ignore: {}` on the object.",
                m.code, m.code, m.code
            )?;
        }
        None => {
            for m in srehub_checks::all_checks() {
                writeln!(
                    out,
                    "{:<7} {:<9} {:<9} {:<44} {}",
                    m.code,
                    m.severity,
                    m.group,
                    m.name,
                    m.summary()
                )?;
            }
        }
    }
    Ok(ExitCode::Clean)
}
