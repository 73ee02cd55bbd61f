//! Live Prometheus metrics of a run (`srehub load --metrics-addr`), in srehub's shared registry: a
//! scraper sees the load's progress while it runs, beside the target's own metrics.

use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;

use crate::runner::Live;

/// Metric names (the registry adds the `srehub_` prefix; counters get `_total`).
pub mod names {
    pub const REQUESTS: &str = "load_requests";
    pub const ERRORS: &str = "load_errors";
    pub const BYTES_RECEIVED: &str = "load_received_bytes";
    pub const IN_FLIGHT: &str = "load_in_flight_requests";
    pub const LATENCY: &str = "load_latency_seconds";
}

/// The registered metrics; [`LiveMetrics::update`] copies a run's live counters into them.
pub struct LiveMetrics {
    requests: Counter,
    errors: Counter,
    bytes: Counter,
    in_flight: Gauge,
    latency: Family<Vec<(String, String)>, Gauge<f64, AtomicU64>>,
    seen: [AtomicU64; 3],
}

impl LiveMetrics {
    /// Registers the metrics in srehub's shared registry.
    pub fn register() -> LiveMetrics {
        let m = LiveMetrics {
            requests: Counter::default(),
            errors: Counter::default(),
            bytes: Counter::default(),
            in_flight: Gauge::default(),
            latency: Family::default(),
            seen: Default::default(),
        };
        let mut reg = srehub_core::metrics::registry()
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        reg.register(
            names::REQUESTS,
            "Requests completed (answered or failed)",
            m.requests.clone(),
        );
        reg.register(
            names::ERRORS,
            "Requests that failed or answered 5xx",
            m.errors.clone(),
        );
        reg.register(
            names::BYTES_RECEIVED,
            "Response body bytes received",
            m.bytes.clone(),
        );
        reg.register(
            names::IN_FLIGHT,
            "Requests in flight now",
            m.in_flight.clone(),
        );
        reg.register(
            names::LATENCY,
            "Latency of the last complete second, by quantile (corrected in the open model)",
            m.latency.clone(),
        );
        m
    }

    /// Copies the live state (call about once a second).
    pub fn update(&self, live: &Live) {
        let inc = |c: &Counter, seen: &AtomicU64, now: u64| {
            let before = seen.swap(now, Ordering::Relaxed);
            c.inc_by(now.saturating_sub(before));
        };
        inc(
            &self.requests,
            &self.seen[0],
            live.requests.load(Ordering::Relaxed),
        );
        inc(
            &self.errors,
            &self.seen[1],
            live.errors.load(Ordering::Relaxed),
        );
        inc(
            &self.bytes,
            &self.seen[2],
            live.bytes_received.load(Ordering::Relaxed),
        );
        self.in_flight
            .set(i64::try_from(live.in_flight.load(Ordering::Relaxed)).unwrap_or(i64::MAX));
        if let Some((_, _, p50, p99)) = live.last_second() {
            for (q, v) in [("0.5", p50), ("0.99", p99)] {
                self.latency
                    .get_or_create(&vec![("quantile".to_string(), q.to_string())])
                    .set(v / 1000.0);
            }
        }
    }
}
