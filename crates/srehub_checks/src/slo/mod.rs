//! SLO status checks of `srehub slo report` (group `slo`), over the measured state of each SLO.

mod budget_exhausted;
mod budget_low;
mod burning_fast;
mod no_data;

pub use budget_exhausted::BudgetExhausted;
pub use budget_low::BudgetLow;
pub use burning_fast::BurningFast;
pub use no_data::NoData;
use srehub_core::{Check, CheckMeta, Finding, Resource};
use srehub_slo::status::SloStatus;

/// What every SLO check reads.
pub struct SloInput<'a> {
    pub statuses: &'a [SloStatus],
}

/// A finding about one SLO.
pub fn about(meta: &CheckMeta, s: &SloStatus, message: String) -> Finding {
    Finding::new(meta, message).resource(Resource::new("SLO", &s.id))
}

/// An SLO check.
pub type SloCheck = dyn for<'a> Check<SloInput<'a>>;

pub const CHECKS: &[&SloCheck] = &[&BudgetExhausted, &BurningFast, &BudgetLow, &NoData];

#[cfg(test)]
pub(crate) mod testing {
    use srehub_core::{Check, Finding, Findings};
    use srehub_slo::status::SloStatus;

    use super::SloInput;

    pub fn status(remaining: Option<f64>, burns: [Option<f64>; 4]) -> SloStatus {
        SloStatus {
            id: "api-availability".into(),
            service: "api".into(),
            name: "availability".into(),
            objective: 99.9,
            period: "30d".into(),
            measured: "30d".into(),
            period_hours: 720.0,
            sli: remaining.map(|r| 1.0 - (1.0 - r) * 0.001),
            error_ratio: remaining.map(|r| (1.0 - r) * 0.001),
            budget_remaining: remaining,
            burn_rates: ["1h", "6h", "1d", "3d"]
                .iter()
                .zip(burns)
                .map(|(w, b)| (w.to_string(), b))
                .collect(),
            exhaustion_hours: None,
            errors: vec![],
        }
    }

    pub fn run<C: for<'a> Check<SloInput<'a>>>(check: &C, s: SloStatus) -> Vec<Finding> {
        let statuses = [s];
        let mut out = Findings::default();
        check.run(
            &SloInput {
                statuses: &statuses,
            },
            &mut out,
        );
        out.into_vec()
    }
}
