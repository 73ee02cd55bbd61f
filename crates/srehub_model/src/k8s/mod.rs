//! The Kubernetes model: a [`ClusterSnapshot`] of the objects the doctor reads, and the loader that
//! builds one from `kubectl get … -o json|yaml` output (a `List`, a typed list such as `PodList`, single
//! objects, multi-document YAML, `kubectl version -o json`, metrics API lists).

mod load;
mod quantity;
mod snapshot;
mod stream;
mod types;
mod workloads;

pub use load::{LoadError, SnapshotBuilder};
pub use quantity::{format_bytes, format_cpu, parse_quantity};
pub use snapshot::{ClusterSnapshot, Namespace, PodMetrics};
pub use types::*;
pub use workloads::*;
