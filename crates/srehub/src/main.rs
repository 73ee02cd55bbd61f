//! The `srehub` binary: argument parsing, settings, logging, and one module of glue per command.

mod args;
mod commands;
mod context;
mod load_view;
mod logging;
mod metrics_server;
mod output;
mod tui;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: the doctor builds millions of small objects on several threads; glibc's allocator spends
/// more time in the kernel than in parsing for a 100,000-pod snapshot (see docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli =
        match args::Cli::try_parse_from(args::rewrite_rate_flag(std::env::args_os().collect())) {
            Ok(cli) => cli,
            Err(e) => {
                // --help and --version print to stdout and exit 0; usage errors exit 2.
                let code = if e.use_stderr() { 2 } else { 0 };
                let _ = e.print();
                return ExitCode::from(code);
            }
        };
    match commands::run(cli) {
        Ok(code) => code.into(),
        Err(e) => {
            if output::is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            output::exit_code_of(&e).into()
        }
    }
}
