//! Kubernetes sources: they do the I/O and return a [`ClusterSnapshot`](srehub_model::k8s::ClusterSnapshot).

mod error;
pub mod live;
pub mod snapshot;

pub use error::Error;
