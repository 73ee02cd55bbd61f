//! Against a real local HTTP server (axum on 127.0.0.1:0).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode as S};
use axum::response::IntoResponse;
use axum::routing::get;

use super::*;

#[derive(Default)]
struct Counters {
    flaky: AtomicU32,
    limited: AtomicU32,
    down: AtomicU32,
    missing: AtomicU32,
}

async fn server() -> (String, Arc<Counters>) {
    let c = Arc::new(Counters::default());
    let (c1, c2, c3, c4) = (c.clone(), c.clone(), c.clone(), c.clone());
    let app = Router::new()
        .route("/prefix/api/ok", get(|| async { r#"{"a":1}"# }))
        .route(
            "/flaky",
            get(move || async move {
                if c1.flaky.fetch_add(1, Ordering::SeqCst) < 2 {
                    (S::SERVICE_UNAVAILABLE, "try later").into_response()
                } else {
                    r#"{"a":2}"#.into_response()
                }
            }),
        )
        .route(
            "/limited",
            get(move || async move {
                if c2.limited.fetch_add(1, Ordering::SeqCst) == 0 {
                    (S::TOO_MANY_REQUESTS, [("retry-after", "1")], "slow down").into_response()
                } else {
                    "{}".into_response()
                }
            }),
        )
        .route(
            "/down",
            get(move || async move {
                c3.down.fetch_add(1, Ordering::SeqCst);
                (S::INTERNAL_SERVER_ERROR, "boom")
            }),
        )
        .route(
            "/missing",
            get(move || async move {
                c4.missing.fetch_add(1, Ordering::SeqCst);
                (S::NOT_FOUND, "no such thing")
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                "{}"
            }),
        )
        .route(
            "/trace",
            get(|h: HeaderMap| async move {
                h.get("traceparent")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("none")
                    .to_string()
            }),
        )
        .route(
            "/auth",
            get(|h: HeaderMap| async move {
                match h.get("authorization").and_then(|v| v.to_str().ok()) {
                    Some("Bearer s3cret") if h.get("x-scope-orgid").is_some() => {
                        (S::OK, "{}").into_response()
                    }
                    _ => (S::UNAUTHORIZED, "who are you").into_response(),
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), c)
}

fn opts() -> HttpOptions {
    HttpOptions {
        timeout: Duration::from_millis(500),
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(50),
        env_proxy: false,
        ..HttpOptions::default()
    }
}

#[tokio::test]
async fn joins_paths_decodes_json_and_retries_overloaded_servers() {
    let (base, c) = server().await;
    let client = Client::new("test", opts()).unwrap();
    let url = client
        .url(&format!("{base}/prefix/"), "/api/ok", &[("q", "up == 0")])
        .unwrap();
    assert_eq!(url.path(), "/prefix/api/ok");
    assert_eq!(url.query(), Some("q=up+%3D%3D+0"));
    let v: serde_json::Value = client.get_json(url).await.unwrap();
    assert_eq!(v["a"], 1);

    let resp = client
        .send(Request::get(client.url(&base, "flaky", &[]).unwrap()))
        .await
        .unwrap();
    assert_eq!(resp.attempts, 3);
    assert_eq!(c.flaky.load(Ordering::SeqCst), 3);

    // Retry-After: 1 is honoured (capped at 4x backoff_max = 200 ms here).
    let t = std::time::Instant::now();
    let resp = client
        .send(Request::get(client.url(&base, "limited", &[]).unwrap()))
        .await
        .unwrap();
    assert_eq!(resp.attempts, 2);
    assert!(t.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn client_errors_are_not_retried_and_do_not_open_the_breaker() {
    let (base, c) = server().await;
    let client = Client::new(
        "test",
        HttpOptions {
            breaker_failures: 2,
            ..opts()
        },
    )
    .unwrap();
    for _ in 0..5 {
        let e = client
            .send(Request::get(client.url(&base, "missing", &[]).unwrap()))
            .await
            .unwrap_err();
        assert_eq!(e.status(), Some(404));
        assert!(e.to_string().contains("no such thing"), "{e}");
    }
    assert_eq!(c.missing.load(Ordering::SeqCst), 5);
    assert_eq!(client.breaker_state(), BreakerState::Closed);
    // Auth and headers reach the server.
    let e = client
        .send(Request::get(client.url(&base, "auth", &[]).unwrap()))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(401));
    let authed = Client::new(
        "test",
        HttpOptions {
            auth: Auth::Bearer("s3cret".into()),
            headers: vec![("X-Scope-OrgID".into(), "team-a".into())],
            ..opts()
        },
    )
    .unwrap();
    assert!(format!("{:?}", authed.options().auth).contains("***"));
    authed
        .send(Request::get(authed.url(&base, "auth", &[]).unwrap()))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_failing_downstream_opens_the_breaker() {
    let (base, c) = server().await;
    let client = Client::new(
        "prom",
        HttpOptions {
            retries: 1,
            breaker_failures: 2,
            breaker_open_for: Duration::from_secs(60),
            ..opts()
        },
    )
    .unwrap();
    let url = client.url(&base, "down", &[]).unwrap();
    for _ in 0..2 {
        let e = client.send(Request::get(url.clone())).await.unwrap_err();
        assert_eq!(e.status(), Some(500));
    }
    // Two calls of two attempts each reached the server; the third call does not.
    assert_eq!(c.down.load(Ordering::SeqCst), 4);
    let e = client.send(Request::get(url)).await.unwrap_err();
    assert_eq!(e.kind(), "breaker_open");
    assert!(
        e.to_string().starts_with("prom: circuit breaker open"),
        "{e}"
    );
    assert_eq!(c.down.load(Ordering::SeqCst), 4);
    assert_eq!(client.breaker_state(), BreakerState::Open);
}

#[tokio::test]
async fn timeouts_and_refused_connections_are_named() {
    let (base, _) = server().await;
    let client = Client::new(
        "slowpoke",
        HttpOptions {
            timeout: Duration::from_millis(150),
            retries: 1,
            ..opts()
        },
    )
    .unwrap();
    let t = std::time::Instant::now();
    let e = client
        .send(Request::get(client.url(&base, "slow", &[]).unwrap()))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "timeout", "{e}");
    assert!(t.elapsed() < Duration::from_secs(2));

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = client
        .send(Request::get(
            client
                .url(&format!("http://127.0.0.1:{port}"), "x", &[])
                .unwrap(),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "connect", "{e}");
    assert!(e.to_string().contains("slowpoke: cannot connect"), "{e}");

    let e = client.url("ftp://example", "x", &[]).unwrap_err();
    assert_eq!(e.kind(), "bad_url");
    let e = Client::new(
        "x",
        HttpOptions {
            ca_pem: Some(b"not a pem".to_vec()),
            ..opts()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("no PEM certificate"), "{e}");
}

#[test]
fn backoff_grows_with_jitter_and_honours_retry_after() {
    let o = HttpOptions {
        backoff_base: Duration::from_millis(100),
        backoff_max: Duration::from_secs(1),
        ..HttpOptions::default()
    };
    for attempt in 1..10 {
        let d = backoff(&o, attempt, None);
        let step = (100u64 << (attempt - 1)).min(1000);
        assert!(d >= Duration::from_millis(step / 2), "{attempt}: {d:?}");
        assert!(d <= Duration::from_millis(step), "{attempt}: {d:?}");
    }
    assert_eq!(
        backoff(&o, 1, Some(Duration::from_secs(60))),
        Duration::from_secs(4)
    );
}

#[test]
fn credentials_never_show_in_urls() {
    assert_eq!(
        redact("https://u:secret@prom.example/x?q=1"),
        "https://prom.example/x?q=1"
    );
    assert_eq!(redact("http://prom:9090"), "http://prom:9090");
    // Presigned URLs: the signature and credentials are hidden, the rest kept.
    assert_eq!(
        redact("https://b.s3.example/r.json?X-Amz-Credential=AK%2F1&X-Amz-Signature=abc&x=1"),
        "https://b.s3.example/r.json?X-Amz-Credential=redacted&X-Amz-Signature=redacted&x=1"
    );
    assert_eq!(redact("http://h/q?query=up"), "http://h/q?query=up");
    assert_eq!(redact("http://u:p@[bad"), "http://[bad");
}

#[tokio::test]
async fn errors_show_urls_without_credentials() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::new(
        "prom",
        HttpOptions {
            retries: 0,
            ..opts()
        },
    )
    .unwrap();
    let url = client
        .url(
            &format!("http://admin:hunter2@127.0.0.1:{port}"),
            "api",
            &[],
        )
        .unwrap();
    let e = client.send(Request::get(url)).await.unwrap_err();
    assert!(!e.to_string().contains("hunter2"), "{e}");
    let e = client.url("ftp://admin:hunter2@x", "", &[]).unwrap_err();
    assert!(!e.to_string().contains("hunter2"), "{e}");
}

#[tokio::test]
async fn the_trace_context_goes_downstream() {
    let (base, _) = server().await;
    let client = Client::new("test", opts()).unwrap();
    let url = client.url(&base, "trace", &[]).unwrap();
    let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_string();
    let got = TRACEPARENT
        .scope(tp.clone(), client.send(Request::get(url.clone())))
        .await
        .unwrap();
    assert_eq!(String::from_utf8(got.body).unwrap(), tp);
    let none = client.send(Request::get(url)).await.unwrap();
    assert_eq!(String::from_utf8(none.body).unwrap(), "none");
}

#[tokio::test]
async fn errors_never_show_secrets_of_the_url() {
    // A closed port: the connect error's text would carry the URL as sent.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::new(
        "trivy",
        HttpOptions {
            retries: 0,
            ..opts()
        },
    )
    .unwrap();
    let url = format!("http://user:pw@127.0.0.1:{port}/r.json?X-Amz-Signature=topsecret&x=1");
    let e = client
        .send(Request::get(url.parse().unwrap()))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("connect"), "{e}");
    assert!(!e.contains("topsecret") && !e.contains("pw@"), "{e}");
    assert_eq!(client.last_call().last_error.as_deref(), Some(e.as_str()));
}
