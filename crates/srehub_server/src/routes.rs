//! The routes. Every list and analysis goes through the cache and answers with its data plus, per
//! source, `{name, status, latency_ms, stale, error}`; a failing source still gives 200 with what
//! could be had, or the error shape when nothing could.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use srehub_model::k8s::ClusterSnapshot;

use crate::answer::{PageQuery, answer, answer_memo, cached_list};
use crate::auth::Principal;
use crate::cache::{Entry, Loaded, SourceOutcome, Status};
use crate::error::AppError;
use crate::select::{Selector, page, project};
use crate::{AppState, not_found};

type St = State<Arc<AppState>>;

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/docs", get(docs))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/status", get(status))
        .route("/api/v1/clusters", get(clusters))
        .route("/api/v1/k8s/{cluster}/{kind}", get(k8s_list))
        .route("/api/v1/k8s/{cluster}/doctor", get(doctor))
        .route("/api/v1/alerts", get(alerts))
        .route("/api/v1/alerts/analysis", get(alerts_analysis))
        .route("/api/v1/slo", get(slo_status))
        .route("/api/v1/registry/repos", get(registry_repos))
        // The same list: in the distribution API a repository is an image's name.
        .route("/api/v1/registry/images", get(registry_repos))
        .route("/api/v1/registry/images/{*path}", get(registry_image))
        .merge(crate::artifacts::routes())
}

async fn healthz() -> impl IntoResponse {
    axum::Json(json!({"status": "ok"}))
}

/// Ready when the configuration loaded (it did, or the process would not run) and at least one source
/// answers: a cluster snapshot that reads, or Prometheus or Alertmanager.
async fn readyz(State(s): St) -> Response {
    // Every cluster at once, each given 2 s (a probe must answer quickly; a slow load goes on for the
    // routes that need it). Only the kind of failure is shown: this route is public.
    let checks = s.config.clusters.iter().map(|c| {
        let s = s.clone();
        async move {
            let t = Instant::now();
            let r = tokio::time::timeout(Duration::from_secs(2), snapshot(&s, &c.name)).await;
            let (ok, error) = match r {
                Ok(Ok(_)) => (true, None),
                Ok(Err(e)) => (false, Some(e.code())),
                Err(_) => (false, Some("timeout")),
            };
            json!({"name": format!("cluster/{}", c.name), "ok": ok,
                "latency_ms": t.elapsed().as_millis() as u64, "error": error})
        }
    });
    let mut sources = futures::future::join_all(checks).await;
    for (name, client) in s.connectors() {
        let st = client.breaker_state();
        sources.push(
            json!({"name": name, "ok": st != srehub_http::BreakerState::Open, "breaker": st}),
        );
    }
    // Trivy reports on disk (over HTTP they are a connector, above).
    if let Some(loc) = &s.config.trivy_reports
        && s.trivy.is_none()
    {
        sources.push(json!({"name": "trivy", "ok": std::path::Path::new(loc).exists()}));
    }
    let ready = sources.iter().any(|x| x["ok"] == true);
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    // Redis being down does not make the hub unready: it serves from memory, and says so.
    let cache = match s.cache.shared() {
        Some(r) => {
            let up = r.ping().await;
            s.metrics
                .backend_up
                .get_or_create(&crate::metrics::BackendLabels {
                    backend: "redis".into(),
                })
                .set(i64::from(up));
            json!({"backend": "redis", "redis_up": up,
                "fallback": if up { "none" } else { "memory" }, "entries": s.cache.entry_count()})
        }
        None => json!({"backend": "memory", "entries": s.cache.entry_count()}),
    };
    (
        code,
        axum::Json(json!({
            "ready": ready,
            "sources": sources,
            "cache": cache,
        })),
    )
        .into_response()
}

async fn metrics(State(s): St) -> impl IntoResponse {
    // Breaker states as of this scrape: HTTP connectors and live clusters.
    let now = Instant::now();
    let states = s
        .connectors()
        .into_iter()
        .map(|(name, c)| (name.to_string(), c.breaker_state()))
        .chain(
            s.kube_breakers
                .iter()
                .map(|(name, b)| (format!("cluster/{name}"), b.state(now))),
        );
    for (connector, st) in states {
        s.metrics
            .breaker
            .get_or_create(&crate::metrics::ConnectorLabels { connector })
            .set(st.gauge());
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.metrics.encode(),
    )
}

async fn openapi() -> impl IntoResponse {
    axum::Json(crate::openapi::document())
}

async fn docs() -> Html<String> {
    Html(crate::openapi::docs_page())
}

/// Each connector: breaker state, latency of its last call, last error.
async fn status(State(s): St, Extension(p): Extension<Principal>) -> Result<Response, AppError> {
    p.require("status")?;
    let mut connectors = Vec::new();
    for (name, c) in s.connectors() {
        let st = c.breaker_state();
        s.metrics
            .breaker
            .get_or_create(&crate::metrics::ConnectorLabels {
                connector: name.into(),
            })
            .set(st.gauge());
        let last = c.last_call();
        connectors.push(json!({"name": name, "breaker": st, "last_ok": last.ok,
            "latency_ms": last.latency_ms, "last_call_at": last.at,
            "last_error": last.last_error, "last_error_at": last.last_error_at}));
    }
    for c in &s.config.clusters {
        // The latest read of the cluster, as the cache holds it (nothing is read for this page).
        let held = s.snapshots.peek(&format!("snapshot:{}", c.name)).await;
        let outcome = held.as_ref().and_then(|e| e.sources.first().cloned());
        let breaker = s
            .kube_breakers
            .get(&c.name)
            .map(|b| b.state(std::time::Instant::now()));
        connectors.push(
            json!({"name": format!("cluster/{}", c.name), "kind": c.kind(),
            "paths": c.paths, "breaker": breaker,
            "last_ok": outcome.as_ref().map(|o| o.status == "ok"),
            "latency_ms": outcome.as_ref().map(|o| o.latency_ms),
            "last_read_age_s": held.as_ref().map(|e| e.fetched.elapsed().as_secs()),
            "last_error": outcome.and_then(|o| o.error)}),
        );
    }
    Ok(axum::Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_s": s.started.elapsed().as_secs(),
        "connectors": connectors,
    }))
    .into_response())
}

async fn clusters(State(s): St, Extension(p): Extension<Principal>) -> Result<Response, AppError> {
    p.require("clusters")?;
    let items: Vec<Value> = s
        .config
        .clusters
        .iter()
        .map(|c| json!({"name": c.name, "source": c.kind()}))
        .collect();
    Ok(axum::Json(json!({"items": items})).into_response())
}

/// The parsed snapshot of a cluster, shared by its routes (one read for all).
pub(crate) async fn snapshot(
    s: &Arc<AppState>,
    cluster: &str,
) -> Result<Arc<ClusterSnapshot>, AppError> {
    let c = s
        .config
        .clusters
        .iter()
        .find(|c| c.name == cluster)
        .ok_or_else(|| not_found(&format!("no cluster named `{cluster}`")))?;
    let source = c.source();
    let name = format!("cluster/{cluster}");
    let metrics = s.metrics.clone();
    // A live cluster's API server has a circuit breaker of its own (snapshots are files).
    let breaker = s.kube_breakers.get(cluster).cloned();
    let (entry, _) = s
        .snapshots
        .get(
            "snapshot",
            format!("snapshot:{cluster}"),
            s.config.ttl.k8s,
            move || {
                let (source, name, metrics, breaker) = (
                    source.clone(),
                    name.clone(),
                    metrics.clone(),
                    breaker.clone(),
                );
                async move {
                    let t = Instant::now();
                    if let Some(b) = &breaker
                        && let Err(retry_after) = b.allow(t)
                    {
                        let e = AppError::BreakerOpen {
                            name: name.clone(),
                            retry_after_s: retry_after.as_secs().max(1),
                        };
                        return Loaded {
                            sources: vec![SourceOutcome::timed(name, t, &Err::<(), _>(&e))],
                            value: Err(e),
                        };
                    }
                    let r = match &source {
                        // Files are read and parsed off the async workers.
                        srehub_engine::doctor::Source::Snapshot(_) => {
                            let source = source.clone();
                            tokio::task::spawn_blocking(move || {
                                tokio::runtime::Handle::current().block_on(
                                    srehub_engine::doctor::gather(
                                        &source,
                                        &[],
                                        &mut std::io::empty(),
                                    ),
                                )
                            })
                            .await
                            .unwrap_or_else(|e| {
                                Err(srehub_engine::Error::Downstream(format!(
                                    "reading the snapshot failed: {e}"
                                )))
                            })
                        }
                        _ => {
                            srehub_engine::doctor::gather(&source, &[], &mut std::io::empty()).await
                        }
                    };
                    if let Some(b) = &breaker {
                        b.record(r.is_ok(), Instant::now());
                    }
                    metrics.downstream_call(&name, r.is_ok(), t.elapsed().as_secs_f64());
                    Loaded {
                        sources: vec![SourceOutcome::timed(name, t, &r)],
                        value: r
                            .map(|(snap, _)| snap)
                            .map_err(|e| AppError::Unavailable(e.to_string())),
                    }
                }
            },
        )
        .await;
    entry.value.clone()
}

/// A cluster's list of pods, nodes or events as JSON, cached per cluster and kind; the snapshot is
/// read only when the list is not cached here or in the shared tier.
async fn list_entry(
    s: &Arc<AppState>,
    cluster: &str,
    kind: &'static str,
) -> Result<(Arc<Entry>, Status), AppError> {
    if !s.config.clusters.iter().any(|c| c.name == cluster) {
        return Err(not_found(&format!("no cluster named `{cluster}`")));
    }
    let name = format!("cluster/{cluster}");
    let state = s.clone();
    let cl = cluster.to_string();
    Ok(s.cache
        .get(
            "k8s",
            format!("k8s:{cluster}:{kind}"),
            s.config.ttl.k8s,
            move || {
                let (state, cl, name) = (state.clone(), cl.clone(), name.clone());
                async move {
                    let t = Instant::now();
                    let value = snapshot(&state, &cl).await.and_then(|snap| {
                        match kind {
                            "pods" => serde_json::to_value(&snap.pods),
                            "nodes" => serde_json::to_value(&snap.nodes),
                            "deployments" => serde_json::to_value(
                                snap.workloads
                                    .iter()
                                    .filter(|w| w.metadata.kind == "Deployment")
                                    .collect::<Vec<_>>(),
                            ),
                            _ => serde_json::to_value(&snap.events),
                        }
                        .map_err(|e| AppError::Internal(e.to_string()))
                    });
                    Loaded {
                        sources: vec![SourceOutcome::timed(name, t, &value)],
                        value,
                    }
                }
            },
        )
        .await)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    namespace: Option<String>,
    #[serde(rename = "labelSelector")]
    label_selector: Option<String>,
    fields: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

pub(crate) fn limit_of(v: &Option<String>) -> Result<usize, AppError> {
    match v {
        None => Ok(100),
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| {
                AppError::bad("limit", format!("`{l}` is not a number between 1 and 1000"))
            }),
    }
}

async fn k8s_list(
    State(s): St,
    Extension(p): Extension<Principal>,
    Path((cluster, kind)): Path<(String, String)>,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    p.require("clusters")?;
    let Query(q) = q.map_err(|e| AppError::bad("query", e.body_text()))?;
    let field = match kind.as_str() {
        "pods" => "pods",
        "nodes" => "nodes",
        "events" => "events",
        "deployments" => "deployments",
        other => {
            return Err(not_found(&format!(
                "no resource `{other}` (pods, nodes, events, deployments)"
            )));
        }
    };
    if let Some(ns) = &q.namespace
        && !p.may_read_namespace(ns)
    {
        return Err(AppError::Forbidden(format!("clusters (namespace {ns})")));
    }
    let selector = q
        .label_selector
        .as_deref()
        .map(Selector::parse)
        .transpose()?;
    let limit = limit_of(&q.limit)?;
    let fields: Option<Vec<String>> = q.fields.as_deref().map(|f| {
        f.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    });
    let (entry, st) = list_entry(&s, &cluster, field).await?;
    let version = crate::select::list_version(&entry.etag);
    // Everything the page depends on: the parameters and the key (its namespaces).
    let memo = format!(
        "{:?}",
        (
            &q.namespace,
            &q.label_selector,
            &q.fields,
            limit,
            &q.cursor,
            &p.name
        )
    );
    answer_memo(&entry, st, &headers, Some(&memo), |list| {
        let all: &[Value] = list.as_array().map_or(&[], Vec::as_slice);
        let visible: Vec<&Value> = all
            .iter()
            .filter(|i| {
                let ns = i["metadata"]["namespace"].as_str().unwrap_or("");
                q.namespace.as_deref().is_none_or(|want| ns == want)
                    && (field == "nodes" || p.may_read_namespace(ns))
            })
            .filter(|i| {
                selector.as_ref().is_none_or(|sel| {
                    let labels: BTreeMap<String, String> =
                        serde_json::from_value(i["metadata"]["labels"].clone()).unwrap_or_default();
                    sel.matches(&labels)
                })
            })
            .collect();
        let (a, b, next) = page(visible.len(), q.cursor.as_deref(), limit, &version)?;
        let items: Vec<Value> = visible[a..b]
            .iter()
            .map(|i| match &fields {
                Some(f) => project(i, f),
                None => (*i).clone(),
            })
            .collect();
        Ok(json!({"items": items, "total": visible.len(), "next_cursor": next}))
    })
}

async fn doctor(
    State(s): St,
    Extension(p): Extension<Principal>,
    Path(cluster): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    p.require("clusters")?;
    p.require_all_namespaces("the doctor's report")?;
    if !s.config.clusters.iter().any(|c| c.name == cluster) {
        return Err(not_found(&format!("no cluster named `{cluster}`")));
    }
    let key = format!("doctor:{cluster}");
    let name = format!("cluster/{cluster}");
    let state = s.clone();
    let (entry, st) = s
        .cache
        .get("doctor", key, s.config.ttl.doctor, move || {
            let (state, name, cluster) = (state.clone(), name.clone(), cluster.clone());
            async move {
                let t = Instant::now();
                let req = srehub_engine::doctor::Request {
                    source: srehub_engine::doctor::Source::Snapshot(vec![]),
                    groups: vec![],
                    now: None,
                };
                let r = match snapshot(&state, &cluster).await {
                    // The analysis is CPU work: off the async workers.
                    Ok(snap) => {
                        let cluster = cluster.clone();
                        tokio::task::spawn_blocking(move || {
                            srehub_engine::doctor::analyze(
                                &snap,
                                &req,
                                &srehub_config::Settings::default(),
                                &cluster,
                            )
                            .map_err(|e| AppError::Internal(e.to_string()))
                        })
                        .await
                        .unwrap_or_else(|e| Err(AppError::Internal(e.to_string())))
                    }
                    Err(e) => Err(e),
                };
                Loaded {
                    sources: vec![SourceOutcome::timed(name, t, &r)],
                    value: r.and_then(|rep| {
                        serde_json::to_value(rep).map_err(|e| AppError::Internal(e.to_string()))
                    }),
                }
            }
        })
        .await;
    answer(&entry, st, &headers, |v| Ok(json!({"report": v})))
}

async fn alerts(
    State(s): St,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    p.require("alerts")?;
    p.require_all_namespaces("alerts")?;
    let Some(am) = s.alertmanager.clone() else {
        return Err(not_found("no Alertmanager configured (--alertmanager)"));
    };
    let metrics = s.metrics.clone();
    let (entry, st) = s
        .cache
        .get("alerts", "alerts".into(), s.config.ttl.alerts, move || {
            let (am, metrics) = (am.clone(), metrics.clone());
            async move {
                let t = Instant::now();
                let r = am.alerts().await;
                metrics.downstream_call("alertmanager", r.is_ok(), t.elapsed().as_secs_f64());
                Loaded {
                    sources: vec![SourceOutcome::timed("alertmanager", t, &r)],
                    value: r.map_err(|e| prom_error(&e)).and_then(|a| {
                        serde_json::to_value(a).map_err(|e| AppError::Internal(e.to_string()))
                    }),
                }
            }
        })
        .await;
    answer(&entry, st, &headers, |v| Ok(json!({"items": v})))
}

fn prom_error(e: &srehub_prometheus::PromError) -> AppError {
    match e {
        srehub_prometheus::PromError::Http(h) => AppError::from_http(h),
        other => AppError::Downstream(other.to_string()),
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AnalysisQuery {
    since: Option<String>,
}

async fn alerts_analysis(
    State(s): St,
    Extension(p): Extension<Principal>,
    q: Result<Query<AnalysisQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    p.require("alerts")?;
    p.require_all_namespaces("the alert analysis")?;
    let Query(q) = q.map_err(|e| AppError::bad("query", e.body_text()))?;
    let Some(prom) = s.config.prometheus.clone() else {
        return Err(not_found("no Prometheus configured (--prometheus)"));
    };
    let since_text = q.since.unwrap_or_else(|| "1d".into());
    let since = srehub_core::duration::parse(&since_text)
        .filter(|d| d.as_secs() >= 300 && d.as_secs() <= 90 * 86_400)
        .ok_or_else(|| {
            AppError::bad(
                "since",
                format!("`{since_text}` is not a duration between 5m and 90d"),
            )
        })?;
    let (http, am_http) = (
        s.config.http_for("prometheus"),
        s.config.http_for("alertmanager"),
    );
    let am = s.config.alertmanager.clone();
    let (entry, st) = s
        .cache
        .get(
            "alerts_analysis",
            format!("analysis:{}", since.as_secs()),
            s.config.ttl.analysis,
            move || {
                let (prom, http, am, am_http) =
                    (prom.clone(), http.clone(), am.clone(), am_http.clone());
                async move {
                    let t = Instant::now();
                    let req = srehub_engine::alerts::AnalyzeRequest {
                        source: srehub_engine::alerts::HistorySource::Live {
                            prometheus: prom,
                            alertmanager: am,
                            http: Box::new(http),
                            alertmanager_http: Box::new(am_http),
                            since,
                            chunk: Duration::from_secs(6 * 3600),
                            concurrency: 4,
                        },
                        rule_files: vec![],
                        save_history: None,
                        analysis_json: None,
                        options: Default::default(),
                        checks: Default::default(),
                    };
                    let r =
                        srehub_engine::alerts::analyze(&req, &srehub_config::Settings::default())
                            .await;
                    Loaded {
                        sources: vec![SourceOutcome::timed("prometheus", t, &r)],
                        value: r
                            .map_err(|e| match e {
                                srehub_engine::Error::Downstream(m) => AppError::Downstream(m),
                                other => AppError::Internal(other.to_string()),
                            })
                            .and_then(|rep| {
                                serde_json::to_value(rep)
                                    .map_err(|e| AppError::Internal(e.to_string()))
                            }),
                    }
                }
            },
        )
        .await;
    answer(&entry, st, &headers, |v| Ok(json!({"report": v})))
}

/// `/api/v1/slo`: the status of the configured SLOs (`srehub slo report`): SLI, error budget left and
/// burn rates per window, with the SLO checks' findings.
async fn slo_status(
    State(s): St,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    p.require("alerts")?;
    p.require_all_namespaces("the SLO report")?;
    let Some(prom) = s.config.prometheus.clone() else {
        return Err(not_found("no Prometheus configured (--prometheus)"));
    };
    if s.config.slo_specs.is_empty() {
        return Err(not_found("no SLO specs configured (--slo-specs)"));
    }
    let req = srehub_engine::slo::ReportRequest {
        paths: s.config.slo_specs.clone(),
        prometheus: prom,
        http: s.config.http_for("prometheus"),
        concurrency: 4,
    };
    let metrics = s.metrics.clone();
    let (entry, st) = s
        .cache
        .get("slo", "slo:status".into(), s.config.ttl.alerts, move || {
            let (req, metrics) = (req.clone(), metrics.clone());
            async move {
                let t = Instant::now();
                let r = srehub_engine::slo::report(&req, &srehub_config::Settings::default()).await;
                metrics.downstream_call("prometheus", r.is_ok(), t.elapsed().as_secs_f64());
                Loaded {
                    sources: vec![SourceOutcome::timed("prometheus", t, &r)],
                    value: r
                        .map_err(|e| match e {
                            srehub_engine::Error::Downstream(m) => AppError::Downstream(m),
                            other => AppError::Internal(other.to_string()),
                        })
                        .and_then(|rep| {
                            serde_json::to_value(rep).map_err(|e| AppError::Internal(e.to_string()))
                        }),
                }
            }
        })
        .await;
    answer(&entry, st, &headers, |v| Ok(json!({"report": v})))
}

pub(crate) fn registry_error(e: &srehub_registry::RegistryError) -> AppError {
    match e {
        e if e.is_not_found() => AppError::NotFound(e.to_string()),
        srehub_registry::RegistryError::Http(h) => AppError::from_http(h),
        other => AppError::Downstream(other.to_string()),
    }
}

async fn registry_repos(
    State(s): St,
    Extension(p): Extension<Principal>,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    p.require("registry")?;
    let Some(reg) = s.registry.clone() else {
        return Err(not_found("no registry configured (--registry)"));
    };
    let call = move || {
        let reg = reg.clone();
        async move { reg.catalog(100, 100_000).await }
    };
    cached_list(
        &s,
        "registry_repos",
        "registry:repos".into(),
        "registry",
        &headers,
        q,
        call,
    )
    .await
}

/// The repository name of a `{name}/tags` path, checked against the OCI name grammar.
pub(crate) fn image_name(path: &str) -> Result<String, AppError> {
    let Some(name) = path.strip_suffix("/tags").filter(|n| !n.is_empty()) else {
        return Err(not_found("expected …/images/{name}/tags"));
    };
    // The OCI name grammar: lowercase components of letters and digits joined by `.`, `_` or `-`,
    // separated by `/` (no empty, `.` or `..` components).
    let component_ok = |c: &str| {
        !c.is_empty()
            && c.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
            })
            && c.as_bytes()[0].is_ascii_alphanumeric()
            && c.as_bytes()[c.len() - 1].is_ascii_alphanumeric()
    };
    if name.len() > 255 || !name.split('/').all(component_ok) {
        return Err(AppError::bad(
            "name",
            format!("`{name}` is not a repository name"),
        ));
    }
    Ok(name.to_string())
}

/// `/api/v1/registry/images/{name}/tags`: the tags of an image with what each points at.
async fn registry_image(
    State(s): St,
    Extension(p): Extension<Principal>,
    Path(path): Path<String>,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    p.require("registry")?;
    let Some(reg) = s.registry.clone() else {
        return Err(not_found("no registry configured (--registry)"));
    };
    let name = image_name(&path)?;
    let key = format!("registry:tags:{name}");
    let call = move || {
        let (reg, name) = (reg.clone(), name.clone());
        async move { reg.tag_infos(&name, 1000, 4).await }
    };
    cached_list(&s, "registry_tags", key, "registry", &headers, q, call).await
}
