//! srehub's own logs: `tracing` to stderr, pretty or one JSON object a line.

use srehub_config::{LogFormat, LogSettings};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. A bad filter is a usage error.
pub fn init(s: &LogSettings, color: bool) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&s.level).map_err(|e| {
        anyhow::anyhow!(
            "log level `{}` is not a valid level or filter: {e}",
            s.level
        )
    })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
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
