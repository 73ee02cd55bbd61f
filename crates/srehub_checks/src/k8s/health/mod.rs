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

/// A duration in minutes for messages: `45 min`, `3h 10m`, `2d 4h`.
fn duration(minutes: i64) -> String {
    let m = minutes.max(0);
    match m {
        0..60 => format!("{m} min"),
        60..1440 => format!("{}h {}m", m / 60, m % 60),
        _ => format!("{}d {}h", m / 1440, m % 1440 / 60),
    }
}

/// `1 pod`, `3 pods`: a count with its noun in the right number.
fn count(n: impl std::fmt::Display, one: &str, many: &str) -> String {
    let n = n.to_string();
    let noun = if n == "1" { one } else { many };
    format!("{n} {noun}")
}
