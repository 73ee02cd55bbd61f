//! Writing reports to stdout, and mapping errors to exit codes.

use std::io::Write;

use srehub_core::render::{Format, RenderOptions, render};
use srehub_core::{ExitCode, Report};

use crate::context::Context;

/// The version string recorded in reports: `0.1.0 (abc123def456)`.
pub fn version() -> String {
    format!(
        "{} ({})",
        env!("CARGO_PKG_VERSION"),
        env!("BUILD_GIT_COMMIT")
    )
}

/// How reports render on this stdout: colour on a terminal's table, its width, srehub's version.
pub fn render_options(ctx: &Context, format: Format) -> RenderOptions {
    RenderOptions {
        color: ctx.color && format == Format::Table,
        width: if ctx.stdout_is_terminal {
            srehub_core::render::terminal_width()
        } else {
            None
        },
        version: version(),
    }
}

/// Renders the report on stdout in the configured format and returns the exit code it calls for.
pub fn emit(ctx: &Context, report: &Report) -> anyhow::Result<ExitCode> {
    let format = ctx.settings.output.unwrap_or(if ctx.stdout_is_terminal {
        Format::Table
    } else {
        Format::Json
    });
    let opts = render_options(ctx, format);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    render(report, format, &opts, &mut out)?;
    out.flush()?;
    Ok(report.exit_code(ctx.settings.fail_on))
}

/// Whether the error is a closed stdout (e.g. `srehub doctor | head`), which is not a failure.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The documented exit code for an error: 3 when a source was unreachable, else 2.
pub fn exit_code_of(e: &anyhow::Error) -> ExitCode {
    for cause in e.chain() {
        if let Some(engine) = cause.downcast_ref::<srehub_engine::Error>() {
            return engine.exit_code();
        }
        if let Some(
            srehub_chaos::cluster::KubeError::Api { .. }
            | srehub_chaos::cluster::KubeError::Failed { .. },
        ) = cause.downcast_ref()
        {
            return ExitCode::Unreachable;
        }
    }
    ExitCode::Usage
}
