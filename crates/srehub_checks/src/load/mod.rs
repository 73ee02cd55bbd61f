//! Checks of a `srehub load` run (group `load`): violated thresholds, requests without a response,
//! server and client error statuses, and an open model whose connections could not keep up.

mod client_errors;
mod request_errors;
mod saturated_connections;
mod server_errors;
mod threshold_violated;

pub use client_errors::ClientErrors;
pub use request_errors::RequestErrors;
pub use saturated_connections::SaturatedConnections;
pub use server_errors::ServerErrors;
use srehub_core::{Check, CheckMeta, Finding, Resource};
use srehub_model::load::LoadResult;
pub use threshold_violated::ThresholdViolated;

/// What every load check reads.
pub struct LoadInput<'a> {
    pub result: &'a LoadResult,
}

impl LoadInput<'_> {
    /// A finding about the run's target.
    pub fn about(&self, meta: &CheckMeta, message: String) -> Finding {
        Finding::new(meta, message).resource(Resource::new("Target", &self.result.target))
    }
}

/// `12.5%` with one decimal, `0.03%` for small shares.
pub fn percent(part: u64, whole: u64) -> String {
    let p = if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    };
    if p >= 1.0 || p == 0.0 {
        format!("{p:.1}%")
    } else {
        format!("{p:.2}%")
    }
}

pub type LoadCheck = dyn for<'a> Check<LoadInput<'a>>;

pub const CHECKS: &[&LoadCheck] = &[
    &ThresholdViolated,
    &RequestErrors,
    &ServerErrors,
    &ClientErrors,
    &SaturatedConnections,
];

#[cfg(test)]
pub(crate) mod testing {
    use srehub_core::{Check, Finding, Findings};
    use srehub_model::load::{LatencySummary, LoadModel, LoadResult};

    use super::LoadInput;

    pub fn result() -> LoadResult {
        LoadResult {
            schema: srehub_model::load::LOAD_SCHEMA.into(),
            target: "http://127.0.0.1:8080/".into(),
            model: LoadModel::Closed,
            connections: 10,
            rate: None,
            started_at: 0.0,
            requests: 1000,
            duration_s: 10.0,
            requests_per_second: 100.0,
            latency_ms: LatencySummary {
                p50: 5.0,
                p99: 20.0,
                max: 30.0,
                ..Default::default()
            },
            latency_uncorrected_ms: None,
            status_codes: [(200, 1000)].into_iter().collect(),
            errors: Default::default(),
            error_rate: 0.0,
            bytes_received: 0,
            bytes_sent: 0,
            late_starts: 0,
            unfinished: 0,
            by_request: Default::default(),
            timeline: Vec::new(),
            thresholds: Vec::new(),
            workers: 1,
        }
    }

    pub fn run<C: for<'a> Check<LoadInput<'a>>>(check: &C, r: &LoadResult) -> Vec<Finding> {
        let mut out = Findings::default();
        check.run(&LoadInput { result: r }, &mut out);
        out.into_vec()
    }
}
