//! srehub's models: plain serde data, produced by sources (live APIs, files) and read by the pure
//! analyzers. Nothing here does network I/O.

pub mod chaos;
pub mod ci;
pub mod dockerfile;
pub mod helm;
pub mod k8s;
pub mod load;
pub mod manifest;
pub mod metrics;
pub mod terraform;
pub mod vulns;
pub mod yaml;
