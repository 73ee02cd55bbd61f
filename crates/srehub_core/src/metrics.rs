//! The process-wide Prometheus registry that tools and the server register their metrics into.
//!
//! Metric names are declared once, as constants in [`names`], never as literals scattered in code.

use std::sync::{Mutex, OnceLock};

use prometheus_client::registry::Registry;

/// Metric names used by srehub (without the `srehub_` prefix the registry adds).
pub mod names {
    /// Build information gauge (always 1) with `version` and `commit` labels.
    pub const BUILD_INFO: &str = "build_info";
    /// Findings of the last run, by check and severity.
    pub const FINDINGS: &str = "findings";
    /// Unix time of the last completed run.
    pub const LAST_RUN_TIMESTAMP_SECONDS: &str = "last_run_timestamp_seconds";
    /// Duration of the last run.
    pub const LAST_RUN_DURATION_SECONDS: &str = "last_run_duration_seconds";
    /// Runs that failed to gather their input.
    pub const RUN_ERRORS: &str = "run_errors";
}

static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();

/// The shared registry, with the `srehub` prefix.
pub fn registry() -> &'static Mutex<Registry> {
    REGISTRY.get_or_init(|| Mutex::new(Registry::with_prefix("srehub")))
}

/// Encodes the shared registry in the OpenMetrics text format.
pub fn encode() -> String {
    let mut out = String::new();
    let reg = registry().lock().unwrap_or_else(|e| e.into_inner());
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut out, &reg);
    out
}

#[cfg(test)]
mod tests {
    use prometheus_client::metrics::gauge::Gauge;

    #[test]
    fn registered_metrics_are_encoded_with_prefix() {
        let g: Gauge = Gauge::default();
        g.set(3);
        super::registry()
            .lock()
            .unwrap()
            .register("test_gauge", "A test gauge", g);
        let text = super::encode();
        assert!(text.contains("srehub_test_gauge 3"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }
}
