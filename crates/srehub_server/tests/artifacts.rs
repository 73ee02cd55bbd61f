//! The hub's Artifactory routes. Artifactory cannot run here: an in-process fake on 127.0.0.1 serves
//! JSON recorded in the shape of its API (Artifactory 7's `/api/repositories`, `/api/storageinfo`,
//! AQL and Docker API), with its authentication, paging, rate limits, slow answers and failures.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use srehub_http::{Auth, Client, HttpError, HttpOptions, Request};
use srehub_server::ServeConfig;

mod common;
use common::{
    call, client, connector_http as http, get_json, serve_router, start_url as start,
    with_credentials,
};

// ---- A fake Artifactory ----

#[derive(Default)]
struct ArtCalls {
    aql: AtomicUsize,
    catalog_pages: AtomicUsize,
    last_params: std::sync::Mutex<Vec<String>>,
}

const ART_KEY: &str = "AKCp8k-test-api-key";

fn art_denied(h: &HeaderMap) -> Option<Response> {
    (h.get("x-jfrog-art-api").and_then(|v| v.to_str().ok()) != Some(ART_KEY)).then(|| {
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"errors": [{"status": 401, "message": "Bad credentials"}]})),
        )
            .into_response()
    })
}

/// 250 image names, as a Docker repository with that many images lists them (sorted).
fn art_images() -> Vec<String> {
    let mut v: Vec<String> = (0..250).map(|i| format!("team/svc-{i:03}")).collect();
    v.sort();
    v
}

async fn fake_artifactory(calls: Arc<ArtCalls>) -> String {
    async fn repos(h: HeaderMap, Query(q): Query<BTreeMap<String, String>>) -> Response {
        if let Some(r) = art_denied(&h) {
            return r;
        }
        let all = json!([
            {"key": "docker-local", "type": "LOCAL", "packageType": "Docker",
             "url": "https://art.example.com/artifactory/docker-local", "description": "images we build"},
            {"key": "dockerhub-remote", "type": "REMOTE", "packageType": "Docker",
             "url": "https://art.example.com/artifactory/dockerhub-remote"},
            {"key": "libs-release", "type": "LOCAL", "packageType": "Maven",
             "url": "https://art.example.com/artifactory/libs-release"}
        ]);
        let items: Vec<Value> = all
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| {
                q.get("type")
                    .is_none_or(|t| r["type"].as_str().unwrap().eq_ignore_ascii_case(t))
                    && q.get("packageType")
                        .is_none_or(|t| r["packageType"].as_str().unwrap().eq_ignore_ascii_case(t))
            })
            .cloned()
            .collect();
        axum::Json(items).into_response()
    }
    async fn storage(h: HeaderMap) -> Response {
        if let Some(r) = art_denied(&h) {
            return r;
        }
        axum::Json(json!({
            "binariesSummary": {"binariesCount": "12,345", "binariesSize": "48.21 GB",
                "artifactsSize": "97.15 GB", "optimization": "49.63%", "itemsCount": "98,765",
                "artifactsCount": "54,321"},
            "fileStoreSummary": {"storageType": "file-system", "storageDirectory": "/var/opt/jfrog/artifactory/data/filestore",
                "totalSpace": "500 GB", "usedSpace": "48.21 GB (9.64%)", "freeSpace": "451.79 GB (90.36%)"},
            "repositoriesSummaryList": [
                {"repoKey": "docker-local", "repoType": "LOCAL", "foldersCount": 1200, "filesCount": 8000,
                 "usedSpace": "40 GB", "usedSpaceInBytes": 42949672960u64, "itemsCount": 9200,
                 "packageType": "Docker", "percentage": "82.97%"},
                {"repoKey": "libs-release", "repoType": "LOCAL", "foldersCount": 30, "filesCount": 400,
                 "usedSpace": "8.21 GB", "usedSpaceInBytes": 8815448719u64, "itemsCount": 430,
                 "packageType": "Maven", "percentage": "17.03%"},
                {"repoKey": "TOTAL", "repoType": "NA", "foldersCount": 1230, "filesCount": 8400,
                 "usedSpace": "48.21 GB", "itemsCount": 9630}
            ]
        }))
        .into_response()
    }
    async fn aql(State(calls): State<Arc<ArtCalls>>, h: HeaderMap, body: String) -> Response {
        if let Some(r) = art_denied(&h) {
            return r;
        }
        calls.aql.fetch_add(1, Ordering::SeqCst);
        if !body.starts_with("items.find(") {
            return (
                StatusCode::BAD_REQUEST,
                "Failed to parse query: unknown domain",
            )
                .into_response();
        }
        axum::Json(json!({
            "results": [
                {"repo": "docker-local", "path": "team/svc-001/1.4.2", "name": "manifest.json",
                 "type": "file", "size": 2184, "created": "2026-11-02T10:11:12.345Z",
                 "modified": "2026-11-02T10:11:12.345Z"},
                {"repo": "docker-local", "path": "team/svc-001/1.4.3", "name": "manifest.json",
                 "type": "file", "size": 2190, "created": "2026-11-20T08:01:02.000Z",
                 "modified": "2026-11-20T08:01:02.000Z"}
            ],
            "range": {"start_pos": 0, "end_pos": 2, "total": 2}
        }))
        .into_response()
    }
    async fn catalog(
        State(calls): State<Arc<ArtCalls>>,
        h: HeaderMap,
        Query(q): Query<BTreeMap<String, String>>,
    ) -> Response {
        if let Some(r) = art_denied(&h) {
            return r;
        }
        calls.catalog_pages.fetch_add(1, Ordering::SeqCst);
        let n: usize = q.get("n").and_then(|n| n.parse().ok()).unwrap_or(100);
        let last = q.get("last").cloned();
        if let Some(l) = &last {
            calls.last_params.lock().unwrap().push(l.clone());
        }
        // Paged with n and last, and (as Artifactory does) no Link header.
        let page: Vec<String> = art_images()
            .into_iter()
            .filter(|i| last.as_ref().is_none_or(|l| i > l))
            .take(n)
            .collect();
        axum::Json(json!({"repositories": page})).into_response()
    }
    async fn docker_v2(h: HeaderMap, Path(rest): Path<String>) -> Response {
        if let Some(r) = art_denied(&h) {
            return r;
        }
        if let Some(name) = rest.strip_suffix("/tags/list") {
            return axum::Json(json!({"name": name, "tags": ["1.4.2", "1.4.3"]})).into_response();
        }
        if let Some((_, tag)) = rest.split_once("/manifests/") {
            let digest = format!(
                "sha256:{}",
                if tag == "1.4.2" {
                    "a".repeat(64)
                } else {
                    "b".repeat(64)
                }
            );
            return (
                [
                    ("docker-content-digest", digest),
                    (
                        "content-type",
                        "application/vnd.docker.distribution.manifest.v2+json".to_string(),
                    ),
                ],
                axum::Json(json!({
                    "schemaVersion": 2,
                    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1512, "digest": "sha256:c0"},
                    "layers": [
                        {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 3000000, "digest": "sha256:l1"},
                        {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 1200000, "digest": "sha256:l2"}
                    ]
                })),
            )
                .into_response();
        }
        StatusCode::NOT_FOUND.into_response()
    }
    let app = Router::new()
        .route("/artifactory/api/repositories", get(repos))
        .route("/artifactory/api/storageinfo", get(storage))
        .route("/artifactory/api/search/aql", post(aql))
        .route(
            "/artifactory/api/docker/docker-local/v2/_catalog",
            get(catalog),
        )
        .route(
            "/artifactory/api/docker/docker-local/v2/{*rest}",
            get(docker_v2),
        )
        .with_state(calls);
    format!("{}/artifactory", serve_router(app).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn artifactory_repositories_storage_search_and_docker_images() {
    let calls = Arc::new(ArtCalls::default());
    let art = fake_artifactory(calls.clone()).await;
    let cfg = ServeConfig {
        artifactory: Some(art.clone()),
        http: http(),
        ..ServeConfig::default()
    };
    let key = Auth::ApiKey {
        header: "X-JFrog-Art-Api".into(),
        key: ART_KEY.into(),
    };
    let (hub, _stop) = start(with_credentials(cfg, "artifactory", key)).await;
    let c = client();

    let (code, v) = get_json(&c, &format!("{hub}/api/v1/artifactory/repos")).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["items"].as_array().unwrap().len(), 3);
    assert_eq!(v["sources"][0]["name"], "artifactory");
    let (_, v) = get_json(
        &c,
        &format!("{hub}/api/v1/artifactory/repos?type=local&packageType=docker"),
    )
    .await;
    assert_eq!(
        v["items"],
        json!([{"key": "docker-local", "type": "LOCAL", "packageType": "Docker",
        "url": "https://art.example.com/artifactory/docker-local", "description": "images we build"}])
    );
    let (code, v) = get_json(&c, &format!("{hub}/api/v1/artifactory/repos?type=weird")).await;
    assert_eq!(code, 400);
    assert!(v["error"]["message"].as_str().unwrap().contains("`type`"));

    let (_, v) = get_json(&c, &format!("{hub}/api/v1/artifactory/storage")).await;
    let s = &v["storage"];
    assert_eq!(s["binaries_count"], 12_345);
    assert_eq!(s["file_store_used"], "48.21 GB (9.64%)");
    assert_eq!(s["repositories"][0]["key"], "docker-local");
    assert_eq!(
        s["repositories"].as_array().unwrap().len(),
        2,
        "TOTAL left out"
    );

    // AQL: the body is the query; the same query again is served from the cache.
    let aql = r#"items.find({"repo":"docker-local","name":"manifest.json"}).include("repo","path","name","size")"#;
    let search = || {
        Request::post(
            format!("{hub}/api/v1/artifactory/search").parse().unwrap(),
            "text/plain",
            aql.as_bytes().to_vec(),
        )
    };
    let (code, v) = call(&c, search()).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["results"].as_array().unwrap().len(), 2);
    assert_eq!(v["range"]["total"], 2);
    let (code, _) = call(&c, search()).await;
    assert_eq!(code, 200);
    assert_eq!(calls.aql.load(Ordering::SeqCst), 1);
    let (code, v) = call(
        &c,
        Request::post(
            format!("{hub}/api/v1/artifactory/search").parse().unwrap(),
            "text/plain",
            b"DROP TABLE".to_vec(),
        ),
    )
    .await;
    assert_eq!(code, 400);
    assert_eq!(v["error"]["code"], "bad_request");

    // The catalog of a Docker repository, 250 images paged by `last` (Artifactory sends no Link).
    let (code, v) = get_json(
        &c,
        &format!("{hub}/api/v1/artifactory/docker/docker-local/images"),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    let items: Vec<String> = serde_json::from_value(v["items"].clone()).unwrap();
    assert_eq!(items, art_images());
    assert_eq!(v["total"], 250);
    assert_eq!(calls.catalog_pages.load(Ordering::SeqCst), 3);
    // Paged for the client too: 100, 100, 50, from the cached list.
    let mut got = Vec::new();
    let mut cursor = String::new();
    loop {
        let (code, v) = get_json(
            &c,
            &format!(
                "{hub}/api/v1/artifactory/docker/docker-local/images?limit=100&cursor={cursor}"
            ),
        )
        .await;
        assert_eq!(code, 200, "{v}");
        got.extend(serde_json::from_value::<Vec<String>>(v["items"].clone()).unwrap());
        match v["next_cursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    assert_eq!(got, art_images());
    assert_eq!(
        calls.catalog_pages.load(Ordering::SeqCst),
        3,
        "served from the cache"
    );
    let (code, _) = get_json(
        &c,
        &format!("{hub}/api/v1/artifactory/docker/docker-local/images?limit=0"),
    )
    .await;
    assert_eq!(code, 400);
    assert_eq!(
        *calls.last_params.lock().unwrap(),
        ["team/svc-099", "team/svc-199"]
    );
    let (code, v) = get_json(
        &c,
        &format!("{hub}/api/v1/artifactory/docker/docker-local/images/team/svc-001/tags"),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["items"][1]["tag"], "1.4.3");
    assert_eq!(
        v["items"][1]["digest"],
        format!("sha256:{}", "b".repeat(64))
    );
    assert_eq!(v["items"][1]["size"], 1512 + 3_000_000 + 1_200_000);
    let (code, _) = get_json(
        &c,
        &format!("{hub}/api/v1/artifactory/docker/bad%2Frepo/images"),
    )
    .await;
    assert_eq!(code, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn artifactory_with_a_wrong_key_fails_without_showing_it() {
    let art = fake_artifactory(Arc::new(ArtCalls::default())).await;
    let cfg = ServeConfig {
        artifactory: Some(art),
        http: http(),
        ..ServeConfig::default()
    };
    let wrong = "AKCp8k-wrong-key";
    let key = Auth::ApiKey {
        header: "X-JFrog-Art-Api".into(),
        key: wrong.into(),
    };
    let (hub, _stop) = start(with_credentials(cfg, "artifactory", key)).await;
    let c = client();
    let (code, v) = get_json(&c, &format!("{hub}/api/v1/artifactory/repos")).await;
    assert!(code >= 500, "{code} {v}");
    let text = v.to_string();
    assert!(text.contains("401"), "{text}");
    assert!(!text.contains(wrong), "{text}");
    // Oversized bodies, unknown routes and wrong methods: the one error shape too.
    let (code, v) = call(
        &c,
        Request::post(
            format!("{hub}/api/v1/artifactory/search").parse().unwrap(),
            "text/plain",
            vec![b'x'; 100 << 10],
        ),
    )
    .await;
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (413, Some("payload_too_large")),
        "{v}"
    );
    let (code, v) = get_json(&c, &format!("{hub}/api/v1/nothing-here")).await;
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{v}"
    );
    assert!(v["error"]["request_id"].is_string());
    let (code, v) = call(
        &c,
        Request::post(
            format!("{hub}/api/v1/artifactory/storage").parse().unwrap(),
            "text/plain",
            vec![],
        ),
    )
    .await;
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (405, Some("method_not_allowed")),
        "{v}"
    );
    // Without Artifactory configured the routes say so.
    let (hub2, _stop2) = start(ServeConfig::default()).await;
    let (code, v) = get_json(&c, &format!("{hub2}/api/v1/artifactory/storage")).await;
    assert_eq!(code, 404);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--artifactory")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn artifactory_rate_limits_slowness_and_the_circuit_breaker() {
    #[derive(Default)]
    struct Flaky {
        storage_calls: AtomicUsize,
        recovered: std::sync::atomic::AtomicBool,
    }
    async fn storage(State(f): State<Arc<Flaky>>) -> Response {
        if f.storage_calls.fetch_add(1, Ordering::SeqCst) == 0 {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "1")],
                "rate limited",
            )
                .into_response();
        }
        axum::Json(json!({"binariesSummary": {"binariesCount": "7"}})).into_response()
    }
    async fn repos() -> Response {
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        axum::Json(json!([])).into_response()
    }
    async fn forbidden() -> Response {
        (
            StatusCode::FORBIDDEN,
            axum::Json(json!({"errors": [{"status": 403, "message": "Forbidden"}]})),
        )
            .into_response()
    }
    async fn catalog(State(f): State<Arc<Flaky>>) -> Response {
        if f.recovered.load(Ordering::SeqCst) {
            axum::Json(json!({"repositories": ["team/api"]})).into_response()
        } else {
            (StatusCode::INTERNAL_SERVER_ERROR, "database unavailable").into_response()
        }
    }
    let flaky = Arc::new(Flaky::default());
    let app = Router::new()
        .route("/artifactory/api/storageinfo", get(storage))
        .route("/artifactory/api/repositories", get(repos))
        .route("/artifactory/api/search/aql", post(forbidden))
        .route("/artifactory/api/docker/{repo}/v2/_catalog", get(catalog))
        .with_state(flaky.clone());
    let art = format!("{}/artifactory", serve_router(app).await);
    let cfg = ServeConfig {
        artifactory: Some(art),
        http: HttpOptions {
            timeout: std::time::Duration::from_millis(500),
            retries: 1,
            backoff_base: std::time::Duration::from_millis(10),
            backoff_max: std::time::Duration::from_millis(300),
            breaker_failures: 2,
            breaker_open_for: std::time::Duration::from_millis(700),
            env_proxy: false,
            ..HttpOptions::default()
        },
        ..ServeConfig::default()
    };
    let (hub, _stop) = start(cfg).await;
    let c = client();
    // 429 with Retry-After: waited for and retried.
    let (code, v) = get_json(&c, &format!("{hub}/api/v1/artifactory/storage")).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["storage"]["binaries_count"], 7);
    assert_eq!(flaky.storage_calls.load(Ordering::SeqCst), 2);
    // A 403 is the downstream's answer (502 with its status), not a breaker failure.
    let (code, v) = call(
        &c,
        Request::post(
            format!("{hub}/api/v1/artifactory/search").parse().unwrap(),
            "text/plain",
            b"items.find({})".to_vec(),
        ),
    )
    .await;
    assert_eq!(code, 502, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("403"));
    // A slow answer: 504 within the timeout (and its retry), not after three seconds.
    let t = std::time::Instant::now();
    let (code, v) = get_json(&c, &format!("{hub}/api/v1/artifactory/repos")).await;
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (504, Some("downstream_timeout")),
        "{v}"
    );
    assert!(t.elapsed() < std::time::Duration::from_millis(2500));
    // 500s open the breaker (the slow answers above counted too): 503 with Retry-After, and the
    // downstream is left alone.
    let mut codes = Vec::new();
    for repo in ["r1", "r2", "r3"] {
        let (code, _) = get_json(
            &c,
            &format!("{hub}/api/v1/artifactory/docker/{repo}/images"),
        )
        .await;
        codes.push(code);
    }
    assert_eq!(codes.last(), Some(&503), "{codes:?}");
    let resp = c
        .send(Request::get(
            format!("{hub}/api/v1/artifactory/docker/r4/images")
                .parse()
                .unwrap(),
        ))
        .await;
    match resp {
        Err(HttpError::Status {
            status: 503, body, ..
        }) => {
            assert!(body.contains("circuit breaker open"), "{body}")
        }
        other => panic!("expected 503: {other:?}"),
    }
    let (_, status) = get_json(&c, &format!("{hub}/api/v1/status")).await;
    let breaker = |v: &Value| {
        v["connectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == "artifactory")
            .map(|x| x["breaker"].clone())
            .unwrap()
    };
    assert_eq!(breaker(&status), "open");
    let art_status = status["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "artifactory")
        .unwrap()
        .clone();
    assert_eq!(art_status["last_ok"], false, "{art_status}");
    assert!(
        art_status["last_error"]
            .as_str()
            .unwrap()
            .contains("circuit breaker open")
            || art_status["last_error"].as_str().unwrap().contains("500"),
        "{art_status}"
    );
    assert!(art_status["latency_ms"].is_u64());
    let metrics = c
        .send(Request::get(format!("{hub}/metrics").parse().unwrap()))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&metrics.body).to_string();
    assert!(
        text.contains("srehub_circuit_breaker_state{connector=\"artifactory\"} 1"),
        "{text}"
    );
    // It recovers: after the open period one probe goes through, succeeds, and the breaker closes.
    flaky.recovered.store(true, Ordering::SeqCst);
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let (code, v) = get_json(&c, &format!("{hub}/api/v1/artifactory/docker/r5/images")).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["items"], json!(["team/api"]));
    let (_, status) = get_json(&c, &format!("{hub}/api/v1/status")).await;
    assert_eq!(breaker(&status), "closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_gives_up_does_not_cancel_the_load() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let app = Router::new().route(
        "/artifactory/api/storageinfo",
        get(move || {
            let seen = seen.clone();
            async move {
                seen.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
                axum::Json(json!({"binariesSummary": {"binariesCount": "3"}}))
            }
        }),
    );
    let art = format!("{}/artifactory", serve_router(app).await);
    let (hub, _stop) = start(ServeConfig {
        artifactory: Some(art),
        http: http(),
        ..ServeConfig::default()
    })
    .await;
    let impatient = Client::new(
        "impatient",
        HttpOptions {
            timeout: std::time::Duration::from_millis(200),
            retries: 0,
            env_proxy: false,
            ..HttpOptions::default()
        },
    )
    .unwrap();
    let url = format!("{hub}/api/v1/artifactory/storage");
    assert!(
        impatient
            .send(Request::get(url.parse().unwrap()))
            .await
            .is_err()
    );
    tokio::time::sleep(std::time::Duration::from_millis(1400)).await;
    // The load went on without its caller and was cached: one downstream call, a hit now.
    let r = client()
        .send(Request::get(url.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(r.headers["x-cache"], "hit");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
