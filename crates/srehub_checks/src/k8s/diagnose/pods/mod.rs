//! Diagnose checks about pods and their containers.

mod container_create_failing;
mod container_oom_killed;
mod container_restarting_often;
mod image_pull_failing;
mod pod_crash_looping;
mod pod_not_ready;
mod pod_stuck_terminating;
mod pod_unschedulable;
mod warning_events;

pub use container_create_failing::ContainerCreateFailing;
pub use container_oom_killed::ContainerOomKilled;
pub use container_restarting_often::ContainerRestartingOften;
pub use image_pull_failing::ImagePullFailing;
pub use pod_crash_looping::PodCrashLooping;
pub use pod_not_ready::PodNotReady;
pub use pod_stuck_terminating::PodStuckTerminating;
pub use pod_unschedulable::PodUnschedulable;
pub use warning_events::WarningEvents;

use srehub_core::Resource;
use srehub_model::k8s::{ContainerStatus, Pod};

use crate::k8s::K8sCheck;

/// The pod diagnose checks.
pub const CHECKS: &[&K8sCheck] = &[
    &PodCrashLooping,
    &ImagePullFailing,
    &ContainerCreateFailing,
    &PodUnschedulable,
    &ContainerOomKilled,
    &PodStuckTerminating,
    &PodNotReady,
    &ContainerRestartingOften,
    &WarningEvents,
];

/// Waiting reasons of a container whose image cannot be pulled (K8S201).
const IMAGE_PULL_REASONS: [&str; 4] = [
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "ErrImageNeverPull",
];

/// Waiting reasons of a container that cannot be created or started (K8S202).
const CREATE_REASONS: [&str; 5] = [
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "PreCreateHookError",
    "PostStartHookError",
];

/// Longest kubelet or scheduler message quoted in a finding, in characters.
const MAX_QUOTE: usize = 200;

/// The report resource for a pod (the kind is fixed, so it does not depend on how the pod was loaded).
fn pod_resource(pod: &Pod) -> Resource {
    Resource::new("Pod", pod.metadata.name.clone()).in_namespace(pod.metadata.namespace.clone())
}

/// Init containers then containers, with their statuses.
fn all_statuses(pod: &Pod) -> impl Iterator<Item = &ContainerStatus> {
    pod.status
        .init_container_statuses
        .iter()
        .chain(&pod.status.container_statuses)
}

/// The reason a container is waiting, or `""`.
fn waiting_reason(cs: &ContainerStatus) -> &str {
    cs.state
        .waiting
        .as_ref()
        .map(|w| w.reason.as_str())
        .unwrap_or("")
}

/// Whether a container is waiting for a reason another diagnose check already reports (crash loop, image
/// pull, create error).
fn waiting_for_known_reason(cs: &ContainerStatus) -> bool {
    let r = waiting_reason(cs);
    r == "CrashLoopBackOff" || IMAGE_PULL_REASONS.contains(&r) || CREATE_REASONS.contains(&r)
}

/// `s` on one line (whitespace runs collapsed), cut to at most `max` characters at a character boundary,
/// with `…` when cut.
fn quote(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max + 4));
    let mut chars = 0;
    for word in s.split_whitespace() {
        if !out.is_empty() {
            if chars >= max {
                out.push('…');
                return out;
            }
            out.push(' ');
            chars += 1;
        }
        for c in word.chars() {
            if chars >= max {
                out.push('…');
                return out;
            }
            out.push(c);
            chars += 1;
        }
    }
    out
}

use crate::k8s::text::duration;

/// `"N min ago"`, `"3h 10m ago"`, `"2d 4h ago"`.
fn ago(minutes: i64) -> String {
    format!("{} ago", duration(minutes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_cuts_at_char_boundaries() {
        assert_eq!(quote("a  b\n c", 200), "a b c");
        assert_eq!(quote("héllo wörld", 4), "héll…");
        assert_eq!(quote("abc def", 3), "abc…");
        assert_eq!(quote("", 3), "");
        let long = "é".repeat(500);
        assert_eq!(quote(&long, MAX_QUOTE).chars().count(), MAX_QUOTE + 1);
    }

    #[test]
    fn ago_picks_a_unit() {
        assert_eq!(ago(-3), "0 min ago");
        assert_eq!(ago(90), "1h 30m ago");
        assert_eq!(ago(180), "3h 0m ago");
        assert_eq!(ago(3000), "2d 2h ago");
        assert_eq!(duration(45), "45 min");
    }
}
