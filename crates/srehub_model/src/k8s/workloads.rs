//! Controllers, networking, storage, policy and RBAC objects.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::types::{Condition, LabelSelector, Meta, PodTemplate, lenient_time, nullable};

/// `spec` of Deployments, ReplicaSets, StatefulSets and DaemonSets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkloadSpec {
    pub replicas: Option<i32>,
    pub selector: Option<LabelSelector>,
    pub template: PodTemplate,
    pub progress_deadline_seconds: Option<i32>,
    #[serde(deserialize_with = "nullable")]
    pub paused: bool,
}

/// `status` of Deployments, ReplicaSets, StatefulSets and DaemonSets (fields of all four).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkloadStatus {
    pub observed_generation: Option<i64>,
    pub replicas: Option<i32>,
    pub ready_replicas: Option<i32>,
    pub available_replicas: Option<i32>,
    pub updated_replicas: Option<i32>,
    pub unavailable_replicas: Option<i32>,
    pub current_replicas: Option<i32>,
    pub desired_number_scheduled: Option<i32>,
    pub current_number_scheduled: Option<i32>,
    pub number_ready: Option<i32>,
    pub number_available: Option<i32>,
    pub number_unavailable: Option<i32>,
    pub number_misscheduled: Option<i32>,
    pub updated_number_scheduled: Option<i32>,
    #[serde(deserialize_with = "nullable")]
    pub conditions: Vec<Condition>,
}

/// A Deployment, ReplicaSet, StatefulSet or DaemonSet (`metadata.kind` says which).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Workload {
    pub metadata: Meta,
    pub spec: WorkloadSpec,
    pub status: WorkloadStatus,
}

impl Workload {
    /// Desired replicas: `spec.replicas` (default 1), or for a DaemonSet the nodes it should run on.
    pub fn desired(&self) -> i32 {
        if self.metadata.kind == "DaemonSet" {
            self.status.desired_number_scheduled.unwrap_or(0)
        } else {
            self.spec.replicas.unwrap_or(1)
        }
    }
    /// Available replicas (ready for StatefulSets, which report no availability before 1.22).
    pub fn available(&self) -> i32 {
        match self.metadata.kind.as_str() {
            "DaemonSet" => self.status.number_available.unwrap_or(0),
            "StatefulSet" => self
                .status
                .available_replicas
                .or(self.status.ready_replicas)
                .unwrap_or(0),
            _ => self.status.available_replicas.unwrap_or(0),
        }
    }
}

/// `JobSpec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobSpec {
    pub template: PodTemplate,
    pub backoff_limit: Option<i32>,
    pub completions: Option<i32>,
    pub parallelism: Option<i32>,
    pub active_deadline_seconds: Option<i64>,
}

/// `JobStatus`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobStatus {
    pub active: Option<i32>,
    pub succeeded: Option<i32>,
    pub failed: Option<i32>,
    #[serde(deserialize_with = "lenient_time")]
    pub start_time: Option<Timestamp>,
    #[serde(deserialize_with = "lenient_time")]
    pub completion_time: Option<Timestamp>,
    #[serde(deserialize_with = "nullable")]
    pub conditions: Vec<Condition>,
}

/// A Job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Job {
    pub metadata: Meta,
    pub spec: JobSpec,
    pub status: JobStatus,
}

/// `CronJob.spec.jobTemplate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobTemplate {
    pub metadata: Meta,
    pub spec: JobSpec,
}

/// `CronJobSpec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CronJobSpec {
    pub schedule: String,
    #[serde(deserialize_with = "nullable")]
    pub suspend: bool,
    pub job_template: JobTemplate,
}

/// `CronJobStatus`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CronJobStatus {
    #[serde(deserialize_with = "lenient_time")]
    pub last_schedule_time: Option<Timestamp>,
    #[serde(deserialize_with = "lenient_time")]
    pub last_successful_time: Option<Timestamp>,
}

/// A CronJob.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CronJob {
    pub metadata: Meta,
    pub spec: CronJobSpec,
    pub status: CronJobStatus,
}

/// `ServicePort`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: i32,
    pub target_port: Option<serde_json::Value>,
    pub protocol: Option<String>,
}

/// `ServiceSpec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceSpec {
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub selector: super::types::SmallMap,
    #[serde(deserialize_with = "nullable")]
    pub ports: Vec<ServicePort>,
    pub cluster_ip: Option<String>,
    pub external_name: Option<String>,
}

/// A Service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Service {
    pub metadata: Meta,
    pub spec: ServiceSpec,
}

/// Ready and not-ready endpoint addresses of one Service, from Endpoints or EndpointSlices.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceEndpoints {
    pub namespace: String,
    pub service: String,
    pub ready: u32,
    pub not_ready: u32,
}

/// A PersistentVolumeClaim.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Pvc {
    pub metadata: Meta,
    pub spec: PvcSpec,
    pub status: PvcStatus,
}

/// `PersistentVolumeClaimSpec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PvcSpec {
    pub storage_class_name: Option<String>,
    pub volume_name: Option<String>,
}

/// `PersistentVolumeClaimStatus`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PvcStatus {
    #[serde(deserialize_with = "nullable")]
    pub phase: String,
}

/// `CrossVersionObjectReference`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ScaleTargetRef {
    pub api_version: Option<String>,
    pub kind: String,
    pub name: String,
}

/// `HorizontalPodAutoscalerSpec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HpaSpec {
    pub scale_target_ref: ScaleTargetRef,
    pub min_replicas: Option<i32>,
    pub max_replicas: Option<i32>,
}

/// A HorizontalPodAutoscaler.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Hpa {
    pub metadata: Meta,
    pub spec: HpaSpec,
}

/// `PodDisruptionBudgetSpec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PdbSpec {
    pub selector: Option<LabelSelector>,
    pub min_available: Option<serde_json::Value>,
    pub max_unavailable: Option<serde_json::Value>,
}

/// A PodDisruptionBudget.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Pdb {
    pub metadata: Meta,
    pub spec: PdbSpec,
}

/// `NetworkPolicySpec`: only the pod selector.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NetworkPolicySpec {
    pub pod_selector: Option<LabelSelector>,
    #[serde(deserialize_with = "nullable")]
    pub policy_types: Vec<String>,
}

/// A NetworkPolicy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkPolicy {
    pub metadata: Meta,
    pub spec: NetworkPolicySpec,
}

/// `PolicyRule`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PolicyRule {
    #[serde(deserialize_with = "nullable")]
    pub api_groups: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub resources: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub verbs: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub resource_names: Vec<String>,
    #[serde(rename = "nonResourceURLs", deserialize_with = "nullable")]
    pub non_resource_urls: Vec<String>,
}

/// A Role or ClusterRole (`metadata.kind` says which).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Role {
    pub metadata: Meta,
    #[serde(deserialize_with = "nullable")]
    pub rules: Vec<PolicyRule>,
}

/// `RoleRef`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleRef {
    pub kind: String,
    pub name: String,
}

/// `Subject`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Subject {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

/// A RoleBinding or ClusterRoleBinding (`metadata.kind` says which).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleBinding {
    pub metadata: Meta,
    pub role_ref: RoleRef,
    #[serde(deserialize_with = "nullable")]
    pub subjects: Vec<Subject>,
}

/// Resource usage from the metrics API (`metrics.k8s.io`), in base units.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// Cores.
    pub cpu: f64,
    /// Bytes.
    pub memory: f64,
}

/// The API server's version (`kubectl version -o json`'s `serverVersion`, or `/version`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServerVersion {
    pub major: String,
    pub minor: String,
    pub git_version: String,
    pub platform: String,
}

impl ServerVersion {
    /// `(major, minor)`, tolerating `minor: "30+"` as EKS/GKE report it.
    pub fn minor_version(&self) -> Option<(u32, u32)> {
        parse_minor(&self.git_version).or_else(|| {
            let minor: String = self
                .minor
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            Some((self.major.parse().ok()?, minor.parse().ok()?))
        })
    }
}

/// `(major, minor)` of `v1.30.4`, `1.30`, `v1.30.4-eks-a737599`.
pub fn parse_minor(v: &str) -> Option<(u32, u32)> {
    let v = v.trim().trim_start_matches('v');
    let mut parts = v.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some((major, minor.parse().ok()?))
}
