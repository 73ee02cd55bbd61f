//! The doctor engine: a cluster snapshot in, a report out.

use std::path::PathBuf;

use jiff::Timestamp;
use srehub_checks::k8s::{self, K8sInput};
use srehub_config::{ExemptionSet, Settings};
use srehub_core::{CheckMeta, NoteLevel, Report, Selection, run_checks};
use srehub_kube::live::{LiveData, LiveOptions};
use srehub_model::k8s::ClusterSnapshot;

use crate::Error;

/// Where the doctor reads the cluster from.
#[derive(Debug, Clone)]
pub enum Source {
    /// `kubectl get -o json|yaml` output: files, directories, or `-` for standard input.
    Snapshot(Vec<PathBuf>),
    /// A live API server.
    Live(LiveOptions),
}

/// The kinds each group of checks reads; a live run lists only those of the groups it runs.
const GROUP_KINDS: &[(&str, &[&str])] = &[
    (
        "health",
        &["Node", "Pod", "Deployment", "DaemonSet", "NodeMetrics"],
    ),
    (
        "diagnose",
        &[
            "Node",
            "Pod",
            "Event",
            "Deployment",
            "ReplicaSet",
            "StatefulSet",
            "DaemonSet",
            "Job",
            "CronJob",
            "Service",
            "Endpoints",
            "PersistentVolumeClaim",
            "NodeMetrics",
        ],
    ),
    (
        "audit",
        &[
            "Namespace",
            "Pod",
            "Deployment",
            "ReplicaSet",
            "StatefulSet",
            "DaemonSet",
            "Job",
            "CronJob",
            "Service",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "NetworkPolicy",
            "ResourceQuota",
            "LimitRange",
            "Role",
            "ClusterRole",
            "RoleBinding",
            "ClusterRoleBinding",
        ],
    ),
];

/// The kinds to list for these groups (all groups when empty).
pub fn kinds_for(groups: &[String]) -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> = GROUP_KINDS
        .iter()
        .filter(|(g, _)| groups.is_empty() || groups.iter().any(|x| x == g))
        .flat_map(|(_, k)| k.iter().copied())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
}

/// Reads everything the doctor can read from a live cluster (for `srehub doctor snapshot`).
pub async fn capture(opts: &LiveOptions) -> Result<LiveData, Error> {
    let conn = srehub_kube::live::connect(opts).await?;
    let all: Vec<&str> = srehub_kube::live::RESOURCES
        .iter()
        .map(|r| r.kind)
        .collect();
    Ok(conn.fetch(&all).await?)
}

/// One doctor run.
#[derive(Debug, Clone)]
pub struct Request {
    pub source: Source,
    /// Groups to run (`health`, `diagnose`, `audit`); empty runs all.
    pub groups: Vec<String>,
    /// The time to analyze at; default: the snapshot's capture time, else now.
    pub now: Option<Timestamp>,
}

impl Request {
    /// Whether the source includes standard input (which can be read once only).
    pub fn source_reads_stdin(&self) -> bool {
        matches!(&self.source, Source::Snapshot(paths) if paths.iter().any(|p| p.as_os_str() == "-"))
    }
}

/// The kinds the doctor reads, and what is lost when one is absent from the input.
const KINDS: &[(&str, &str)] = &[
    ("Node", "node health"),
    ("Pod", "pod diagnostics and service selectors"),
    ("Event", "warning events"),
    ("Deployment", "replica, rollout and add-on checks"),
    ("StatefulSet", "replica checks"),
    ("DaemonSet", "add-on checks"),
    ("Service", "service checks"),
    ("Endpoints", "service endpoint checks"),
    ("PersistentVolumeClaim", "volume checks"),
    ("PodDisruptionBudget", "disruption budget audit"),
    ("HorizontalPodAutoscaler", "autoscaler audit"),
    ("NetworkPolicy", "network policy audit"),
    ("ResourceQuota", "quota audit"),
    ("LimitRange", "limit range audit"),
    ("Namespace", "namespace audit"),
    ("ClusterRole", "RBAC audit"),
];

/// Reads the source into a snapshot.
pub async fn gather(
    source: &Source,
    groups: &[String],
    stdin: &mut (dyn std::io::Read + Send),
) -> Result<(ClusterSnapshot, String), Error> {
    match source {
        Source::Snapshot(paths) => {
            let target = paths
                .iter()
                .map(|p| {
                    if p.as_os_str() == "-" {
                        "<stdin>".to_string()
                    } else {
                        p.display().to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            Ok((srehub_kube::snapshot::read(paths, stdin)?, target))
        }
        Source::Live(opts) => {
            let conn = srehub_kube::live::connect(opts).await?;
            let data = conn.fetch(&kinds_for(groups)).await?;
            let mut snap = data.to_snapshot()?;
            // Live data is as of now, whatever its newest timestamp says.
            snap.captured_at = Some(Timestamp::now());
            Ok((snap, data.target))
        }
    }
}

/// The selection for a request: the configured one, validated, narrowed to the requested groups.
fn selection(req: &Request, settings: &Settings) -> Result<Selection, Error> {
    let known: Vec<&'static CheckMeta> = k8s::checks().iter().map(|c| c.meta()).collect();
    let configured = settings.selection();
    configured.validate(known.iter().copied())?;
    if req.groups.is_empty() {
        return Ok(configured);
    }
    let mut codes: Vec<String> = known
        .iter()
        .filter(|m| req.groups.iter().any(|g| g == m.group) && configured.enabled(m))
        .map(|m| m.code.to_string())
        .collect();
    if codes.is_empty() {
        // An empty list means "everything"; this selector matches nothing instead.
        codes.push("-".to_string());
    }
    let overrides = known
        .iter()
        .filter_map(|m| {
            configured
                .severity_override(m)
                .map(|s| (m.code.to_string(), s))
        })
        .collect();
    Ok(Selection::new(codes, vec![], overrides))
}

/// Analyzes a snapshot (pure: no I/O).
pub fn analyze(
    snap: &ClusterSnapshot,
    req: &Request,
    settings: &Settings,
    target: &str,
) -> Result<Report, Error> {
    let selection = selection(req, settings)?;
    let exemptions = ExemptionSet::compile(&settings.exemptions, "exemptions")?;
    let known: Vec<_> = k8s::checks().iter().map(|c| c.meta()).collect();
    exemptions.validate(known.iter().copied())?;
    let now = req.now.or(snap.captured_at).unwrap_or_else(Timestamp::now);
    let input = K8sInput::new(snap, &settings.doctor, &exemptions, now);
    let registry = k8s::checks();
    let (findings, ran) = run_checks(&registry, &input, &selection);
    let mut report = Report::new("doctor", Timestamp::now(), findings, ran).with_target(target);
    // Events are evidence, not objects that can be healthy or not.
    let objects = snap.object_count() - snap.events.len();
    report.summary.score = Some(k8s::score(&report.findings, objects));
    let version = snap
        .server_version
        .as_ref()
        .map(|v| format!("API server {}", v.git_version))
        .unwrap_or_else(|| "API server version unknown".to_string());
    let control = snap.nodes.iter().filter(|n| n.is_control_plane()).count();
    report.note(
        NoteLevel::Info,
        format!(
            "{version}; {} nodes ({control} control-plane), {} pods in {} namespaces; analyzed at {now}",
            snap.nodes.len(),
            snap.pods.len(),
            snap.namespaces.len().max(
                snap.pods
                    .iter()
                    .map(|p| p.metadata.namespace.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
            ),
        ),
    );
    let missing: Vec<String> = KINDS
        .iter()
        .filter(|(k, _)| !snap.has(k) && kinds_for(&req.groups).contains(k))
        .map(|(k, what)| format!("{k} ({what})"))
        .collect();
    if !missing.is_empty() {
        report.note(
            NoteLevel::Warning,
            format!(
                "not in the input, so the checks that need them found nothing: {}",
                missing.join(", ")
            ),
        );
    }
    if snap.node_metrics.is_none() {
        report.note(
            NoteLevel::Info,
            "no metrics API data (metrics.k8s.io): node utilization checks skipped",
        );
    }
    for n in &snap.notes {
        report.note(NoteLevel::Info, n.clone());
    }
    Ok(report)
}

/// Gathers and analyzes: the whole doctor run.
pub async fn run(
    req: &Request,
    settings: &Settings,
    stdin: &mut (dyn std::io::Read + Send),
) -> Result<Report, Error> {
    let (snap, target) = gather(&req.source, &req.groups, stdin).await?;
    analyze(&snap, req, settings, &target)
}
