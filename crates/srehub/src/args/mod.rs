//! The command line, as data (clap derive).

mod chaos;
mod load;
mod prom;
pub use chaos::*;
pub use load::*;
pub use prom::*;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  srehub doctor --snapshot examples/demo-cluster      diagnose a cluster from a kubectl dump
  kubectl get pods,nodes,events -A -o json | srehub doctor --snapshot -
  srehub doctor audit --snapshot dump/ -o sarif > doctor.sarif
  srehub explain K8S003                               what a check looks for and how to fix it
  srehub config show                                  the settings in force, secrets redacted

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/config/input error, 3 source unreachable.";

/// srehub: one fast program for SREs.
#[derive(Debug, Parser)]
#[command(name = "srehub", version, about, after_help = EXAMPLES, propagate_version = true, max_term_width = 110)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Config file (default: ./srehub.yaml, then $XDG_CONFIG_HOME/srehub/srehub.yaml). Also SREHUB_CONFIG.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Colour in terminal output (auto honours NO_COLOR).
    #[arg(long, global = true, value_enum, value_name = "WHEN")]
    pub color: Option<ColorArg>,
    /// srehub's own log level or filter (default warn), e.g. `debug` or `info,srehub_kube=trace`.
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// srehub's own log format, on stderr.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub log_format: Option<LogFormatArg>,
    /// No progress output on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Kubernetes cluster health, problem diagnostics and best-practice audit.
    #[command(after_help = "Examples:
  srehub doctor --snapshot examples/demo-cluster
  srehub doctor --context prod -o markdown
  srehub doctor diagnose --snapshot dump.json --fail-on warning
  srehub doctor --watch 5m --metrics-addr 0.0.0.0:9192 -q   # a Prometheus exporter of findings
  kubectl get all,events,nodes -A -o json | srehub doctor --snapshot - -o markdown")]
    Doctor(Box<DoctorArgs>),
    /// Lint configuration files: Kubernetes manifests, Dockerfiles, Terraform, GitHub Actions, GitLab CI.
    #[command(after_help = "Examples:
  srehub lint                          # everything lintable under the current directory
  srehub lint deploy/ --kube-version 1.29 -o sarif > lint.sarif
  kustomize build overlays/prod | srehub lint - --stdin-kind manifest
  srehub lint . -o json > baseline.json && srehub lint . --baseline baseline.json")]
    Lint(LintArgs),
    /// Parse log streams (JSON, logfmt, CRI, docker, journal, syslog, access logs, custom patterns) and
    /// mine their message templates.
    #[command(
        subcommand,
        after_help = "Examples:
  kubectl logs deploy/api | srehub logs templates
  srehub logs templates /var/log/app/*.log.gz --top 20
  srehub logs templates HDFS.log --pattern '<Date> <Time> <Pid> <Level> <Component>: <Content>' -o csv
  srehub logs parse app.log --where 'level>=warn' --where 'status>=500' --output logfmt"
    )]
    Logs(LogsCommand),
    /// SLOs as code: generate Prometheus rules (multi-window multi-burn-rate alerts), dashboards and
    /// promtool tests from Sloth or OpenSLO specs.
    #[command(
        subcommand,
        after_help = "Examples:
  srehub slo generate slos/ -o generated/
  srehub slo generate api-slo.yml --format prometheusrule | kubectl apply -f -
  srehub slo validate slos/"
    )]
    Slo(SloCommand),
    /// Alert noise: analyze Prometheus' alert history and Alertmanager (noisy, flapping,
    /// self-resolving and correlated alerts, dead rules) with recommendations.
    #[command(subcommand)]
    Alerts(AlertsCommand),
    /// Right-size requests and limits from usage in Prometheus (cAdvisor, kube-state-metrics):
    /// over- and under-provisioned containers, OOM kills, with a patch to apply.
    #[command(after_help = "Examples:
  srehub cost --prometheus http://prometheus:9090 -n shop
  srehub cost --prometheus $PROM --cpu-price 0.031 --memory-price 0.004 -o markdown
  srehub cost --prometheus $PROM -n shop -o patch | kubectl apply --server-side --field-manager=srehub-cost -f -")]
    Cost(Box<CostArgs>),
    /// HTTP load: closed (connections) or open (rate) model with honest latency, scenarios, stages,
    /// thresholds for CI, and runs merged across workers.
    #[command(after_help = "Examples:
  srehub load http://127.0.0.1:8080/ -c 50 -z 30s
  srehub load http://127.0.0.1:8080/api -q 500 -z 1m --threshold 'p99<200ms' --threshold 'error_rate<1%'
  srehub load --scenario checkout.yaml -o html > report.html
  srehub load http://127.0.0.1:8080/ -z 1m --save-histogram w1.json && srehub load merge w*.json
  srehub load compare before.json after.json")]
    Load(Box<LoadCmd>),
    /// Fault injection: a toxiproxy-compatible TCP/HTTP proxy, and bounded CPU and memory stress.
    #[command(subcommand)]
    Chaos(ChaosCommand),
    /// The hub: a REST API over the engines (clusters, doctor, alerts), cached, with API keys,
    /// metrics and health endpoints.
    #[command(after_help = "Examples:
  srehub serve --snapshot examples/demo-cluster                # http://127.0.0.1:8080/docs
  srehub serve --listen 0.0.0.0:8080 --cluster prod=dumps/prod --prometheus http://prometheus:9090 \\
    --alertmanager http://alertmanager:9093 --api-keys /etc/srehub/keys.yaml --log-format json
  srehub serve --check-config --api-keys keys.yaml --snapshot dump/")]
    Serve(Box<ServeArgs>),
    /// Explain a check (what it looks for, why it matters, how to fix), or list every check.
    #[command(after_help = "Examples:
  srehub explain K8S003
  srehub explain container-without-memory-limit
  srehub explain            # all checks")]
    Explain(ExplainArgs),
    /// Show the resolved configuration or its JSON schema.
    #[command(
        subcommand,
        after_help = "Examples:
  srehub config show
  SREHUB_FAIL_ON=warning srehub --config ci.yaml config show
  srehub config schema > srehub.schema.json"
    )]
    Config(ConfigCommand),
    /// Print a shell completion script.
    #[command(after_help = "Example:
  srehub completions bash > /etc/bash_completion.d/srehub")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the version and the git commit it was built from.
    #[command(after_help = "Example:
  srehub version")]
    Version,
}

/// `srehub doctor`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DoctorArgs {
    #[command(subcommand)]
    pub group: Option<DoctorGroup>,
    #[command(flatten)]
    pub run: DoctorRunArgs,
}

/// The doctor's parts; without one, all three run.
#[derive(Debug, Subcommand)]
pub enum DoctorGroup {
    /// Nodes, versions, control plane and add-ons.
    #[command(after_help = "Example:
  srehub doctor health --context prod")]
    Health(DoctorRunArgs),
    /// What is broken now: pods, workloads, jobs, volumes, services, events, node load.
    #[command(after_help = "Example:
  srehub doctor diagnose -n payments --fail-on warning")]
    Diagnose(DoctorRunArgs),
    /// Best practice: probes, resources, security context, images, PDBs, RBAC, network policy, APIs.
    #[command(after_help = "Example:
  srehub doctor audit --snapshot dump.json -o sarif > audit.sarif")]
    Audit(DoctorRunArgs),
    /// Save what the doctor reads from a live cluster as one `kubectl get -o json` style file, to
    /// analyze later or elsewhere with `--snapshot`.
    #[command(after_help = "Example:
  srehub doctor snapshot -o incident-2026-11-20.json --context prod
  srehub doctor --snapshot incident-2026-11-20.json")]
    Snapshot(SnapshotArgs),
}

/// Where a live cluster is.
#[derive(Debug, Args, Default, Clone)]
pub struct ClusterArgs {
    /// kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context (default: the current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Only this namespace (cluster-scoped objects are still read). Default: all namespaces.
    #[arg(
        long,
        short = 'n',
        value_name = "NAMESPACE",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,
    /// All namespaces (the default; accepted for kubectl muscle memory).
    #[arg(long, short = 'A')]
    pub all_namespaces: bool,
}

/// `srehub doctor snapshot`.
#[derive(Debug, Args, Clone)]
pub struct SnapshotArgs {
    /// The file to write (`-` for stdout).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// Flags of a doctor run.
#[derive(Debug, Args, Default, Clone)]
pub struct DoctorRunArgs {
    /// Read the cluster from `kubectl get … -o json|yaml` output: a file, a directory (e.g. from
    /// `kubectl cluster-info dump --output-directory`), or `-` for stdin. Repeatable. Without it, the
    /// live cluster of the kubeconfig is read.
    #[arg(long, short = 's', value_name = "PATH")]
    pub snapshot: Vec<PathBuf>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Analyze as of this time (RFC 3339). Default: the snapshot's capture time.
    #[arg(long, value_name = "TIME")]
    pub now: Option<jiff::Timestamp>,
    /// Kubernetes version to check API deprecations against (default: the API server's).
    #[arg(long, value_name = "VERSION")]
    pub kube_version: Option<String>,
    /// Re-run every INTERVAL (e.g. `30s`, `5m`) until interrupted, printing each report.
    #[arg(long, value_name = "INTERVAL")]
    pub watch: Option<jiff::SignedDuration>,
    /// With --watch: serve the findings as Prometheus metrics on ADDR (`/metrics`), e.g. 127.0.0.1:9192.
    #[arg(long, value_name = "ADDR", requires = "watch")]
    pub metrics_addr: Option<std::net::SocketAddr>,
}

/// Flags of every command that produces a report.
#[derive(Debug, Args, Default, Clone)]
pub struct ReportArgs {
    /// Output format (default: table on a terminal, json otherwise).
    #[arg(short, long, value_enum, value_name = "FORMAT")]
    pub output: Option<FormatArg>,
    /// Exit 1 when a finding is at or above this severity (default critical).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,
    /// Run only these checks: codes, code prefixes, names or groups (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "CHECKS")]
    pub select: Vec<String>,
    /// Do not run these checks (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "CHECKS")]
    pub ignore: Vec<String>,
}

/// `srehub lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files and directories to lint (directories are searched recursively); `-` reads stdin.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// What stdin holds, with `-`.
    #[arg(long, value_enum, value_name = "KIND")]
    pub stdin_kind: Option<StdinKind>,
    /// Judge Kubernetes API versions against this release (`1.29`): deprecated ones warn, removed ones
    /// are critical. Default: the newest release.
    #[arg(long, value_name = "VERSION")]
    pub kube_version: Option<String>,
    /// Report only findings not in this earlier JSON report (`srehub lint -o json > FILE`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Apply the safe, mechanical fixes to the files (keeping comments and layout), then report what is
    /// left.
    #[arg(long, conflicts_with = "diff")]
    pub fix: bool,
    /// Print the fixes as a unified diff instead of a report, writing nothing; exits 1 if there is any.
    #[arg(long)]
    pub diff: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// Kinds of input for `--stdin-kind`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StdinKind {
    Dockerfile,
    /// Kubernetes manifests (YAML or JSON).
    Manifest,
    /// One Terraform file.
    Terraform,
    GithubWorkflow,
    GithubAction,
    GitlabCi,
}

/// `srehub logs`.
#[derive(Debug, Subcommand)]
pub enum LogsCommand {
    /// Parse log streams into normalized records (timestamp, level, message, fields), with filters.
    #[command(after_help = "Examples:
  srehub logs parse app.log --where 'level>=warn'
  kubectl logs -f deploy/api | srehub logs parse --where 'status>=500' --output logfmt
  srehub logs parse access.log --since 2024-05-01T10:00:00Z --until 2024-05-01T11:00:00Z")]
    Parse(LogsParseArgs),
    /// Mine message templates (Drain-style parse tree, generic masking) with counts, first and last
    /// line, an example and parameter values.
    #[command(after_help = "Examples:
  srehub logs templates app.log
  srehub logs templates app.log --state templates.json     # ids stay stable across runs
  srehub logs templates app.log -o csv > lines.csv         # LineId,EventId,EventTemplate per line
  srehub logs templates app.log -o openmetrics             # counts per template")]
    Templates(LogsTemplatesArgs),
    /// Find what matters and what changed: error patterns, new templates, bursts and drops of a
    /// template's rate, traces with errors (a report, like doctor and lint).
    #[command(after_help = "Examples:
  srehub logs analyze app.log
  kubectl logs deploy/api --since 2h | srehub logs analyze --bucket 1m -o markdown
  srehub logs analyze /var/log/app/ --select LOG001,LOG005 --fail-on warning")]
    Analyze(LogsAnalyzeArgs),
}

/// `srehub logs analyze`.
#[derive(Debug, Args)]
pub struct LogsAnalyzeArgs {
    #[command(flatten)]
    pub input: LogsInputArgs,
    /// Width of a time bucket (`30s`, `1m`, `5m`, `1h`); widened automatically for long inputs.
    /// Inputs without timestamps are bucketed by 1,000 lines.
    #[arg(long, value_name = "DURATION", default_value = "1m")]
    pub bucket: String,
    /// Poisson z-score from which a bucket is a burst (and, negated, a drop).
    #[arg(long, value_name = "Z", default_value_t = 4.0)]
    pub z_threshold: f64,
    /// Fewest lines in a bucket for a burst.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub min_count: u64,
    /// Findings per check at most (the most significant first).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub max_findings: usize,
    /// Field holding a trace id (repeatable; `traceparent` and the usual OpenTelemetry names are
    /// always looked at).
    #[arg(long = "trace-field", value_name = "FIELD")]
    pub trace_fields: Vec<String>,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// Inputs and formats shared by the `srehub logs` commands.
#[derive(Debug, Args)]
pub struct LogsInputArgs {
    /// Files, directories (searched recursively), globs and gzip files; `-` or nothing reads stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// The log format (default: detected per stream, line by line when formats are mixed).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<LogFormatChoice>,
    /// A custom line format: the Loghub header syntax (`<Date> <Time> <Level> <Component>: <Content>`;
    /// `<Name>` captures a field, `Content` is the message, text between fields is a regex fragment)
    /// or a regular expression with named captures (`(?P<msg>…)`).
    #[arg(long, value_name = "PATTERN", conflicts_with = "format")]
    pub pattern: Option<String>,
    /// Longest line kept whole, in bytes; longer lines are cut and counted.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
    pub max_line: usize,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormatChoice {
    Json,
    Logfmt,
    Cri,
    Docker,
    JournalExport,
    JournalJson,
    Syslog3164,
    Syslog5424,
    AccessLog,
    Plain,
}

/// `srehub logs parse`.
#[derive(Debug, Args)]
pub struct LogsParseArgs {
    #[command(flatten)]
    pub input: LogsInputArgs,
    /// Keep records matching this condition (repeatable, all must hold): `level>=warn`, `status>=500`,
    /// `app=api`, `app!=db`, `msg~timeout|refused`, `user!~^svc-`, `has:trace_id`.
    #[arg(long = "where", value_name = "COND")]
    pub where_: Vec<String>,
    /// Keep records at or after this time (RFC 3339); records without a timestamp are dropped.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Keep records before this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Output format of the records.
    #[arg(long, value_enum, default_value = "json")]
    pub output: RecordOutput,
    /// Print only the number of matching records (like `grep -c`).
    #[arg(long, short = 'c', conflicts_with = "follow")]
    pub count: bool,
    /// Keep reading files as they grow, like `tail -F` (rotation and truncation handled), all inputs
    /// at once, until Ctrl-C; records are written as they arrive.
    #[arg(long, short = 'f')]
    pub follow: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RecordOutput {
    /// One JSON object per line.
    Json,
    Logfmt,
}

/// `srehub logs templates`.
#[derive(Debug, Args)]
pub struct LogsTemplatesArgs {
    #[command(flatten)]
    pub input: LogsInputArgs,
    /// Share of equal token positions for a message to join a template (0 to 1).
    #[arg(long, value_name = "RATIO", default_value_t = 0.5)]
    pub similarity: f64,
    /// Depth of the parse tree (the first DEPTH-2 tokens route a message).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub depth: usize,
    /// A position where messages differ only in words (no digits) splits templates until it has shown
    /// N distinct words, then becomes a parameter (`state Active`/`state Inactive` stay two templates,
    /// user names become `<*>`). 0 turns this off (plain Drain).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub enum_values: usize,
    /// Templates kept; the least recently used beyond this are evicted.
    #[arg(long, value_name = "N", default_value_t = 50_000)]
    pub max_clusters: usize,
    /// Load templates from this file when it exists and save them there at the end (stable ids).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// A template to start with (`<*>` marks variables), repeatable.
    #[arg(long = "seed-template", value_name = "TEMPLATE")]
    pub seed_templates: Vec<String>,
    /// Extra masking rule `REGEX` (matches become `<*>`, applied to each token), repeatable.
    #[arg(long = "mask", value_name = "REGEX")]
    pub masks: Vec<String>,
    /// Turn off the generic masking (numbers, ids, IPs, paths, units, dates): only `--mask` rules apply.
    #[arg(long)]
    pub no_generic_masks: bool,
    /// Show only the N most frequent templates in the table.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Output: the table, JSON, one CSV row per input line (`LineId,EventId,EventTemplate`) or
    /// OpenMetrics counts.
    #[arg(short, long, value_enum)]
    pub output: Option<TemplatesOutput>,
    /// Keep reading files as they grow, like `tail -F`, until Ctrl-C (or `q` in the live view), then
    /// print the templates. On a terminal a live view shows templates with their rates.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// No live view with --follow (also off when stdout is not a terminal).
    #[arg(long, requires = "follow")]
    pub no_tui: bool,
    /// Push each record to Loki (base URL or the full `/loki/api/v1/push` URL) as a JSON line, with
    /// its template id, level and trace id as structured metadata. Auth from SREHUB_LOKI_TOKEN
    /// (bearer) or SREHUB_LOKI_USER and SREHUB_LOKI_PASSWORD (basic).
    #[arg(long, value_name = "URL")]
    pub push_loki: Option<String>,
    /// A label of every pushed stream (`KEY=VALUE`, repeatable; default `job=srehub`); `source` (the
    /// input's name) is always added.
    #[arg(long = "loki-label", value_name = "KEY=VALUE", requires = "push_loki")]
    pub loki_labels: Vec<String>,
    /// Tenant for a multi-tenant Loki (`X-Scope-OrgID`).
    #[arg(long, value_name = "TENANT", requires = "push_loki")]
    pub loki_tenant: Option<String>,
    /// Retries of a failed push (exponential backoff from 0.5 s to 10 s, honouring Retry-After)
    /// before its batch is counted as lost.
    #[arg(long, value_name = "N", default_value_t = 5, requires = "push_loki")]
    pub loki_retries: u32,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TemplatesOutput {
    Table,
    Json,
    Csv,
    Openmetrics,
}

/// `srehub explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A check code or name; omit to list every check.
    pub check: Option<String>,
}

/// `srehub config`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the resolved settings (YAML) and where they came from, secrets redacted.
    #[command(after_help = "Example:
  srehub config show")]
    Show,
    /// Print the JSON schema of srehub.yaml.
    #[command(after_help = "Example:
  srehub config schema > srehub.schema.json")]
    Schema,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Table,
    Json,
    Yaml,
    Sarif,
    Junit,
    Markdown,
    Html,
}

impl From<FormatArg> for srehub_core::render::Format {
    fn from(f: FormatArg) -> Self {
        use srehub_core::render::Format as F;
        match f {
            FormatArg::Table => F::Table,
            FormatArg::Json => F::Json,
            FormatArg::Yaml => F::Yaml,
            FormatArg::Sarif => F::Sarif,
            FormatArg::Junit => F::Junit,
            FormatArg::Markdown => F::Markdown,
            FormatArg::Html => F::Html,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SeverityArg {
    Critical,
    Warning,
    Info,
}

impl From<SeverityArg> for srehub_core::Severity {
    fn from(s: SeverityArg) -> Self {
        match s {
            SeverityArg::Critical => Self::Critical,
            SeverityArg::Warning => Self::Warning,
            SeverityArg::Info => Self::Info,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormatArg {
    Pretty,
    Json,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}

/// `srehub slo`.
#[derive(Debug, Subcommand)]
pub enum SloCommand {
    /// Generate recording and alerting rules (and, with -o, a Grafana dashboard and a promtool test
    /// suite per service) from Sloth (`prometheus/v1`, `PrometheusServiceLevel`) or OpenSLO v1 specs.
    #[command(after_help = "Examples:
  srehub slo generate api-slo.yml                       # the rules on stdout
  srehub slo generate slos/ -o generated/               # rules, dashboard and promtool suite per service
  srehub slo generate slos/ -o generated/ --format prometheusrule
  promtool check rules generated/*.rules.yml && promtool test rules generated/*.test.yml")]
    Generate(SloGenerateArgs),
    /// Check specs: every problem with its file, line and field; exit 2 when there is one.
    Validate(SloValidateArgs),
    /// Measure each SLO now against Prometheus: SLI over the period (rolling or calendar), error
    /// budget left, burn rates over 1h/6h/1d/3d and time to exhaustion.
    #[command(after_help = "Examples:
  srehub slo report --prometheus http://prometheus:9090 slos/
  srehub slo report --prometheus $PROM slos/ -o json --fail-on warning")]
    Report(SloReportArgs),
}

#[derive(Debug, Args)]
pub struct SloReportArgs {
    /// Spec files or directories; `-` reads stdin.
    #[arg(value_name = "SPEC", required = true)]
    pub specs: Vec<String>,
    #[command(flatten)]
    pub conn: PromConnArgs,
    /// Queries in flight at most.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct SloGenerateArgs {
    /// Spec files or directories (searched for .yml/.yaml); `-` reads stdin.
    #[arg(value_name = "SPEC", required = true)]
    pub specs: Vec<String>,
    /// Write `<service>.rules.yml` (or `.prometheusrule.yml`), `<service>.dashboard.json` and
    /// `<service>.rules.test.yml` into this directory instead of printing the rules.
    #[arg(short = 'o', long = "out-dir", value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// The rules as a Prometheus rule file or as a prometheus-operator PrometheusRule resource.
    #[arg(long, value_enum, default_value = "rules")]
    pub format: SloRulesFormat,
    /// Burn-rate windows and budget shares (YAML `page:`/`ticket:` lists of `{long, short,
    /// budget_percent}`); default: the SRE Workbook's 1h/5m 2 %, 6h/30m 5 %, 1d/2h 10 %, 3d/6h 10 %.
    #[arg(long, value_name = "FILE")]
    pub burn_windows: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SloRulesFormat {
    Rules,
    Prometheusrule,
}

#[derive(Debug, Args)]
pub struct SloValidateArgs {
    /// Spec files or directories; `-` reads stdin.
    #[arg(value_name = "SPEC", required = true)]
    pub specs: Vec<String>,
}
