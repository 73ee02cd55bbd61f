//! The hub's own metrics (`/metrics`, OpenMetrics text): requests by route, method and status with a
//! latency histogram, cache hits, misses and stale answers by route, downstream calls by connector and
//! outcome with their latency, breaker state by connector, and build info.

use std::sync::Mutex;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CacheLabels {
    pub cache: String,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DownstreamLabels {
    pub connector: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ConnectorLabels {
    pub connector: String,
}

fn latency_buckets() -> impl Iterator<Item = f64> {
    [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ]
    .into_iter()
}

pub struct Metrics {
    registry: Mutex<Registry>,
    pub requests: Family<RequestLabels, Counter>,
    pub duration: Family<RouteLabels, Histogram>,
    pub cache_hits: Family<CacheLabels, Counter>,
    pub cache_misses: Family<CacheLabels, Counter>,
    pub cache_stale: Family<CacheLabels, Counter>,
    pub downstream: Family<DownstreamLabels, Counter>,
    pub downstream_duration: Family<DownstreamLabels, Histogram>,
    pub breaker: Family<ConnectorLabels, Gauge>,
    /// 1 while a cache backend answers (`redis`).
    pub backend_up: Family<BackendLabels, Gauge>,
    /// Spans the OTLP exporter dropped (its queue was full).
    pub otlp_dropped: Counter,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BackendLabels {
    pub backend: String,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut r = Registry::with_prefix("srehub");
        let m = Metrics {
            registry: Mutex::new(Registry::default()),
            requests: Family::default(),
            duration: Family::new_with_constructor(|| Histogram::new(latency_buckets())),
            cache_hits: Family::default(),
            cache_misses: Family::default(),
            cache_stale: Family::default(),
            downstream: Family::default(),
            downstream_duration: Family::new_with_constructor(|| Histogram::new(latency_buckets())),
            breaker: Family::default(),
            backend_up: Family::default(),
            otlp_dropped: Counter::default(),
        };
        r.register(
            "api_requests",
            "API requests by route, method and status",
            m.requests.clone(),
        );
        r.register(
            "api_request_duration_seconds",
            "API request latency by route",
            m.duration.clone(),
        );
        r.register(
            "cache_hits",
            "Answers from a fresh cache entry",
            m.cache_hits.clone(),
        );
        r.register(
            "cache_misses",
            "Answers that needed a load",
            m.cache_misses.clone(),
        );
        r.register(
            "cache_stale_served",
            "Stale entries served while refreshed",
            m.cache_stale.clone(),
        );
        r.register(
            "downstream_requests",
            "Calls to connectors by outcome",
            m.downstream.clone(),
        );
        r.register(
            "downstream_request_duration_seconds",
            "Connector call latency by outcome",
            m.downstream_duration.clone(),
        );
        r.register(
            "circuit_breaker_state",
            "Breaker per connector: 0 closed, 1 open, 2 half-open",
            m.breaker.clone(),
        );
        r.register(
            "cache_backend_up",
            "1 while the shared cache backend answers",
            m.backend_up.clone(),
        );
        r.register(
            "otlp_spans_dropped",
            "Spans the OTLP exporter dropped because its queue was full",
            m.otlp_dropped.clone(),
        );
        r.register(
            "build",
            "srehub build information",
            Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]),
        );
        *m.registry.lock().unwrap_or_else(|p| p.into_inner()) = r;
        m
    }

    pub fn cache_event(&self, kind: &str, route: &str) {
        self.cache_event_in("memory", kind, route);
    }

    pub fn cache_event_in(&self, cache: &str, kind: &str, route: &str) {
        let l = CacheLabels {
            cache: cache.into(),
            route: route.into(),
        };
        match kind {
            "hit" => self.cache_hits.get_or_create(&l).inc(),
            "stale" => self.cache_stale.get_or_create(&l).inc(),
            _ => self.cache_misses.get_or_create(&l).inc(),
        };
    }

    pub fn downstream_call(&self, connector: &str, ok: bool, secs: f64) {
        let l = DownstreamLabels {
            connector: connector.into(),
            outcome: if ok { "ok" } else { "error" }.into(),
        };
        self.downstream.get_or_create(&l).inc();
        self.downstream_duration.get_or_create(&l).observe(secs);
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        let r = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        let _ = prometheus_client::encoding::text::encode(&mut out, &r);
        out
    }
}

impl crate::otlp::ExportObserver for Metrics {
    fn sent(&self, _spans: usize, ok: bool, secs: f64) {
        self.downstream_call("otlp", ok, secs);
    }

    fn dropped(&self, spans: usize) {
        self.otlp_dropped.inc_by(spans as u64);
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
