//! srehub's own logs: `tracing` to stderr, pretty or one JSON object a line.

use srehub_config::{LogFormat, LogSettings};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. A bad filter is a usage error.
pub fn init(s: &LogSettings, color: bool) -> anyhow::Result<()> {
    init_with(s, color, std::io::stderr)
}

/// [`init`] for a server: lines are written by a thread of their own, so that a request does not wait
/// for a write to stderr. Nothing is dropped (a full buffer makes the caller wait); keep the guard
/// until exit, as dropping it writes what is left.
pub fn init_background(
    s: &LogSettings,
) -> anyhow::Result<tracing_appender::non_blocking::WorkerGuard> {
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(64 * 1024)
        .thread_name("srehub-log")
        .finish(std::io::stderr());
    init_with(s, false, writer)?;
    Ok(guard)
}

fn init_with<W>(s: &LogSettings, color: bool, writer: W) -> anyhow::Result<()>
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(&s.level).map_err(|e| {
        anyhow::anyhow!(
            "log level `{}` is not a valid level or filter: {e}",
            s.level
        )
    })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let result = match s.format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.with_ansi(color).with_target(true).try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
    Ok(())
}
