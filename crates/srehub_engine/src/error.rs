use srehub_core::ExitCode;

/// Why an analysis could not run. [`Error::exit_code`] maps each to the documented exit code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input (a snapshot, a file, a kubeconfig) is unreadable or invalid.
    #[error(transparent)]
    Input(srehub_kube::Error),
    /// The configuration or the selection of checks is invalid.
    #[error(transparent)]
    Config(#[from] srehub_config::Error),
    /// `--select`/`--ignore`/overrides name no known check.
    #[error(transparent)]
    Selection(#[from] srehub_core::SelectionError),
    /// `srehub lint` had nothing it could lint, or a path it could not read.
    #[error("{0}")]
    Lint(String),
    /// `srehub logs` could not open an input or was given a bad option (pattern, filter, state file).
    #[error("{0}")]
    Logs(String),
    /// `srehub slo` was given an unreadable or invalid spec (every problem, one per line).
    #[error("{0}")]
    Slo(String),
    /// `srehub alerts` was given a bad history file, rule file or option, or a query Prometheus refused.
    #[error("{0}")]
    Alerts(String),
    /// `srehub cost` was given a bad option, or Prometheus refused a query.
    #[error("{0}")]
    Cost(String),
    /// `srehub load` was given a bad option, scenario, data or histogram file.
    #[error(transparent)]
    Load(#[from] srehub_load::Error),
    /// A Prometheus-compatible server or Alertmanager could not be reached (after retries).
    #[error("{0}")]
    Downstream(String),
    /// A source could not be reached (or refused us, or failed after retries).
    #[error(transparent)]
    Unreachable(srehub_kube::Error),
}

impl From<srehub_kube::Error> for Error {
    fn from(e: srehub_kube::Error) -> Self {
        use srehub_kube::Error as K;
        match e {
            K::Unreachable { .. } | K::Unauthorized { .. } | K::ListFailed { .. } => {
                Error::Unreachable(e)
            }
            e => Error::Input(e),
        }
    }
}

impl Error {
    /// A Prometheus or Alertmanager failure: unreachable (exit 3) or, through `refused`, a bad
    /// answer or query of the calling tool (exit 2).
    pub fn from_prom(e: &srehub_prometheus::PromError, refused: fn(String) -> Error) -> Error {
        if e.is_unreachable() {
            Error::Downstream(e.to_string())
        } else {
            refused(e.to_string())
        }
    }

    /// `2` for bad input or configuration, `3` for an unreachable source.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Unreachable(_) | Error::Downstream(_) => ExitCode::Unreachable,
            _ => ExitCode::Usage,
        }
    }
}
