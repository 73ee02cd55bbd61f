//! One module per command: glue between arguments, settings, engines and renderers.

mod alerts;
mod chaos;
mod config;
mod conn;
mod cost;
mod doctor;
mod explain;
mod lint;
mod load;
mod logs;
mod serve;
mod slo;

use srehub_core::ExitCode;

use crate::args::{Cli, Command};

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Doctor(args) => doctor::run(&cli.global, *args),
        Command::Lint(args) => lint::run(&cli.global, &args),
        Command::Logs(cmd) => logs::run(&cli.global, &cmd),
        Command::Slo(cmd) => slo::run(&cli.global, &cmd),
        Command::Alerts(cmd) => alerts::run(&cli.global, &cmd),
        Command::Cost(args) => cost::run(&cli.global, &args),
        Command::Load(cmd) => load::run(&cli.global, &cmd),
        Command::Chaos(cmd) => chaos::run(&cli.global, &cmd),
        Command::Serve(args) => serve::run(&cli.global, &args),
        Command::Explain(args) => explain::run(&cli.global, &args),
        Command::Config(cmd) => config::run(&cli.global, &cmd),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "srehub", &mut std::io::stdout());
            Ok(ExitCode::Clean)
        }
        Command::Version => {
            println!(
                "srehub {} (commit {}, {})",
                env!("CARGO_PKG_VERSION"),
                env!("BUILD_GIT_COMMIT"),
                env!("BUILD_TARGET")
            );
            Ok(ExitCode::Clean)
        }
    }
}
