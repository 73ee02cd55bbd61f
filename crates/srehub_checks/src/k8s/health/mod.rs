//! `srehub doctor health`: the cluster's own parts: nodes, versions, control plane and add-ons.

mod addon_unhealthy;
mod control_plane_component_unhealthy;
mod kubelet_version_skew;
mod metrics_server_missing;
mod node_cordoned;
mod node_network_unavailable;
mod node_not_ready;
mod node_under_pressure;
mod single_control_plane_node;

pub use addon_unhealthy::AddonUnhealthy;
pub use control_plane_component_unhealthy::ControlPlaneComponentUnhealthy;
pub use kubelet_version_skew::KubeletVersionSkew;
pub use metrics_server_missing::MetricsServerMissing;
pub use node_cordoned::NodeCordoned;
pub use node_network_unavailable::NodeNetworkUnavailable;
pub use node_not_ready::NodeNotReady;
pub use node_under_pressure::NodeUnderPressure;
pub use single_control_plane_node::SingleControlPlaneNode;

use super::K8sCheck;

/// The health checks.
pub const CHECKS: &[&K8sCheck] = &[
    &NodeNotReady,
    &NodeUnderPressure,
    &NodeNetworkUnavailable,
    &NodeCordoned,
    &KubeletVersionSkew,
    &ControlPlaneComponentUnhealthy,
    &AddonUnhealthy,
    &SingleControlPlaneNode,
    &MetricsServerMissing,
];

use crate::k8s::text::{count, duration};
