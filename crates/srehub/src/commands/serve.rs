//! `srehub serve`.

use std::time::Duration;

use anyhow::Context as _;
use srehub_core::ExitCode;
use srehub_server::{AppState, ClusterConfig, ServeConfig};

use super::conn::{duration, http_options};
use crate::args::ServeArgs;

fn config(args: &ServeArgs) -> anyhow::Result<ServeConfig> {
    let mut clusters = Vec::new();
    for p in &args.snapshot {
        let name = p
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|s| !s.is_empty() && *s != "-")
            .with_context(|| {
                format!(
                    "--snapshot {}: cannot name a cluster after it; use --cluster NAME=PATH",
                    p.display()
                )
            })?;
        clusters.push(ClusterConfig::snapshot(name, vec![p.clone()]));
    }
    for c in &args.clusters {
        let (name, path) = c
            .split_once('=')
            .filter(|(n, p)| !n.is_empty() && !p.is_empty())
            .with_context(|| format!("--cluster `{c}`: expected NAME=PATH"))?;
        clusters.push(ClusterConfig::snapshot(name, vec![path.into()]));
    }
    let live = |context: Option<String>| srehub_kube::live::LiveOptions {
        kubeconfig: args.kubeconfig.clone(),
        context,
        namespace: None,
        timeout: Duration::from_secs(15),
        retries: 2,
        page_size: 500,
        concurrency: 4,
    };
    for ctx in &args.contexts {
        clusters.push(ClusterConfig {
            name: ctx.clone(),
            paths: Vec::new(),
            live: Some(live(Some(ctx.clone()))),
        });
    }
    if let Some(name) = &args.local_cluster {
        clusters.push(ClusterConfig {
            name: name.clone(),
            paths: Vec::new(),
            live: Some(live(None)),
        });
    }
    let keys = match &args.api_keys {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("--api-keys {}: cannot read", p.display()))?;
            Some(serde_yaml_ng::from_str(&text).map_err(|e| {
                let at = e
                    .location()
                    .map(|l| format!("{}:{}: ", l.line(), l.column()))
                    .unwrap_or_default();
                anyhow::anyhow!("{}:{at}not an API keys file: {e}", p.display())
            })?)
        }
        None => None,
    };
    if args.rate_limit.is_nan() || args.rate_limit <= 0.0 {
        anyhow::bail!("--rate-limit must be positive");
    }
    let http = http_options(&args.conn, "PROMETHEUS")?;
    let mut credentials = std::collections::BTreeMap::new();
    for (name, env) in [
        ("prometheus", "PROMETHEUS"),
        ("alertmanager", "ALERTMANAGER"),
        ("registry", "REGISTRY"),
        ("artifactory", "ARTIFACTORY"),
        ("aqua", "AQUA"),
        ("trivy", "TRIVY"),
    ] {
        credentials.insert(name.to_string(), http_options(&args.conn, env)?.auth);
    }
    Ok(ServeConfig {
        clusters,
        prometheus: args.conn.prometheus.clone(),
        alertmanager: args.conn.alertmanager.clone(),
        registry: args.registry.clone(),
        artifactory: args.artifactory.clone(),
        aqua: args.aqua.clone(),
        aqua_registry: args.aqua_registry.clone(),
        trivy_reports: args.trivy_reports.clone(),
        http: srehub_http::HttpOptions {
            timeout: http.timeout.min(Duration::from_secs(20)),
            auth: srehub_http::Auth::None,
            ..http
        },
        credentials,
        cache: srehub_server::cache::CacheOptions {
            max_entries: args.cache_entries.max(100),
            max_stale: duration("--max-stale", &args.max_stale)?,
            ..Default::default()
        },
        keys,
        redis_url: args.redis_url.clone(),
        rate: (args.rate_limit, args.rate_limit * 2.0),
        public_health: !args.private_health,
        header_read_timeout: duration("--header-read-timeout", &args.header_read_timeout)?,
        ..Default::default()
    })
}

pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let cfg = config(args)?;
    let state = AppState::new(cfg).map_err(|e| anyhow::anyhow!("{e}"))?;
    if args.check_config {
        println!(
            "configuration valid: {} cluster(s), prometheus {}, alertmanager {}, cache {}, {} API key(s)",
            state.config.clusters.len(),
            state
                .config
                .prometheus
                .as_deref()
                .map_or("off".into(), srehub_http::redact),
            state
                .config
                .alertmanager
                .as_deref()
                .map_or("off".into(), srehub_http::redact),
            state
                .config
                .redis_url
                .as_deref()
                .map_or("memory".into(), |u| format!(
                    "memory + {}",
                    srehub_http::redact(u)
                )),
            state.config.keys.as_ref().map_or(0, |k| k.keys.len())
        );
        return Ok(ExitCode::Clean);
    }
    if !state.auth.enabled() {
        tracing::warn!("no --api-keys: every caller may read everything");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("--listen {}: cannot listen", args.listen))?;
        let addr = listener.local_addr()?;
        eprintln!("srehub serve: listening on http://{addr} (docs at /docs)");
        let shutdown = async {
            let term = async {
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term => {}
            }
            tracing::info!("shutting down: finishing requests in flight");
        };
        srehub_server::serve(listener, state, shutdown).await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::Clean)
}
