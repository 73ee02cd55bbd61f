use std::collections::HashMap;

use srehub_core::{Check, Finding, Findings};
use srehub_model::k8s::{Pvc, condition};

use super::{MAX_QUOTE, pod_resource, quote};
use crate::k8s::K8sInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Pods `Pending` for longer than `doctor.pending-minutes` because the scheduler cannot place them
    /// (`PodScheduled=False`, reason `Unschedulable`), or because a PersistentVolumeClaim they mount exists
    /// but is not `Bound`. The scheduler's message is classified into a short cause: insufficient
    /// cpu/memory (or another resource), untolerated taint, node affinity or selector mismatch, unbound or
    /// missing PersistentVolumeClaim, too many pods, volume node affinity conflict, pod (anti-)affinity,
    /// topology spread constraints, cordoned nodes, host port conflicts.
    ///
    /// ## Why it matters
    /// The pod does not run at all: a rollout stalls, a StatefulSet stops at the missing ordinal, a Job
    /// never starts. Unschedulable pods also keep the cluster autoscaler busy (or show that it cannot help).
    ///
    /// ## How to fix
    /// `kubectl describe pod -n NS POD` shows the scheduler's full message (`0/12 nodes are available: …`).
    /// Insufficient resources: lower `resources.requests` or add capacity (check the cluster autoscaler's
    /// node group max size). Taints: add a `spec.tolerations` entry or target untainted nodes. Affinity:
    /// fix `spec.nodeSelector` / `spec.affinity` or label nodes (`kubectl get nodes --show-labels`). PVC:
    /// `kubectl describe pvc -n NS NAME` (StorageClass, provisioner, quota). Volume node affinity conflict:
    /// the PersistentVolume is pinned to a zone with no schedulable node; use a StorageClass with
    /// `volumeBindingMode: WaitForFirstConsumer`. Too many pods: add nodes or raise the kubelet `maxPods`.
    K8S203 PodUnschedulable { name: "pod-unschedulable", severity: Critical, category: Health, group: "diagnose" }
}

/// Scheduler message fragments (lowercase) and the short cause they mean.
const PATTERNS: &[(&str, &str)] = &[
    ("untolerated taint", "untolerated taint"),
    ("had taint", "untolerated taint"),
    (
        "node affinity/selector",
        "node affinity or selector mismatch",
    ),
    (
        "didn't match node selector",
        "node affinity or selector mismatch",
    ),
    (
        "unbound immediate persistentvolumeclaims",
        "unbound PersistentVolumeClaim",
    ),
    (
        "unbound persistentvolumeclaim",
        "unbound PersistentVolumeClaim",
    ),
    (
        "volume node affinity conflict",
        "volume node affinity conflict",
    ),
    ("too many pods", "too many pods"),
    ("didn't match pod anti-affinity", "pod anti-affinity"),
    (
        "didn't satisfy existing pods anti-affinity",
        "pod anti-affinity",
    ),
    ("didn't match pod affinity", "pod affinity"),
    ("topology spread constraints", "topology spread constraints"),
    ("were unschedulable", "nodes cordoned"),
    ("didn't have free ports", "host port conflict"),
    ("exceed max volume count", "too many volumes"),
    ("no nodes available", "no nodes"),
];

/// A scheduler message without its `preemption: …` part, which repeats the node count with reasons that
/// are not causes.
fn without_preemption(message: &str) -> &str {
    // ASCII lowercasing keeps byte offsets, so the cut lands on a character boundary of `message`.
    let cut = message
        .to_ascii_lowercase()
        .find("preemption:")
        .unwrap_or(message.len());
    message[..cut].trim_end()
}

/// The short causes named in a scheduler message, in the order the message names them.
fn classify(message: &str) -> Vec<String> {
    let lower = without_preemption(message).to_ascii_lowercase();
    let main = lower.as_str();
    let mut found: Vec<(usize, String)> = Vec::new();
    for (pat, cause) in PATTERNS {
        if let Some(at) = main.find(pat) {
            found.push((at, (*cause).to_string()));
        }
    }
    if main.contains("persistentvolumeclaim \"") && main.contains("not found") {
        found.push((
            main.find("persistentvolumeclaim \"").unwrap_or(0),
            "missing PersistentVolumeClaim".into(),
        ));
    }
    let mut rest = main;
    let mut offset = 0;
    while let Some(at) = rest.find("insufficient ") {
        let after = &rest[at + "insufficient ".len()..];
        let res: String = after
            .chars()
            .take_while(|c| !matches!(c, ',' | ' ' | ';'))
            .collect();
        let res = res.trim_end_matches('.');
        if !res.is_empty() {
            found.push((offset + at, format!("insufficient {res}")));
        }
        offset += at + "insufficient ".len();
        rest = after;
    }
    found.sort_by_key(|(at, _)| *at);
    let mut causes: Vec<String> = Vec::new();
    for (_, c) in found {
        if !causes.contains(&c) {
            causes.push(c);
        }
    }
    causes
}

/// What to do about the first cause.
fn hint_for(cause: &str, ns: &str, pod: &str, pending_pvc: Option<&str>) -> String {
    let describe = format!("kubectl describe pod -n {ns} {pod}");
    match cause {
        c if c.starts_with("insufficient ") => format!(
            "Lower the pod's resources.requests or add node capacity (check the cluster autoscaler's max size); {describe}"
        ),
        "untolerated taint" => format!(
            "Add a matching spec.tolerations entry or target untainted nodes (kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints); {describe}"
        ),
        "node affinity or selector mismatch" => {
            "Fix spec.nodeSelector / spec.affinity.nodeAffinity or label a node to match (kubectl get nodes --show-labels)".into()
        }
        "unbound PersistentVolumeClaim" => match pending_pvc {
            Some(pvc) => format!("kubectl describe pvc -n {ns} {pvc}: check its storageClassName, the provisioner and quota"),
            None => format!("kubectl get pvc -n {ns}: check the pending claims' storageClassName, the provisioner and quota"),
        },
        "missing PersistentVolumeClaim" => {
            "Create the PersistentVolumeClaim or fix spec.volumes[].persistentVolumeClaim.claimName".into()
        }
        "volume node affinity conflict" => {
            "The PersistentVolume is pinned to a zone or node with no schedulable node: add capacity there, or use a StorageClass with volumeBindingMode: WaitForFirstConsumer".into()
        }
        "too many pods" => "The nodes are at their pod limit: add nodes or raise the kubelet's maxPods".into(),
        "pod anti-affinity" | "pod affinity" => format!(
            "Relax spec.affinity.podAntiAffinity/podAffinity (preferred instead of required) or add nodes; {describe}"
        ),
        "topology spread constraints" => format!(
            "Set whenUnsatisfiable: ScheduleAnyway in spec.topologySpreadConstraints or add nodes in the missing domains; {describe}"
        ),
        "nodes cordoned" => "Uncordon nodes (kubectl uncordon NODE) or add schedulable nodes".into(),
        "host port conflict" => "Remove hostPort from the pod's ports or add nodes".into(),
        _ => describe,
    }
}

impl Check<K8sInput<'_>> for PodUnschedulable {
    fn run(&self, input: &K8sInput<'_>, out: &mut Findings) {
        let pvcs: HashMap<(&str, &str), &Pvc> = input
            .snap
            .pvcs
            .iter()
            .map(|p| ((p.metadata.namespace.as_str(), p.metadata.name.as_str()), p))
            .collect();
        let threshold = i64::from(input.settings.pending_minutes) * 60;
        for pod in &input.snap.pods {
            let m = &pod.metadata;
            if pod.status.phase != "Pending" || m.deletion_timestamp.is_some() {
                continue;
            }
            let scheduled = condition(&pod.status.conditions, "PodScheduled");
            let Some(since) = m
                .creation_timestamp
                .or(scheduled.and_then(|c| c.last_transition_time))
            else {
                continue;
            };
            let age = input.now.as_second().saturating_sub(since.as_second());
            if age <= threshold {
                continue;
            }
            let unschedulable =
                scheduled.filter(|c| c.status == "False" && c.reason == "Unschedulable");
            let pending_pvcs: Vec<(&str, &str)> = pod
                .spec
                .volumes
                .iter()
                .filter_map(|v| v.persistent_volume_claim.as_ref())
                .filter_map(|c| pvcs.get(&(m.namespace.as_str(), c.claim_name.as_str())))
                .filter(|p| !p.status.phase.is_empty() && p.status.phase != "Bound")
                .map(|p| (p.metadata.name.as_str(), p.status.phase.as_str()))
                .collect();
            let pvc_text = pending_pvcs
                .iter()
                .map(|(n, phase)| format!("PersistentVolumeClaim `{n}` is {phase}"))
                .collect::<Vec<_>>()
                .join(", ");
            let (causes, evidence) = match unschedulable {
                Some(c) => {
                    let mut causes = classify(&c.message);
                    if causes.is_empty() {
                        causes.push("unschedulable".into());
                    }
                    let mut evidence = if c.message.trim().is_empty() {
                        "the scheduler gave no message".to_string()
                    } else {
                        quote(without_preemption(&c.message), MAX_QUOTE)
                    };
                    if causes.iter().any(|c| c == "unbound PersistentVolumeClaim")
                        && !pvc_text.is_empty()
                    {
                        evidence = format!("{evidence}; {pvc_text}");
                    }
                    (causes, evidence)
                }
                // Without a scheduler verdict, a claim that is not bound is the explanation (with a
                // verdict, a WaitForFirstConsumer claim is Pending only because the pod is).
                None if !pending_pvcs.is_empty() => {
                    (vec!["unbound PersistentVolumeClaim".to_string()], pvc_text)
                }
                None => continue,
            };
            let hint = hint_for(
                &causes[0],
                &m.namespace,
                &m.name,
                pending_pvcs.first().map(|(n, _)| *n),
            );
            input.report(
                out,
                &Self::META,
                m,
                Finding::new(
                    &Self::META,
                    format!(
                        "Pending for {} min: {}: {evidence}",
                        age / 60,
                        causes.join(", ")
                    ),
                )
                .resource(pod_resource(pod))
                .hint(hint),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::testing::{pod, run, snapshot};
    use serde_json::json;

    fn pending(name: &str, created: &str, message: &str) -> serde_json::Value {
        pod(
            "analytics",
            name,
            json!({"metadata": {"creationTimestamp": created},
                   "spec": {"nodeName": null},
                   "status": {"phase": "Pending", "containerStatuses": null, "qosClass": "Burstable",
                     "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                       "lastProbeTime": null, "lastTransitionTime": created, "message": message}]}}),
        )
    }

    #[test]
    fn classifies_scheduler_messages() {
        assert_eq!(
            classify(
                "0/6 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 5 Insufficient memory. preemption: 0/6 nodes are available: 1 Preemption is not helpful for scheduling, 5 No preemption victims found for incoming pod."
            ),
            ["untolerated taint", "insufficient memory"]
        );
        assert_eq!(
            classify("0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient nvidia.com/gpu."),
            ["insufficient cpu", "insufficient nvidia.com/gpu"]
        );
        assert_eq!(
            classify(
                "0/4 nodes are available: 4 node(s) didn't match Pod's node affinity/selector."
            ),
            ["node affinity or selector mismatch"]
        );
        assert_eq!(
            classify("0/3 nodes are available: 3 node(s) had volume node affinity conflict."),
            ["volume node affinity conflict"]
        );
        assert_eq!(
            classify(
                "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
            ),
            ["unbound PersistentVolumeClaim"]
        );
        assert_eq!(
            classify("0/2 nodes are available: 2 Too many pods."),
            ["too many pods"]
        );
        assert!(classify("").is_empty());
    }

    #[test]
    fn triggers_on_long_pending_pods() {
        let cpu = pending(
            "spark-driver-0",
            "2026-11-20T09:18:00Z",
            "0/6 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 5 Insufficient cpu. preemption: 0/6 nodes are available: 1 Preemption is not helpful for scheduling, 5 No preemption victims found for incoming pod.",
        );
        let selector = pending(
            "gpu-job-x7k2p",
            "2026-11-20T08:00:00Z",
            "0/6 nodes are available: 6 node(s) didn't match Pod's node affinity/selector. preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling.",
        );
        // No scheduler verdict yet, but its claim cannot bind.
        let mut db = pod(
            "analytics",
            "clickhouse-0",
            json!({"metadata": {"creationTimestamp": "2026-11-20T09:30:00Z"}, "spec": {"nodeName": null,
                     "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data-clickhouse-0"}}]},
                   "status": {"phase": "Pending", "conditions": null, "containerStatuses": null}}),
        );
        db["spec"]["containers"][0]["volumeMounts"] =
            json!([{"name": "data", "mountPath": "/var/lib/clickhouse"}]);
        let pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data-clickhouse-0", "namespace": "analytics", "creationTimestamp": "2026-11-20T09:30:00Z"},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast-ssd", "resources": {"requests": {"storage": "100Gi"}}},
            "status": {"phase": "Pending"}});
        let snap = snapshot(
            &[cpu, selector, db, pvc, pod("analytics", "ok", json!({}))],
            &[],
        );
        let found = run(&PodUnschedulable, &snap);
        assert_eq!(found.len(), 3);
        assert!(
            found[0]
                .message
                .starts_with("Pending for 42 min: untolerated taint, insufficient cpu: 0/6 nodes")
        );
        insta::assert_yaml_snapshot!(found);
    }

    #[test]
    fn quiet_on_fresh_scheduled_and_bound_pods() {
        // Created 2 minutes ago: the autoscaler may still be adding a node.
        let fresh = pending(
            "fresh",
            "2026-11-20T09:58:00Z",
            "0/3 nodes are available: 3 Insufficient cpu.",
        );
        // Pending on a node (pulling images): scheduled.
        let pulling = pod(
            "analytics",
            "pulling",
            json!({"status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}],
                "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}]}}),
        );
        let bound_pod = pod(
            "analytics",
            "bound",
            json!({"spec": {"volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]},
                   "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}]}}),
        );
        let pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "analytics"}, "status": {"phase": "Bound"}});
        let done = pod(
            "analytics",
            "job-done",
            json!({"status": {"phase": "Succeeded", "conditions": [{"type": "PodScheduled", "status": "True"}]}}),
        );
        let snap = snapshot(&[fresh, pulling, bound_pod, pvc, done], &[]);
        assert!(run(&PodUnschedulable, &snap).is_empty());
    }
}
