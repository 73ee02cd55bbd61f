//! Models of Prometheus-compatible data (Prometheus, Thanos, Mimir, VictoriaMetrics) and of
//! Alertmanager: series of samples, rule groups and alerts, as their HTTP APIs return them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A label set.
pub type Labels = BTreeMap<String, String>;

/// One series with its samples: `(unix milliseconds, value)`, in time order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub labels: Labels,
    pub samples: Vec<(i64, f64)>,
}

impl Series {
    /// `__name__`, if present.
    pub fn name(&self) -> Option<&str> {
        self.labels.get("__name__").map(String::as_str)
    }
}

/// A rule group from `/api/v1/rules` (or a rule file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleGroup {
    pub name: String,
    #[serde(default)]
    pub file: String,
    pub rules: Vec<Rule>,
}

/// One alerting or recording rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// The alert name or the recorded metric.
    pub name: String,
    #[serde(rename = "type")]
    pub kind: RuleKind,
    pub query: String,
    /// `for:` in seconds (alerting rules).
    #[serde(default)]
    pub duration: f64,
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub annotations: Labels,
    /// `ok`, `err` or `unknown` as Prometheus reports it.
    #[serde(default)]
    pub health: String,
    /// Alerts of the rule now (the `/api/v1/rules` view).
    #[serde(default)]
    pub alerts: Vec<ActiveAlert>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    Alerting,
    Recording,
}

/// An alert of a rule as `/api/v1/rules` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveAlert {
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub annotations: Labels,
    /// `pending` or `firing`.
    pub state: String,
    #[serde(rename = "activeAt", default)]
    pub active_at: Option<String>,
}

/// An alert as Alertmanager's v2 API returns it (`/api/v2/alerts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmAlert {
    pub labels: Labels,
    #[serde(default)]
    pub annotations: Labels,
    #[serde(rename = "startsAt")]
    pub starts_at: String,
    #[serde(rename = "endsAt", default)]
    pub ends_at: String,
    #[serde(default)]
    pub fingerprint: String,
    pub status: AmAlertStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmAlertStatus {
    /// `active`, `suppressed` or `unprocessed`.
    pub state: String,
    #[serde(rename = "silencedBy", default)]
    pub silenced_by: Vec<String>,
    #[serde(rename = "inhibitedBy", default)]
    pub inhibited_by: Vec<String>,
}

/// A silence (`/api/v2/silences`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    pub id: String,
    pub matchers: Vec<Matcher>,
    #[serde(rename = "startsAt")]
    pub starts_at: String,
    #[serde(rename = "endsAt")]
    pub ends_at: String,
    #[serde(rename = "createdBy", default)]
    pub created_by: String,
    #[serde(default)]
    pub comment: String,
    pub status: SilenceStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matcher {
    pub name: String,
    pub value: String,
    #[serde(rename = "isRegex")]
    pub is_regex: bool,
    #[serde(rename = "isEqual", default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SilenceStatus {
    /// `active`, `pending` or `expired`.
    pub state: String,
}

/// What `srehub alerts analyze` works on: the raw `ALERTS` samples of a window, the rules, which
/// metrics exist, and Alertmanager's view now. Saved with `--save-history` and read back with
/// `--history`, so an analysis can be repeated offline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertHistory {
    /// The window, unix milliseconds.
    pub start_ms: i64,
    pub end_ms: i64,
    /// `ALERTS{alertstate="firing"}` series (labels without `__name__` and `alertstate`).
    pub firing: Vec<Series>,
    /// `ALERTS{alertstate="pending"}` series.
    #[serde(default)]
    pub pending: Vec<Series>,
    /// `ALERTS_FOR_STATE` series: while an alert is active, the unix time (seconds) it became active.
    #[serde(default)]
    pub for_state: Vec<Series>,
    /// Alerting rules (from `/api/v1/rules` or rule files); `None` when not known.
    #[serde(default)]
    pub rules: Option<Vec<RuleGroup>>,
    /// Metric names that exist; `None` when not known.
    #[serde(default)]
    pub metric_names: Option<Vec<String>>,
    /// Alertmanager now, when asked.
    #[serde(default)]
    pub alertmanager: Option<AlertmanagerNow>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertmanagerNow {
    pub alerts: Vec<AmAlert>,
    pub silences: Vec<Silence>,
    /// Notification groups (`/api/v2/alerts/groups`).
    #[serde(default)]
    pub groups: Vec<AmAlertGroup>,
}

/// A notification group: the alerts one notification carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmAlertGroup {
    pub labels: Labels,
    pub receiver: AmReceiver,
    pub alerts: Vec<AmAlert>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmReceiver {
    pub name: String,
}

/// Resource usage of workload containers over a history window (what `srehub cost` works on), from
/// cAdvisor and kube-state-metrics series.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UsageModel {
    /// Length of the history window, seconds.
    pub window_s: u64,
    pub containers: Vec<ContainerUsage>,
    /// Prices, when configured or read from OpenCost's metrics.
    #[serde(default)]
    pub prices: Option<Prices>,
}

/// One container of one workload, over all its pods in the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerUsage {
    /// `Deployment`, `StatefulSet`, `DaemonSet`, `Job`, `CronJob`, or `Pod` for bare pods.
    pub kind: String,
    pub namespace: String,
    pub workload: String,
    pub container: String,
    /// Pods running now.
    pub replicas: u32,
    /// Requests and limits now (cores, bytes).
    pub cpu_request: Option<f64>,
    pub cpu_limit: Option<f64>,
    pub memory_request: Option<f64>,
    pub memory_limit: Option<f64>,
    /// CPU usage percentile (cores), the highest over the workload's pods.
    pub cpu_usage: Option<f64>,
    /// Peak memory working set (bytes), the highest over the pods.
    pub memory_peak: Option<f64>,
    /// Usage samples behind the numbers (memory series samples, all pods).
    pub points: u64,
    /// Killed for memory at some point in the window.
    pub oom_killed: bool,
    /// Share of CFS periods throttled (average over the window).
    pub throttled: Option<f64>,
    /// Metrics an HPA scales this workload on (`cpu`, `memory`, ...), empty without an HPA.
    #[serde(default)]
    pub hpa_metrics: Vec<String>,
}

/// Prices per hour.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prices {
    pub cpu_core_hour: f64,
    pub memory_gib_hour: f64,
    /// `configured` or `opencost`.
    #[serde(default)]
    pub source: PriceSource,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PriceSource {
    #[default]
    Configured,
    Opencost,
}
