use std::collections::HashMap;

use jiff::Timestamp;
use srehub_core::{Check, Finding, Findings, Resource, Severity};
use srehub_model::k8s::Meta;

use super::{MAX_QUOTE, ago, quote};
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// `Warning` events last seen within `doctor.event-window-minutes`, grouped by reason and involved
    /// object: one finding per group with the total count, when it was last seen and the latest message.
    /// `BackOff`, `Unhealthy` and `ProbeWarning` are Info (they repeat what the pod checks report);
    /// everything else (`FailedScheduling`, `FailedMount`, `FailedAttachVolume`, `Evicted`, `OOMKilling`,
    /// `FailedCreate`, `NodeNotReady`, …) is a Warning. Runs only when events were collected.
    ///
    /// ## Why it matters
    /// Events are the only record of many failures (a volume that will not attach, a controller that
    /// cannot create pods because of a quota or an admission webhook, an eviction) and they expire after
    /// one hour by default, so a snapshot is often the last chance to see them.
    ///
    /// ## How to fix
    /// Read the full history with
    /// `kubectl get events -n NS --field-selector involvedObject.name=NAME,reason=REASON` and act on the
    /// object: `FailedMount`/`FailedAttachVolume` → the PVC, Secret or CSI driver named in the message;
    /// `FailedCreate` → the controller's quota, LimitRange or admission webhook; `FailedScheduling` → see
    /// K8S203; `Evicted` → the node's memory or disk pressure.
    K8S208 WarningEvents { name: "warning-events", severity: Warning, category: Health, group: "diagnose" }
}

/// Reasons that mostly repeat what other checks say about the same pod.
const NOISY_REASONS: [&str; 3] = ["BackOff", "Unhealthy", "ProbeWarning"];

/// Reason, involved kind, namespace, name.
type Key<'a> = (&'a str, &'a str, &'a str, &'a str);

struct Group<'a> {
    count: u32,
    last: Timestamp,
    message: &'a str,
}

impl Check<K8sInput<'_>> for WarningEvents {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        if !input.snap.has("Event") {
            return;
        }
        let window = i64::from(input.settings.event_window_minutes) * 60;
        let now = input.now.as_second();
        let mut groups: HashMap<Key<'_>, Group<'_>> = HashMap::new();
        for e in &input.snap.events {
            if e.type_ != "Warning" {
                continue;
            }
            let Some(seen) = e.last_seen() else {
                continue;
            };
            if now.saturating_sub(seen.as_second()) > window {
                continue;
            }
            let o = &e.involved_object;
            let key = (
                e.reason.as_str(),
                o.kind.as_str(),
                o.namespace.as_str(),
                o.name.as_str(),
            );
            let g = groups.entry(key).or_insert(Group {
                count: 0,
                last: seen,
                message: &e.message,
            });
            g.count = g.count.saturating_add(e.occurrences());
            if seen >= g.last {
                g.last = seen;
                g.message = &e.message;
            }
        }
        if groups.is_empty() {
            return;
        }
        // Exemptions read the involved object's own metadata where the snapshot has it.
        let mut pods: HashMap<(&str, &str), Option<&Meta>> = groups
            .keys()
            .filter(|k| k.1 == "Pod")
            .map(|k| ((k.2, k.3), None))
            .collect();
        if !pods.is_empty() {
            for p in &input.snap.pods {
                if let Some(slot) =
                    pods.get_mut(&(p.metadata.namespace.as_str(), p.metadata.name.as_str()))
                {
                    *slot = Some(&p.metadata);
                }
            }
        }
        let mut sorted: Vec<_> = groups.into_iter().collect();
        sorted.sort_unstable_by_key(|(k, _)| *k);
        for ((reason, kind, ns, name), g) in sorted {
            let known = match kind {
                "Pod" => pods.get(&(ns, name)).copied().flatten(),
                "Node" => input.node(name).map(|n| &n.metadata),
                _ => None,
            };
            let synthetic;
            let object = match known {
                Some(m) => m,
                None => {
                    synthetic = Meta {
                        kind: kind.to_string(),
                        namespace: ns.to_string(),
                        name: name.to_string(),
                        ..Meta::default()
                    };
                    &synthetic
                }
            };
            let times = if g.count == 1 {
                "once".to_string()
            } else {
                format!("{} times", g.count)
            };
            let reason_text = if reason.is_empty() {
                "(no reason)"
            } else {
                reason
            };
            let latest = quote(g.message, MAX_QUOTE);
            let message = if latest.is_empty() {
                format!(
                    "Warning event `{reason_text}` {times}, last seen {}",
                    ago(input.minutes_since(g.last))
                )
            } else {
                format!(
                    "Warning event `{reason_text}` {times}, last seen {}: {latest}",
                    ago(input.minutes_since(g.last))
                )
            };
            let scope = if ns.is_empty() {
                "-A".to_string()
            } else {
                format!("-n {ns}")
            };
            let mut selector = format!("involvedObject.kind={kind},involvedObject.name={name}");
            if !reason.is_empty() {
                selector.push_str(&format!(",reason={reason}"));
            }
            let mut f = Finding::new(&Self::META, message)
                .resource(Resource::new(kind, name).in_namespace(ns))
                .hint(format!(
                    "kubectl get events {scope} --field-selector {selector}"
                ));
            if NOISY_REASONS.contains(&reason) {
                f = f.severity(Severity::Info);
            }
            input.report(out, &Self::META, object, f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{pod, run, snapshot};
    use serde_json::json;

    fn event(
        name: &str,
        reason: &str,
        (kind, ns, obj): (&str, &str, &str),
        count: u32,
        last: &str,
        message: &str,
    ) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "Event",
               "metadata": {"name": name, "namespace": if ns.is_empty() { "default" } else { ns }, "creationTimestamp": "2026-11-20T08:00:00Z"},
               "involvedObject": {"apiVersion": "v1", "kind": kind, "namespace": ns, "name": obj, "uid": "7c1f0a4e-2b7d-4f4e-9a51-0d9f3c0b8e11"},
               "reason": reason, "message": message, "type": "Warning", "count": count,
               "firstTimestamp": "2026-11-20T08:00:00Z", "lastTimestamp": last,
               "source": {"component": "kubelet", "host": "node-1"}, "reportingComponent": "kubelet"})
    }

    #[test]
    fn groups_recent_warnings_by_reason_and_object() {
        let mount = "MountVolume.SetUp failed for volume \"tls\" : secret \"api-tls\" not found";
        let snap = snapshot(
            &[
                pod("web", "api-0", json!({})),
                event(
                    "api-0.1",
                    "FailedMount",
                    ("Pod", "web", "api-0"),
                    12,
                    "2026-11-20T09:40:00Z",
                    "MountVolume.SetUp failed for volume \"tls\" : secret \"api-tls\" not found (old)",
                ),
                event(
                    "api-0.2",
                    "FailedMount",
                    ("Pod", "web", "api-0"),
                    3,
                    "2026-11-20T09:57:00Z",
                    mount,
                ),
                event(
                    "api-0.3",
                    "BackOff",
                    ("Pod", "web", "api-0"),
                    40,
                    "2026-11-20T09:59:00Z",
                    "Back-off restarting failed container app in pod api-0_web(1b2c)",
                ),
                event(
                    "node-3.1",
                    "NodeNotReady",
                    ("Node", "", "node-3"),
                    1,
                    "2026-11-20T09:30:00Z",
                    "Node node-3 status is now: NodeNotReady",
                ),
                // Outside the 60-minute window.
                event(
                    "old.1",
                    "FailedCreate",
                    ("ReplicaSet", "web", "api-6d4f"),
                    5,
                    "2026-11-20T08:30:00Z",
                    "quota exceeded",
                ),
                // Normal events are not warnings.
                json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "n.1", "namespace": "web"},
                       "involvedObject": {"kind": "Pod", "namespace": "web", "name": "api-0"},
                       "reason": "Pulled", "type": "Normal", "lastTimestamp": "2026-11-20T09:59:00Z", "message": "Successfully pulled image"}),
            ],
            &[],
        );
        let found = run(&WarningEvents, &snap);
        assert_eq!(found.len(), 3);
        let mounts = found
            .iter()
            .find(|f| f.message.contains("FailedMount"))
            .expect("a FailedMount finding");
        assert!(
            mounts
                .message
                .starts_with("Warning event `FailedMount` 15 times, last seen 3 min ago")
        );
        assert!(mounts.message.ends_with("not found"));
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_without_events_or_recent_warnings() {
        let old = event(
            "old.1",
            "FailedMount",
            ("Pod", "web", "api-0"),
            5,
            "2026-11-20T07:00:00Z",
            "old",
        );
        assert!(run(&WarningEvents, &snapshot(&[old], &[])).is_empty());
        assert!(run(&WarningEvents, &snapshot(&[], &[])).is_empty());
        assert!(run(&WarningEvents, &snapshot(&[], &["Event"])).is_empty());
    }

    #[test]
    fn handles_many_events_in_one_pass() {
        let evs: Vec<_> = (0..50_000)
            .map(|i| {
                event(
                    &format!("e{i}"),
                    "FailedMount",
                    ("Pod", "web", &format!("p{}", i % 100)),
                    1,
                    "2026-11-20T09:50:00Z",
                    "x",
                )
            })
            .collect();
        let found = run(&WarningEvents, &snapshot(&evs, &[]));
        assert_eq!(found.len(), 100);
        assert!(found.iter().all(|f| {
            f.message
                .starts_with("Warning event `FailedMount` 500 times")
        }));
    }
}
