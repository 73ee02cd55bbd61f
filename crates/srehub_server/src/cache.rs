//! The read-through cache of the hub (moka, in memory): a TTL per route with ±10 % jitter so entries
//! do not expire together, request coalescing (concurrent cold requests for one key cause one load),
//! stale-while-revalidate within `max_stale` (a stale entry is served at once while one refresh runs
//! in the background), and negative caching of downstream errors for a short TTL.

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::error::AppError;
use crate::metrics::Metrics;

/// Cache settings.
#[derive(Debug, Clone)]
pub struct CacheOptions {
    pub max_entries: u64,
    /// How long past its TTL an entry may still be served while it is refreshed.
    pub max_stale: Duration,
    /// TTL of a cached downstream error.
    pub negative_ttl: Duration,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            max_entries: 10_000,
            max_stale: Duration::from_secs(300),
            negative_ttl: Duration::from_secs(10),
        }
    }
}

/// What was loaded for a key.
#[derive(Debug)]
pub struct Entry<V = Value> {
    /// The data, or the error a load ended with (negative caching).
    pub value: Result<Arc<V>, AppError>,
    /// Per source: name, outcome, latency.
    pub sources: Vec<SourceOutcome>,
    pub etag: String,
    pub fetched: Instant,
    pub ttl: Duration,
    /// Answers already rendered from this entry, by the request's parameters: a repeated request is
    /// a copy of bytes, not a new serialization (a few variants, the oldest dropped first).
    pub rendered: std::sync::Mutex<std::collections::VecDeque<(String, axum::body::Bytes)>>,
}

/// Rendered variants kept per entry.
const RENDERED_MAX: usize = 16;

impl<V> Entry<V> {
    /// A rendered answer of this entry for `key`.
    pub fn rendered(&self, key: &str) -> Option<axum::body::Bytes> {
        let r = self
            .rendered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        r.iter().find(|(k, _)| k == key).map(|(_, b)| b.clone())
    }

    /// Keeps a rendered answer for `key`.
    pub fn keep_rendered(&self, key: String, body: axum::body::Bytes) {
        let mut r = self
            .rendered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if r.len() >= RENDERED_MAX {
            r.pop_front();
        }
        r.push_back((key, body));
    }
}

/// How one source answered a load.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SourceOutcome {
    pub name: String,
    /// `ok` or `error`.
    pub status: String,
    pub latency_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl SourceOutcome {
    /// How a call to `name` started at `started` ended.
    pub fn timed<T, E: std::fmt::Display>(
        name: impl Into<String>,
        started: Instant,
        r: &Result<T, E>,
    ) -> SourceOutcome {
        SourceOutcome {
            name: name.into(),
            status: if r.is_ok() { "ok" } else { "error" }.into(),
            latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            error: r.as_ref().err().map(ToString::to_string),
        }
    }
}

/// A load's result before it is stored.
pub struct Loaded<V = Value> {
    pub value: Result<V, AppError>,
    pub sources: Vec<SourceOutcome>,
}

/// Values the cache holds: they name their own ETag, and those that can be shared between
/// replicas (through Redis) say how they are written.
pub trait Cacheable: Send + Sync + 'static + Sized {
    fn etag(&self) -> String;
    fn to_shared(&self) -> Option<Value> {
        None
    }
    fn from_shared(_: Value) -> Option<Self> {
        None
    }
}

impl Cacheable for Value {
    fn etag(&self) -> String {
        digest(&serde_json::to_vec(self).unwrap_or_default())
    }
    fn to_shared(&self) -> Option<Value> {
        Some(self.clone())
    }
    fn from_shared(v: Value) -> Option<Self> {
        Some(v)
    }
}

/// An entry as Redis holds it.
#[derive(serde::Serialize, serde::Deserialize)]
struct Shared {
    value: Value,
    sources: Vec<SourceOutcome>,
    etag: String,
    /// When it was loaded (unix ms) and for how long it is fresh.
    loaded_ms: i64,
    ttl_ms: u64,
}

fn unix_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

fn digest(bytes: &[u8]) -> String {
    format!("\"{}\"", short_hash(bytes, 12))
}

/// The first `n` bytes (at most 32) of the SHA-256 of `bytes`, in hex: cache keys, tags and ids.
pub(crate) fn short_hash(bytes: &[u8], n: usize) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    d.as_ref()[..n.min(32)]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether an answer came from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Hit,
    Miss,
    Stale,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Hit => "hit",
            Status::Miss => "miss",
            Status::Stale => "stale",
        }
    }
}

pub struct Cache<V: Cacheable = Value> {
    inner: moka::future::Cache<String, Arc<Entry<V>>>,
    refreshing: Arc<Mutex<HashSet<String>>>,
    opts: CacheOptions,
    metrics: Arc<Metrics>,
    /// The shared tier (Redis), when configured.
    shared: Option<Arc<crate::redis_tier::RedisTier>>,
}

fn jitter(ttl: Duration) -> Duration {
    ttl.mul_f64(0.9 + 0.2 * fastrand::f64())
}

impl<V: Cacheable> Clone for Cache<V> {
    fn clone(&self) -> Self {
        Cache {
            inner: self.inner.clone(),
            refreshing: self.refreshing.clone(),
            opts: self.opts.clone(),
            metrics: self.metrics.clone(),
            shared: self.shared.clone(),
        }
    }
}

impl<V: Cacheable> Cache<V> {
    pub fn new(opts: CacheOptions, metrics: Arc<Metrics>) -> Cache<V> {
        Cache {
            inner: moka::future::Cache::builder()
                .max_capacity(opts.max_entries)
                // Entries carry their own TTL; this only bounds how long a dead one is kept.
                .time_to_live(Duration::from_secs(3600) + opts.max_stale)
                .build(),
            refreshing: Arc::new(Mutex::new(HashSet::new())),
            opts,
            metrics,
            shared: None,
        }
    }

    /// Shares entries between replicas through Redis.
    pub fn with_shared(mut self, tier: Arc<crate::redis_tier::RedisTier>) -> Cache<V> {
        self.shared = Some(tier);
        self
    }

    pub fn shared(&self) -> Option<&crate::redis_tier::RedisTier> {
        self.shared.as_deref()
    }

    /// A fresh entry another replica stored, if Redis has one.
    async fn read_shared(&self, key: &str) -> Option<Arc<Entry<V>>> {
        let tier = self.shared.as_ref()?;
        let bytes = tier.get(key).await?;
        let s: Shared = serde_json::from_slice(&bytes).ok()?;
        let age = u64::try_from(unix_ms() - s.loaded_ms).ok()?;
        let ttl = Duration::from_millis(s.ttl_ms);
        let age = Duration::from_millis(age);
        if age >= ttl {
            return None;
        }
        Some(Arc::new(Entry {
            value: Ok(Arc::new(V::from_shared(s.value)?)),
            sources: s.sources,
            etag: s.etag,
            fetched: Instant::now().checked_sub(age)?,
            ttl,
            rendered: Default::default(),
        }))
    }

    /// Stores a loaded entry for the other replicas (in the background).
    fn write_shared(&self, key: &str, e: &Entry<V>) {
        let (Some(tier), Ok(v)) = (self.shared.clone(), &e.value) else {
            return;
        };
        let Some(value) = v.to_shared() else {
            return;
        };
        let s = Shared {
            value,
            sources: e.sources.clone(),
            etag: e.etag.clone(),
            loaded_ms: unix_ms() - i64::try_from(e.fetched.elapsed().as_millis()).unwrap_or(0),
            ttl_ms: u64::try_from(e.ttl.as_millis()).unwrap_or(u64::MAX),
        };
        let Ok(bytes) = serde_json::to_vec(&s) else {
            return;
        };
        let keep = e.ttl + self.opts.max_stale;
        let key = key.to_string();
        tokio::spawn(async move { tier.set(&key, bytes, keep).await });
    }

    /// The entry for `key` if one is held, without loading or counting a hit.
    pub async fn peek(&self, key: &str) -> Option<Arc<Entry<V>>> {
        self.inner.get(key).await
    }

    pub fn entry_count(&self) -> u64 {
        self.inner.entry_count()
    }

    async fn load<F, Fut>(&self, ttl: Duration, loader: F) -> Arc<Entry<V>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Loaded<V>>,
    {
        let l = loader().await;
        let ttl = if l.value.is_err() {
            self.opts.negative_ttl
        } else {
            jitter(ttl)
        };
        let value = l.value.map(Arc::new);
        let etag = match &value {
            Ok(v) => v.etag(),
            Err(e) => digest(e.to_string().as_bytes()),
        };
        Arc::new(Entry {
            value,
            sources: l.sources,
            etag,
            fetched: Instant::now(),
            ttl,
            rendered: Default::default(),
        })
    }

    /// The entry for `key`: fresh from the cache, stale (and refreshed in the background), or loaded
    /// now (one load for all concurrent callers of a cold key).
    pub async fn get<F, Fut>(
        &self,
        route: &'static str,
        key: String,
        ttl: Duration,
        loader: F,
    ) -> (Arc<Entry<V>>, Status)
    where
        F: Fn() -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Loaded<V>> + Send + 'static,
    {
        if let Some(e) = self.inner.get(&key).await {
            let age = e.fetched.elapsed();
            if age < e.ttl {
                self.metrics.cache_event("hit", route);
                return (e, Status::Hit);
            }
            if age < e.ttl + self.opts.max_stale && e.value.is_ok() {
                self.metrics.cache_event("stale", route);
                self.refresh(key, ttl, loader);
                return (e, Status::Stale);
            }
            self.inner.invalidate(&key).await;
        }
        let this = self.clone();
        let shared_hit = Arc::new(AtomicBool::new(false));
        let flag = shared_hit.clone();
        let k = key.clone();
        let inner = self.inner.clone();
        // The load runs in a task of its own: a caller that goes away (a client disconnecting, a
        // readiness probe's time limit) does not cancel it, so a slow source still gets loaded
        // once and cached, and the callers coalesced on it get the answer. A load that panics
        // is an error entry, not a lost key.
        let load = async move {
            inner
                .get_with(key, async move {
                    if let Some(e) = this.read_shared(&k).await {
                        flag.store(true, Ordering::Relaxed);
                        return e;
                    }
                    let e = this.load(ttl, loader).await;
                    this.write_shared(&k, &e);
                    e
                })
                .await
        };
        // The request's trace context goes with the load, so its downstream calls carry it.
        let task = match srehub_http::TRACEPARENT.try_with(Clone::clone) {
            Ok(tp) => tokio::spawn(srehub_http::TRACEPARENT.scope(tp, load)),
            Err(_) => tokio::spawn(load),
        };
        let e = match task.await {
            Ok(e) => e,
            Err(err) => Arc::new(Entry {
                value: Err(AppError::Internal(format!("the load failed: {err}"))),
                sources: Vec::new(),
                etag: digest(err.to_string().as_bytes()),
                fetched: Instant::now(),
                ttl: self.opts.negative_ttl,
                rendered: Default::default(),
            }),
        };
        if shared_hit.load(Ordering::Relaxed) {
            self.metrics.cache_event_in("redis", "hit", route);
            (e, Status::Hit)
        } else {
            self.metrics.cache_event("miss", route);
            (e, Status::Miss)
        }
    }

    /// One background refresh per key at a time; the old entry stays until the new one is in.
    fn refresh<F, Fut>(&self, key: String, ttl: Duration, loader: F)
    where
        F: Fn() -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Loaded<V>> + Send + 'static,
    {
        {
            let mut r = self.refreshing.lock().unwrap_or_else(|p| p.into_inner());
            if !r.insert(key.clone()) {
                return;
            }
        }
        let this = self.clone();
        tokio::spawn(async move {
            let e = this.load(ttl, loader).await;
            // A failed refresh keeps serving the stale entry until max_stale runs out.
            if e.value.is_ok() {
                this.write_shared(&key, &e);
                this.inner.insert(key.clone(), e).await;
            }
            this.refreshing
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&key);
        });
    }
}
