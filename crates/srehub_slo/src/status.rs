//! `srehub slo report`: the state of each SLO now, computed from its own SLI queries (so it works
//! whether or not the generated rules are deployed): the error ratio over the period, the budget
//! left, burn rates over the alerting windows and the time until the budget is gone at the current
//! pace. Calendar periods are measured from the start of the current month or week.

use serde::Serialize;

use crate::spec::{Dur, Sli, Slo, WINDOW, WINDOW_SPACED};

/// The error-ratio query of an SLO over a window (`[30d]`, `[1h]`).
pub fn error_ratio_expr(slo: &Slo, window: Dur) -> String {
    let w = |q: &str| {
        q.replace(WINDOW, &window.to_string())
            .replace(WINDOW_SPACED, &window.to_string())
    };
    match &slo.sli {
        Sli::Events { error, total } => format!("({}) / ({})", w(error), w(total)),
        Sli::Good { good, total } => format!("1 - (({}) / ({}))", w(good), w(total)),
        Sli::Raw { error_ratio } => format!("({})", w(error_ratio)),
    }
}

/// Windows whose burn rate is reported.
pub const BURN_WINDOWS: [Dur; 4] = [Dur(3600), Dur(6 * 3600), Dur(86_400), Dur(3 * 86_400)];

/// One SLO now.
#[derive(Debug, Clone, Serialize)]
pub struct SloStatus {
    pub id: String,
    pub service: String,
    pub name: String,
    /// Percent.
    pub objective: f64,
    /// `30d` (rolling) or `calendar month since 2026-11-01` …
    pub period: String,
    /// How much of the period the measurement covers (calendar periods: the part elapsed).
    pub measured: String,
    /// SLI over the period (1 − error ratio), when there was traffic.
    pub sli: Option<f64>,
    pub error_ratio: Option<f64>,
    /// Share of the period's error budget left (negative when overspent).
    pub budget_remaining: Option<f64>,
    /// Error ratio ÷ budget over 1h, 6h, 1d, 3d.
    pub burn_rates: Vec<(String, Option<f64>)>,
    /// Hours until the budget is gone at the 1h burn rate (the 6h one when 1h has no data).
    pub exhaustion_hours: Option<f64>,
    /// Queries that failed.
    pub errors: Vec<String>,
}

/// Builds the status from the measured ratios.
pub fn status(
    slo: &Slo,
    period: String,
    measured: Dur,
    period_ratio: Option<f64>,
    burns: &[(Dur, Option<f64>)],
    errors: Vec<String>,
) -> SloStatus {
    let budget = slo.budget().to_f64();
    let ok = |v: Option<f64>| v.filter(|x| x.is_finite());
    let error_ratio = ok(period_ratio);
    let budget_remaining = error_ratio.map(|r| 1.0 - r / budget);
    let burn_rates: Vec<(String, Option<f64>)> = burns
        .iter()
        .map(|(w, r)| (w.to_string(), ok(*r).map(|r| r / budget)))
        .collect();
    let pace = burn_rates.iter().find_map(|(_, b)| *b).filter(|b| *b > 0.0);
    let full = slo.window.rolling_equivalent().secs() as f64 / 3600.0;
    let exhaustion_hours = match (budget_remaining, pace) {
        (Some(left), _) if left <= 0.0 => Some(0.0),
        (Some(left), Some(b)) => Some(left * full / b),
        _ => None,
    };
    SloStatus {
        id: slo.id.clone(),
        service: slo.service.clone(),
        name: slo.name.clone(),
        objective: slo.objective.to_f64(),
        period,
        measured: measured.to_string(),
        sli: error_ratio.map(|r| 1.0 - r),
        error_ratio,
        budget_remaining,
        burn_rates,
        exhaustion_hours,
        errors,
    }
}
