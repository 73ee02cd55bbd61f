//! Arguments of the tools that read Prometheus and Alertmanager (`srehub alerts`, later `slo report`
//! and `cost`).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::ReportArgs;

/// Connection to a Prometheus-compatible server (Prometheus, Thanos, Mimir, VictoriaMetrics) and to
/// Alertmanager. Credentials come from the environment: SREHUB_PROMETHEUS_TOKEN (bearer) or
/// SREHUB_PROMETHEUS_USER and SREHUB_PROMETHEUS_PASSWORD (basic); the same for Alertmanager with
/// SREHUB_ALERTMANAGER_….
#[derive(Debug, Args)]
pub struct PromConnArgs {
    /// Prometheus' URL (`http://prometheus:9090`, or a path prefix behind a proxy).
    #[arg(long, value_name = "URL", env = "SREHUB_PROMETHEUS_URL")]
    pub prometheus: Option<String>,
    /// Alertmanager's URL, for what is active and silenced now.
    #[arg(long, value_name = "URL", env = "SREHUB_ALERTMANAGER_URL")]
    pub alertmanager: Option<String>,
    /// An extra request header (`X-Scope-OrgID: team-a`), repeatable.
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Trust this CA bundle (PEM) in addition to the system's.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Skip TLS certificate verification (self-signed test servers only).
    #[arg(long)]
    pub insecure: bool,
    /// Time limit of one request.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub timeout: String,
}

/// `srehub alerts`.
#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Why is on-call noisy? Noisy, flapping, self-resolving and correlated alerts, daily patterns,
    /// dead rules, with recommendations (for:, keep_firing_for, inhibit rules, group_by).
    #[command(after_help = "Examples:
  srehub alerts analyze --prometheus http://prometheus:9090 --alertmanager http://alertmanager:9093
  srehub alerts analyze --prometheus http://thanos-query:9090 --since 30d -o html > alerts.html
  srehub alerts analyze --prometheus $PROM --rules rules/*.yml --save-history history.json
  srehub alerts analyze --history history.json -o markdown")]
    Analyze(AlertsAnalyzeArgs),
}

#[derive(Debug, Args)]
pub struct AlertsAnalyzeArgs {
    #[command(flatten)]
    pub conn: PromConnArgs,
    /// How far back to read the ALERTS history.
    #[arg(long, value_name = "DURATION", default_value = "14d")]
    pub since: String,
    /// Rule files to judge (dead rules, missing labels) instead of Prometheus' loaded rules.
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Analyze a history saved with --save-history instead of asking Prometheus.
    #[arg(long, value_name = "FILE", conflicts_with = "prometheus")]
    pub history: Option<PathBuf>,
    /// Save the fetched history (JSON) to analyze it again offline.
    #[arg(long, value_name = "FILE")]
    pub save_history: Option<PathBuf>,
    /// Also write the whole analysis (episodes per instance, rule statistics, correlations, clusters,
    /// heatmap) as JSON to this file, for scripts.
    #[arg(long, value_name = "FILE")]
    pub analysis_json: Option<PathBuf>,
    /// Episodes at most this long count as resolved by themselves.
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub self_resolve: String,
    /// Flapping starts at this weighted percent state change...
    #[arg(long, value_name = "PERCENT", default_value_t = 20.0)]
    pub flap_high: f64,
    /// ...and stops below this one.
    #[arg(long, value_name = "PERCENT", default_value_t = 5.0)]
    pub flap_low: f64,
    /// Time bucket of the correlation.
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub correlation_bucket: String,
    /// Least Jaccard similarity of two alerts' firing buckets to call them correlated.
    #[arg(long, value_name = "RATIO", default_value_t = 0.5)]
    pub min_jaccard: f64,
    /// Episodes per day from which an alert is noisy.
    #[arg(long, value_name = "N", default_value_t = 1.0)]
    pub noisy_per_day: f64,
    /// Findings per check at most.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub max_findings: usize,
    /// History read per query (raw samples, a range selector per chunk).
    #[arg(long, value_name = "DURATION", default_value = "6h")]
    pub chunk: String,
    /// Queries in flight at most.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// `srehub cost`.
#[derive(Debug, Args)]
pub struct CostArgs {
    #[command(flatten)]
    pub conn: PromConnArgs,
    /// Namespaces to right-size (repeatable); all namespaces with pods by default.
    #[arg(short = 'n', long = "namespace", value_name = "NAMESPACE")]
    pub namespaces: Vec<String>,
    /// Usage history to base recommendations on.
    #[arg(long, value_name = "DURATION", default_value = "14d")]
    pub history: String,
    /// CPU request = this percentile of CPU usage.
    #[arg(long, value_name = "PERCENTILE", default_value_t = 95.0)]
    pub cpu_percentile: f64,
    /// Memory request and limit = peak working set × this.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.15)]
    pub memory_headroom: f64,
    /// After an OOM kill, memory = the current limit × this (when higher).
    #[arg(long, value_name = "FACTOR", default_value_t = 1.25)]
    pub oom_headroom: f64,
    /// Fewest usage samples for a recommendation.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub min_points: u64,
    /// Price of a core per hour (with --memory-price; otherwise OpenCost's node prices when present).
    #[arg(long, value_name = "PRICE", requires = "memory_price")]
    pub cpu_price: Option<f64>,
    /// Price of a GiB of memory per hour.
    #[arg(long, value_name = "PRICE", requires = "cpu_price")]
    pub memory_price: Option<f64>,
    /// Queries in flight at most.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,
    /// Findings per check at most.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub max_findings: usize,
    /// Output: a report format, or `patch` (the recommended resources as partial objects for
    /// `kubectl apply --server-side --field-manager=srehub-cost -f -`).
    #[arg(short, long, value_enum, value_name = "FORMAT")]
    pub output: Option<CostOutput>,
    /// Exit 1 when a finding is at or above this severity (default critical).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<super::SeverityArg>,
    /// Run only these checks (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "CHECKS")]
    pub select: Vec<String>,
    /// Do not run these checks (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "CHECKS")]
    pub ignore: Vec<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CostOutput {
    Table,
    Json,
    Yaml,
    Sarif,
    Junit,
    Markdown,
    Html,
    Patch,
}

/// `srehub serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    /// [default: 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR", env = "SREHUB_LISTEN")]
    pub listen: Option<String>,
    /// A cluster snapshot (files or directories of `kubectl get -o json|yaml`), served as the
    /// cluster named after the file or directory; repeatable.
    #[arg(long, value_name = "PATH")]
    pub snapshot: Vec<PathBuf>,
    /// A named cluster snapshot (`prod=dumps/prod/`), repeatable.
    #[arg(long = "cluster", value_name = "NAME=PATH")]
    pub clusters: Vec<String>,
    /// A live cluster: a kubeconfig context, served under its name; repeatable.
    #[arg(long = "context", value_name = "CONTEXT")]
    pub contexts: Vec<String>,
    /// The kubeconfig of --context and --local-cluster (default `$KUBECONFIG`, `~/.kube/config`).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Serve the cluster of the kubeconfig's current context, or inside a pod the cluster it runs in
    /// (its service account), under this name.
    #[arg(long, value_name = "NAME")]
    pub local_cluster: Option<String>,
    #[command(flatten)]
    pub conn: PromConnArgs,
    /// An OCI registry (the distribution API: `https://registry.example`); credentials from
    /// SREHUB_REGISTRY_TOKEN or SREHUB_REGISTRY_USER and SREHUB_REGISTRY_PASSWORD.
    #[arg(long, value_name = "URL", env = "SREHUB_REGISTRY_URL")]
    pub registry: Option<String>,
    /// A JFrog Artifactory (`https://host/artifactory`): repositories, storage, AQL search and its
    /// Docker repositories. Credentials: SREHUB_ARTIFACTORY_TOKEN (or _TOKEN_FILE), _API_KEY (or
    /// _API_KEY_FILE), or _USER and _PASSWORD.
    #[arg(long, value_name = "URL", env = "SREHUB_ARTIFACTORY_URL")]
    pub artifactory: Option<String>,
    /// An Aqua Security console, for image vulnerabilities (token: SREHUB_AQUA_TOKEN or
    /// SREHUB_AQUA_TOKEN_FILE).
    #[arg(long, value_name = "URL", env = "SREHUB_AQUA_URL")]
    pub aqua: Option<String>,
    /// The registry name Aqua knows images by (default: the image reference's registry host).
    #[arg(long, value_name = "NAME", env = "SREHUB_AQUA_REGISTRY")]
    pub aqua_registry: Option<String>,
    /// Trivy JSON reports (`trivy image --format json`): a file, a directory or an http(s) URL.
    #[arg(long, value_name = "PATH|URL", env = "SREHUB_TRIVY_REPORTS")]
    pub trivy_reports: Option<String>,
    /// API keys (YAML: `keys: [{name, sha256, scopes, namespaces}]`); without it every caller may
    /// read everything (a warning is logged).
    #[arg(long, value_name = "FILE", env = "SREHUB_API_KEYS_FILE")]
    pub api_keys: Option<PathBuf>,
    /// Requests per second per key (and twice as many in a burst) [default: 50].
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<f64>,
    /// Require a key for /healthz, /readyz and /metrics too.
    #[arg(long)]
    pub private_health: bool,
    /// Close a connection whose client has not sent a whole request head within this (slowloris)
    /// [default: 10s].
    #[arg(long, value_name = "DURATION")]
    pub header_read_timeout: Option<String>,
    /// How long a stale entry may be served while it is refreshed [default: 5m].
    #[arg(long, value_name = "DURATION")]
    pub max_stale: Option<String>,
    /// Cache entries at most [default: 10000].
    #[arg(long, value_name = "N")]
    pub cache_entries: Option<u64>,
    /// Share the cache between replicas through Redis (`redis://redis:6379/0`); memory alone when
    /// it is down.
    #[arg(long, value_name = "URL", env = "SREHUB_REDIS_URL")]
    pub redis_url: Option<String>,
    /// SLO specs (Sloth or OpenSLO files or directories) whose status /api/v1/slo serves, from
    /// --prometheus; repeatable.
    #[arg(long = "slo-specs", value_name = "PATH")]
    pub slo_specs: Vec<String>,
    /// Export a span per request to this OpenTelemetry OTLP/HTTP receiver
    /// (`http://otel-collector:4318`); also OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, with
    /// OTEL_SERVICE_NAME and OTEL_EXPORTER_OTLP_HEADERS (`k=v,k2=v2`).
    #[arg(long, value_name = "URL", env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
    /// Validate the configuration and exit (0 valid, 2 not).
    #[arg(long)]
    pub check_config: bool,
}
