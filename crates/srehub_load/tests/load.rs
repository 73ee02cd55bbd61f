//! The load generator against real in-process HTTP servers on 127.0.0.1:0 that count what they
//! receive. No assertion is on speed: counts, classification and the shape of the measurements.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, Version};
use axum::routing::any;
use srehub_load::plan::{LoadOptions, build, build_with};
use srehub_load::runner::{Live, run};
use srehub_model::load::{LoadModel, LoadResult};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type Received = (Method, String, Version, HeaderMap, Bytes);

#[derive(Default)]
struct Seen {
    count: AtomicU64,
    requests: Mutex<Vec<Received>>,
}

async fn record(
    State(seen): State<Arc<Seen>>,
    method: Method,
    uri: Uri,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    seen.count.fetch_add(1, Ordering::SeqCst);
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or("").to_string();
    seen.requests.lock().unwrap().push((
        method,
        format!("{path}{}{query}", if query.is_empty() { "" } else { "?" }),
        version,
        headers,
        body,
    ));
    match path.as_str() {
        "/fail" => (StatusCode::SERVICE_UNAVAILABLE, "down"),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            (StatusCode::OK, "late")
        }
        _ => (StatusCode::OK, "hello"),
    }
}

async fn server() -> (SocketAddr, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let app = Router::new()
        .route("/{*p}", any(record))
        .route("/", any(record))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, seen)
}

async fn load(opts: LoadOptions) -> LoadResult {
    let plan = Arc::new(build(&opts).unwrap());
    let live = Live::new(&plan);
    run(plan, live).await.0
}

fn opts(url: String) -> LoadOptions {
    LoadOptions {
        url: Some(url),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n_sends_exactly_n_requests() {
    let (addr, seen) = server().await;
    let r = load(LoadOptions {
        requests: Some(137),
        connections: Some(7),
        ..opts(format!("http://{addr}/x"))
    })
    .await;
    assert_eq!(seen.count.load(Ordering::SeqCst), 137);
    assert_eq!(r.requests, 137);
    assert_eq!(r.status_codes[&200], 137);
    assert_eq!(r.model, LoadModel::Closed);
    assert_eq!(r.connections, 7);
    assert_eq!(r.bytes_received, 137 * 5);
    assert!(r.errors.is_empty());
    assert!(r.latency_ms.p50 > 0.0 && r.latency_ms.p50 <= r.latency_ms.p99);
    assert!(r.latency_uncorrected_ms.is_none());
    assert_eq!(
        r.timeline.iter().map(|t| t.requests).sum::<u64>(),
        137,
        "the timeline adds up"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_open_model_holds_its_rate() {
    let (addr, seen) = server().await;
    let r = load(LoadOptions {
        rate: Some(200.0),
        duration: Some(Duration::from_secs(2)),
        connections: Some(10),
        ..opts(format!("http://{addr}/"))
    })
    .await;
    assert_eq!(r.model, LoadModel::Open);
    // Requests 0..399 are due in the first 2 s.
    assert_eq!(r.requests + r.unfinished, 400, "{r:?}");
    assert_eq!(seen.count.load(Ordering::SeqCst), r.requests + r.unfinished);
    assert!(
        (r.requests_per_second - 200.0).abs() < 20.0,
        "rps {}",
        r.requests_per_second
    );
    assert_eq!(r.rate, Some(200.0));
    assert!(r.latency_uncorrected_ms.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn methods_headers_bodies_and_auth_arrive_as_sent() {
    let (addr, seen) = server().await;
    let r = load(LoadOptions {
        requests: Some(3),
        connections: Some(1),
        method: Some("put".into()),
        headers: vec!["X-Test: one".into(), "Accept: text/plain".into()],
        body: Some(Bytes::from_static(b"{\"a\":1}")),
        content_type: Some("application/json".into()),
        basic_auth: Some("alice:s3cret".into()),
        ..opts(format!("http://{addr}/put?x=1"))
    })
    .await;
    assert_eq!(r.requests, 3);
    for (m, path, v, h, body) in seen.requests.lock().unwrap().iter() {
        assert_eq!(m, Method::PUT);
        assert_eq!(path, "/put?x=1");
        assert_eq!(*v, Version::HTTP_11);
        assert_eq!(h["x-test"], "one");
        assert_eq!(h["accept"], "text/plain");
        assert_eq!(h["content-type"], "application/json");
        assert_eq!(h["authorization"], "Basic YWxpY2U6czNjcmV0");
        assert_eq!(h["host"], addr.to_string().as_str());
        assert_eq!(&body[..], b"{\"a\":1}");
    }
    let r = load(LoadOptions {
        requests: Some(1),
        bearer: Some("tok".into()),
        ..opts(format!("http://{addr}/b"))
    })
    .await;
    assert_eq!(r.requests, 1);
    let reqs = seen.requests.lock().unwrap();
    assert_eq!(reqs.last().unwrap().3["authorization"], "Bearer tok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_works() {
    let (addr, seen) = server().await;
    let r = load(LoadOptions {
        requests: Some(20),
        connections: Some(2),
        http2: true,
        ..opts(format!("http://{addr}/h2"))
    })
    .await;
    assert_eq!(r.status_codes[&200], 20, "{r:?}");
    let reqs = seen.requests.lock().unwrap();
    assert!(reqs.iter().all(|r| r.2 == Version::HTTP_2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_keepalive_opens_a_connection_per_request() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicU64::new(0));
    let a = accepted.clone();
    tokio::spawn(async move {
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            a.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
            });
        }
    });
    let r = load(LoadOptions {
        requests: Some(10),
        connections: Some(2),
        disable_keepalive: true,
        ..opts(format!("http://{addr}/"))
    })
    .await;
    assert_eq!(r.status_codes[&200], 10);
    assert_eq!(accepted.load(Ordering::SeqCst), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_classified() {
    // Connection refused: a port that was just free.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let r = load(LoadOptions {
        requests: Some(5),
        connections: Some(1),
        ..opts(format!("http://127.0.0.1:{port}/"))
    })
    .await;
    assert_eq!(r.errors["connect"], 5, "{r:?}");
    assert_eq!(r.error_rate, 1.0);

    // Timeout.
    let (addr, _) = server().await;
    let r = load(LoadOptions {
        requests: Some(2),
        connections: Some(2),
        timeout: Some(Duration::from_millis(200)),
        ..opts(format!("http://{addr}/slow"))
    })
    .await;
    assert_eq!(r.errors["timeout"], 2, "{r:?}");

    // Reset: accepted, then closed without an answer.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let raddr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            drop(s);
        }
    });
    let r = load(LoadOptions {
        requests: Some(3),
        connections: Some(1),
        ..opts(format!("http://{raddr}/"))
    })
    .await;
    assert_eq!(r.errors["reset"], 3, "{r:?}");

    // A response that is not HTTP.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let baddr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n").await;
            });
        }
    });
    let r = load(LoadOptions {
        requests: Some(2),
        connections: Some(1),
        ..opts(format!("http://{baddr}/"))
    })
    .await;
    assert_eq!(r.errors["bad_response"], 2, "{r:?}");

    // 5xx answers are responses, counted in the error rate.
    let r = load(LoadOptions {
        requests: Some(4),
        ..opts(format!("http://{addr}/fail"))
    })
    .await;
    assert_eq!(r.status_codes[&503], 4);
    assert!(r.errors.is_empty());
    assert_eq!(r.error_rate, 1.0);
}

/// A server whose first request after 300 ms stalls for 500 ms, on one connection at 100/s: the
/// requests due meanwhile wait, and the open model's corrected latency shows it while the service
/// time does not (wrk2's coordinated omission).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stall_shows_in_corrected_latency_only() {
    let stalled = Arc::new(AtomicU64::new(0));
    let start = std::time::Instant::now();
    let s = stalled.clone();
    let app = Router::new().route(
        "/",
        any(move || {
            let s = s.clone();
            async move {
                if start.elapsed() > Duration::from_millis(300)
                    && s.fetch_add(1, Ordering::SeqCst) == 0
                {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let r = load(LoadOptions {
        rate: Some(100.0),
        duration: Some(Duration::from_secs(2)),
        connections: Some(1),
        ..opts(format!("http://{addr}/"))
    })
    .await;
    let u = r.latency_uncorrected_ms.unwrap();
    assert!(r.latency_ms.max >= 450.0, "{:?}", r.latency_ms);
    assert!(
        r.latency_ms.p90 > 10.0 * u.p90.max(0.1),
        "corrected {:?} uncorrected {u:?}",
        r.latency_ms
    );
    assert!(r.late_starts >= 40, "late starts {}", r.late_starts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_weight_requests_and_fill_variables() {
    let (addr, seen) = server().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("users.csv"), "user_id,name\n1,ann\n2,bob\n").unwrap();
    std::fs::write(
        dir.path().join("s.yaml"),
        format!(
            r#"
name: shop
base_url: http://{addr}
headers: {{X-Scenario: shop}}
data: users.csv
requests:
  - {{name: browse, weight: 3, path: "/items?user={{{{user_id}}}}"}}
  - {{name: buy, method: POST, path: /cart, body: '{{"name": "{{{{name}}}}"}}', headers: {{X-User: "{{{{user_id}}}}"}}}}
thresholds: ["error_rate<1%"]
"#
        ),
    )
    .unwrap();
    let plan = build(&LoadOptions {
        scenario: Some(dir.path().join("s.yaml")),
        requests: Some(400),
        connections: Some(4),
        ..Default::default()
    })
    .unwrap();
    let plan = Arc::new(plan);
    let (r, _) = run(plan.clone(), Live::new(&plan)).await;
    assert_eq!(r.target, "shop");
    assert_eq!(r.by_request["browse"].requests, 300);
    assert_eq!(r.by_request["buy"].requests, 100);
    assert!(r.thresholds[0].passed);
    let reqs = seen.requests.lock().unwrap();
    let browse: Vec<_> = reqs.iter().filter(|r| r.1.starts_with("/items")).collect();
    assert_eq!(browse.len(), 300);
    assert!(browse.iter().any(|r| r.1 == "/items?user=1"));
    assert!(browse.iter().any(|r| r.1 == "/items?user=2"));
    for r in reqs.iter().filter(|r| r.1 == "/cart") {
        assert_eq!(r.0, Method::POST);
        assert_eq!(r.3["x-scenario"], "shop");
        let user = r.3["x-user"].to_str().unwrap();
        let name = if user == "1" { "ann" } else { "bob" };
        assert_eq!(&r.4[..], format!("{{\"name\": \"{name}\"}}").as_bytes());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_followed_up_to_the_limit() {
    let app = Router::new()
        .route(
            "/a",
            any(|| async { (StatusCode::FOUND, [("location", "/b")], "") }),
        )
        .route("/b", any(|| async { "done" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let r = load(LoadOptions {
        requests: Some(3),
        ..opts(format!("http://{addr}/a"))
    })
    .await;
    assert_eq!(r.status_codes[&200], 3);
    assert_eq!(r.bytes_received, 12);
    let r = load(LoadOptions {
        requests: Some(3),
        redirects: Some(0),
        ..opts(format!("http://{addr}/a"))
    })
    .await;
    assert_eq!(r.status_codes[&302], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_stages_ramp_and_the_duration_ends_the_run() {
    let (addr, seen) = server().await;
    let s = srehub_load::scenario::parse(
        &format!(
            "base_url: http://{addr}\nrequests: [{{path: /}}]\nstages:\n  - {{duration: 1s, connections: 4}}\n  - {{duration: 1s, connections: 0}}\n"
        ),
        std::path::Path::new("s.yaml"),
    )
    .unwrap();
    let plan =
        Arc::new(build_with(&LoadOptions::default(), Some(&s), std::path::Path::new(".")).unwrap());
    let started = std::time::Instant::now();
    let (r, _) = run(plan.clone(), Live::new(&plan)).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(r.connections, 4);
    assert!(r.requests > 0);
    assert_eq!(seen.count.load(Ordering::SeqCst), r.requests + r.unfinished);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_a_run_early() {
    let (addr, _) = server().await;
    let plan = Arc::new(
        build(&LoadOptions {
            duration: Some(Duration::from_secs(60)),
            connections: Some(2),
            ..opts(format!("http://{addr}/slow"))
        })
        .unwrap(),
    );
    let live = Live::new(&plan);
    let l = live.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        l.stop();
    });
    let started = std::time::Instant::now();
    let (r, _) = run(plan, live).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(r.unfinished, 2);
    assert_eq!(r.requests, 0);
}

/// Credentials are not sent on to another origin after a redirect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_stay_with_their_origin_across_redirects() {
    let (other, seen) = server().await;
    let target = format!("http://{other}/landing");
    let app = Router::new().route(
        "/go",
        any(move || {
            let t = target.clone();
            async move { (StatusCode::FOUND, [("location", t)], "") }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let r = load(LoadOptions {
        requests: Some(2),
        bearer: Some("secret".into()),
        headers: vec!["X-Kept: yes".into()],
        ..opts(format!("http://{addr}/go"))
    })
    .await;
    assert_eq!(r.status_codes[&200], 2);
    for (_, path, _, h, _) in seen.requests.lock().unwrap().iter() {
        assert_eq!(path, "/landing");
        assert!(h.get("authorization").is_none(), "{h:?}");
        assert_eq!(h["x-kept"], "yes");
    }
}
