//! `srehub doctor health`: the cluster's own parts: nodes, versions, control plane and add-ons.

mod node_not_ready;

pub use node_not_ready::NodeNotReady;

use super::K8sCheck;

/// The health checks.
pub const CHECKS: &[&K8sCheck] = &[&NodeNotReady];
