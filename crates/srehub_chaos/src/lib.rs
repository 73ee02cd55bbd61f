//! srehub's fault injection: a TCP/HTTP proxy with toxiproxy's toxics and control API, and bounded
//! CPU and memory stress for use inside a pod.

pub mod api;
pub mod cluster;
pub mod experiment;
mod framer;
pub mod proxy;
pub mod stress;
pub mod toxic;

/// Errors of the proxy and its API (the API maps them to 400, 404, 409 and 500).
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("cannot listen on {0}")]
    Listen(String),
}
