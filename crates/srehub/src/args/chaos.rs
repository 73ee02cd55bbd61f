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
