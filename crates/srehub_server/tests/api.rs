//! The hub over real HTTP on 127.0.0.1: the bundled demo cluster snapshot as a cluster, a real
//! Alertmanager (Debian's package) and an unreachable one.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use srehub_http::{Client, HttpOptions, Request};
use srehub_server::{ClusterConfig, ServeConfig};
use srehub_test_support::workspace_root;

mod common;
use common::{Hub, client, demo, get, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clusters_lists_doctor_caching_and_errors() {
    let hub = start(demo()).await;
    let c = client();
    let (code, _, v) = get(&c, &format!("{}/healthz", hub.url), &[]).await;
    assert_eq!((code, v["status"].as_str()), (200, Some("ok")));
    let (_, _, v) = get(&c, &format!("{}/api/v1/clusters", hub.url), &[]).await;
    assert_eq!(v["items"][0]["name"], "demo");
    let (code, _, v) = get(
        &c,
        &format!(
            "{}/api/v1/k8s/demo/deployments?limit=1000&namespace=payments",
            hub.url
        ),
        &[],
    )
    .await;
    assert_eq!(code, 200, "{v}");
    let deployments = v["items"].as_array().unwrap();
    assert!(!deployments.is_empty());
    assert!(
        deployments
            .iter()
            .all(|d| d["metadata"]["namespace"] == "payments" && d["spec"]["template"].is_object()),
        "{v}"
    );

    // Paging through every pod: the pages add up to the total, without repeats.
    let mut names = Vec::new();
    let mut cursor = String::new();
    loop {
        let (code, h, v) = get(
            &c,
            &format!("{}/api/v1/k8s/demo/pods?limit=40&fields=metadata.name,metadata.namespace&cursor={cursor}", hub.url),
            &[("x-request-id", "req-123")],
        )
        .await;
        assert_eq!(code, 200);
        assert_eq!(h["x-request-id"], "req-123");
        assert!(
            h["traceparent"].starts_with("00-") && h["traceparent"].len() == 55,
            "{h:?}"
        );
        assert_eq!(v["sources"][0]["name"], "cluster/demo");
        assert_eq!(v["sources"][0]["stale"], false);
        for i in v["items"].as_array().unwrap() {
            assert_eq!(
                i.as_object().unwrap().len(),
                1,
                "only metadata is kept: {i}"
            );
            names.push(format!(
                "{}/{}",
                i["metadata"]["namespace"], i["metadata"]["name"]
            ));
        }
        match v["next_cursor"].as_str() {
            Some(n) => cursor = n.to_string(),
            None => {
                assert_eq!(v["total"].as_u64().unwrap() as usize, names.len());
                break;
            }
        }
    }
    assert!(names.len() > 100);
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len());

    // A caller's trace is continued (same trace id, a new span).
    let (_, h, _) = get(
        &c,
        &format!("{}/healthz", hub.url),
        &[(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )],
    )
    .await;
    assert!(
        h["traceparent"].starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
        "{h:?}"
    );
    assert!(!h["traceparent"].contains("00f067aa0ba902b7"));

    // Filters.
    let (_, _, v) = get(
        &c,
        &format!(
            "{}/api/v1/k8s/demo/pods?namespace=kube-system&limit=1000",
            hub.url
        ),
        &[],
    )
    .await;
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["metadata"]["namespace"] == "kube-system")
    );
    let (_, _, v) = get(
        &c,
        &format!(
            "{}/api/v1/k8s/demo/pods?labelSelector=component%3Detcd",
            hub.url
        ),
        &[],
    )
    .await;
    assert!(v["total"].as_u64().unwrap() >= 1);
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["metadata"]["labels"]["component"] == "etcd")
    );

    // Caching: the second answer is a hit with the same ETag, and If-None-Match gives 304.
    let url = format!("{}/api/v1/k8s/demo/nodes", hub.url);
    let (_, h1, _) = get(&c, &url, &[]).await;
    let (_, h2, _) = get(&c, &url, &[]).await;
    assert_eq!(h2["x-cache"], "hit");
    assert_eq!(h1["etag"], h2["etag"]);
    assert!(h2["cache-control"].starts_with("private, max-age="));
    let (code, _, _) = get(&c, &url, &[("if-none-match", &h2["etag"])]).await;
    assert_eq!(code, 304);
    // Another page of the same list is another representation: its own tag, never a 304 for the
    // first page's.
    let page2 = format!("{url}?limit=1");
    let (code, h3, _) = get(&c, &page2, &[("if-none-match", &h2["etag"])]).await;
    assert_eq!(code, 200);
    assert_ne!(h3["etag"], h2["etag"]);
    let (code, _, _) = get(&c, &page2, &[("if-none-match", &h3["etag"])]).await;
    assert_eq!(code, 304);

    // The doctor's report.
    let (code, _, v) = get(&c, &format!("{}/api/v1/k8s/demo/doctor", hub.url), &[]).await;
    assert_eq!(code, 200);
    assert_eq!(v["report"]["schema"], "srehub.report/v1");
    assert!(v["report"]["summary"]["critical"].as_u64().unwrap() > 0);

    // Errors: one shape, the parameter named, a request id.
    let (code, _, v) = get(
        &c,
        &format!("{}/api/v1/k8s/demo/pods?limit=0", hub.url),
        &[],
    )
    .await;
    assert_eq!(code, 400);
    assert_eq!(v["error"]["code"], "bad_request");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("parameter `limit`")
    );
    assert_eq!(v["error"]["request_id"].as_str().unwrap().len(), 32);
    for (path, param) in [
        ("pods?labelSelector=app%20in%20x", "labelSelector"),
        ("pods?cursor=zzz", "cursor"),
        ("pods?color=blue", "query"),
    ] {
        let (code, _, v) = get(&c, &format!("{}/api/v1/k8s/demo/{path}", hub.url), &[]).await;
        assert_eq!(code, 400, "{path}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("parameter `{param}`")),
            "{v}"
        );
    }
    let (code, _, v) = get(&c, &format!("{}/api/v1/k8s/nope/pods", hub.url), &[]).await;
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let (code, _, _) = get(&c, &format!("{}/api/v1/k8s/demo/secrets", hub.url), &[]).await;
    assert_eq!(code, 404);

    // Metrics of it all.
    let text = metrics_text(&c, &hub).await;
    assert!(text.contains(r#"srehub_api_requests_total{route="/api/v1/k8s/{cluster}/{kind}",method="GET",status="200"}"#), "{text}");
    assert!(text.contains(r#"srehub_cache_hits_total{cache="memory",route="k8s"}"#));
    assert!(text.contains("srehub_api_request_duration_seconds_bucket"));
    assert!(text.contains("srehub_build_info"));
    // The snapshot was read once for all of this.
    assert!(
        text.contains(
            r#"srehub_downstream_requests_total{connector="cluster/demo",outcome="ok"} 1"#
        ),
        "{text}"
    );
    let _ = hub.state;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_cold_requests_cause_one_load() {
    let hub = start(demo()).await;
    let c = client();
    let url = format!("{}/api/v1/k8s/demo/doctor", hub.url);
    let all = futures_join(1000, |_| {
        let (c, url) = (c.clone(), url.clone());
        async move { get(&c, &url, &[]).await.0 }
    })
    .await;
    assert!(all.iter().all(|c| *c == 200));
    let text = metrics_text(&c, &hub).await;
    assert!(
        text.contains(
            r#"srehub_downstream_requests_total{connector="cluster/demo",outcome="ok"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"srehub_cache_misses_total{cache="memory",route="doctor"}"#));
}

async fn futures_join<F, Fut>(n: usize, f: F) -> Vec<u16>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = u16> + Send + 'static,
{
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(f(i))).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_scopes_and_rate_limits() {
    let mut cfg = demo();
    cfg.keys = Some(srehub_server::auth::KeysFile {
        keys: vec![
            srehub_server::auth::KeyConfig {
                name: "grafana".into(),
                // sha256("s3cret")
                sha256: "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0".into(),
                scopes: vec!["clusters".into()],
                namespaces: Some(vec!["kube-system".into()]),
            },
            srehub_server::auth::KeyConfig {
                name: "ops".into(),
                // sha256("0pskey")
                sha256: "d14b3272a0641c4102edb852c2cdfab8c06d79553f3695c5c016704dacfc5174".into(),
                scopes: vec!["clusters".into()],
                namespaces: None,
            },
        ],
    });
    cfg.rate = (1.0, 5.0);
    let hub = start(cfg).await;
    let c = client();
    let pods = format!("{}/api/v1/k8s/demo/pods?limit=1000", hub.url);
    let (code, _, v) = get(&c, &pods, &[]).await;
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (code, _, _) = get(&c, &pods, &[("authorization", "Bearer wrong")]).await;
    assert_eq!(code, 401);
    let (code, _, v) = get(&c, &pods, &[("authorization", "Bearer s3cret")]).await;
    assert_eq!(code, 200);
    // Only its namespace is visible.
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["metadata"]["namespace"] == "kube-system")
    );
    // The same request with another key is another answer (rendered answers are kept per key).
    let (code, _, all) = get(&c, &pods, &[("authorization", "Bearer 0pskey")]).await;
    assert_eq!(code, 200);
    assert!(
        all["total"].as_u64() > v["total"].as_u64(),
        "{} {}",
        all["total"],
        v["total"]
    );
    let (_, _, again) = get(&c, &pods, &[("authorization", "Bearer s3cret")]).await;
    assert_eq!(again["total"], v["total"]);
    assert_eq!(again["items"], v["items"]);
    let (code, _, _) = get(
        &c,
        &format!("{pods}&namespace=default"),
        &[("x-api-key", "s3cret")],
    )
    .await;
    assert_eq!(code, 403);
    let (code, _, v) = get(
        &c,
        &format!("{}/api/v1/status", hub.url),
        &[("x-api-key", "s3cret")],
    )
    .await;
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    // Health and docs stay public.
    assert_eq!(get(&c, &format!("{}/readyz", hub.url), &[]).await.0, 200);
    assert_eq!(
        get(&c, &format!("{}/api/v1/openapi.json", hub.url), &[])
            .await
            .0,
        200
    );
    // Burst of 5 a key: the sixth request at once is refused with Retry-After.
    let mut codes = Vec::new();
    for _ in 0..8 {
        codes.push(
            get(
                &c,
                &format!("{}/api/v1/clusters", hub.url),
                &[("x-api-key", "s3cret")],
            )
            .await
            .0,
        );
    }
    assert!(codes.contains(&429), "{codes:?}");
    // The key never shows in answers or metrics.
    let text = metrics_text(&c, &hub).await;
    assert!(!text.contains("s3cret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_route() {
    let hub = start(demo()).await;
    let (_, _, doc) = get(&client(), &format!("{}/api/v1/openapi.json", hub.url), &[]).await;
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/v1/status",
        "/api/v1/clusters",
        "/api/v1/k8s/{cluster}/{kind}",
        "/api/v1/k8s/{cluster}/doctor",
        "/api/v1/alerts",
        "/api/v1/alerts/analysis",
        "/api/v1/slo",
        "/api/v1/registry/repos",
        "/api/v1/registry/images",
        "/api/v1/registry/images/{name}/tags",
        "/api/v1/artifactory/repos",
        "/api/v1/artifactory/storage",
        "/api/v1/artifactory/docker/{repo}/images",
        "/api/v1/artifactory/docker/{repo}/images/{name}/tags",
        "/api/v1/vulns/images",
        "/api/v1/vulns/images/{ref}",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
    let search = &doc["paths"]["/api/v1/artifactory/search"]["post"];
    assert_eq!(search["x-srehub-scope"], "registry");
    assert!(search["requestBody"]["content"]["text/plain"].is_object());
    assert_eq!(
        doc["paths"]["/api/v1/vulns/images"]["get"]["x-srehub-scope"],
        "vulns"
    );
    assert_eq!(
        doc["paths"]["/api/v1/k8s/{cluster}/{kind}"]["get"]["x-srehub-scope"],
        "clusters"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alertmanager_live_then_unreachable_with_negative_caching() {
    let Some(am) = srehub_test_support::prom::alertmanager() else {
        return;
    };
    let mut cfg = demo();
    cfg.alertmanager = Some(am.url.clone());
    cfg.http.env_proxy = false;
    cfg.http.retries = 0;
    cfg.ttl.alerts = Duration::from_millis(300);
    let hub = start(cfg).await;
    let c = client();
    let url = format!("{}/api/v1/alerts", hub.url);
    let (code, h, v) = get(&c, &url, &[]).await;
    assert_eq!((code, h["x-cache"].as_str()), (200, "miss"));
    assert_eq!(v["items"], serde_json::json!([]));
    assert_eq!(v["sources"][0]["name"], "alertmanager");
    // Past its TTL: the stale entry is served at once while it is refreshed.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (_, h, v) = get(&c, &url, &[]).await;
    assert_eq!(h["x-cache"], "stale");
    assert_eq!(v["sources"][0]["stale"], true);

    // An unreachable Alertmanager: a clear 502, and the error is cached briefly (one downstream call).
    let port = srehub_test_support::free_port();
    let mut cfg = demo();
    cfg.alertmanager = Some(format!("http://127.0.0.1:{port}"));
    cfg.http.env_proxy = false;
    cfg.http.retries = 0;
    let hub = start(cfg).await;
    let url = format!("{}/api/v1/alerts", hub.url);
    for _ in 0..3 {
        let (code, _, v) = get(&c, &url, &[]).await;
        assert_eq!(
            (code, v["error"]["code"].as_str()),
            (502, Some("downstream_error")),
            "{v}"
        );
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("alertmanager: cannot connect")
        );
    }
    let text = metrics_text(&c, &hub).await;
    assert!(
        text.contains(
            r#"srehub_downstream_requests_total{connector="alertmanager",outcome="error"} 1"#
        ),
        "{text}"
    );
    // Ready still: the cluster snapshot answers.
    assert_eq!(get(&c, &format!("{}/readyz", hub.url), &[]).await.0, 200);
}

/// The hub's `/metrics` text.
async fn metrics_text(c: &Client, hub: &Hub) -> String {
    let r = c
        .send(Request::get(
            format!("{}/metrics", hub.url).parse().unwrap(),
        ))
        .await
        .unwrap();
    String::from_utf8(r.body).unwrap()
}

async fn downstream_count(c: &Client, hub: &Hub, connector: &str) -> u64 {
    let text = metrics_text(c, hub).await;
    let prefix =
        format!("srehub_downstream_requests_total{{connector=\"{connector}\",outcome=\"ok\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0, |n| n.trim().parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_redis_and_survive_its_death() {
    // A real redis-server (Debian's package).
    let Some(redis) = srehub_test_support::prom::redis(None) else {
        return;
    };
    let port: u16 = redis.url.rsplit(':').next().unwrap().parse().unwrap();
    let cfg = || {
        let mut c = demo();
        c.redis_url = Some(redis.url.clone());
        c
    };
    let (a, b) = (start(cfg()).await, start(cfg()).await);
    let c = client();
    // Replica A loads; replica B answers from Redis without reading the cluster itself.
    let (code, h, va) = get(&c, &format!("{}/api/v1/k8s/demo/nodes", a.url), &[]).await;
    assert_eq!((code, h["x-cache"].as_str()), (200, "miss"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (code, h, vb) = get(&c, &format!("{}/api/v1/k8s/demo/nodes", b.url), &[]).await;
    assert_eq!((code, h["x-cache"].as_str()), (200, "hit"));
    assert_eq!(va["items"], vb["items"]);
    assert_eq!(downstream_count(&c, &b, "cluster/demo").await, 0);
    let (_, _, r) = get(&c, &format!("{}/readyz", b.url), &[]).await;
    assert_eq!(r["cache"]["redis_up"], true, "{r}");

    // Redis dies: B keeps answering from memory and says so.
    drop(redis);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (code, _, v) = get(&c, &format!("{}/api/v1/k8s/demo/pods?limit=5", b.url), &[]).await;
    assert_eq!(code, 200);
    assert_eq!(v["items"].as_array().unwrap().len(), 5);
    let (code, _, r) = get(&c, &format!("{}/readyz", b.url), &[]).await;
    assert_eq!(code, 200);
    assert_eq!(r["cache"]["redis_up"], false);
    assert_eq!(r["cache"]["fallback"], "memory");
    let text = metrics_text(&c, &b).await;
    assert!(
        text.contains(r#"srehub_cache_backend_up{backend="redis"} 0"#),
        "{text}"
    );

    // It comes back on the same port: the hub reconnects.
    let _again = srehub_test_support::prom::redis(Some(port)).unwrap();
    let mut up = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let (_, _, r) = get(&c, &format!("{}/readyz", b.url), &[]).await;
        if r["cache"]["redis_up"] == true {
            up = true;
            break;
        }
    }
    assert!(up, "the hub did not reconnect to Redis");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_cluster_and_a_dead_one_side_by_side() {
    // The Kubernetes API is a local fake serving the demo cluster's recorded objects (no API server
    // can run here); the dead cluster's kubeconfig points at a closed port.
    let files: Vec<_> = std::fs::read_dir(workspace_root().join("examples/demo-cluster"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    let fake = srehub_test_support::fake_kube::FakeKube::start(
        srehub_test_support::fake_kube::FakeKube::objects_from_files(&files),
        Default::default(),
    );
    let dir = tempfile::tempdir().unwrap();
    let dead_cfg = dir.path().join("dead");
    let port = srehub_test_support::free_port();
    std::fs::write(
        &dead_cfg,
        std::fs::read_to_string(&fake.kubeconfig)
            .unwrap()
            .replace(&fake.url(), &format!("http://127.0.0.1:{port}")),
    )
    .unwrap();
    let live = |name: &str, kubeconfig: std::path::PathBuf| ClusterConfig {
        name: name.into(),
        paths: vec![],
        live: Some(srehub_kube::live::LiveOptions {
            kubeconfig: Some(kubeconfig),
            context: None,
            namespace: None,
            timeout: Duration::from_secs(2),
            retries: 0,
            page_size: 50,
            concurrency: 2,
        }),
    };
    let cfg = ServeConfig {
        clusters: vec![
            live("prod", fake.kubeconfig.clone()),
            live("dead", dead_cfg),
        ],
        http: HttpOptions {
            breaker_failures: 2,
            breaker_open_for: Duration::from_secs(60),
            ..HttpOptions::default()
        },
        cache: srehub_server::cache::CacheOptions {
            negative_ttl: Duration::from_millis(1),
            ..Default::default()
        },
        ..ServeConfig::default()
    };
    let hub = start(cfg).await;
    let c = client();
    let (code, _, v) = get(
        &c,
        &format!("{}/api/v1/k8s/prod/nodes?fields=metadata.name", hub.url),
        &[],
    )
    .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["total"], 24);
    let (_, _, snap) = get(&c, &format!("{}/api/v1/k8s/prod/doctor", hub.url), &[]).await;
    assert_eq!(snap["report"]["schema"], "srehub.report/v1");
    // The dead one fails on its own, clearly, and the hub stays ready.
    let (code, _, v) = get(&c, &format!("{}/api/v1/k8s/dead/pods", hub.url), &[]).await;
    assert_eq!(
        (code, v["error"]["code"].as_str()),
        (503, Some("unavailable")),
        "{v}"
    );
    let (code, _, r) = get(&c, &format!("{}/readyz", hub.url), &[]).await;
    assert_eq!(code, 200);
    let by_name = |n: &str| {
        r["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == n)
            .unwrap()["ok"]
            .clone()
    };
    assert_eq!(
        (by_name("cluster/prod"), by_name("cluster/dead")),
        (Value::Bool(true), Value::Bool(false))
    );
    let (_, _, v) = get(&c, &format!("{}/api/v1/clusters", hub.url), &[]).await;
    assert_eq!(v["items"][0]["source"], "live");
    // Repeated failures open the dead cluster's breaker: it is no longer called, 503 with
    // Retry-After; the live one is untouched.
    let mut last = (0, Value::Null);
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let (code, _, v) = get(&c, &format!("{}/api/v1/k8s/dead/events", hub.url), &[]).await;
        last = (code, v);
    }
    assert_eq!(
        (last.0, last.1["error"]["code"].as_str()),
        (503, Some("breaker_open")),
        "{}",
        last.1
    );
    let (_, _, st) = get(&c, &format!("{}/api/v1/status", hub.url), &[]).await;
    let state = |n: &str| {
        st["connectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == n)
            .unwrap()["breaker"]
            .clone()
    };
    assert_eq!(
        (state("cluster/dead"), state("cluster/prod")),
        (json!("open"), json!("closed"))
    );
}

/// A client that trickles its request head (slowloris) is cut off after the head timeout while
/// others are served; an oversized head is refused with 431.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_oversized_request_heads_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let hub = start(ServeConfig {
        header_read_timeout: Duration::from_millis(500),
        max_header_bytes: 8192,
        ..demo()
    })
    .await;
    let addr = hub.url.trim_start_matches("http://").to_string();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    // Meanwhile, a normal client is answered.
    let c = client();
    let resp = c
        .send(Request::get(c.url(&hub.url, "/healthz", &[]).unwrap()))
        .await
        .unwrap();
    assert_eq!(resp.status.as_u16(), 200);
    // The slow one trickles a header byte every 100 ms: still cut off at the head timeout.
    let mut closed = false;
    for _ in 0..40 {
        if slow.write_all(b"X").await.is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 512];
        match tokio::time::timeout(Duration::from_millis(100), slow.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                closed = true;
                break;
            }
            Ok(Ok(n)) => {
                // hyper may answer 408 before closing.
                assert!(
                    String::from_utf8_lossy(&buf[..n]).contains("408"),
                    "{:?}",
                    &buf[..n]
                );
                closed = true;
                break;
            }
            Err(_) => {}
        }
    }
    assert!(closed, "the slow client was never cut off");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(4),
        "{took:?}"
    );

    let mut big = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let header = "x".repeat(20_000);
    big.write_all(
        format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {header}\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), big.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 431"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_are_exported_over_otlp_and_a_dead_receiver_costs_nothing() {
    // No OpenTelemetry collector can be installed here: a receiver of OTLP/HTTP JSON stands in for it.
    let got: Arc<std::sync::Mutex<Vec<Value>>> = Default::default();
    let sink = got.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let sink = sink.clone();
                async move {
                    assert_eq!(headers["content-type"], "application/json");
                    assert_eq!(headers["x-tenant"], "ops");
                    sink.lock()
                        .unwrap()
                        .push(serde_json::from_slice(&body).unwrap());
                    "{}"
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let mut cfg = demo();
    let mut otlp = srehub_server::otlp::OtlpConfig::new(&receiver);
    otlp.service_name = "hub-test".into();
    otlp.headers.push(("x-tenant".into(), "ops".into()));
    cfg.otlp = Some(otlp);
    let hub = start(cfg).await;
    let c = client();
    let caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let resp = c
        .send(
            Request::get(format!("{}/api/v1/clusters", hub.url).parse().unwrap()).header(
                "traceparent",
                &format!("00-{caller_trace}-{caller_span}-01"),
            ),
        )
        .await
        .unwrap();
    let ours = resp.headers["traceparent"].to_str().unwrap().to_string();
    let (_, _, _) = get(&c, &format!("{}/api/v1/nope", hub.url), &[]).await;
    hub.state
        .otlp
        .get()
        .unwrap()
        .flush(Duration::from_secs(5))
        .await;
    let batches = got.lock().unwrap().clone();
    let spans: Vec<&Value> = batches
        .iter()
        .flat_map(|b| {
            b["resourceSpans"][0]["scopeSpans"][0]["spans"]
                .as_array()
                .unwrap()
        })
        .collect();
    assert_eq!(spans.len(), 2, "{batches:?}");
    assert_eq!(
        batches[0]["resourceSpans"][0]["resource"]["attributes"][0]["value"]["stringValue"],
        "hub-test"
    );
    let s = spans
        .iter()
        .find(|s| s["name"] == "GET /api/v1/clusters")
        .unwrap();
    // The hub's span continues the caller's trace, under the caller's span, with the id it returned.
    assert_eq!(s["traceId"], caller_trace);
    assert_eq!(s["parentSpanId"], caller_span);
    assert_eq!(
        ours,
        format!("00-{caller_trace}-{}-01", s["spanId"].as_str().unwrap())
    );
    assert_eq!(s["kind"], 2);
    let unmatched = spans.iter().find(|s| s["name"] == "GET unmatched").unwrap();
    assert!(unmatched.get("parentSpanId").is_none());

    // A receiver that is gone: requests are answered as fast as ever, the failure is counted.
    let mut cfg = demo();
    let mut otlp = srehub_server::otlp::OtlpConfig::new(&format!(
        "http://127.0.0.1:{}",
        srehub_test_support::free_port()
    ));
    otlp.interval = Duration::from_millis(50);
    cfg.otlp = Some(otlp);
    cfg.http.retries = 0;
    let hub = start(cfg).await;
    let t = std::time::Instant::now();
    for _ in 0..20 {
        assert_eq!(
            get(&c, &format!("{}/api/v1/clusters", hub.url), &[])
                .await
                .0,
            200
        );
    }
    assert!(t.elapsed() < Duration::from_secs(5));
    hub.state
        .otlp
        .get()
        .unwrap()
        .flush(Duration::from_secs(5))
        .await;
    assert!(downstream_errors(&c, &hub, "otlp").await >= 1);
}

async fn downstream_errors(c: &Client, hub: &Hub, connector: &str) -> u64 {
    let text = metrics_text(c, hub).await;
    text.lines()
        .filter(|l| {
            l.starts_with("srehub_downstream_requests_total")
                && l.contains(&format!("connector=\"{connector}\""))
                && l.contains("outcome=\"error\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}
