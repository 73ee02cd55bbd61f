//! Routes over artifacts: JFrog Artifactory (repositories, storage, AQL, its Docker repositories) and
//! image vulnerabilities (Trivy reports, Aqua) joined with the pods that run the images. Like every
//! route they answer through the cache, with per-source outcomes.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};
use srehub_model::vulns::{self, ImageRef, ImageScan, PodImage, Severity};

use crate::answer::{PageQuery, answer_memo, cached_call, cached_call_in, cached_list, items_page};
use crate::auth::Principal;
use crate::cache::{Loaded, SourceOutcome};
use crate::error::AppError;
use crate::routes::{registry_error, snapshot};
use crate::{AppState, not_found};

type St = State<Arc<AppState>>;

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/artifactory/repos", get(art_repos))
        .route("/api/v1/artifactory/storage", get(art_storage))
        .route(
            "/api/v1/artifactory/search",
            axum::routing::post(art_search),
        )
        .route("/api/v1/artifactory/docker/{repo}/images", get(art_images))
        .route(
            "/api/v1/artifactory/docker/{repo}/images/{*path}",
            get(art_tags),
        )
        .route("/api/v1/vulns/images", get(vuln_images))
        .route("/api/v1/vulns/images/{*reference}", get(vuln_image))
}

fn artifactory(s: &AppState) -> Result<srehub_registry::artifactory::Artifactory, AppError> {
    s.artifactory
        .clone()
        .ok_or_else(|| not_found("no Artifactory configured (--artifactory)"))
}

fn to_value<T: serde::Serialize>(v: T) -> Result<Value, AppError> {
    serde_json::to_value(v).map_err(|e| AppError::Internal(e.to_string()))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ReposQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(rename = "packageType")]
    package_type: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// `/api/v1/artifactory/repos?type=local&packageType=docker`.
async fn art_repos(
    State(s): St,
    Extension(p): Extension<Principal>,
    q: Result<Query<ReposQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    p.require("registry")?;
    let Query(q) = q.map_err(|e| AppError::bad("query", e.body_text()))?;
    let art = artifactory(&s)?;
    if let Some(k) = &q.kind
        && !matches!(
            k.to_ascii_lowercase().as_str(),
            "local" | "remote" | "virtual" | "federated" | "distribution"
        )
    {
        return Err(AppError::bad(
            "type",
            format!("`{k}`: expected local, remote, virtual, federated or distribution"),
        ));
    }
    if let Some(pt) = &q.package_type
        && (pt.is_empty() || pt.len() > 32 || !pt.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err(AppError::bad(
            "packageType",
            format!("`{pt}` is not a package type"),
        ));
    }
    let key = format!(
        "artifactory:repos:{}:{}",
        q.kind.as_deref().unwrap_or(""),
        q.package_type.as_deref().unwrap_or("")
    );
    let call = move || {
        let (art, kind, pt) = (art.clone(), q.kind.clone(), q.package_type.clone());
        async move { art.repositories(kind.as_deref(), pt.as_deref()).await }
    };
    let page = PageQuery {
        limit: q.limit.clone(),
        cursor: q.cursor.clone(),
    };
    cached_call_in(
        &s,
        "artifactory_repos",
        key,
        "artifactory",
        &headers,
        "items",
        Some(&page),
        call,
    )
    .await
}

/// `/api/v1/artifactory/storage`: totals, the file store and the largest repositories.
async fn art_storage(
    State(s): St,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    p.require("registry")?;
    let art = artifactory(&s)?;
    let call = move || {
        let art = art.clone();
        async move { art.storage().await }
    };
    let key = "artifactory:storage".to_string();
    cached_call(
        &s,
        "artifactory_storage",
        key,
        "artifactory",
        &headers,
        "storage",
        call,
    )
    .await
}

/// `POST /api/v1/artifactory/search` with an AQL query as the body (`items.find(...)`); answers are
/// cached per query text.
async fn art_search(
    State(s): St,
    Extension(p): Extension<Principal>,
    body: Bytes,
) -> Result<Response, AppError> {
    p.require("registry")?;
    let art = artifactory(&s)?;
    let query = std::str::from_utf8(&body)
        .map_err(|_| AppError::bad("body", "the AQL query is not UTF-8 text"))?
        .trim()
        .to_string();
    // AQL queries start with a domain's find (items, builds, entries, ...).
    let domain_ok = query
        .split_once(".find(")
        .is_some_and(|(d, _)| !d.is_empty() && d.bytes().all(|b| b.is_ascii_lowercase()));
    if !domain_ok {
        return Err(AppError::bad(
            "body",
            "expected an AQL query such as items.find({\"repo\":\"docker-local\"})",
        ));
    }
    let hex = crate::cache::short_hash(query.as_bytes(), 12);
    let call = move || {
        let (art, query) = (art.clone(), query.clone());
        async move { art.aql(&query).await }
    };
    let key = format!("artifactory:aql:{hex}");
    // A POST has no conditional answers: the request's If-None-Match is not looked at.
    cached_call(
        &s,
        "artifactory_search",
        key,
        "artifactory",
        &HeaderMap::new(),
        "",
        call,
    )
    .await
}

/// `/api/v1/artifactory/docker/{repo}/images`: the images of a Docker repository.
async fn art_images(
    State(s): St,
    Extension(p): Extension<Principal>,
    Path(repo): Path<String>,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    p.require("registry")?;
    let reg = artifactory(&s)?
        .docker(&repo)
        .map_err(|e| AppError::bad("repo", e.to_string()))?;
    let call = move || {
        let reg = reg.clone();
        async move { reg.catalog(100, 100_000).await }
    };
    let key = format!("artifactory:images:{repo}");
    cached_list(
        &s,
        "artifactory_images",
        key,
        "artifactory",
        &headers,
        q,
        call,
    )
    .await
}

/// `/api/v1/artifactory/docker/{repo}/images/{name}/tags`.
async fn art_tags(
    State(s): St,
    Extension(p): Extension<Principal>,
    Path((repo, path)): Path<(String, String)>,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    p.require("registry")?;
    let reg = artifactory(&s)?
        .docker(&repo)
        .map_err(|e| AppError::bad("repo", e.to_string()))?;
    let name = crate::routes::image_name(&path)?;
    let key = format!("artifactory:tags:{repo}:{name}");
    let call = move || {
        let (reg, name) = (reg.clone(), name.clone());
        async move { reg.tag_infos(&name, 1000, 4).await }
    };
    cached_list(
        &s,
        "artifactory_tags",
        key,
        "artifactory",
        &headers,
        q,
        call,
    )
    .await
}

/// Trivy reports from their URL or from disk (off the async workers), as a cache load.
async fn load_trivy(s: &AppState, loc: String) -> Loaded {
    let t = Instant::now();
    let r = if let Some(client) = &s.trivy {
        srehub_registry::vulns::fetch_trivy_reports(&loc, client).await
    } else {
        tokio::task::spawn_blocking(move || srehub_registry::vulns::read_trivy_reports(&loc))
            .await
            .unwrap_or_else(|e| {
                Err(srehub_registry::RegistryError::Shape {
                    url: "trivy".into(),
                    reason: e.to_string(),
                })
            })
    };
    s.metrics
        .downstream_call("trivy", r.is_ok(), t.elapsed().as_secs_f64());
    Loaded {
        sources: vec![SourceOutcome::timed("trivy", t, &r)],
        value: r.map_err(|e| registry_error(&e)).and_then(to_value),
    }
}

/// The scans and running containers the vulnerability views join, with each source's outcome.
struct Gathered {
    scans: Vec<ImageScan>,
    pods: Vec<PodImage>,
    sources: Vec<SourceOutcome>,
    /// Why nothing at all could be had (every source failed).
    failed: Option<AppError>,
}

/// Trivy reports, the running containers of every cluster, and (with Aqua) the scans of the running
/// images, or of `only` when given.
async fn gather(s: &Arc<AppState>, only: Option<&ImageRef>) -> Gathered {
    let mut g = Gathered {
        scans: Vec::new(),
        pods: Vec::new(),
        sources: Vec::new(),
        failed: None,
    };
    let mut errors = Vec::new();
    if let Some(loc) = s.config.trivy_reports.clone() {
        // The reports are read once per TTL for every view (not once per image asked about).
        let state = s.clone();
        let (entry, _) = s
            .cache
            .get(
                "trivy_reports",
                "trivy:reports".into(),
                s.config.ttl.vulns,
                move || {
                    let (state, loc) = (state.clone(), loc.clone());
                    async move { load_trivy(&state, loc).await }
                },
            )
            .await;
        let mut outcome = entry.sources.first().cloned().unwrap_or_else(|| {
            SourceOutcome::timed("trivy", Instant::now(), &Ok::<(), String>(()))
        });
        match entry
            .value
            .as_deref()
            .map(|v| serde_json::from_value::<srehub_registry::vulns::TrivyReports>(v.clone()))
        {
            Ok(Ok(rep)) => {
                if !rep.errors.is_empty() {
                    // Partial: the reports that could be read are served.
                    outcome.error = Some(rep.errors.join("; "));
                }
                g.scans.extend(rep.scans);
            }
            Ok(Err(e)) => errors.push(AppError::Internal(e.to_string())),
            Err(e) => errors.push(e.clone()),
        }
        g.sources.push(outcome);
    }
    // Every cluster at once.
    let reads = futures::future::join_all(s.config.clusters.iter().map(|c| async move {
        let t = Instant::now();
        let r = snapshot(s, &c.name).await;
        (
            c.name.clone(),
            SourceOutcome::timed(format!("cluster/{}", c.name), t, &r),
            r,
        )
    }))
    .await;
    for (name, outcome, r) in reads {
        g.sources.push(outcome);
        match r {
            Ok(snap) => g.pods.extend(vulns::pod_images(&name, &snap.pods)),
            Err(e) => errors.push(e),
        }
    }
    if let Some(aqua) = s.aqua.clone() {
        let mut wanted: Vec<ImageRef> = match only {
            Some(r) => vec![r.clone()],
            None => g
                .pods
                .iter()
                .filter_map(|p| ImageRef::parse(&p.image))
                .filter(|r| r.tag_or_latest().is_some())
                .collect(),
        };
        wanted.sort();
        wanted.dedup_by(|a, b| a.name() == b.name() && a.tag_or_latest() == b.tag_or_latest());
        wanted.truncate(s.config.aqua_max_images);
        let t = Instant::now();
        let registry_name = s.config.aqua_registry.clone();
        let results: Vec<_> = {
            use futures::StreamExt as _;
            futures::stream::iter(wanted)
                .map(|r| {
                    let (aqua, registry_name) = (aqua.clone(), registry_name.clone());
                    async move {
                        let reg = registry_name.unwrap_or_else(|| r.registry.clone());
                        aqua.scan(&reg, &r).await
                    }
                })
                .buffer_unordered(4)
                .collect()
                .await
        };
        let mut failures = Vec::new();
        for r in results {
            match r {
                Ok(scan) => g.scans.push(scan),
                // An image Aqua has not scanned is not an error of the source.
                Err(e) if e.is_not_found() => {}
                Err(e) => failures.push(e),
            }
        }
        s.metrics
            .downstream_call("aqua", failures.is_empty(), t.elapsed().as_secs_f64());
        let outcome: Result<(), String> = match failures.first() {
            None => Ok(()),
            Some(e) => Err(format!("{} image(s) failed; first: {e}", failures.len())),
        };
        g.sources.push(SourceOutcome::timed("aqua", t, &outcome));
        if let Some(e) = failures.first() {
            errors.push(registry_error(e));
        }
    }
    if g.scans.is_empty() && !errors.is_empty() && errors.len() >= g.sources.len() {
        g.failed = errors.into_iter().next();
    }
    g
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct VulnQuery {
    /// Only images whose worst finding is at least this severe.
    severity: Option<String>,
    /// Only images that run (`true`) or that do not (`false`).
    running: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

fn severity_param(v: &Option<String>) -> Result<Option<Severity>, AppError> {
    match v.as_deref() {
        None => Ok(None),
        Some(t) => match Severity::parse(t) {
            Severity::Unknown if !t.eq_ignore_ascii_case("unknown") => Err(AppError::bad(
                "severity",
                format!("`{t}`: expected critical, high, medium, low, negligible or unknown"),
            )),
            sev => Ok(Some(sev)),
        },
    }
}

/// `/api/v1/vulns/images`: image → tags → vulnerabilities by severity → the pods that run them.
async fn vuln_images(
    State(s): St,
    Extension(p): Extension<Principal>,
    q: Result<Query<VulnQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    p.require("vulns")?;
    let Query(q) = q.map_err(|e| AppError::bad("query", e.body_text()))?;
    let min = severity_param(&q.severity)?;
    let running = match q.running.as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(o) => {
            return Err(AppError::bad(
                "running",
                format!("`{o}`: expected true or false"),
            ));
        }
    };
    if s.config.trivy_reports.is_none() && s.aqua.is_none() {
        return Err(not_found(
            "no vulnerability source configured (--trivy-reports or --aqua)",
        ));
    }
    let state = s.clone();
    let (entry, st) = s
        .cache
        .get(
            "vulns_images",
            "vulns:images".into(),
            s.config.ttl.vulns,
            move || {
                let state = state.clone();
                async move {
                    let g = gather(&state, None).await;
                    let value = match g.failed {
                        Some(e) => Err(e),
                        None => to_value(vulns::exposure(&g.scans, &g.pods)),
                    };
                    Loaded {
                        value,
                        sources: g.sources,
                    }
                }
            },
        )
        .await;
    let version = crate::select::list_version(&entry.etag);
    let page = PageQuery {
        limit: q.limit.clone(),
        cursor: q.cursor.clone(),
    };
    // The answer depends on the filters, the page and the key (its namespaces).
    let memo = format!(
        "{:?}",
        (&q.severity, &q.running, &q.limit, &q.cursor, &p.name)
    );
    answer_memo(&entry, st, &headers, Some(&memo), |v| {
        let items: Vec<Value> = v
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            // Pods outside the key's namespaces are removed first: a limited key learns nothing
            // about what runs elsewhere, not even through the `running` filter.
            .map(|img| restrict_pods(img, &p))
            .filter(|img| {
                let worst = img["worst"].as_str().map(Severity::parse);
                min.is_none_or(|m| worst.is_some_and(|w| w >= m))
                    && running.is_none_or(|r| (img["running_pods"].as_u64().unwrap_or(0) > 0) == r)
            })
            .collect();
        items_page(&Value::Array(items), &page, &version)
    })
}

/// An image of the joined view with only the pods of namespaces the key may read.
fn restrict_pods(img: &Value, p: &Principal) -> Value {
    let mut img = img.clone();
    let mut seen = std::collections::BTreeSet::new();
    if let Some(tags) = img["tags"].as_array_mut() {
        for t in tags {
            if let Some(pods) = t["pods"].as_array_mut() {
                pods.retain(|pod| p.may_read_namespace(pod["namespace"].as_str().unwrap_or("")));
                for pod in pods.iter() {
                    seen.insert(format!(
                        "{}/{}/{}/{}",
                        pod["cluster"], pod["namespace"], pod["pod"], pod["container"]
                    ));
                }
            }
        }
    }
    img["running_pods"] = json!(seen.len());
    img
}

/// `/api/v1/vulns/images/{ref}`: the vulnerabilities of one image (`postgres:16.4`,
/// `registry.example.com/team/app:1.2`) from every source, and the pods that run it.
async fn vuln_image(
    State(s): St,
    Extension(p): Extension<Principal>,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    p.require("vulns")?;
    let r = ImageRef::parse(&reference)
        .ok_or_else(|| AppError::bad("ref", format!("`{reference}` is not an image reference")))?;
    if s.config.trivy_reports.is_none() && s.aqua.is_none() {
        return Err(not_found(
            "no vulnerability source configured (--trivy-reports or --aqua)",
        ));
    }
    let state = s.clone();
    let key = format!("vulns:image:{}", r.full());
    let wanted = r.clone();
    let (entry, st) = s
        .cache
        .get("vulns_image", key, s.config.ttl.vulns, move || {
            let (state, wanted) = (state.clone(), wanted.clone());
            async move {
                let g = gather(&state, Some(&wanted)).await;
                let value = match g.failed {
                    Some(e) => Err(e),
                    None => {
                        let scans: Vec<&ImageScan> = g
                            .scans
                            .iter()
                            .filter(|sc| same_image(sc, &wanted))
                            .collect();
                        if scans.is_empty() {
                            Err(AppError::NotFound(format!(
                                "no scan of {} in the configured sources",
                                wanted.full()
                            )))
                        } else {
                            let pods: Vec<&PodImage> = g
                                .pods
                                .iter()
                                .filter(|pod| scans.iter().any(|sc| vulns::runs(sc, pod)))
                                .collect();
                            let scans: Vec<Value> = scans
                                .iter()
                                .map(|sc| {
                                    json!({
                                        "scanner": sc.scanner,
                                        "reference": sc.image.full(),
                                        "scanned_at": sc.scanned_at,
                                        "digests": sc.digests,
                                        "counts": sc.counts(),
                                        "fixable": sc.fixable(),
                                        "vulnerabilities": sc.vulnerabilities,
                                    })
                                })
                                .collect();
                            Ok(json!({"image": wanted.full(), "scans": scans, "pods": pods}))
                        }
                    }
                };
                Loaded {
                    value,
                    sources: g.sources,
                }
            }
        })
        .await;
    // The pods shown depend on the key: its own rendering and tag.
    answer_memo(&entry, st, &headers, Some(&p.name), |v| {
        let mut v = v.clone();
        if let Some(pods) = v["pods"].as_array_mut() {
            pods.retain(|pod| p.may_read_namespace(pod["namespace"].as_str().unwrap_or("")));
        }
        Ok(v)
    })
}

/// Whether a scan is of the image a reference names: same name, and the same digest or tag.
fn same_image(scan: &ImageScan, r: &ImageRef) -> bool {
    if scan.image.name() != r.name() {
        return false;
    }
    match &r.digest {
        Some(d) => scan.digests.contains(d) || scan.image.digest.as_ref() == Some(d),
        None => scan.image.tag_or_latest() == r.tag_or_latest(),
    }
}
