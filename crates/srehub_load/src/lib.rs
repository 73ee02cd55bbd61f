//! srehub's load generator: plans (flags and scenario files), a closed and an open model with
//! coordinated-omission correction, HDR histograms that merge exactly across workers, and thresholds.
//!
//! The data flow is the project's: the plan is the source's input, [`runner::run`] produces the
//! [`srehub_model::load::LoadResult`] model, and the `load` checks in `srehub_checks` analyze it.

use std::path::PathBuf;

pub mod client;
pub mod compare;
pub mod metrics;
pub mod plan;
pub mod runner;
pub mod scenario;
pub mod schedule;
pub mod stats;
pub mod summary;
pub mod threshold;

/// Errors of planning a run, reading its inputs, or merging saved runs.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("threshold `{expression}`: {reason}")]
    Threshold { expression: String, reason: String },
    #[error("{path}:{line}:{column}: {message}")]
    Scenario {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Data { path: PathBuf, message: String },
    #[error("reading {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
    #[error("histogram: {0}")]
    Histogram(String),
}
