//! The result of a `srehub load` run: the `srehub.load/v1` JSON document that `srehub load -o json`
//! prints, `load compare` and `load merge` read, and the `load` checks analyze. Its shape is a contract
//! (docs/load.md): fields are only ever added.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The value of `schema` in a load result.
pub const LOAD_SCHEMA: &str = "srehub.load/v1";

/// How load was offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoadModel {
    /// A fixed number of connections, each sending its next request when the previous one answered.
    Closed,
    /// A constant (or staged) arrival rate; latency is measured from each request's intended send time.
    Open,
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    pub min: f64,
    pub mean: f64,
    pub stdev: f64,
    pub p50: f64,
    pub p75: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    #[serde(rename = "p99.9")]
    pub p99_9: f64,
    pub max: f64,
}

impl LatencySummary {
    /// A statistic by the name thresholds use (`p99`, `p99.9`, `mean`, `max`, …).
    pub fn get(&self, name: &str) -> Option<f64> {
        Some(match name {
            "min" => self.min,
            "mean" | "avg" => self.mean,
            "stdev" => self.stdev,
            "p50" | "median" => self.p50,
            "p75" => self.p75,
            "p90" => self.p90,
            "p95" => self.p95,
            "p99" => self.p99,
            "p99.9" | "p999" => self.p99_9,
            "max" => self.max,
            _ => return None,
        })
    }
}

/// One second of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelinePoint {
    /// Seconds since the start of the run.
    pub second: u64,
    /// Requests that completed in this second (answered or failed).
    pub requests: u64,
    /// Of which failed without a response, or with a status of 500 or more.
    pub errors: u64,
    pub bytes_received: u64,
    /// Latency of this second's requests (corrected in the open model), milliseconds.
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// A threshold and whether the run met it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdResult {
    /// As given: `p99<200ms`.
    pub expression: String,
    /// The statistic it compares (`p99`, `error_rate`, `rps`, …).
    pub metric: String,
    /// The measured value, in the threshold's unit (milliseconds for latency, percent for rates).
    pub observed: f64,
    /// The bound, in the same unit.
    pub limit: f64,
    pub passed: bool,
}

/// Counts of one named request of a scenario.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestStats {
    pub requests: u64,
    pub errors: u64,
    pub latency_ms: LatencySummary,
}

/// The result of a load run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadResult {
    /// Always [`LOAD_SCHEMA`].
    pub schema: String,
    /// The target URL (credentials removed), or the scenario's name.
    pub target: String,
    pub model: LoadModel,
    /// The connections used (the maximum, with stages).
    pub connections: u64,
    /// The offered rate (requests per second) of the open model, the maximum with stages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// Unix time (seconds) of the start.
    pub started_at: f64,
    /// Requests completed: answered with any status, or failed.
    pub requests: u64,
    /// Wall-clock duration of the run, seconds.
    pub duration_s: f64,
    pub requests_per_second: f64,
    /// Latency of answered requests; corrected for coordinated omission in the open model.
    pub latency_ms: LatencySummary,
    /// Service time alone (from the actual send), open model only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_uncorrected_ms: Option<LatencySummary>,
    /// Responses by status code.
    pub status_codes: BTreeMap<u16, u64>,
    /// Requests that got no response, by kind: `connect`, `tls`, `timeout`, `reset`, `bad_response`,
    /// `other`.
    pub errors: BTreeMap<String, u64>,
    /// Share of requests that failed or answered 5xx, 0–1.
    pub error_rate: f64,
    pub bytes_received: u64,
    pub bytes_sent: u64,
    /// Requests the open model could not start on time because every connection was busy.
    #[serde(default)]
    pub late_starts: u64,
    /// Requests in flight when the run's time was up: cancelled, and not counted in `requests`.
    #[serde(default)]
    pub unfinished: u64,
    /// Per-request-name counts, for scenarios.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_request: BTreeMap<String, RequestStats>,
    pub timeline: Vec<TimelinePoint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<ThresholdResult>,
    /// How many runs were merged into this one (1 for a single run).
    #[serde(default = "one")]
    pub workers: u64,
}

fn one() -> u64 {
    1
}

impl LoadResult {
    /// Requests that got a response (any status).
    pub fn answered(&self) -> u64 {
        self.status_codes.values().sum()
    }

    /// Requests that got no response.
    pub fn failed(&self) -> u64 {
        self.errors.values().sum()
    }
}
