use std::path::PathBuf;

use srehub_model::k8s::LoadError;

/// Errors of the Kubernetes sources.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A snapshot file or directory could not be read.
    #[error("reading {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Standard input could not be read.
    #[error("reading standard input")]
    Stdin(#[source] std::io::Error),
    /// The input is not kubectl output.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// No usable kubeconfig or in-cluster configuration.
    #[error("{what}")]
    Kubeconfig {
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The API server did not answer (connection refused, DNS, TLS, timeout), after retries.
    #[error("the Kubernetes API server at {target} could not be reached: {message}")]
    Unreachable { target: String, message: String },
    /// The API server refused our credentials.
    #[error("the Kubernetes API server at {target} refused the credentials: {message}")]
    Unauthorized { target: String, message: String },
    /// A list failed after retries.
    #[error("listing {path} on {target} failed: {message}")]
    ListFailed {
        target: String,
        path: String,
        message: String,
    },
    /// Writing a snapshot failed.
    #[error("writing the snapshot")]
    Write(#[source] std::io::Error),
    /// A directory held no JSON or YAML file.
    #[error("{path}: no .json, .yaml or .yml file in this directory")]
    EmptyDirectory { path: PathBuf },
}
