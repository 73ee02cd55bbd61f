use std::collections::HashMap;

use srehub_core::{Check, Finding, Findings, Severity};

use super::duration;
use crate::k8s::K8sInput;
use crate::k8s::input::resource;
use srehub_model::k8s::Event;

srehub_core::declare_check! {
    /// ## What it checks
    /// PersistentVolumeClaims in phase `Lost` (critical: their PersistentVolume is gone) or `Pending` for
    /// longer than `pending-minutes`. A Pending claim that no pod uses is only reported when its latest
    /// event is a warning (such as `ProvisioningFailed`): with a `WaitForFirstConsumer` storage class,
    /// Pending until a pod is scheduled is normal.
    ///
    /// ## Why it matters
    /// Pods that mount a Pending claim stay Pending themselves; a Lost claim means the data behind it is no
    /// longer reachable and the pods using it cannot start.
    ///
    /// ## How to fix
    /// `kubectl -n NS describe pvc NAME` (its events say why). Check the storage class exists
    /// (`kubectl get storageclass`; a claim without `storageClassName` needs a default class), that its
    /// provisioner (CSI driver) pods run, and that the requested size, access mode and zone can be met.
    /// For Lost: restore the PersistentVolume (same name, with `claimRef`) from a backup or snapshot.
    K8S213 PvcNotBound { name: "pvc-not-bound", severity: Warning, category: Health, group: "diagnose" }
}

impl Check<K8sInput<'_>> for PvcNotBound {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let snap = input.snap;
        if snap
            .pvcs
            .iter()
            .all(|p| !matches!(p.status.phase.as_str(), "Pending" | "Lost"))
        {
            return;
        }
        // (namespace, claim) → pods using it.
        let mut users: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
        for p in snap
            .pods
            .iter()
            .filter(|p| !matches!(p.status.phase.as_str(), "Succeeded" | "Failed"))
        {
            for v in &p.spec.volumes {
                if let Some(c) = &v.persistent_volume_claim {
                    users
                        .entry((p.metadata.namespace.as_str(), c.claim_name.as_str()))
                        .or_default()
                        .push(p.metadata.name.as_str());
                }
            }
        }
        // (namespace, claim) → its latest event.
        let mut events: HashMap<(&str, &str), &Event> = HashMap::new();
        for e in snap
            .events
            .iter()
            .filter(|e| e.involved_object.kind == "PersistentVolumeClaim")
        {
            let key = (
                e.involved_object.namespace.as_str(),
                e.involved_object.name.as_str(),
            );
            let slot = events.entry(key).or_insert(e);
            if e.last_seen() > slot.last_seen() {
                *slot = e;
            }
        }
        let pods_known = snap.has("Pod");
        for pvc in &snap.pvcs {
            let m = &pvc.metadata;
            if m.deletion_timestamp.is_some() {
                continue;
            }
            let key = (m.namespace.as_str(), m.name.as_str());
            let event = events.get(&key);
            let used_by = users.get(&key).map(Vec::as_slice).unwrap_or(&[]);
            let age = m.creation_timestamp.map(|t| input.minutes_since(t));
            let class = match pvc.spec.storage_class_name.as_deref() {
                Some("") => "no storage class (static binding only)".to_string(),
                Some(c) => format!("storage class `{c}`"),
                None => "the default storage class".to_string(),
            };
            let users_text = match used_by {
                [] => "no pod uses it".to_string(),
                [one] => format!("pod `{one}` waits for it"),
                [one, rest @ ..] => format!("pods `{one}` and {} more wait for it", rest.len()),
            };
            let last_event = event
                .map(|e| {
                    format!(
                        "; last event {}: {}",
                        e.reason,
                        e.message.trim().trim_end_matches('.')
                    )
                })
                .unwrap_or_default();
            let finding = match pvc.status.phase.as_str() {
                "Lost" => {
                    let volume = pvc
                        .spec
                        .volume_name
                        .as_deref()
                        .filter(|v| !v.is_empty())
                        .unwrap_or("(none)");
                    Finding::new(
                        &Self::META,
                        format!("PersistentVolumeClaim is Lost: its PersistentVolume `{volume}` no longer exists ({users_text}){last_event}"),
                    )
                    .severity(Severity::Critical)
                    .hint(format!("Restore PersistentVolume {volume} (with claimRef {}/{}) from a backup or snapshot", m.namespace, m.name))
                }
                "Pending" => {
                    let Some(age) = age.filter(|a| *a > i64::from(input.settings.pending_minutes))
                    else {
                        continue;
                    };
                    let failing = event.is_some_and(|e| e.type_ == "Warning");
                    if used_by.is_empty() && pods_known && !failing {
                        continue;
                    }
                    Finding::new(
                        &Self::META,
                        format!("PersistentVolumeClaim is Pending for {} with {class}; {users_text}{last_event}", duration(age)),
                    )
                    .hint(format!(
                        "kubectl -n {} describe pvc {}; check the storage class and that its provisioner runs (kubectl get storageclass)",
                        m.namespace, m.name
                    ))
                }
                _ => continue,
            };
            input.report(out, &Self::META, m, finding.resource(resource(m)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{pod, run, snapshot};
    use serde_json::json;

    fn pvc(
        name: &str,
        class: Option<&str>,
        phase: &str,
        volume: Option<&str>,
    ) -> serde_json::Value {
        json!({"kind": "PersistentVolumeClaim", "apiVersion": "v1",
               "metadata": {"name": name, "namespace": "data", "creationTimestamp": "2026-11-20T08:30:00Z",
                            "finalizers": ["kubernetes.io/pvc-protection"]},
               "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "50Gi"}},
                        "storageClassName": class, "volumeMode": "Filesystem", "volumeName": volume},
               "status": {"phase": phase}})
    }

    fn user(name: &str, claim: &str) -> serde_json::Value {
        pod(
            "data",
            name,
            json!({"spec": {"nodeName": null, "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]},
            "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}], "containerStatuses": null}}),
        )
    }

    fn event(claim: &str, type_: &str, reason: &str, message: &str) -> serde_json::Value {
        json!({"kind": "Event", "apiVersion": "v1", "metadata": {"name": format!("{claim}.17f"), "namespace": "data"},
               "involvedObject": {"kind": "PersistentVolumeClaim", "namespace": "data", "name": claim},
               "type": type_, "reason": reason, "message": message, "count": 42,
               "firstTimestamp": "2026-11-20T08:30:00Z", "lastTimestamp": "2026-11-20T09:58:00Z"})
    }

    #[test]
    fn triggers_on_pending_and_lost_claims() {
        let snap = snapshot(
            &[
                pvc("data-postgres-0", Some("gp3"), "Pending", None),
                user("postgres-0", "data-postgres-0"),
                event(
                    "data-postgres-0",
                    "Warning",
                    "ProvisioningFailed",
                    "failed to provision volume with StorageClass \"gp3\": rpc error: code = Internal desc = Could not create volume: UnauthorizedOperation",
                ),
                pvc("uploads", None, "Pending", None),
                event(
                    "uploads",
                    "Warning",
                    "ProvisioningFailed",
                    "storageclass.storage.k8s.io \"standard\" not found",
                ),
                pvc(
                    "archive",
                    Some("local-path"),
                    "Lost",
                    Some("pvc-3f1c2d9e-8b7a-4c6d-9e0f-1a2b3c4d5e6f"),
                ),
            ],
            &[],
        );
        let found = run(&PvcNotBound, &snap);
        assert_eq!(found.len(), 3);
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_bound_fresh_and_waiting_for_consumer() {
        let mut fresh = pvc("scratch", Some("gp3"), "Pending", None);
        fresh["metadata"]["creationTimestamp"] = json!("2026-11-20T09:58:00Z");
        let snap = snapshot(
            &[
                pvc("data-postgres-0", Some("gp3"), "Bound", Some("pvc-1")),
                fresh,
                user("scratch-user", "scratch"),
                pvc("cache", Some("gp3"), "Pending", None),
                event(
                    "cache",
                    "Normal",
                    "WaitForFirstConsumer",
                    "waiting for first consumer to be created before binding",
                ),
            ],
            &["Pod"],
        );
        let found = run(&PvcNotBound, &snap);
        assert!(found.is_empty(), "{found:?}");
    }
}
