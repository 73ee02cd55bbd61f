//! `srehub config show|schema`.

use std::io::Write;

use srehub_config::ConfigSource;
use srehub_core::ExitCode;

use crate::args::{ConfigCommand, GlobalArgs};
use crate::context::{Context, flag_options};

pub fn run(global: &GlobalArgs, cmd: &ConfigCommand) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cmd {
        ConfigCommand::Schema => out.write_all(srehub_config::json_schema().as_bytes())?,
        ConfigCommand::Show => {
            let ctx = Context::new(global, flag_options(global, None, None))?;
            writeln!(
                out,
                "# Resolved srehub settings (secrets redacted). Layers, lowest precedence first:"
            )?;
            writeln!(out, "#   defaults")?;
            for s in &ctx.layers.sources {
                match s {
                    ConfigSource::File(p) => writeln!(out, "#   file {}", p.display())?,
                    ConfigSource::DotEnv(p) => writeln!(out, "#   .env {}", p.display())?,
                    ConfigSource::Env(v) => writeln!(out, "#   environment {}", v.join(" "))?,
                    ConfigSource::Flags => writeln!(out, "#   flags")?,
                }
            }
            serde_yaml_ng::to_writer(&mut out, &ctx.settings)?;
        }
    }
    Ok(ExitCode::Clean)
}
