//! The hub's Artifactory and vulnerability routes. Artifactory and Aqua cannot run here: each is an
//! in-process fake on 127.0.0.1 serving JSON recorded in the shape of their APIs (Artifactory 7's
//! `/api/repositories`, `/api/storageinfo`, AQL and Docker API; Aqua's `/api/v2/images/.../
//! vulnerabilities`), with their authentication, paging and failures. Trivy reports are the files
//! in examples/trivy; the cluster is the bundled demo snapshot.

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
use srehub_server::{AppState, ClusterConfig, ServeConfig};
use srehub_test_support::workspace_root;

async fn serve_router(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn start(cfg: ServeConfig) -> (String, tokio::sync::oneshot::Sender<()>) {
    let state = AppState::new(cfg).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        srehub_server::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (url, tx)
}

fn client() -> Client {
    Client::new(
        "test",
        HttpOptions {
            retries: 0,
            env_proxy: false,
            breaker_failures: 1000,
            ..HttpOptions::default()
        },
    )
    .unwrap()
}

async fn call(c: &Client, req: Request) -> (u16, Value) {
    match c.send(req).await {
        Ok(r) => (
            r.status.as_u16(),
            serde_json::from_slice(&r.body).unwrap_or(Value::Null),
        ),
        Err(HttpError::Status { status, body, .. }) => {
            (status, serde_json::from_str(&body).unwrap_or(Value::Null))
        }
        Err(e) => panic!("{e}"),
    }
}

async fn get_json(c: &Client, url: &str) -> (u16, Value) {
    call(c, Request::get(url.parse().unwrap())).await
}

fn http() -> HttpOptions {
    HttpOptions {
        retries: 1,
        backoff_base: std::time::Duration::from_millis(10),
        env_proxy: false,
        ..HttpOptions::default()
    }
}

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

fn with_credentials(mut cfg: ServeConfig, connector: &str, auth: Auth) -> ServeConfig {
    cfg.credentials.insert(connector.to_string(), auth);
    cfg
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

// ---- A fake Aqua ----

#[derive(Default)]
struct AquaCalls {
    pages: AtomicUsize,
    images: std::sync::Mutex<Vec<String>>,
    traceparents: std::sync::Mutex<Vec<String>>,
}

const AQUA_TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.aqua-test";

/// 250 findings for postgres 16.4, in Aqua's shape.
fn aqua_findings() -> Vec<Value> {
    (0..250)
        .map(|i| {
            let sev = ["critical", "high", "medium", "low", "negligible"][i % 5];
            json!({
                "name": format!("CVE-2024-{:05}", 10_000 + i),
                "resource": {"type": "package", "format": "deb", "name": format!("pkg{}", i % 40),
                    "version": "1.0-1", "arch": "amd64"},
                "aqua_severity": sev, "nvd_severity": sev, "aqua_score": 5.5,
                "fix_version": if i % 2 == 0 { "1.0-2" } else { "" },
                "description": "A finding.", "registry": "Docker Hub",
                "image_name": "library/postgres:16.4",
                "image_digest": "sha256:18ca423de4deaea0bdbe46726f44eb12a25751e7a9601a39c533753204c0c84e",
                "os": "debian", "os_version": "12"
            })
        })
        .collect()
}

async fn fake_aqua(calls: Arc<AquaCalls>) -> String {
    async fn vulns(
        State(calls): State<Arc<AquaCalls>>,
        h: HeaderMap,
        Path((registry, repo, tag)): Path<(String, String, String)>,
        Query(q): Query<BTreeMap<String, String>>,
    ) -> Response {
        if h.get("authorization").and_then(|v| v.to_str().ok())
            != Some(&format!("Bearer {AQUA_TOKEN}"))
        {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"message": "Invalid token"})),
            )
                .into_response();
        }
        calls.pages.fetch_add(1, Ordering::SeqCst);
        if let Some(tp) = h.get("traceparent").and_then(|v| v.to_str().ok()) {
            calls.traceparents.lock().unwrap().push(tp.to_string());
        }
        calls
            .images
            .lock()
            .unwrap()
            .push(format!("{registry}|{repo}|{tag}"));
        if repo == "library/postgres" && tag == "16.4" {
            let page: usize = q["page"].parse().unwrap();
            let size: usize = q["pagesize"].parse().unwrap();
            let all = aqua_findings();
            let items: Vec<Value> = all
                .iter()
                .skip((page - 1) * size)
                .take(size)
                .cloned()
                .collect();
            return axum::Json(
                json!({"count": all.len(), "page": page, "pagesize": size, "result": items}),
            )
            .into_response();
        }
        if repo == "calico/node" {
            // A scanner that is failing for this image.
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "scan database unavailable",
            )
                .into_response();
        }
        (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"message": "Image not found"})),
        )
            .into_response()
    }
    let app = Router::new()
        .route(
            "/api/v2/images/{registry}/{repo}/{tag}/vulnerabilities",
            get(vulns),
        )
        .with_state(calls);
    serve_router(app).await
}

fn demo_cluster() -> Vec<ClusterConfig> {
    vec![ClusterConfig::snapshot(
        "demo",
        vec![workspace_root().join("examples/demo-cluster")],
    )]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trivy_reports_joined_with_the_pods_that_run_the_images() {
    let cfg = ServeConfig {
        clusters: demo_cluster(),
        trivy_reports: Some(
            workspace_root()
                .join("examples/trivy")
                .display()
                .to_string(),
        ),
        ..ServeConfig::default()
    };
    let (hub, _stop) = start(cfg).await;
    let c = client();
    let (code, v) = get_json(&c, &format!("{hub}/api/v1/vulns/images")).await;
    assert_eq!(code, 200, "{v}");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let pg = items
        .iter()
        .find(|i| i["image"] == "docker.io/library/postgres")
        .unwrap();
    assert_eq!(pg["worst"], "critical");
    assert_eq!(pg["tags"][0]["counts"]["critical"], 3);
    assert_eq!(pg["tags"][0]["fixable"], 3);
    let pods = pg["tags"][0]["pods"].as_array().unwrap();
    assert!(!pods.is_empty());
    assert!(
        pods.iter()
            .all(|p| p["namespace"] == "data" && p["cluster"] == "demo")
    );
    assert_eq!(pg["running_pods"], pods.len());
    let names: Vec<&str> = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["trivy", "cluster/demo"]);

    // Paging and filters.
    let (_, v) = get_json(&c, &format!("{hub}/api/v1/vulns/images?limit=1")).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(v["total"], 2);
    let next = v["next_cursor"].as_str().unwrap().to_string();
    let (_, v2) = get_json(
        &c,
        &format!("{hub}/api/v1/vulns/images?limit=1&cursor={next}"),
    )
    .await;
    assert_ne!(v2["items"][0]["image"], v["items"][0]["image"]);
    assert!(v2["next_cursor"].is_null());
    let (_, v) = get_json(&c, &format!("{hub}/api/v1/vulns/images?running=false")).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    let (code, v) = get_json(&c, &format!("{hub}/api/v1/vulns/images?severity=extreme")).await;
    assert_eq!(code, 400);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`severity`")
    );

    // One image by reference: its findings, most severe first, and the pods running it.
    let (code, v) = get_json(&c, &format!("{hub}/api/v1/vulns/images/postgres:16.4")).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["image"], "docker.io/library/postgres:16.4");
    let findings = v["scans"][0]["vulnerabilities"].as_array().unwrap();
    assert_eq!(findings.len(), 6);
    assert_eq!(findings[0]["severity"], "critical");
    assert_eq!(v["pods"].as_array().unwrap().len(), pods.len());
    let (code, _) = get_json(&c, &format!("{hub}/api/v1/vulns/images/postgres:9.6")).await;
    assert_eq!(code, 404);
    let (code, _) = get_json(&c, &format!("{hub}/api/v1/vulns/images/a%20b")).await;
    assert_eq!(code, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aqua_scans_of_running_images_every_page_and_partial_failure() {
    let calls = Arc::new(AquaCalls::default());
    let aqua = fake_aqua(calls.clone()).await;
    let cfg = ServeConfig {
        clusters: demo_cluster(),
        aqua: Some(aqua),
        http: HttpOptions {
            retries: 0,
            env_proxy: false,
            ..HttpOptions::default()
        },
        ..ServeConfig::default()
    };
    let (hub, _stop) = start(with_credentials(
        cfg,
        "aqua",
        Auth::Bearer(AQUA_TOKEN.into()),
    ))
    .await;
    let c = client();
    // The caller's trace reaches the downstream calls made for it (the load runs in its own task).
    let trace = "0af7651916cd43dd8448eb211c80319c";
    let (code, v) = call(
        &c,
        Request::get(format!("{hub}/api/v1/vulns/images").parse().unwrap())
            .header("traceparent", &format!("00-{trace}-b7ad6b7169203331-01")),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    let tps = calls.traceparents.lock().unwrap().clone();
    assert!(
        !tps.is_empty() && tps.iter().all(|t| t.contains(trace)),
        "{tps:?}"
    );
    // Every distinct running image was asked about once (postgres twice: two pages of 200).
    let asked = calls.images.lock().unwrap().clone();
    assert!(
        asked.contains(&"docker.io|library/postgres|16.4".to_string()),
        "{asked:?}"
    );
    assert!(asked.contains(&"registry.example.com|payments/api|2.14.2".to_string()));
    let postgres_pages = asked
        .iter()
        .filter(|a| a.contains("library/postgres|16.4"))
        .count();
    assert_eq!(postgres_pages, 2);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "only postgres has an Aqua scan");
    let t = &items[0]["tags"][0];
    assert_eq!(t["scanner"], "aqua");
    assert_eq!(t["counts"]["critical"], 50);
    assert_eq!(t["counts"]["negligible"], 50);
    assert_eq!(t["fixable"], 125);
    assert!(items[0]["running_pods"].as_u64().unwrap() > 0);
    // Aqua failing for one image is reported, and the rest is served.
    let aqua_source = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "aqua")
        .unwrap();
    assert_eq!(aqua_source["status"], "error");
    assert!(aqua_source["error"].as_str().unwrap().contains("500"));
    assert!(!v.to_string().contains(AQUA_TOKEN));

    // One image: its 250 findings.
    let (code, v) = get_json(&c, &format!("{hub}/api/v1/vulns/images/postgres:16.4")).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(
        v["scans"][0]["vulnerabilities"].as_array().unwrap().len(),
        250
    );
}

/// An Artifactory that misbehaves as real ones do: rate limits (429 with Retry-After), slow answers,
/// 403 for a token without rights, and 500s until it recovers.
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
async fn trivy_reports_over_http_with_a_presigned_url() {
    // Reports published as one JSON array (as a CI job uploads them), the third one broken.
    let dir = workspace_root().join("examples/trivy");
    let a: Value =
        serde_json::from_slice(&std::fs::read(dir.join("postgres-16.4.json")).unwrap()).unwrap();
    let b: Value =
        serde_json::from_slice(&std::fs::read(dir.join("payments-api-2.14.2.json")).unwrap())
            .unwrap();
    let body = json!([a, b, {"SchemaVersion": 2, "ArtifactName": 7}]);
    let app = Router::new().route(
        "/reports/all.json",
        get(move |Query(q): Query<BTreeMap<String, String>>| {
            let body = body.clone();
            async move {
                if q.get("X-Amz-Signature").map(String::as_str) != Some("s3cr3tsig") {
                    return StatusCode::FORBIDDEN.into_response();
                }
                axum::Json(body).into_response()
            }
        }),
    );
    let base = serve_router(app).await;
    let cfg = ServeConfig {
        clusters: demo_cluster(),
        trivy_reports: Some(format!(
            "{base}/reports/all.json?X-Amz-Expires=300&X-Amz-Signature=s3cr3tsig"
        )),
        http: http(),
        ..ServeConfig::default()
    };
    let (hub, _stop) = start(cfg).await;
    let c = client();
    let (code, v) = get_json(&c, &format!("{hub}/api/v1/vulns/images")).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    let trivy = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "trivy")
        .unwrap()
        .clone();
    // The broken report is named (by its place in the array), the signature is not shown.
    let err = trivy["error"].as_str().unwrap();
    assert!(err.contains("[2]"), "{err}");
    assert!(!v.to_string().contains("s3cr3tsig"), "{v}");
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
