//! The chaos proxy end to end on 127.0.0.1: its toxiproxy-compatible API over a real socket, and each
//! fault seen by a real client through the proxy (echo and HTTP upstreams started here).

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use srehub_chaos::proxy::Proxies;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn api() -> (String, Arc<Proxies>) {
    let proxies = Arc::new(Proxies::default());
    let app = srehub_chaos::api::router(proxies.clone());
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (format!("http://{addr}"), proxies)
}

/// An echo server; with `bye`, it answers `bye` to anything and closes.
async fn echo(bye: bool) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut s, _) = l.accept().await.unwrap();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                loop {
                    let n = match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    if bye {
                        let _ = s.write_all(b"bye").await;
                        return;
                    }
                    if s.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

async fn call(method: &str, url: &str, body: Option<Value>) -> (u16, Value) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let mut req = client.request(method.parse().unwrap(), url);
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn proxy_to(api: &str, name: &str, upstream: SocketAddr) -> SocketAddr {
    let (status, p) = call(
        "POST",
        &format!("{api}/proxies"),
        Some(json!({"name": name, "listen": "127.0.0.1:0", "upstream": upstream.to_string()})),
    )
    .await;
    assert_eq!(status, 201, "{p}");
    p["listen"].as_str().unwrap().parse().unwrap()
}

async fn toxic(api: &str, proxy: &str, spec: Value) -> Value {
    let (status, t) = call("POST", &format!("{api}/proxies/{proxy}/toxics"), Some(spec)).await;
    assert_eq!(status, 200, "{t}");
    t
}

async fn round_trip(addr: SocketAddr, msg: &[u8]) -> (Vec<u8>, Duration) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let t = Instant::now();
    s.write_all(msg).await.unwrap();
    let mut got = vec![0u8; msg.len()];
    s.read_exact(&mut got).await.unwrap();
    (got, t.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_speaks_toxiproxy() {
    let (api, _) = api().await;
    let up = echo(false).await;
    let (_, v) = call("GET", &format!("{api}/version"), None).await;
    assert!(v["version"].as_str().unwrap().starts_with('2'));
    let listen = proxy_to(&api, "redis", up).await;
    assert_ne!(listen.port(), 0, "the answer gives the port in use");
    let (status, _) = call(
        "POST",
        &format!("{api}/proxies"),
        Some(json!({"name": "redis", "listen": "127.0.0.1:0", "upstream": up.to_string()})),
    )
    .await;
    assert_eq!(status, 409);
    let (_, all) = call("GET", &format!("{api}/proxies"), None).await;
    assert_eq!(all["redis"]["upstream"], up.to_string());
    assert_eq!(all["redis"]["enabled"], true);
    let t = toxic(
        &api,
        "redis",
        json!({"type": "latency", "attributes": {"latency": 10}}),
    )
    .await;
    assert_eq!(t["name"], "latency_downstream");
    assert_eq!(t["stream"], "downstream");
    assert_eq!(t["toxicity"], 1.0);
    assert_eq!(t["attributes"], json!({"latency": 10, "jitter": 0}));
    let (status, e) = call(
        "POST",
        &format!("{api}/proxies/redis/toxics"),
        Some(json!({"type": "latency"})),
    )
    .await;
    assert_eq!((status, e["status"].as_u64()), (409, Some(409)));
    let (status, e) = call(
        "POST",
        &format!("{api}/proxies/redis/toxics"),
        Some(json!({"type": "nonsense"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(e["error"].as_str().unwrap().contains("unknown toxic type"));
    let (_, t) = call(
        "POST",
        &format!("{api}/proxies/redis/toxics/latency_downstream"),
        Some(json!({"attributes": {"jitter": 5}})),
    )
    .await;
    assert_eq!(t["attributes"], json!({"latency": 10, "jitter": 5}));
    let (_, list) = call("GET", &format!("{api}/proxies/redis/toxics"), None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (status, _) = call(
        "DELETE",
        &format!("{api}/proxies/redis/toxics/latency_downstream"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, e) = call("GET", &format!("{api}/proxies/nope"), None).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (404, Some("proxy not found"))
    );
    // Disabled: refused; enabled again: the same address works.
    let (_, p) = call(
        "POST",
        &format!("{api}/proxies/redis"),
        Some(json!({"enabled": false})),
    )
    .await;
    assert_eq!(p["enabled"], false);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(TcpStream::connect(listen).await.is_err());
    toxic(&api, "redis", json!({"type": "latency", "name": "slow"})).await;
    let (status, _) = call("POST", &format!("{api}/reset"), None).await;
    assert_eq!(status, 204);
    let (_, p) = call("GET", &format!("{api}/proxies/redis"), None).await;
    assert_eq!(p["enabled"], true);
    assert_eq!(p["toxics"], json!([]));
    assert_eq!(p["listen"], listen.to_string());
    let (got, _) = round_trip(listen, b"ping").await;
    assert_eq!(got, b"ping");
    let (status, v) = call(
        "POST",
        &format!("{api}/populate"),
        Some(json!([{"name": "pg", "listen": "127.0.0.1:0", "upstream": up.to_string()}])),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(v["proxies"][0]["name"], "pg");
    let (status, _) = call("DELETE", &format!("{api}/proxies/pg"), None).await;
    assert_eq!(status, 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_is_visible_and_goes_away_with_the_toxic() {
    let (api, _) = api().await;
    let listen = proxy_to(&api, "p", echo(false).await).await;
    let (_, fast) = round_trip(listen, b"x").await;
    toxic(
        &api,
        "p",
        json!({"type": "latency", "attributes": {"latency": 200}}),
    )
    .await;
    let (got, slow) = round_trip(listen, b"hello").await;
    assert_eq!(got, b"hello");
    assert!(slow >= Duration::from_millis(190), "{slow:?}");
    // Added while a connection is open: that connection slows down too.
    call(
        "DELETE",
        &format!("{api}/proxies/p/toxics/latency_downstream"),
        None,
    )
    .await;
    let mut s = TcpStream::connect(listen).await.unwrap();
    let mut b = [0u8; 1];
    s.write_all(b"a").await.unwrap();
    s.read_exact(&mut b).await.unwrap();
    toxic(
        &api,
        "p",
        json!({"type": "latency", "stream": "upstream", "attributes": {"latency": 150}}),
    )
    .await;
    let t = Instant::now();
    s.write_all(b"b").await.unwrap();
    s.read_exact(&mut b).await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(140),
        "{:?}",
        t.elapsed()
    );
    assert!(fast < Duration::from_millis(150));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_peer_is_seen_as_a_reset() {
    let (api, _) = api().await;
    let listen = proxy_to(&api, "p", echo(false).await).await;
    toxic(
        &api,
        "p",
        json!({"type": "reset_peer", "attributes": {"timeout": 100}}),
    )
    .await;
    let mut s = TcpStream::connect(listen).await.unwrap();
    let mut buf = [0u8; 16];
    let t = Instant::now();
    let r = s.read(&mut buf).await;
    assert!(t.elapsed() >= Duration::from_millis(90));
    let e = r.unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_holds_the_data_then_closes() {
    let (api, _) = api().await;
    let listen = proxy_to(&api, "p", echo(false).await).await;
    toxic(
        &api,
        "p",
        json!({"type": "timeout", "attributes": {"timeout": 300}}),
    )
    .await;
    let mut s = TcpStream::connect(listen).await.unwrap();
    let t = Instant::now();
    s.write_all(b"anyone?").await.unwrap();
    let mut buf = [0u8; 16];
    let n = s.read(&mut buf).await.unwrap_or(0);
    assert_eq!(n, 0, "no data gets through");
    assert!(
        t.elapsed() >= Duration::from_millis(280),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bandwidth_slicer_and_limit_data_shape_the_bytes() {
    let (api, _) = api().await;
    let listen = proxy_to(&api, "p", echo(false).await).await;
    // 50 KB at 100 KB/s: about half a second.
    toxic(
        &api,
        "p",
        json!({"type": "bandwidth", "attributes": {"rate": 100}}),
    )
    .await;
    let msg = vec![7u8; 50_000];
    let (got, took) = round_trip(listen, &msg).await;
    assert_eq!(got, msg);
    assert!(took >= Duration::from_millis(400), "{took:?}");
    call(
        "DELETE",
        &format!("{api}/proxies/p/toxics/bandwidth_downstream"),
        None,
    )
    .await;

    // 100 bytes in slices of about 10 with 20 ms between: at least about 9 × 20 ms.
    toxic(&api, "p", json!({"type": "slicer", "attributes": {"average_size": 10, "size_variation": 2, "delay": 20000}})).await;
    let msg: Vec<u8> = (0..100u8).collect();
    let (got, took) = round_trip(listen, &msg).await;
    assert_eq!(got, msg, "slices arrive whole and in order");
    assert!(took >= Duration::from_millis(120), "{took:?}");
    call(
        "DELETE",
        &format!("{api}/proxies/p/toxics/slicer_downstream"),
        None,
    )
    .await;

    toxic(
        &api,
        "p",
        json!({"type": "limit_data", "attributes": {"bytes": 10}}),
    )
    .await;
    let mut s = TcpStream::connect(listen).await.unwrap();
    s.write_all(&[1u8; 64]).await.unwrap();
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got).await;
    assert_eq!(got.len(), 10, "closed after 10 bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_close_delays_the_close() {
    let (api, _) = api().await;
    let listen = proxy_to(&api, "p", echo(true).await).await;
    toxic(
        &api,
        "p",
        json!({"type": "slow_close", "attributes": {"delay": 300}}),
    )
    .await;
    let mut s = TcpStream::connect(listen).await.unwrap();
    s.write_all(b"hi").await.unwrap();
    let t = Instant::now();
    let mut got = Vec::new();
    s.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"bye");
    assert!(
        t.elapsed() >= Duration::from_millis(280),
        "{:?}",
        t.elapsed()
    );
}

async fn http_upstream() -> SocketAddr {
    let app = axum::Router::new().route("/", axum::routing::any(|| async { "ok" }));
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    addr
}

async fn load_through(listen: SocketAddr, n: u64) -> srehub_model::load::LoadResult {
    let plan = Arc::new(
        srehub_load::plan::build(&srehub_load::plan::LoadOptions {
            url: Some(format!("http://{listen}/")),
            requests: Some(n),
            connections: Some(8),
            ..Default::default()
        })
        .unwrap(),
    );
    let live = srehub_load::runner::Live::new(&plan);
    srehub_load::runner::run(plan, live).await.0
}

/// `srehub load` through the proxy: a 30 % http_error toxic added through the API fails about 30 %
/// of requests on kept-alive connections; http_abort shows as resets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_faults_hit_their_share_of_requests_during_a_load_run() {
    let (api, _) = api().await;
    let listen = proxy_to(&api, "web", http_upstream().await).await;
    let clean = load_through(listen, 200).await;
    assert_eq!(clean.status_codes[&200], 200);
    toxic(
        &api,
        "web",
        json!({"type": "http_error", "toxicity": 0.3, "attributes": {"status": 503}}),
    )
    .await;
    let r = load_through(listen, 2000).await;
    let errors = r.status_codes.get(&503).copied().unwrap_or(0);
    let share = errors as f64 / r.requests as f64;
    assert_eq!(r.requests, 2000);
    assert!(
        (share - 0.3).abs() < 0.05,
        "503 share {share:.3} ({:?})",
        r.status_codes
    );
    assert_eq!(r.status_codes[&200] + errors, 2000, "{r:?}");

    call(
        "DELETE",
        &format!("{api}/proxies/web/toxics/http_error_downstream"),
        None,
    )
    .await;
    toxic(&api, "web", json!({"type": "http_abort", "toxicity": 0.2})).await;
    let r = load_through(listen, 1000).await;
    let resets = r.errors.get("reset").copied().unwrap_or(0);
    let share = resets as f64 / r.requests as f64;
    assert!((share - 0.2).abs() < 0.05, "reset share {share:.3} ({r:?})");
}

/// A toxic added through the API in the middle of an open-model load run: the run's timeline shows
/// the seconds before fast and the seconds after slow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_toxic_added_during_a_load_run_shows_in_its_timeline() {
    let (api, _) = api().await;
    let listen = proxy_to(&api, "web", http_upstream().await).await;
    let plan = Arc::new(
        srehub_load::plan::build(&srehub_load::plan::LoadOptions {
            url: Some(format!("http://{listen}/")),
            rate: Some(50.0),
            duration: Some(Duration::from_secs(3)),
            connections: Some(20),
            ..Default::default()
        })
        .unwrap(),
    );
    let live = srehub_load::runner::Live::new(&plan);
    let run = tokio::spawn(srehub_load::runner::run(plan, live));
    tokio::time::sleep(Duration::from_millis(1200)).await;
    toxic(
        &api,
        "web",
        json!({"type": "latency", "attributes": {"latency": 100}}),
    )
    .await;
    let (r, _) = run.await.unwrap();
    assert_eq!(r.timeline.len(), 3, "{:?}", r.timeline);
    assert!(r.timeline[0].p50_ms < 50.0, "before: {:?}", r.timeline[0]);
    assert!(r.timeline[2].p50_ms >= 95.0, "after: {:?}", r.timeline[2]);
    assert_eq!(r.failed(), 0);
}

/// HTTP faults act on HTTP/1 requests only: other protocols pass through untouched; and a proxy
/// whose upstream changes keeps its address (the old listener is closed before the new one binds).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_faults_leave_other_protocols_alone_and_updates_keep_the_address() {
    let (api, _) = api().await;
    let listen = proxy_to(&api, "p", echo(false).await).await;
    toxic(&api, "p", json!({"type": "http_error", "toxicity": 1.0})).await;
    let (got, _) = round_trip(listen, b"*1\r\n$4\r\nPING\r\n").await;
    assert_eq!(
        got, b"*1\r\n$4\r\nPING\r\n",
        "a Redis command is not an HTTP request"
    );
    let other = echo(false).await;
    let (status, p) = call(
        "POST",
        &format!("{api}/proxies/p"),
        Some(json!({"upstream": other.to_string()})),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["listen"], listen.to_string());
    assert_eq!(p["upstream"], other.to_string());
    let (got, _) = round_trip(listen, b"\x00binary").await;
    assert_eq!(got, b"\x00binary");
}
