//! `srehub serve`.

use std::time::Duration;

use anyhow::Context as _;
use srehub_core::ExitCode;
use srehub_server::{AppState, ClusterConfig, ServeConfig};

use super::conn::{duration, http_options};
use srehub_config::ServeOptions;

use crate::args::{GlobalArgs, ServeArgs};

/// The hub's configuration: each flag (or its `SREHUB_…` variable) wins over the `serve:` section of
/// the configuration layers (`srehub.yaml`, `SREHUB_SERVE__…`, `.env`).
fn config(args: &ServeArgs, file: &ServeOptions) -> anyhow::Result<ServeConfig> {
    let cache_file = file.cache.clone().unwrap_or_default();
    let ttl_file = cache_file.ttl.clone().unwrap_or_default();
    let from_file = |key: &str, v: &Option<String>| -> anyhow::Result<Option<Duration>> {
        v.as_deref()
            .map(|v| duration(&format!("serve.{key} in the configuration"), v))
            .transpose()
    };
    let mut clusters = Vec::new();
    for (name, path) in file.clusters.iter().flatten() {
        clusters.push(ClusterConfig::snapshot(name, vec![path.into()]));
    }
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
    let kubeconfig = args
        .kubeconfig
        .clone()
        .or_else(|| file.kubeconfig.as_ref().map(Into::into));
    let live = |context: Option<String>| srehub_kube::live::LiveOptions {
        kubeconfig: kubeconfig.clone(),
        context,
        namespace: None,
        timeout: Duration::from_secs(15),
        retries: 2,
        page_size: 500,
        concurrency: 4,
    };
    let contexts = if args.contexts.is_empty() {
        file.contexts.clone().unwrap_or_default()
    } else {
        args.contexts.clone()
    };
    for ctx in &contexts {
        clusters.push(ClusterConfig {
            name: ctx.clone(),
            paths: Vec::new(),
            live: Some(live(Some(ctx.clone()))),
        });
    }
    if let Some(name) = args.local_cluster.as_ref().or(file.local_cluster.as_ref()) {
        clusters.push(ClusterConfig {
            name: name.clone(),
            paths: Vec::new(),
            live: Some(live(None)),
        });
    }
    let api_keys = args
        .api_keys
        .clone()
        .or_else(|| super::conn::dotenv("SREHUB_API_KEYS_FILE").map(Into::into))
        .or_else(|| file.api_keys.as_ref().map(Into::into));
    let keys = match &api_keys {
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
    let rate_limit = args.rate_limit.or(file.rate_limit).unwrap_or(50.0);
    if rate_limit.is_nan() || rate_limit <= 0.0 {
        anyhow::bail!("--rate-limit (serve.rate-limit) must be positive");
    }
    let http = http_options(&args.conn, "PROMETHEUS")?;
    // A flag (or its variable), else its variable in `.env`, else the configuration's key.
    let pick_env = |flag: &Option<String>, var: &str, f: &Option<String>| {
        flag.clone()
            .or_else(|| super::conn::dotenv(var))
            .or_else(|| f.clone())
    };
    let d = srehub_server::Ttls::default();
    let ttl = srehub_server::Ttls {
        k8s: from_file("cache.ttl.k8s", &ttl_file.k8s)?.unwrap_or(d.k8s),
        doctor: from_file("cache.ttl.doctor", &ttl_file.doctor)?.unwrap_or(d.doctor),
        alerts: from_file("cache.ttl.alerts", &ttl_file.alerts)?.unwrap_or(d.alerts),
        analysis: from_file("cache.ttl.analysis", &ttl_file.analysis)?.unwrap_or(d.analysis),
        registry: from_file("cache.ttl.registry", &ttl_file.registry)?.unwrap_or(d.registry),
        vulns: from_file("cache.ttl.vulns", &ttl_file.vulns)?.unwrap_or(d.vulns),
    };
    let max_stale = match &args.max_stale {
        Some(v) => duration("--max-stale", v)?,
        None => {
            from_file("cache.max-stale", &cache_file.max_stale)?.unwrap_or(Duration::from_secs(300))
        }
    };
    let header_read_timeout = match &args.header_read_timeout {
        Some(v) => duration("--header-read-timeout", v)?,
        None => from_file("header-read-timeout", &file.header_read_timeout)?
            .unwrap_or(Duration::from_secs(10)),
    };
    // OTLP: the flag (or OTEL_EXPORTER_OTLP_ENDPOINT), the traces-only variable, then the file.
    let otel = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    // As the OpenTelemetry specification orders them: the traces-only variable wins over the
    // general one (a flag wins over both).
    let from_general_env =
        args.otlp_endpoint.is_some() && otel("OTEL_EXPORTER_OTLP_ENDPOINT") == args.otlp_endpoint;
    let traces_env = otel("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    let otlp = if from_general_env && traces_env.is_some() {
        traces_env.clone()
    } else {
        args.otlp_endpoint.clone().or(traces_env)
    }
    .or_else(|| file.otlp_endpoint.clone())
    .map(
        |endpoint| -> anyhow::Result<srehub_server::otlp::OtlpConfig> {
            let mut c = srehub_server::otlp::OtlpConfig::new(&endpoint);
            if let Some(name) = otel("OTEL_SERVICE_NAME") {
                c.service_name = name;
            }
            for pair in otel("OTEL_EXPORTER_OTLP_HEADERS")
                .unwrap_or_default()
                .split(',')
                .filter(|p| !p.trim().is_empty())
            {
                let (k, v) = pair.split_once('=').with_context(
                    || "OTEL_EXPORTER_OTLP_HEADERS: expected key=value pairs separated by commas",
                )?;
                c.headers.push((k.trim().to_string(), v.trim().to_string()));
            }
            Ok(c)
        },
    )
    .transpose()?;
    let slo_specs = if args.slo_specs.is_empty() {
        file.slo_specs.clone().unwrap_or_default()
    } else {
        args.slo_specs.clone()
    };
    let prometheus = pick_env(
        &args.conn.prometheus,
        "SREHUB_PROMETHEUS_URL",
        &file.prometheus,
    );
    let alertmanager = pick_env(
        &args.conn.alertmanager,
        "SREHUB_ALERTMANAGER_URL",
        &file.alertmanager,
    );
    let registry = pick_env(&args.registry, "SREHUB_REGISTRY_URL", &file.registry);
    let artifactory = pick_env(
        &args.artifactory,
        "SREHUB_ARTIFACTORY_URL",
        &file.artifactory,
    );
    let aqua = pick_env(&args.aqua, "SREHUB_AQUA_URL", &file.aqua);
    let trivy_reports = pick_env(
        &args.trivy_reports,
        "SREHUB_TRIVY_REPORTS",
        &file.trivy_reports,
    );
    // Credentials of the connectors in use only (each gets its own).
    let mut credentials = std::collections::BTreeMap::new();
    for (name, env, url) in [
        ("prometheus", "PROMETHEUS", &prometheus),
        ("alertmanager", "ALERTMANAGER", &alertmanager),
        ("registry", "REGISTRY", &registry),
        ("artifactory", "ARTIFACTORY", &artifactory),
        ("aqua", "AQUA", &aqua),
        ("trivy", "TRIVY", &trivy_reports),
    ] {
        if url.is_some() {
            credentials.insert(name.to_string(), http_options(&args.conn, env)?.auth);
        }
    }
    Ok(ServeConfig {
        otlp,
        slo_specs,
        clusters,
        prometheus,
        alertmanager,
        registry,
        artifactory,
        aqua,
        aqua_registry: pick_env(
            &args.aqua_registry,
            "SREHUB_AQUA_REGISTRY",
            &file.aqua_registry,
        ),
        trivy_reports,
        // `--header` (a Prometheus tenant, say) is for Prometheus and Alertmanager only: other
        // connectors must not receive it.
        connector_headers: [
            ("prometheus".to_string(), http.headers.clone()),
            ("alertmanager".to_string(), http.headers.clone()),
        ]
        .into_iter()
        .collect(),
        http: srehub_http::HttpOptions {
            timeout: http.timeout.min(Duration::from_secs(20)),
            auth: srehub_http::Auth::None,
            headers: Vec::new(),
            // Answers are parsed and cached: 32 MiB at most per downstream answer.
            max_body: http.max_body.min(32 << 20),
            ..http
        },
        credentials,
        cache: srehub_server::cache::CacheOptions {
            max_entries: args
                .cache_entries
                .or(cache_file.entries)
                .unwrap_or(10_000)
                .max(100),
            max_stale,
            ..Default::default()
        },
        ttl,
        keys,
        redis_url: pick_env(&args.redis_url, "SREHUB_REDIS_URL", &cache_file.redis_url),
        rate: (rate_limit, rate_limit * 2.0),
        public_health: !(args.private_health || file.private_health == Some(true)),
        header_read_timeout,
        ..Default::default()
    })
}

pub fn run(global: &GlobalArgs, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    // The configuration layers (srehub.yaml, SREHUB_* settings, .env) with the global flags; the
    // hub logs at `info` (its access log) unless a layer says otherwise.
    let cwd = std::env::current_dir().context("reading the working directory")?;
    let env: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let flags = crate::context::flag_options(global, None, None);
    let (mut settings, _) = srehub_config::load(global.config.as_deref(), &cwd, &env, flags)?;
    if !settings.log.level_given {
        // The hub's own lines (the access log) at info; libraries only when they warn.
        settings.log.level = "warn,srehub=info,srehub_server=info".into();
    }
    let _log_guard = crate::logging::init_background(&settings.log)?;
    let cfg = config(args, &settings.serve)?;
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
        let listen = args
            .listen
            .clone()
            .or_else(|| super::conn::dotenv("SREHUB_LISTEN"))
            .or_else(|| settings.serve.listen.clone())
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("--listen {listen}: cannot listen"))?;
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
