//! The hub's vulnerability routes: Trivy reports (the files in examples/trivy, or served over HTTP)
//! and Aqua, joined with the pods of the bundled demo snapshot. Aqua cannot run here: an in-process
//! fake on 127.0.0.1 serves JSON in the shape of its `/api/v2/images/.../vulnerabilities` API, with
//! its authentication, paging and failures.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use srehub_http::{Auth, HttpOptions, Request};
use srehub_server::{ClusterConfig, ServeConfig};
use srehub_test_support::workspace_root;

mod common;
use common::{
    call, client, connector_http as http, get_json, serve_router, start_url as start,
    with_credentials,
};

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
