use std::path::PathBuf;

/// Configuration errors. Each names where the bad value came from.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A config file given explicitly does not exist or cannot be read.
    #[error("cannot read config file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A config file does not parse or has an unknown key or a wrong type.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A `SREHUB_*` variable names no setting or has a bad value.
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
    /// `.env` does not parse.
    #[error("{path}: {message}")]
    DotEnv { path: PathBuf, message: String },
    /// A value is valid YAML of the right type but not allowed.
    #[error("{origin}: {key}: {message}")]
    Invalid {
        origin: String,
        key: String,
        message: String,
    },
}
