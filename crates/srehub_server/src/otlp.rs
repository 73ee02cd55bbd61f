//! OpenTelemetry export of the hub's traces: one server span per request (the span the hub adds to
//! the caller's W3C trace, or the root of a new one), sent in batches to an OTLP/HTTP receiver
//! (`{endpoint}/v1/traces`, the JSON encoding of the OTLP protocol) by a task of its own. Spans are
//! dropped (and counted) rather than slowing requests down when the receiver cannot keep up; the
//! connector has the same timeouts, retries and circuit breaker as every other.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use srehub_http::{Client, HttpOptions, Request};
use tokio::sync::{mpsc, oneshot};

/// Where and how to export.
#[derive(Debug, Clone)]
pub struct OtlpConfig {
    /// The receiver's base URL (`http://otel-collector:4318`); `/v1/traces` is added unless the URL
    /// already ends with it.
    pub endpoint: String,
    /// `service.name` of the resource.
    pub service_name: String,
    /// Extra headers (`OTEL_EXPORTER_OTLP_HEADERS`: `api-key=…,tenant=…`).
    pub headers: Vec<(String, String)>,
    /// Spans per request to the receiver.
    pub batch: usize,
    /// Longest wait before a partial batch is sent.
    pub interval: Duration,
    /// Spans waiting at most; more are dropped.
    pub queue: usize,
}

impl OtlpConfig {
    pub fn new(endpoint: &str) -> OtlpConfig {
        OtlpConfig {
            endpoint: endpoint.to_string(),
            service_name: "srehub".into(),
            headers: Vec::new(),
            batch: 512,
            interval: Duration::from_secs(2),
            queue: 8192,
        }
    }
}

/// One finished request.
#[derive(Debug, Clone)]
pub struct Span {
    pub trace_id: String,
    pub span_id: String,
    /// The caller's span, when it sent a `traceparent`.
    pub parent_span_id: Option<String>,
    /// `GET /api/v1/k8s/{cluster}/{kind}`.
    pub name: String,
    pub start: SystemTime,
    pub duration: Duration,
    pub method: String,
    pub route: String,
    pub status: u16,
    pub request_id: String,
    /// The API key's name (never the key).
    pub key: String,
}

enum Msg {
    Span(Box<Span>),
    Flush(oneshot::Sender<()>),
}

/// The sending side, held by the hub's state.
#[derive(Clone)]
pub struct Exporter {
    tx: mpsc::Sender<Msg>,
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Exporter")
    }
}

/// What the export task reports about itself.
pub trait ExportObserver: Send + Sync + 'static {
    /// A batch was sent (or failed) in `secs`.
    fn sent(&self, spans: usize, ok: bool, secs: f64);
    /// Spans dropped because the queue was full.
    fn dropped(&self, spans: usize);
}

impl Exporter {
    /// Starts the export task (on the current Tokio runtime).
    pub fn start(
        cfg: OtlpConfig,
        http: HttpOptions,
        observer: std::sync::Arc<dyn ExportObserver>,
    ) -> Result<Exporter, String> {
        let client = Client::new("otlp", http).map_err(|e| e.to_string())?;
        let trimmed = cfg.endpoint.trim_end_matches('/');
        let url = if trimmed.ends_with("/v1/traces") {
            trimmed.to_string()
        } else {
            format!("{trimmed}/v1/traces")
        };
        let url: srehub_http::Url = url.parse().map_err(|e| {
            format!(
                "OTLP endpoint `{}`: {e}",
                srehub_http::redact(&cfg.endpoint)
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "OTLP endpoint `{}`: only http and https (OTLP/HTTP) are supported",
                srehub_http::redact(&cfg.endpoint)
            ));
        }
        let (tx, rx) = mpsc::channel(cfg.queue.max(1));
        tokio::spawn(run(cfg, client, url, rx, observer));
        Ok(Exporter { tx })
    }

    /// Queues a span; drops it when the queue is full (the caller is never slowed down).
    pub fn record(&self, span: Span, observer: &dyn ExportObserver) {
        if self.tx.try_send(Msg::Span(Box::new(span))).is_err() {
            observer.dropped(1);
        }
    }

    /// Sends what is queued, waiting at most `within`.
    pub async fn flush(&self, within: Duration) {
        let (tx, rx) = oneshot::channel();
        let _ = tokio::time::timeout(within, async {
            if self.tx.send(Msg::Flush(tx)).await.is_ok() {
                let _ = rx.await;
            }
        })
        .await;
    }
}

async fn run(
    cfg: OtlpConfig,
    client: Client,
    url: srehub_http::Url,
    mut rx: mpsc::Receiver<Msg>,
    observer: std::sync::Arc<dyn ExportObserver>,
) {
    let mut batch: Vec<Span> = Vec::new();
    let mut tick = tokio::time::interval(cfg.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let flush_now = tokio::select! {
            m = rx.recv() => match m {
                Some(Msg::Span(s)) => {
                    batch.push(*s);
                    if batch.len() >= cfg.batch { Some(None) } else { None }
                }
                Some(Msg::Flush(done)) => Some(Some(done)),
                None => {
                    send(&cfg, &client, &url, std::mem::take(&mut batch), &*observer).await;
                    return;
                }
            },
            _ = tick.tick() => (!batch.is_empty()).then_some(None),
        };
        if let Some(done) = flush_now {
            send(&cfg, &client, &url, std::mem::take(&mut batch), &*observer).await;
            if let Some(d) = done {
                let _ = d.send(());
            }
        }
    }
}

async fn send(
    cfg: &OtlpConfig,
    client: &Client,
    url: &srehub_http::Url,
    spans: Vec<Span>,
    observer: &dyn ExportObserver,
) {
    if spans.is_empty() {
        return;
    }
    let n = spans.len();
    let body = serde_json::to_vec(&encode(&cfg.service_name, &spans)).unwrap_or_default();
    let mut req = Request::post(url.clone(), "application/json", body);
    // The receiver deduplicates nothing, but a lost batch is worse than a repeated one.
    req.retry = true;
    for (k, v) in &cfg.headers {
        req = req.header(k, v);
    }
    let started = std::time::Instant::now();
    let r = client.send(req).await;
    if let Err(e) = &r {
        tracing::warn!("OTLP export of {n} spans failed: {e}");
    }
    observer.sent(n, r.is_ok(), started.elapsed().as_secs_f64());
}

fn nanos(t: SystemTime) -> String {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
        .to_string()
}

fn attr(key: &str, value: Value) -> Value {
    let v = match value {
        Value::Number(n) => json!({"intValue": n.to_string()}),
        other => json!({"stringValue": other.as_str().unwrap_or_default()}),
    };
    json!({"key": key, "value": v})
}

/// The OTLP/JSON `ExportTraceServiceRequest` of `spans`.
pub fn encode(service_name: &str, spans: &[Span]) -> Value {
    let spans: Vec<Value> = spans
        .iter()
        .map(|s| {
            let mut o = json!({
                "traceId": s.trace_id,
                "spanId": s.span_id,
                "name": s.name,
                // SPAN_KIND_SERVER
                "kind": 2,
                "startTimeUnixNano": nanos(s.start),
                "endTimeUnixNano": nanos(s.start + s.duration),
                "attributes": [
                    attr("http.request.method", json!(s.method)),
                    attr("http.route", json!(s.route)),
                    attr("http.response.status_code", json!(s.status)),
                    attr("srehub.request_id", json!(s.request_id)),
                    attr("srehub.key", json!(s.key)),
                ],
                // STATUS_CODE_ERROR for server errors, UNSET otherwise (the semantic conventions).
                "status": if s.status >= 500 { json!({"code": 2}) } else { json!({}) },
            });
            if let Some(p) = &s.parent_span_id {
                o["parentSpanId"] = json!(p);
            }
            o
        })
        .collect();
    json!({"resourceSpans": [{
        "resource": {"attributes": [
            attr("service.name", json!(service_name)),
            attr("service.version", json!(env!("CARGO_PKG_VERSION"))),
        ]},
        "scopeSpans": [{
            "scope": {"name": "srehub_server", "version": env!("CARGO_PKG_VERSION")},
            "spans": spans,
        }],
    }]})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_encoded_as_otlp_json() {
        let start = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let s = Span {
            trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".into(),
            span_id: "00f067aa0ba902b7".into(),
            parent_span_id: Some("a3ce929d0e0e4736".into()),
            name: "GET /api/v1/alerts".into(),
            start,
            duration: Duration::from_millis(12),
            method: "GET".into(),
            route: "/api/v1/alerts".into(),
            status: 503,
            request_id: "r1".into(),
            key: "grafana".into(),
        };
        let v = encode("srehub", &[s]);
        let span = &v["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert_eq!(span["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(span["parentSpanId"], "a3ce929d0e0e4736");
        assert_eq!(span["kind"], 2);
        assert_eq!(span["startTimeUnixNano"], "1700000000000000000");
        assert_eq!(span["endTimeUnixNano"], "1700000000012000000");
        assert_eq!(span["status"]["code"], 2);
        assert_eq!(
            span["attributes"][2],
            json!({"key": "http.response.status_code", "value": {"intValue": "503"}})
        );
        assert_eq!(
            v["resourceSpans"][0]["resource"]["attributes"][0]["value"]["stringValue"],
            "srehub"
        );
    }
}
