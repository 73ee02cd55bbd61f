//! A fake Loki push endpoint for tests: no Loki binary is packaged for Debian, so this receives
//! `POST /loki/api/v1/push` with the JSON body Loki's push API takes, validates it the way Loki does
//! (streams with non-empty labels, `[ "<unix ns>", "<line>" ]` or `[ts, line, {structured metadata}]`
//! values, string-only metadata) and answers 204, or 400 with a reason; it can also fail the first N
//! pushes with 503 to exercise retries.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;

/// One accepted push.
#[derive(Debug, Clone)]
pub struct Push {
    pub tenant: Option<String>,
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    pushes: Mutex<Vec<Push>>,
    fail_first: AtomicU32,
    rejected: AtomicU32,
}

/// A running fake Loki; stops when dropped.
pub struct FakeLoki {
    pub addr: SocketAddr,
    inner: Arc<Inner>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeLoki {
    /// Starts on 127.0.0.1:0; the first `fail_first` pushes get 503.
    pub fn start(fail_first: u32) -> FakeLoki {
        let inner = Arc::new(Inner {
            fail_first: AtomicU32::new(fail_first),
            ..Inner::default()
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let state = inner.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let app = Router::new()
                    .route("/loki/api/v1/push", post(push))
                    .with_state(state);
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await
                    .unwrap();
            });
        });
        FakeLoki {
            addr,
            inner,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The accepted pushes, in order.
    pub fn pushes(&self) -> Vec<Push> {
        self.inner.pushes.lock().unwrap().clone()
    }

    /// Every accepted entry as (stream labels, timestamp, line, metadata).
    pub fn entries(&self) -> Vec<(Value, String, String, Option<Value>)> {
        let mut out = Vec::new();
        for p in self.pushes() {
            for s in p.body["streams"].as_array().unwrap() {
                for v in s["values"].as_array().unwrap() {
                    out.push((
                        s["stream"].clone(),
                        v[0].as_str().unwrap().to_string(),
                        v[1].as_str().unwrap().to_string(),
                        v.get(2).cloned(),
                    ));
                }
            }
        }
        out
    }

    /// Pushes answered with 400.
    pub fn rejected(&self) -> u32 {
        self.inner.rejected.load(Ordering::SeqCst)
    }
}

impl Drop for FakeLoki {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn push(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    if inner
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return (StatusCode::SERVICE_UNAVAILABLE, "ingester not ready".into());
    }
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("application/json") {
        inner.rejected.fetch_add(1, Ordering::SeqCst);
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("unsupported content type {ct}"),
        );
    }
    let body: Value = match serde_json::from_str(&body) {
        Ok(v) => v,
        Err(e) => {
            inner.rejected.fetch_add(1, Ordering::SeqCst);
            return (StatusCode::BAD_REQUEST, format!("loghttp: {e}"));
        }
    };
    if let Err(reason) = validate(&body) {
        inner.rejected.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::BAD_REQUEST, reason);
    }
    let tenant = headers
        .get("x-scope-orgid")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    inner.pushes.lock().unwrap().push(Push { tenant, body });
    (StatusCode::NO_CONTENT, String::new())
}

fn validate(body: &Value) -> Result<(), String> {
    let streams = body["streams"].as_array().ok_or("no streams array")?;
    for s in streams {
        let labels = s["stream"].as_object().ok_or("stream labels missing")?;
        if labels.is_empty() || labels.values().any(|v| !v.is_string()) {
            return Err("error parsing labels: at least one string label is required".into());
        }
        for v in s["values"].as_array().ok_or("values missing")? {
            let v = v.as_array().ok_or("a value is not an array")?;
            if !(2..=3).contains(&v.len()) {
                return Err(format!("a value has {} elements", v.len()));
            }
            let ts = v[0].as_str().ok_or("timestamp is not a string")?;
            if ts.is_empty() || !ts.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("timestamp `{ts}` is not unix nanoseconds"));
            }
            v[1].as_str().ok_or("line is not a string")?;
            if let Some(meta) = v.get(2) {
                let m = meta
                    .as_object()
                    .ok_or("structured metadata is not an object")?;
                if m.values().any(|x| !x.is_string()) {
                    return Err("structured metadata values must be strings".into());
                }
            }
        }
    }
    Ok(())
}
