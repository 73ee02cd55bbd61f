//! `Options`: what a config layer (the file, the environment, the flags) may say. Every field is
//! optional; unknown keys are errors. Resolved into [`Settings`](crate::Settings).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use srehub_core::Severity;
use srehub_core::render::Format;

/// The contents of `srehub.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "srehub configuration (srehub.yaml)")]
pub struct Options {
    /// Output format of reports. Default: `table` on a terminal, `json` otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Format>,
    /// Lowest severity that makes a command exit 1. Default: `critical`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<Severity>,
    /// Colour in terminal output: `auto` (default; honours `NO_COLOR`), `always` or `never`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<ColorChoice>,
    /// srehub's own logs (on stderr).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<LogOptions>,
    /// Which checks run, and at what severity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<CheckOptions>,
    /// Findings to leave out, by check, namespace, name, kind and labels.
    /// Example: `[{checks: [K8S003], namespace: "kube-*", reason: "managed by the provider"}]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exemptions: Option<Vec<Exemption>>,
    /// `srehub doctor` thresholds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doctor: Option<DoctorOptions>,
    /// How srehub reaches a live Kubernetes cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kube: Option<KubeOptions>,
    /// `srehub serve`, the hub: what each flag of `srehub serve` sets, for a ConfigMap. Flags win.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serve: Option<ServeOptions>,
}

/// The hub's configuration (`serve:`). Durations are written as `30s`, `5m`, `1h`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServeOptions {
    /// Address to listen on. Default: `127.0.0.1:8080`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// Cluster snapshots by name (`prod: /data/dumps/prod`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clusters: Option<BTreeMap<String, String>>,
    /// Live clusters: kubeconfig contexts, served under their names.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Option::is_none"
    )]
    pub contexts: Option<Vec<String>>,
    /// The kubeconfig of `contexts` and `local-cluster`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubeconfig: Option<String>,
    /// Serve the current context's cluster (in a pod: the cluster it runs in) under this name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_cluster: Option<String>,
    /// Prometheus base URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<String>,
    /// Alertmanager base URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alertmanager: Option<String>,
    /// An OCI registry (the distribution API).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// A JFrog Artifactory (`https://host/artifactory`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifactory: Option<String>,
    /// An Aqua Security console.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aqua: Option<String>,
    /// The registry name Aqua knows images by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aqua_registry: Option<String>,
    /// Trivy JSON reports: a file, a directory or an http(s) URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trivy_reports: Option<String>,
    /// The API keys file (`keys: [{name, sha256, scopes, namespaces}]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_keys: Option<String>,
    /// Requests per second per key (twice as many in a burst). Default: 50.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<f64>,
    /// Require a key for /healthz, /readyz and /metrics too. Default: false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_health: Option<bool>,
    /// A client must send a whole request head within this (slowloris). Default: `10s`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_read_timeout: Option<String>,
    /// Export a span per request to this OpenTelemetry OTLP/HTTP receiver.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otlp_endpoint: Option<String>,
    /// SLO spec files or directories (Sloth or OpenSLO) for `/api/v1/slo`.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Option::is_none"
    )]
    pub slo_specs: Option<Vec<String>>,
    /// The cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<ServeCacheOptions>,
}

/// The hub's cache.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServeCacheOptions {
    /// Entries at most. Default: 10000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<u64>,
    /// How long a stale entry may be served while it is refreshed. Default: `5m`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_stale: Option<String>,
    /// Share the cache between replicas through Redis (`redis://redis:6379/0`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_url: Option<String>,
    /// Time to live per kind of route.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<ServeTtlOptions>,
}

/// Time to live of cached answers per kind of route (jittered by ±10 %).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServeTtlOptions {
    /// Pods, nodes, events. Default: `60s`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k8s: Option<String>,
    /// The doctor's report. Default: `2m`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doctor: Option<String>,
    /// Active alerts. Default: `30s`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alerts: Option<String>,
    /// Alert analysis. Default: `5m`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<String>,
    /// Registry and Artifactory answers. Default: `5m`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// Vulnerability views. Default: `5m`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vulns: Option<String>,
}

/// Colour choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ColorChoice {
    /// Colour on a terminal unless `NO_COLOR` is set.
    #[default]
    Auto,
    Always,
    Never,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Pretty,
    /// One JSON object a line: timestamp, level, target, fields.
    Json,
}

/// srehub's own logging.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LogOptions {
    /// Level or `tracing` filter directive. Default: `warn`. Example: `info,srehub_kube=debug`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// `pretty` (default) or `json`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<LogFormat>,
}

/// Check selection. Selectors are `ALL`, a code (`K8S003`), a code prefix (`K8S0`), a check name or a
/// group (`audit`); in the environment a list is comma-separated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CheckOptions {
    /// Run only these checks. Default: all.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "list"
    )]
    pub select: Option<Vec<String>>,
    /// Never run these checks.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "list"
    )]
    pub ignore: Option<Vec<String>>,
    /// Severity overrides by selector. Example: `{K8S003: critical, audit: info}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<BTreeMap<String, Severity>>,
}

/// A rule that leaves findings out of reports. Every field given must match; an absent field matches
/// everything. Globs use `*`, `?` and `[...]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Exemption {
    /// Check selectors (codes, prefixes, names). Default: every check.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "list"
    )]
    pub checks: Option<Vec<String>>,
    /// Namespace glob.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Resource name glob.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Resource kind, exactly (`Deployment`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Labels the resource must carry (values are globs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// File path glob, for findings of `srehub lint` (`deploy/legacy/**`, `**/Dockerfile.dev`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Why the exemption exists (shown by `srehub config show`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `srehub doctor` thresholds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DoctorOptions {
    /// Restarts of a container above which it is a warning. Default: 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_warning: Option<u32>,
    /// Restarts of a container above which it is critical. Default: 10.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_critical: Option<u32>,
    /// Minutes past its grace period after which a terminating pod is stuck. Default: 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stuck_terminating_minutes: Option<u32>,
    /// Minutes a pod may stay Pending before it is reported. Default: 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_minutes: Option<u32>,
    /// Only Warning events seen within this many minutes are reported. Default: 60.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_window_minutes: Option<u32>,
    /// Node CPU usage (percent of allocatable) reported as high load. Default: 90.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_cpu_percent: Option<u32>,
    /// Node memory usage (percent of allocatable) reported as high load. Default: 90.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_memory_percent: Option<u32>,
    /// Sum of container limits on a node, percent of allocatable, reported as over-committed. Default: 200.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits_overcommit_percent: Option<u32>,
    /// Kubernetes version to check API deprecations against (`1.30`). Default: the API server's version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kube_version: Option<String>,
}

/// Access to a live cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct KubeOptions {
    /// Path of the kubeconfig. Default: `$KUBECONFIG`, then `~/.kube/config`, then in-cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubeconfig: Option<String>,
    /// kubeconfig context. Default: the current context.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Timeout of each API request, in seconds. Default: 10.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
    /// Retries of a failed request, with exponential backoff. Default: 3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// Items per page of a list request. Default: 500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    /// List requests in flight at once. Default: 8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
}

/// A list given as a YAML sequence or as one comma-separated string (as environment variables give it).
fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(Option::<OneOrMany>::deserialize(d)?.map(|v| match v {
        OneOrMany::One(s) => s
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        OneOrMany::Many(v) => v,
    }))
}
