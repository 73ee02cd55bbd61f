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
    /// A directory held no JSON or YAML file.
    #[error("{path}: no .json, .yaml or .yml file in this directory")]
    EmptyDirectory { path: PathBuf },
}
