//! The process-wide Prometheus registry that tools and the server register their metrics into.
//!
//! Metric names are declared once, as constants in [`names`], never as literals scattered in code.

use std::sync::{Mutex, OnceLock};

use prometheus_client::registry::Registry;

/// Metric names used by srehub (without the `srehub_` prefix the registry adds).
pub mod names {
    /// Build information (`srehub_build_info`, always 1) with `version` and `commit` labels; the
    /// client library appends the `_info` suffix of info metrics.
    pub const BUILD_INFO: &str = "build";
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

/// Metrics of a tool that runs repeatedly (`srehub doctor --watch`): the last report's findings by check
/// and severity, its score, when it ran, how long it took, and failed runs.
pub struct ReportMetrics {
    findings: prometheus_client::metrics::family::Family<
        Vec<(String, String)>,
        prometheus_client::metrics::gauge::Gauge,
    >,
    score: prometheus_client::metrics::gauge::Gauge,
    last_run: prometheus_client::metrics::gauge::Gauge,
    duration: prometheus_client::metrics::gauge::Gauge<f64, std::sync::atomic::AtomicU64>,
    errors: prometheus_client::metrics::counter::Counter,
    seen: Mutex<std::collections::BTreeSet<Vec<(String, String)>>>,
}

impl ReportMetrics {
    /// Registers the metrics of `tool` (e.g. `doctor`) in the shared registry.
    pub fn register(tool: &str) -> ReportMetrics {
        let m = ReportMetrics {
            findings: Default::default(),
            score: Default::default(),
            last_run: Default::default(),
            duration: Default::default(),
            errors: Default::default(),
            seen: Mutex::new(Default::default()),
        };
        let mut reg = registry().lock().unwrap_or_else(|e| e.into_inner());
        let sub = reg.sub_registry_with_label(("tool".into(), tool.to_string().into()));
        sub.register(
            names::FINDINGS,
            "Findings of the last run, by check and severity",
            m.findings.clone(),
        );
        sub.register("score", "Score (0-100) of the last run", m.score.clone());
        sub.register(
            names::LAST_RUN_TIMESTAMP_SECONDS,
            "Unix time of the last completed run",
            m.last_run.clone(),
        );
        sub.register(
            names::LAST_RUN_DURATION_SECONDS,
            "Duration of the last run",
            m.duration.clone(),
        );
        sub.register(
            names::RUN_ERRORS,
            "Runs that could not complete",
            m.errors.clone(),
        );
        m
    }

    /// Records a completed run. Series of checks that no longer fire are set to 0, not left stale.
    pub fn observe(&self, report: &crate::Report, duration: std::time::Duration) {
        let mut counts: std::collections::BTreeMap<Vec<(String, String)>, i64> = Default::default();
        for f in &report.findings {
            let key = vec![
                ("check".to_string(), f.check.clone()),
                ("name".to_string(), f.name.clone()),
                ("severity".to_string(), f.severity.as_str().to_string()),
            ];
            *counts.entry(key).or_default() += 1;
        }
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        for key in seen.iter() {
            if !counts.contains_key(key) {
                self.findings.get_or_create(key).set(0);
            }
        }
        for (key, n) in counts {
            self.findings.get_or_create(&key).set(n);
            seen.insert(key);
        }
        if let Some(s) = report.summary.score {
            self.score.set(i64::from(s));
        }
        self.last_run.set(report.generated_at.as_second());
        self.duration.set(duration.as_secs_f64());
    }

    /// Records a run that failed.
    pub fn error(&self) {
        self.errors.inc();
    }
}

/// Registers `srehub_build_info{version,commit} 1`.
pub fn register_build_info(version: &str, commit: &str) {
    let info = prometheus_client::metrics::info::Info::new(vec![
        ("version".to_string(), version.to_string()),
        ("commit".to_string(), commit.to_string()),
    ]);
    registry()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .register(names::BUILD_INFO, "srehub build information", info);
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
