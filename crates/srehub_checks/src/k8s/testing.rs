//! Test helpers: build a snapshot from JSON objects and run one check over it.

use srehub_config::{DoctorSettings, ExemptionSet};
use srehub_core::{Finding, Findings};
use srehub_model::k8s::{ClusterSnapshot, SnapshotBuilder};

use super::{K8sCheck, K8sInput};

/// The `now` of check tests: 2026-11-20T10:00:00Z.
pub fn now() -> jiff::Timestamp {
    "2026-11-20T10:00:00Z".parse().expect("valid")
}

/// A snapshot of these objects (each a JSON object with `kind`). Kinds listed in `collected` count as
/// collected even when no object of them is given.
pub fn snapshot(objects: &[serde_json::Value], collected: &[&str]) -> ClusterSnapshot {
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": objects});
    let mut b = SnapshotBuilder::new();
    b.add_bytes(list.to_string().as_bytes(), "test")
        .expect("valid test objects");
    for k in collected {
        b.mark_collected(k);
    }
    b.finish()
}

/// Runs one check with default settings at [`now`].
pub fn run(check: &K8sCheck, snap: &ClusterSnapshot) -> Vec<Finding> {
    run_with(check, snap, &DoctorSettings::default())
}

/// Runs one check with these settings at [`now`].
pub fn run_with(
    check: &K8sCheck,
    snap: &ClusterSnapshot,
    settings: &DoctorSettings,
) -> Vec<Finding> {
    let ex = ExemptionSet::default();
    let input = K8sInput::new(snap, settings, &ex, now());
    let mut out = Findings::new();
    check.run(&input, &mut out);
    out.into_vec()
}

/// A minimal healthy pod in `ns` with one container; `patch` is merged over it (JSON merge patch).
pub fn pod(ns: &str, name: &str, patch: serde_json::Value) -> serde_json::Value {
    let mut base = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "creationTimestamp": "2026-11-19T10:00:00Z", "labels": {"app": name}},
        "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "registry.example.com/app:1.2.3"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "image": "registry.example.com/app:1.2.3", "state": {"running": {"startedAt": "2026-11-19T10:00:05Z"}}}]}
    });
    merge(&mut base, patch);
    base
}

/// JSON merge patch (RFC 7386): objects merge, everything else replaces, `null` removes.
pub fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(&k);
                } else {
                    merge(b.entry(k).or_insert(serde_json::Value::Null), v);
                }
            }
        }
        (b, p) => *b = p,
    }
}
