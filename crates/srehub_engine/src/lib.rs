//! Engines: one async function per analysis. Each gathers its model from a source, runs the pure
//! analyzers and returns a [`Report`](srehub_core::Report). The CLI command and the HTTP handler for the
//! same analysis both call it.

pub mod alerts;
pub mod chaos;
pub mod cost;
pub mod doctor;
mod error;
pub mod lint;
pub mod load;
pub mod logs;
pub mod slo;

pub use error::Error;
