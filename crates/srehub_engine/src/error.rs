use srehub_core::ExitCode;

/// Why an analysis could not run. [`Error::exit_code`] maps each to the documented exit code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input (a snapshot, a file) is unreadable or invalid.
    #[error(transparent)]
    Input(#[from] srehub_kube::Error),
    /// The configuration or the selection of checks is invalid.
    #[error(transparent)]
    Config(#[from] srehub_config::Error),
    /// `--select`/`--ignore`/overrides name no known check.
    #[error(transparent)]
    Selection(#[from] srehub_core::SelectionError),
    /// A source could not be reached.
    #[error("{source_name} could not be reached")]
    Unreachable {
        source_name: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl Error {
    /// `2` for bad input or configuration, `3` for an unreachable source.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Unreachable { .. } => ExitCode::Unreachable,
            _ => ExitCode::Usage,
        }
    }
}
