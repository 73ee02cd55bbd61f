//! `srehub serve`: the hub. A stateless REST API over the engines (the doctor on clusters, alert
//! analysis on Prometheus and Alertmanager), with a read-through cache, API keys with scopes, request
//! ids, JSON access logs, Prometheus metrics and health endpoints. Handlers call the same engine
//! functions as the CLI; there is no analysis logic here.

mod answer;
mod artifacts;
pub mod auth;
pub mod cache;
pub mod error;
pub mod metrics;
mod openapi;
pub mod otlp;
pub mod redis_tier;
mod routes;
mod select;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use srehub_http::HttpOptions;

use crate::auth::Auth;
use crate::cache::{Cache, CacheOptions};
use crate::error::{AppError, REQUEST_ID};
use crate::metrics::{Metrics, RequestLabels, RouteLabels};

/// A cluster the hub serves: a snapshot (files or directories of `kubectl get -o json|yaml`), or a live
/// API server (a kubeconfig context) when `live` is set.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub name: String,
    pub paths: Vec<PathBuf>,
    pub live: Option<srehub_kube::live::LiveOptions>,
}

impl ClusterConfig {
    pub fn snapshot(name: &str, paths: Vec<PathBuf>) -> ClusterConfig {
        ClusterConfig {
            name: name.to_string(),
            paths,
            live: None,
        }
    }

    /// The doctor engine's source for this cluster.
    pub fn source(&self) -> srehub_engine::doctor::Source {
        match &self.live {
            Some(o) => srehub_engine::doctor::Source::Live(o.clone()),
            None => srehub_engine::doctor::Source::Snapshot(self.paths.clone()),
        }
    }

    pub fn kind(&self) -> &'static str {
        if self.live.is_some() {
            "live"
        } else {
            "snapshot"
        }
    }
}

/// TTLs per kind of route.
#[derive(Debug, Clone)]
pub struct Ttls {
    pub k8s: Duration,
    pub doctor: Duration,
    pub alerts: Duration,
    pub analysis: Duration,
    pub registry: Duration,
    pub vulns: Duration,
}

impl Default for Ttls {
    fn default() -> Self {
        Ttls {
            k8s: Duration::from_secs(60),
            doctor: Duration::from_secs(120),
            alerts: Duration::from_secs(30),
            analysis: Duration::from_secs(300),
            registry: Duration::from_secs(300),
            vulns: Duration::from_secs(300),
        }
    }
}

/// Everything the hub is configured with.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub clusters: Vec<ClusterConfig>,
    pub prometheus: Option<String>,
    pub alertmanager: Option<String>,
    /// An OCI registry (the distribution API).
    pub registry: Option<String>,
    /// A JFrog Artifactory (`https://host/artifactory`).
    pub artifactory: Option<String>,
    /// An Aqua Security console.
    pub aqua: Option<String>,
    /// The registry name Aqua knows images by (its integrations' names, such as `Docker Hub`);
    /// the reference's registry host when unset.
    pub aqua_registry: Option<String>,
    /// Running images asked of Aqua at most per refresh of the joined view.
    pub aqua_max_images: usize,
    /// Trivy JSON reports: a file, a directory or an `http(s)://` URL.
    pub trivy_reports: Option<String>,
    /// SLO spec files or directories (Sloth or OpenSLO) for `/api/v1/slo`.
    pub slo_specs: Vec<String>,
    /// Timeouts, retries, breaker, TLS of every connector (without credentials).
    pub http: HttpOptions,
    /// Credentials per connector (`prometheus`, `alertmanager`, `registry`): each gets only its own.
    pub credentials: std::collections::BTreeMap<String, srehub_http::Auth>,
    /// Extra request headers per connector (`--header` goes to Prometheus and Alertmanager only).
    pub connector_headers: std::collections::BTreeMap<String, Vec<(String, String)>>,
    pub cache: CacheOptions,
    pub ttl: Ttls,
    pub keys: Option<auth::KeysFile>,
    /// Share the cache between replicas through Redis.
    pub redis_url: Option<String>,
    /// Per key: requests per second and burst.
    pub rate: (f64, f64),
    /// `/healthz`, `/readyz` and `/metrics` without a key.
    pub public_health: bool,
    /// Largest request body accepted.
    pub max_body: usize,
    /// A client must send a request's whole head within this (slowloris protection); the connection
    /// is closed otherwise.
    pub header_read_timeout: std::time::Duration,
    /// The largest request head accepted (HTTP/1: 431 beyond it).
    pub max_header_bytes: usize,
    /// Export a span per request to an OTLP/HTTP receiver.
    pub otlp: Option<otlp::OtlpConfig>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            clusters: Vec::new(),
            prometheus: None,
            alertmanager: None,
            registry: None,
            artifactory: None,
            aqua: None,
            aqua_registry: None,
            aqua_max_images: 500,
            trivy_reports: None,
            slo_specs: Vec::new(),
            http: HttpOptions::default(),
            credentials: Default::default(),
            connector_headers: Default::default(),
            cache: CacheOptions::default(),
            ttl: Ttls::default(),
            keys: None,
            redis_url: None,
            rate: (50.0, 100.0),
            public_health: true,
            max_body: 64 << 10,
            header_read_timeout: std::time::Duration::from_secs(10),
            max_header_bytes: 16 << 10,
            otlp: None,
        }
    }
}

impl ServeConfig {
    /// The HTTP options of one connector, with its own credentials only.
    pub fn http_for(&self, connector: &str) -> HttpOptions {
        HttpOptions {
            auth: self.credentials.get(connector).cloned().unwrap_or_default(),
            headers: self
                .connector_headers
                .get(connector)
                .cloned()
                .unwrap_or_default(),
            ..self.http.clone()
        }
    }
}

/// The shared state of all handlers.
pub struct AppState {
    pub config: ServeConfig,
    pub cache: Cache,
    /// Parsed cluster snapshots, shared by the routes of a cluster.
    pub snapshots: Cache<srehub_model::k8s::ClusterSnapshot>,
    pub metrics: Arc<Metrics>,
    pub auth: Auth,
    pub prometheus: Option<srehub_prometheus::Prometheus>,
    pub alertmanager: Option<srehub_prometheus::Alertmanager>,
    pub registry: Option<srehub_registry::Registry>,
    pub artifactory: Option<srehub_registry::artifactory::Artifactory>,
    pub aqua: Option<srehub_registry::vulns::Aqua>,
    /// The client of Trivy reports served over HTTP (one breaker and pool for every load).
    pub trivy: Option<srehub_http::Client>,
    /// The OTLP exporter, started with the server (it needs the runtime).
    pub otlp: std::sync::OnceLock<otlp::Exporter>,
    /// A circuit breaker per live cluster (its API server), configured as the HTTP connectors'.
    pub kube_breakers: std::collections::BTreeMap<String, Arc<srehub_http::Breaker>>,
    pub started: Instant,
}

impl AppState {
    pub fn new(config: ServeConfig) -> Result<Arc<AppState>, String> {
        let metrics = Arc::new(Metrics::new());
        let auth = Auth::new(config.keys.clone(), config.rate.0, config.rate.1)?;
        let prometheus = config
            .prometheus
            .as_deref()
            .map(|u| srehub_prometheus::Prometheus::new(u, config.http_for("prometheus")))
            .transpose()
            .map_err(|e| e.to_string())?;
        let alertmanager = config
            .alertmanager
            .as_deref()
            .map(|u| srehub_prometheus::Alertmanager::new(u, config.http_for("alertmanager")))
            .transpose()
            .map_err(|e| e.to_string())?;
        let registry = config
            .registry
            .as_deref()
            .map(|u| srehub_registry::Registry::new(u, config.http_for("registry")))
            .transpose()
            .map_err(|e| e.to_string())?;
        let artifactory = config
            .artifactory
            .as_deref()
            .map(|u| {
                srehub_registry::artifactory::Artifactory::new(u, config.http_for("artifactory"))
            })
            .transpose()
            .map_err(|e| e.to_string())?;
        let aqua = config
            .aqua
            .as_deref()
            .map(|u| srehub_registry::vulns::Aqua::new(u, config.http_for("aqua")))
            .transpose()
            .map_err(|e| e.to_string())?;
        let trivy = match &config.trivy_reports {
            Some(loc) if loc.starts_with("http://") || loc.starts_with("https://") => Some(
                srehub_http::Client::new("trivy", config.http_for("trivy"))
                    .map_err(|e| e.to_string())?,
            ),
            _ => None,
        };
        if let Some(loc) = &config.trivy_reports
            && !loc.starts_with("http://")
            && !loc.starts_with("https://")
            && !std::path::Path::new(loc).exists()
        {
            return Err(format!("--trivy-reports {loc}: no such file or directory"));
        }
        if !config.slo_specs.is_empty() {
            srehub_engine::slo::validate(&config.slo_specs)
                .map_err(|e| format!("--slo-specs: {e}"))?;
        }
        let mut names = std::collections::BTreeSet::new();
        for c in &config.clusters {
            if !names.insert(c.name.clone()) {
                return Err(format!("cluster `{}` is configured twice", c.name));
            }
            for p in c.paths.iter().filter(|_| c.live.is_none()) {
                if !p.exists() {
                    return Err(format!(
                        "cluster `{}`: {} does not exist",
                        c.name,
                        p.display()
                    ));
                }
            }
        }
        let mut cache = Cache::new(config.cache.clone(), metrics.clone());
        if let Some(url) = &config.redis_url {
            // Hubs share entries only when they serve the same sources with the same version.
            let mut id = format!("{}|", env!("CARGO_PKG_VERSION"));
            for c in &config.clusters {
                id.push_str(&format!(
                    "{}={:?}{:?};",
                    c.name,
                    c.paths,
                    c.live.as_ref().map(|l| (&l.kubeconfig, &l.context))
                ));
            }
            id.push_str(&format!(
                "{:?}{:?}{:?}{:?}{:?}{:?}{:?}",
                config.prometheus,
                config.alertmanager,
                config.registry,
                config.artifactory,
                config.aqua,
                config.aqua_registry,
                config.trivy_reports
            ));
            let hex = cache::short_hash(id.as_bytes(), 6);
            cache = cache.with_shared(Arc::new(redis_tier::RedisTier::new(
                url,
                &format!("srehub:cache:{hex}:"),
            )?));
        }
        Ok(Arc::new(AppState {
            cache,
            snapshots: Cache::new(
                CacheOptions {
                    max_entries: 64,
                    ..config.cache.clone()
                },
                metrics.clone(),
            ),
            metrics,
            auth,
            prometheus,
            alertmanager,
            registry,
            artifactory,
            aqua,
            trivy,
            otlp: std::sync::OnceLock::new(),
            kube_breakers: config
                .clusters
                .iter()
                .filter(|c| c.live.is_some())
                .map(|c| {
                    (
                        c.name.clone(),
                        Arc::new(srehub_http::Breaker::new(
                            config.http.breaker_failures,
                            config.http.breaker_open_for,
                        )),
                    )
                })
                .collect(),
            started: Instant::now(),
            config,
        }))
    }

    /// The HTTP connectors configured, by name (each has its own breaker).
    pub fn connectors(&self) -> Vec<(&'static str, &srehub_http::Client)> {
        let mut out = Vec::new();
        if let Some(t) = &self.trivy {
            out.push(("trivy", t));
        }
        if let Some(p) = &self.prometheus {
            out.push(("prometheus", p.client()));
        }
        if let Some(a) = &self.alertmanager {
            out.push(("alertmanager", a.client()));
        }
        if let Some(r) = &self.registry {
            out.push(("registry", r.client()));
        }
        if let Some(a) = &self.artifactory {
            out.push(("artifactory", a.client()));
        }
        if let Some(a) = &self.aqua {
            out.push(("aqua", a.client()));
        }
        out
    }
}

/// The route template of a request (`/api/v1/k8s/{cluster}/pods`), for metrics and logs.
fn route_of(req: &Request) -> String {
    req.extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string())
}

/// Request id (honoured from `X-Request-Id` or made), JSON access log, metrics, auth.
async fn around(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(|| format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)));
    let route = route_of(&req);
    // A known set only: a client inventing methods must not grow the metrics.
    let method = match req.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "PATCH" | "OPTIONS") => m,
        _ => "other",
    }
    .to_string();
    let public = matches!(route.as_str(), "/healthz" | "/readyz" | "/metrics")
        && state.config.public_health
        || matches!(route.as_str(), "/api/v1/openapi.json" | "/docs");
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .or_else(|| req.headers().get("x-api-key").and_then(|v| v.to_str().ok()))
        .map(str::to_string);
    // W3C trace context: continue the caller's trace (a new span of it), or start one.
    let hex = |n: usize| -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[fastrand::usize(..16)]))
            .collect()
    };
    let incoming = req
        .headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let parts: Vec<&str> = v.split('-').collect();
            (parts.len() == 4
                && parts[0].len() == 2
                && parts[1].len() == 32
                && parts[2].len() == 16
                && parts[1].bytes().all(|b| b.is_ascii_hexdigit())
                && parts[2].bytes().all(|b| b.is_ascii_hexdigit())
                && parts[1] != "00000000000000000000000000000000")
                .then(|| (parts[1].to_ascii_lowercase(), parts[2].to_ascii_lowercase()))
        });
    let (trace_id, parent_span) = match incoming {
        Some((t, p)) => (t, Some(p)),
        None => (hex(32), None),
    };
    let span_id = hex(16);
    let traceparent = format!("00-{trace_id}-{span_id}-01");
    let wall_start = std::time::SystemTime::now();
    let resp = srehub_http::TRACEPARENT
        .scope(
            traceparent.clone(),
            REQUEST_ID.scope(id.clone(), async {
                let principal = if public {
                    Ok(auth::Principal::anonymous())
                } else {
                    state.auth.check(presented.as_deref())
                };
                match principal {
                    Ok(p) => {
                        let key = p.name.clone();
                        req.extensions_mut().insert(p);
                        (next.run(req).await, key)
                    }
                    Err(e) => (e.into_response(), String::new()),
                }
            }),
        )
        .await;
    let (mut resp, key) = resp;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&traceparent) {
        resp.headers_mut().insert("traceparent", v);
    }
    let status = resp.status().as_u16();
    let secs = started.elapsed().as_secs_f64();
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels {
            route: route.clone(),
            method: method.clone(),
            status,
        })
        .inc();
    state
        .metrics
        .duration
        .get_or_create(&RouteLabels {
            route: route.clone(),
        })
        .observe(secs);
    if let Some(exp) = state.otlp.get() {
        exp.record(
            otlp::Span {
                trace_id: trace_id.clone(),
                span_id,
                parent_span_id: parent_span,
                name: format!("{method} {route}"),
                start: wall_start,
                duration: started.elapsed(),
                method: method.clone(),
                route: route.clone(),
                status,
                request_id: id.clone(),
                key: key.clone(),
            },
            &*state.metrics,
        );
    }
    tracing::info!(
        request_id = %id,
        trace_id = %trace_id,
        method = %method,
        route = %route,
        status,
        latency_ms = (secs * 1000.0) as u64,
        key = %key,
        "request"
    );
    resp
}

/// Answers that axum makes itself (no route, wrong method, a body over the limit, a path that does
/// not decode) in the hub's one error shape.
async fn json_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json || resp.status().is_success() || resp.status().is_redirection() {
        return resp;
    }
    let err = match resp.status().as_u16() {
        404 => AppError::NotFound("no such route (see /api/v1/openapi.json)".into()),
        405 => AppError::MethodNotAllowed,
        413 => AppError::PayloadTooLarge("the request body is larger than the hub accepts".into()),
        400 | 422 => AppError::bad("request", "the request could not be read"),
        _ => return resp,
    };
    let mut out = err.into_response();
    if let Some(allow) = resp.headers().get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

/// The hub's router.
pub fn router(state: Arc<AppState>) -> Router {
    routes::routes()
        .layer(middleware::from_fn(json_errors))
        .layer(axum::extract::DefaultBodyLimit::max(state.config.max_body))
        .layer(middleware::from_fn_with_state(state.clone(), around))
        .with_state(state)
}

/// Serves until `shutdown` completes, then drains in-flight requests (for at most 30 s).
///
/// Connections are served by hyper directly rather than `axum::serve`, for what a service exposed to
/// many clients needs: a time limit on reading each request head (a client trickling headers byte by
/// byte, slowloris, is cut off instead of holding a connection and a task forever), a bound on the
/// head's size, and HTTP/1.1 and HTTP/2 (prior knowledge) on one port.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    let cfg = &state.config;
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(cfg.header_read_timeout)
        .max_buf_size(cfg.max_header_bytes.max(8192));
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(cfg.max_header_bytes).unwrap_or(u32::MAX));
    if let Some(cfg) = &state.config.otlp
        && state.otlp.get().is_none()
    {
        let exporter = otlp::Exporter::start(
            cfg.clone(),
            state.config.http_for("otlp"),
            state.metrics.clone(),
        )
        .map_err(std::io::Error::other)?;
        let _ = state.otlp.set(exporter);
    }
    let app = router(state.clone());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors, say: wait rather than spin.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let service = hyper_util::service::TowerToHyperService::new(app.clone());
                let conn = builder.serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn.into_owned());
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), graceful.shutdown()).await;
    if let Some(exp) = state.otlp.get() {
        exp.flush(std::time::Duration::from_secs(5)).await;
    }
    Ok(())
}

impl cache::Cacheable for srehub_model::k8s::ClusterSnapshot {
    fn etag(&self) -> String {
        // Lists and reports made from a snapshot carry their own tags.
        String::new()
    }
}

pub(crate) fn not_found(what: &str) -> AppError {
    AppError::NotFound(what.to_string())
}
