use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::types::{Event, Meta, Node, Pod};
use super::workloads::{
    CronJob, Hpa, Job, NetworkPolicy, Pdb, Pvc, Role, RoleBinding, ServerVersion, Service,
    ServiceEndpoints, Usage, Workload,
};

/// A Namespace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Namespace {
    pub metadata: Meta,
    pub phase: String,
}

/// Usage of one pod, per container.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PodMetrics {
    pub namespace: String,
    pub name: String,
    pub containers: BTreeMap<String, Usage>,
}

/// Everything the doctor knows about a cluster at one moment, whichever source it came from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClusterSnapshot {
    pub server_version: Option<ServerVersion>,
    pub namespaces: Vec<Namespace>,
    pub nodes: Vec<Node>,
    pub pods: Vec<Pod>,
    pub events: Vec<Event>,
    /// Deployments, StatefulSets and DaemonSets.
    pub workloads: Vec<Workload>,
    pub replica_sets: Vec<Workload>,
    pub jobs: Vec<Job>,
    pub cron_jobs: Vec<CronJob>,
    pub services: Vec<Service>,
    pub endpoints: Vec<ServiceEndpoints>,
    pub pvcs: Vec<Pvc>,
    pub hpas: Vec<Hpa>,
    pub pdbs: Vec<Pdb>,
    pub network_policies: Vec<NetworkPolicy>,
    pub resource_quotas: Vec<Meta>,
    pub limit_ranges: Vec<Meta>,
    /// Roles and ClusterRoles.
    pub roles: Vec<Role>,
    /// RoleBindings and ClusterRoleBindings.
    pub role_bindings: Vec<RoleBinding>,
    /// Node usage by node name; `None` when the metrics API was absent or not collected.
    pub node_metrics: Option<BTreeMap<String, Usage>>,
    pub pod_metrics: Option<Vec<PodMetrics>>,
    /// Objects of kinds without a typed collection (kept for API-version checks).
    pub others: Vec<Meta>,
    /// The kinds that were collected (even when none exist), so a check can tell "none" from
    /// "not collected".
    pub kinds: BTreeSet<String>,
    /// The newest timestamp seen in the data: when the snapshot was taken, near enough.
    pub captured_at: Option<Timestamp>,
    /// What the loader wants the reader to know (ignored kinds, skipped files).
    pub notes: Vec<String>,
}

impl ClusterSnapshot {
    /// Whether objects of `kind` were collected.
    pub fn has(&self, kind: &str) -> bool {
        self.kinds.contains(kind)
    }

    /// The number of objects in the snapshot.
    pub fn object_count(&self) -> usize {
        self.namespaces.len()
            + self.nodes.len()
            + self.pods.len()
            + self.events.len()
            + self.workloads.len()
            + self.replica_sets.len()
            + self.jobs.len()
            + self.cron_jobs.len()
            + self.services.len()
            + self.endpoints.len()
            + self.pvcs.len()
            + self.hpas.len()
            + self.pdbs.len()
            + self.network_policies.len()
            + self.resource_quotas.len()
            + self.limit_ranges.len()
            + self.roles.len()
            + self.role_bindings.len()
            + self.others.len()
    }
}
