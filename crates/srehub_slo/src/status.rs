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
    /// Length of the period in hours (calendar months count 30 days, weeks 7).
    pub period_hours: f64,
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
    let full = slo.window.rolling_equivalent().secs() as f64 / 3600.0;
    // A calendar period measured so far has spent the errors of its elapsed part only: the budget
    // is that of the whole period.
    let elapsed = (measured.secs() as f64 / 3600.0 / full).min(1.0);
    let budget_remaining = error_ratio.map(|r| 1.0 - r / budget * elapsed);
    let burn_rates: Vec<(String, Option<f64>)> = burns
        .iter()
        .map(|(w, r)| (w.to_string(), ok(*r).map(|r| r / budget)))
        .collect();
    let pace = burn_rates.iter().find_map(|(_, b)| *b).filter(|b| *b > 0.0);
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
        period_hours: full,
        sli: error_ratio.map(|r| 1.0 - r),
        error_ratio,
        budget_remaining,
        burn_rates,
        exhaustion_hours,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Alerting, CalendarUnit, Window};

    fn slo(window: Window) -> Slo {
        Slo {
            file: String::new(),
            pos: Default::default(),
            service: "api".into(),
            name: "availability".into(),
            id: "api-availability".into(),
            description: None,
            objective: crate::ratio::Ratio::parse("99.9").unwrap(),
            labels: Default::default(),
            sli: Sli::Raw {
                error_ratio: "x".into(),
            },
            window,
            alerting: Alerting::None,
        }
    }

    #[test]
    fn a_month_measured_so_far_spends_only_its_elapsed_share() {
        let cal = slo(Window::Calendar {
            unit: CalendarUnit::Month,
            time_zone: None,
        });
        // Day 2 of the month at 0.2 % errors: 2/30 of twice the budget is spent.
        let s = status(
            &cal,
            "calendar month".into(),
            Dur::days(2),
            Some(0.002),
            &[],
            vec![],
        );
        let left = s.budget_remaining.unwrap();
        assert!((left - (1.0 - 2.0 * 2.0 / 30.0)).abs() < 1e-9, "{left}");
        let rolling = slo(Window::Rolling(Dur::days(30)));
        let s = status(
            &rolling,
            "30d".into(),
            Dur::days(30),
            Some(0.002),
            &[(Dur(3600), Some(0.002))],
            vec![],
        );
        assert!((s.budget_remaining.unwrap() + 1.0).abs() < 1e-9);
        assert_eq!(s.exhaustion_hours, Some(0.0));
        assert_eq!(s.period_hours, 720.0);
    }
}
