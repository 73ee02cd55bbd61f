//! `srehub doctor audit`: best practice for workloads, namespaces, RBAC and API versions.

pub mod cluster;
pub mod containers;
