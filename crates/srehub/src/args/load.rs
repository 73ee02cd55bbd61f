//! Arguments of `srehub load`: the flags oha and hey users know, a scenario file, thresholds, and the
//! `compare` and `merge` subcommands.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::SeverityArg;

/// `srehub load`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct LoadCmd {
    #[command(subcommand)]
    pub action: Option<LoadAction>,
    #[command(flatten)]
    pub run: LoadRunArgs,
}

#[derive(Debug, Subcommand)]
pub enum LoadAction {
    /// Compare two runs (`-o json` outputs or `--save-histogram` files): throughput, latency, errors.
    #[command(after_help = "Example:
  srehub load compare before.json after.json --fail-on-regression")]
    Compare(LoadCompareArgs),
    /// Merge the `--save-histogram` files of many workers into one exact report.
    #[command(after_help = "Example:
  srehub load merge results/*.hist.json --threshold 'p99<200ms'")]
    Merge(LoadMergeArgs),
}

/// Output formats of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LoadOutput {
    /// The summary and the findings.
    Table,
    /// The `srehub.load/v1` result document.
    Json,
    /// The result document as YAML.
    Yaml,
    /// The per-second timeline.
    Csv,
    Markdown,
    /// A page with latency-over-time, throughput and histogram charts.
    Html,
    Junit,
    Sarif,
}

/// A load run.
#[derive(Debug, Args)]
pub struct LoadRunArgs {
    /// The URL to load (127.0.0.1 and the addresses you own only).
    #[arg(value_name = "URL")]
    pub url: Option<String>,
    /// A scenario file: weighted requests, CSV variables, stages, thresholds (see docs/load.md).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Connections (closed model: concurrent requests; open model: the pool) [default: 50].
    #[arg(short = 'c', long, value_name = "N")]
    pub connections: Option<u64>,
    /// Run for this long (`30s`, `5m`); in-flight requests at the end are cancelled.
    #[arg(short = 'z', long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Send this many requests [default: 200 without -z or stages].
    #[arg(short = 'n', long, value_name = "N")]
    pub requests: Option<u64>,
    /// Requests per second, open model: latency is measured from each request's due time. (`-q`, as in
    /// oha and hey; in `srehub load`, use `--quiet` for quiet.)
    #[arg(long, value_name = "RPS")]
    pub rate: Option<f64>,
    /// HTTP method [default: GET].
    #[arg(short = 'm', long, value_name = "METHOD")]
    pub method: Option<String>,
    /// A request header, repeatable.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// The request body.
    #[arg(short = 'd', long, value_name = "BODY", conflicts_with = "body_file")]
    pub body: Option<String>,
    /// The request body, from a file.
    #[arg(short = 'D', long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    /// Content-Type of the body.
    #[arg(short = 'T', long, value_name = "TYPE")]
    pub content_type: Option<String>,
    /// Basic auth, `user:password`.
    #[arg(
        short = 'a',
        long,
        value_name = "USER:PASSWORD",
        env = "SREHUB_LOAD_BASIC_AUTH"
    )]
    pub basic_auth: Option<String>,
    /// A bearer token.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SREHUB_LOAD_BEARER",
        hide_env_values = true
    )]
    pub bearer: Option<String>,
    /// HTTP/2 (ALPN over TLS, prior knowledge over http://).
    #[arg(long)]
    pub http2: bool,
    /// Accept any TLS certificate.
    #[arg(long)]
    pub insecure: bool,
    /// Time limit of each request [default: 20s].
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Follow at most this many redirects (0: none) [default: 10].
    #[arg(long, value_name = "N")]
    pub redirect: Option<u32>,
    /// A new connection for every request.
    #[arg(long)]
    pub disable_keepalive: bool,
    /// Connect to another address for a host: `HOST:PORT:TARGET_HOST:TARGET_PORT`, repeatable.
    #[arg(long, value_name = "HOST:PORT:TARGET_HOST:TARGET_PORT")]
    pub connect_to: Vec<String>,
    /// A threshold for CI (`p99<200ms`, `error_rate<1%`, `rps>900`), repeatable: violated → exit 1.
    #[arg(long = "threshold", value_name = "EXPR")]
    pub thresholds: Vec<String>,
    /// No live view on the terminal.
    #[arg(long)]
    pub no_tui: bool,
    /// Serve live Prometheus metrics of the run on this address (`127.0.0.1:9191`).
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<String>,
    /// Write the run's full HDR histograms and timeline here, for `srehub load merge`.
    #[arg(long, value_name = "FILE")]
    pub save_histogram: Option<PathBuf>,
    /// Output format (default: table on a terminal, json otherwise).
    #[arg(short, long, value_enum, value_name = "FORMAT")]
    pub output: Option<LoadOutput>,
    /// Exit 1 when a finding is at or above this severity (default critical: a failed threshold).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,
    /// Run only these checks (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "CHECKS")]
    pub select: Vec<String>,
    /// Do not run these checks (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "CHECKS")]
    pub ignore: Vec<String>,
}

/// Output formats of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareOutput {
    Table,
    Json,
    Markdown,
}

/// `srehub load compare`.
#[derive(Debug, Args)]
pub struct LoadCompareArgs {
    /// The earlier run.
    #[arg(value_name = "BEFORE")]
    pub before: PathBuf,
    /// The later run.
    #[arg(value_name = "AFTER")]
    pub after: PathBuf,
    /// Relative changes below this percentage are noise.
    #[arg(long, value_name = "PERCENT", default_value_t = 10.0)]
    pub tolerance: f64,
    /// Exit 1 when a statistic got worse beyond the tolerance.
    #[arg(long)]
    pub fail_on_regression: bool,
    #[arg(short, long, value_enum, value_name = "FORMAT")]
    pub output: Option<CompareOutput>,
}

/// `srehub load merge`.
#[derive(Debug, Args)]
pub struct LoadMergeArgs {
    /// Files written by `srehub load --save-histogram`.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Thresholds to judge the merged run by, repeatable.
    #[arg(long = "threshold", value_name = "EXPR")]
    pub thresholds: Vec<String>,
    /// Write the merged histograms here (to merge again).
    #[arg(long, value_name = "FILE")]
    pub save_histogram: Option<PathBuf>,
    #[arg(short, long, value_enum, value_name = "FORMAT")]
    pub output: Option<LoadOutput>,
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,
}

/// `srehub load -q 100`: in `load`, `-q` is the rate (oha and hey's flag), while everywhere else it
/// is `--quiet`. Rewrites the arguments after `load` accordingly, before parsing.
pub fn rewrite_rate_flag(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    // The command word: the first argument that is neither a global flag nor a global flag's value.
    const VALUED: [&str; 4] = ["--config", "--color", "--log-level", "--log-format"];
    let mut at = None;
    let mut i = 1;
    while i < args.len() {
        let s = args[i].to_string_lossy();
        if VALUED.contains(&s.as_ref()) {
            i += 2;
        } else if s.starts_with('-') {
            i += 1;
        } else {
            at = Some(i);
            break;
        }
    }
    let Some(at) = at.filter(|&at| args[at] == "load") else {
        return args;
    };
    let mut out = Vec::with_capacity(args.len());
    let mut rest = false;
    for (i, a) in args.into_iter().enumerate() {
        if i <= at || rest {
            out.push(a);
            continue;
        }
        let s = a.to_string_lossy();
        if s == "--" {
            rest = true;
            out.push(a);
        } else if s == "-q" {
            out.push("--rate".into());
        } else if let Some(v) = s.strip_prefix("-q")
            && v.starts_with(|c: char| c.is_ascii_digit() || c == '=' || c == '.')
        {
            out.push(format!("--rate={}", v.trim_start_matches('=')).into());
        } else {
            out.push(a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(a: &[&str]) -> Vec<String> {
        rewrite_rate_flag(a.iter().map(|s| s.into()).collect())
            .into_iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn q_is_the_rate_in_load_only() {
        assert_eq!(
            rw(&["srehub", "load", "-q", "100", "http://x/"]),
            ["srehub", "load", "--rate", "100", "http://x/"]
        );
        assert_eq!(
            rw(&["srehub", "load", "-q50"]),
            ["srehub", "load", "--rate=50"]
        );
        assert_eq!(
            rw(&["srehub", "doctor", "-q", "load"]),
            ["srehub", "doctor", "-q", "load"]
        );
        assert_eq!(
            rw(&["srehub", "--color", "never", "load", "-q", "1"]),
            ["srehub", "--color", "never", "load", "--rate", "1"]
        );
        assert_eq!(
            rw(&["srehub", "logs", "templates", "load", "-q"]),
            ["srehub", "logs", "templates", "load", "-q"]
        );
    }
}
