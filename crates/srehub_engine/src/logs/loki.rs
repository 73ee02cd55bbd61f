//! `--push-loki URL`: sends records to Loki's push API (`POST /loki/api/v1/push`, JSON), batched by
//! size and age, from a thread of its own so that reading never waits on the network unless Loki falls
//! behind (then the bounded queue holds the reader back instead of growing or dropping lines).
//! Failed pushes are retried with backoff (Loki deduplicates identical entries); a batch still failing
//! after the retries is counted as lost and reported, never silently.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use srehub_http::{Client, HttpError, HttpOptions, Request};

use crate::Error;

/// Where and how to push.
#[derive(Debug, Clone)]
pub struct LokiOptions {
    /// Loki's base URL (`http://loki:3100`) or the full push URL.
    pub url: String,
    /// Labels of every stream (keep them few and low-cardinality); `source` (the input's name) is
    /// added per input.
    pub labels: Vec<(String, String)>,
    /// `X-Scope-OrgID` for multi-tenant Loki.
    pub tenant: Option<String>,
    pub http: HttpOptions,
    /// A batch is sent when it reaches this many bytes of log lines...
    pub batch_bytes: usize,
    /// ...or when its oldest entry has waited this long.
    pub batch_wait: Duration,
    /// How long a batch waits for an open circuit breaker before it is counted as lost.
    pub max_wait: Duration,
}

impl LokiOptions {
    pub fn new(url: &str) -> LokiOptions {
        LokiOptions {
            url: url.to_string(),
            labels: vec![("job".into(), "srehub".into())],
            tenant: None,
            http: HttpOptions {
                retries: 5,
                backoff_base: Duration::from_millis(500),
                backoff_max: Duration::from_secs(10),
                max_concurrency: 1,
                ..HttpOptions::default()
            },
            batch_bytes: 1 << 20,
            batch_wait: Duration::from_secs(1),
            max_wait: Duration::from_secs(30),
        }
    }
}

/// One log entry.
#[derive(Debug, Clone)]
pub struct LokiEntry {
    /// The input it came from (the `source` label).
    pub source: Arc<str>,
    /// Nanoseconds since the epoch.
    pub ts_ns: i128,
    pub line: String,
    /// Structured metadata (Loki 2.9+ with `allow_structured_metadata`): template id, level, trace id.
    pub metadata: Vec<(&'static str, String)>,
}

/// What the pusher did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PushStats {
    pub entries_sent: u64,
    pub batches_sent: u64,
    pub entries_lost: u64,
    pub batches_lost: u64,
    pub last_error: Option<String>,
}

/// A running pusher; [`LokiPusher::finish`] sends what is left and returns the counts.
pub struct LokiPusher {
    tx: Option<tokio::sync::mpsc::Sender<LokiEntry>>,
    thread: Option<std::thread::JoinHandle<PushStats>>,
}

impl LokiPusher {
    pub fn start(opts: LokiOptions) -> Result<LokiPusher, Error> {
        let client =
            Client::new("loki", opts.http.clone()).map_err(|e| Error::Logs(e.to_string()))?;
        let url = if opts
            .url
            .trim_end_matches('/')
            .ends_with("/loki/api/v1/push")
        {
            client.url(&opts.url, "", &[])
        } else {
            client.url(&opts.url, "loki/api/v1/push", &[])
        }
        .map_err(|e| Error::Logs(format!("--push-loki: {e}")))?;
        let url = srehub_http::Url::parse(url.as_str().trim_end_matches('/'))
            .map_err(|e| Error::Logs(format!("--push-loki: {e}")))?;
        let (tx, rx) = tokio::sync::mpsc::channel::<LokiEntry>(16 * 1024);
        let thread = std::thread::Builder::new()
            .name("loki-push".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        return PushStats {
                            last_error: Some(format!("cannot start the push runtime: {e}")),
                            ..PushStats::default()
                        };
                    }
                };
                rt.block_on(run(client, url, opts, rx))
            })
            .map_err(|e| Error::Logs(format!("cannot start the Loki pusher: {e}")))?;
        Ok(LokiPusher {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Queues one entry; waits while the queue is full (Loki is slower than the input). Call it from
    /// a plain thread, not from async code.
    pub fn push(&self, entry: LokiEntry) -> Result<(), Error> {
        match &self.tx {
            Some(tx) => tx
                .blocking_send(entry)
                .map_err(|_| Error::Logs("the Loki pusher has stopped".into())),
            None => Err(Error::Logs("the Loki pusher has stopped".into())),
        }
    }

    /// Sends the last batch and returns what was sent and lost.
    pub fn finish(mut self) -> PushStats {
        self.tx.take();
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_else(|| PushStats {
                last_error: Some("the Loki pusher panicked".into()),
                ..PushStats::default()
            })
    }
}

impl Drop for LokiPusher {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[derive(Default)]
struct Batch {
    streams: BTreeMap<Arc<str>, Vec<Value>>,
    entries: u64,
    bytes: usize,
    since: Option<Instant>,
}

async fn run(
    client: Client,
    url: srehub_http::Url,
    opts: LokiOptions,
    mut rx: tokio::sync::mpsc::Receiver<LokiEntry>,
) -> PushStats {
    let mut stats = PushStats::default();
    let mut batch = Batch::default();
    loop {
        let wait = match batch.since {
            Some(t) => opts.batch_wait.saturating_sub(t.elapsed()),
            None => opts.batch_wait,
        };
        let done = match tokio::time::timeout(wait, rx.recv()).await {
            Ok(Some(e)) => {
                batch.bytes += e.line.len() + 32;
                batch.entries += 1;
                batch.since.get_or_insert_with(Instant::now);
                let mut value = vec![Value::String(e.ts_ns.to_string()), Value::String(e.line)];
                if !e.metadata.is_empty() {
                    let meta: serde_json::Map<String, Value> = e
                        .metadata
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), Value::String(v)))
                        .collect();
                    value.push(Value::Object(meta));
                }
                batch
                    .streams
                    .entry(e.source)
                    .or_default()
                    .push(Value::Array(value));
                false
            }
            Err(_elapsed) => false,
            Ok(None) => true,
        };
        let due = batch.bytes >= opts.batch_bytes
            || batch.since.is_some_and(|t| t.elapsed() >= opts.batch_wait);
        if batch.entries > 0 && (due || done) {
            send(
                &client,
                &url,
                &opts,
                std::mem::take(&mut batch),
                &mut stats,
                done,
            )
            .await;
        }
        if done {
            return stats;
        }
    }
}

async fn send(
    client: &Client,
    url: &srehub_http::Url,
    opts: &LokiOptions,
    batch: Batch,
    stats: &mut PushStats,
    closing: bool,
) {
    let streams: Vec<Value> = batch
        .streams
        .into_iter()
        .map(|(source, values)| {
            let mut labels: serde_json::Map<String, Value> = opts
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            labels.insert("source".into(), Value::String(source.to_string()));
            json!({ "stream": labels, "values": values })
        })
        .collect();
    let body = match serde_json::to_vec(&json!({ "streams": streams })) {
        Ok(b) => b,
        Err(e) => {
            stats.batches_lost += 1;
            stats.entries_lost += batch.entries;
            stats.last_error = Some(e.to_string());
            return;
        }
    };
    let started = Instant::now();
    loop {
        let mut req = Request::post(url.clone(), "application/json", body.clone()).retry(true);
        if let Some(t) = &opts.tenant {
            req = req.header("X-Scope-OrgID", t);
        }
        match client.send(req).await {
            Ok(_) => {
                stats.batches_sent += 1;
                stats.entries_sent += batch.entries;
                return;
            }
            // While running, an open breaker holds the batch (and, through the bounded queue, the
            // input); when closing, nobody waits for Loki to come back.
            Err(HttpError::BreakerOpen { retry_after, .. })
                if !closing && started.elapsed() + retry_after <= opts.max_wait =>
            {
                tokio::time::sleep(retry_after).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, entries = batch.entries, "a Loki push failed");
                stats.batches_lost += 1;
                stats.entries_lost += batch.entries;
                stats.last_error = Some(e.to_string());
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use srehub_test_support::fake_loki::FakeLoki;

    use super::*;

    fn fast(url: &str) -> LokiOptions {
        let mut o = LokiOptions::new(url);
        o.http.backoff_base = Duration::from_millis(10);
        o.http.backoff_max = Duration::from_millis(50);
        o.http.env_proxy = false;
        o.batch_bytes = 16 << 10;
        o.batch_wait = Duration::from_millis(100);
        o
    }

    fn entry(source: &Arc<str>, i: usize) -> LokiEntry {
        LokiEntry {
            source: source.clone(),
            ts_ns: 1_700_000_000_000_000_000 + i as i128,
            line: format!(r#"{{"message":"request {i} done"}}"#),
            metadata: vec![
                ("template_id", "T0000002a".into()),
                ("level", "info".into()),
            ],
        }
    }

    #[test]
    fn every_entry_arrives_in_batches_despite_a_loki_that_starts_late() {
        // A local fake Loki (no Loki binary is packaged here); its first two pushes fail with 503.
        let loki = FakeLoki::start(2);
        let mut o = fast(&format!("{}/", loki.url()));
        o.tenant = Some("team-a".into());
        let pusher = LokiPusher::start(o).unwrap();
        let (a, b): (Arc<str>, Arc<str>) = ("a.log".into(), "b.log".into());
        for i in 0..2500 {
            pusher
                .push(entry(if i % 2 == 0 { &a } else { &b }, i))
                .unwrap();
        }
        let stats = pusher.finish();
        assert_eq!(stats.entries_sent, 2500, "{stats:?}");
        assert_eq!(stats.entries_lost, 0);
        assert!(stats.batches_sent > 2, "{stats:?}");
        let entries = loki.entries();
        assert_eq!(entries.len(), 2500);
        assert_eq!(loki.rejected(), 0);
        let (labels, ts, line, meta) = &entries[0];
        assert_eq!(labels["job"], "srehub");
        assert!(labels["source"] == "a.log" || labels["source"] == "b.log");
        assert!(ts.starts_with("17000000000000000"));
        assert!(line.contains("request"));
        assert_eq!(meta.as_ref().unwrap()["template_id"], "T0000002a");
        assert!(
            loki.pushes()
                .iter()
                .all(|p| p.tenant.as_deref() == Some("team-a"))
        );
        // The full push URL works as well as the base URL.
        let pusher = LokiPusher::start(fast(&format!("{}/loki/api/v1/push", loki.url()))).unwrap();
        pusher.push(entry(&a, 1)).unwrap();
        assert_eq!(pusher.finish().entries_sent, 1);
    }

    #[test]
    fn an_unreachable_loki_loses_batches_loudly() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut o = fast(&format!("http://127.0.0.1:{port}"));
        o.http.retries = 1;
        o.max_wait = Duration::ZERO;
        let pusher = LokiPusher::start(o).unwrap();
        let src: Arc<str> = "x".into();
        for i in 0..10 {
            pusher.push(entry(&src, i)).unwrap();
        }
        let stats = pusher.finish();
        assert_eq!(stats.entries_sent, 0);
        assert_eq!(stats.entries_lost, 10);
        let err = stats.last_error.unwrap();
        assert!(err.starts_with("loki: cannot connect"), "{err}");
        assert!(LokiPusher::start(LokiOptions::new("ftp://x")).is_err());
    }
}
