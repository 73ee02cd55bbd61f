//! Arguments of `srehub chaos`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `srehub chaos`.
#[derive(Debug, Subcommand)]
pub enum ChaosCommand {
    /// A TCP/HTTP fault-injection proxy with toxiproxy's toxics and control API.
    #[command(after_help = "Examples:
  srehub chaos proxy --listen 127.0.0.1:6380 --upstream 127.0.0.1:6379 --toxic latency,latency=100,jitter=20
  srehub chaos proxy --listen 127.0.0.1:8081 --upstream 127.0.0.1:8080 --toxic http_error,status=503,toxicity=0.1
  srehub chaos proxy --api 127.0.0.1:8474 --config proxies.json      # toxiproxy's config format
  curl -X POST 127.0.0.1:8474/proxies/main/toxics -d '{\"type\": \"reset_peer\", \"attributes\": {\"timeout\": 500}}'")]
    Proxy(ChaosProxyArgs),
    /// Bounded CPU and memory pressure (inside a pod); stops by itself.
    #[command(after_help = "Examples:
  srehub chaos stress --cpu 2 --duration 5m
  srehub chaos stress --cpu 1 --cpu-load 50 --memory 512Mi --duration 10m")]
    Stress(ChaosStressArgs),
    /// Delete pods matching a selector: some, a percentage or all, gracefully or forced, once or at an
    /// interval.
    #[command(after_help = "Examples:
  srehub chaos pod-kill -n shop -l app=api --count 1
  srehub chaos pod-kill -n shop -l app=api --percent 50 --force --interval 30s --duration 5m
  srehub chaos pod-kill -n shop -l app=api --dry-run")]
    PodKill(PodKillArgs),
    /// Cordon a node and evict its pods through the Eviction API (PodDisruptionBudgets are honoured);
    /// uncordon at the end.
    #[command(after_help = "Examples:
  srehub chaos drain node-3 --timeout 5m --duration 10m
  srehub chaos drain node-3 --dry-run")]
    Drain(DrainArgs),
    /// Cut pods off the network with a deny-all NetworkPolicy for a while, then delete it.
    #[command(after_help = "Example:
  srehub chaos partition -n shop -l app=api --duration 2m")]
    Partition(PartitionArgs),
    /// Run an experiment: steady-state hypothesis, method (faults), hypothesis again, rollback;
    /// exit 1 when the hypothesis did not hold.
    #[command(after_help = "Examples:
  srehub chaos run experiments/slow-db.yaml
  srehub chaos run experiments/lose-a-pod.yaml --context staging -o junit > chaos.xml")]
    Run(ChaosRunArgs),
}

/// `srehub chaos run`.
#[derive(Debug, Args)]
pub struct ChaosRunArgs {
    /// The experiment file (see docs/chaos.md).
    #[arg(value_name = "EXPERIMENT")]
    pub experiment: PathBuf,
    /// kubeconfig file for Kubernetes steps (else the experiment's `kubernetes:`, then the default).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context for Kubernetes steps.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Kubernetes writes with dryRun=All; proxy toxics are not added. Probes still run.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub report: super::ReportArgs,
}

/// The cluster and the safety flags every Kubernetes fault takes.
#[derive(Debug, Args)]
pub struct KubeFaultArgs {
    /// kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context (default: the current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Send every write with dryRun=All: validated and authorized by the API server, persisted nowhere.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the journal as JSON.
    #[arg(short, long, value_enum, value_name = "FORMAT")]
    pub output: Option<JournalOutput>,
}

/// Output of a Kubernetes fault's journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JournalOutput {
    Table,
    Json,
}

/// `srehub chaos pod-kill`.
#[derive(Debug, Args)]
pub struct PodKillArgs {
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: String,
    /// Label selector of the pods (`app=api`); required.
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: String,
    /// Kill this many [default: 1].
    #[arg(long, value_name = "N", conflicts_with_all = ["percent", "all"])]
    pub count: Option<usize>,
    /// Kill this percentage (rounded up).
    #[arg(long, value_name = "PERCENT", conflicts_with = "all")]
    pub percent: Option<f64>,
    /// Kill every matching pod.
    #[arg(long)]
    pub all: bool,
    /// Grace period in seconds (default: each pod's own).
    #[arg(long, value_name = "SECONDS", conflicts_with = "force")]
    pub grace: Option<u32>,
    /// Delete at once (grace period 0).
    #[arg(long)]
    pub force: bool,
    /// Kill again at this interval...
    #[arg(long, value_name = "DURATION", requires = "duration")]
    pub interval: Option<String>,
    /// ...for this long.
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    #[command(flatten)]
    pub kube: KubeFaultArgs,
}

/// `srehub chaos drain`.
#[derive(Debug, Args)]
pub struct DrainArgs {
    /// The node.
    #[arg(value_name = "NODE")]
    pub node: String,
    /// Keep retrying evictions a PodDisruptionBudget refuses for this long.
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub timeout: String,
    /// Grace period of the evicted pods in seconds (default: each pod's own).
    #[arg(long, value_name = "SECONDS")]
    pub grace: Option<u32>,
    /// Stay cordoned this long before uncordoning [default: uncordon at once].
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Leave the node cordoned at the end.
    #[arg(long)]
    pub keep_cordoned: bool,
    #[command(flatten)]
    pub kube: KubeFaultArgs,
}

/// `srehub chaos partition`.
#[derive(Debug, Args)]
pub struct PartitionArgs {
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: String,
    /// Label selector of the pods to cut off (`app=api`); required.
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: String,
    /// How long the partition lasts.
    #[arg(long, value_name = "DURATION")]
    pub duration: String,
    #[command(flatten)]
    pub kube: KubeFaultArgs,
}

/// `srehub chaos proxy`.
#[derive(Debug, Args)]
pub struct ChaosProxyArgs {
    /// Where the proxy listens (with --upstream).
    #[arg(long, value_name = "ADDR", requires = "upstream")]
    pub listen: Option<String>,
    /// Where it forwards (HOST:PORT).
    #[arg(long, value_name = "HOST:PORT", requires = "listen")]
    pub upstream: Option<String>,
    /// The proxy's name in the API.
    #[arg(long, value_name = "NAME", default_value = "main")]
    pub name: String,
    /// A toxic to start with: `TYPE,KEY=VALUE,…` (stream=, toxicity=, name= and the type's attributes), repeatable.
    #[arg(long = "toxic", value_name = "SPEC")]
    pub toxics: Vec<String>,
    /// The control API's address (toxiproxy's default port is 8474).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8474")]
    pub api: String,
    /// Proxies to create at start: a JSON array as toxiproxy's `-config` takes.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `srehub chaos stress`.
#[derive(Debug, Args)]
pub struct ChaosStressArgs {
    /// Busy worker threads.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub cpu: usize,
    /// Percent of the time each worker is busy.
    #[arg(long, value_name = "PERCENT", default_value_t = 100)]
    pub cpu_load: u8,
    /// Memory to allocate and keep resident (`512Mi`, `1Gi`).
    #[arg(long, value_name = "SIZE")]
    pub memory: Option<String>,
    /// How long (at most 24h).
    #[arg(long, value_name = "DURATION")]
    pub duration: String,
}
