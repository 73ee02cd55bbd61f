use srehub_core::{Check, Findings, Severity};

use super::{SloInput, about};

srehub_core::declare_check! {
    /// ## What it checks
    /// SLOs burning their error budget fast now, at the SRE Workbook's budget shares: 2 % of the
    /// period's budget in 1 hour or 5 % in 6 hours (page level, critical), 10 % in 1 day or in 3 days
    /// (ticket level, warning). For a 30-day period these are burn rates of 14.4×, 6×, 3× and 1×; other
    /// periods scale (7 days: 3.36×, 1.4×, 0.7×, 0.23×).
    ///
    /// ## Why it matters
    /// At 14.4× a 30-day budget is gone in about two days; at 1× exactly at the end of the period.
    ///
    /// ## How to fix
    /// Find what changed when the burn started (deploys, dependencies, traffic) and roll back or
    /// mitigate; the generated burn-rate alerts page on the same conditions.
    SLO002 BurningFast { name: "slo-burning-fast", severity: Warning, category: Reliability, group: "slo" }
}

/// Window, its length in hours, the share of the period's budget, severity.
const LEVELS: [(&str, f64, f64, Severity); 4] = [
    ("1h", 1.0, 0.02, Severity::Critical),
    ("6h", 6.0, 0.05, Severity::Critical),
    ("1d", 24.0, 0.10, Severity::Warning),
    ("3d", 72.0, 0.10, Severity::Warning),
];

/// `14.4`, `3.36`, `0.233`: three decimals at most, no trailing zeros.
fn trim(v: f64) -> String {
    let t = format!("{v:.3}");
    t.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl Check<SloInput<'_>> for BurningFast {
    fn run(&self, input: &SloInput<'_>, out: &mut Findings) {
        for s in input.statuses {
            let levels =
                LEVELS.map(|(w, hours, share, sev)| (w, share * s.period_hours / hours, sev));
            let hit = levels.iter().find(|(w, factor, _)| {
                s.burn_rates
                    .iter()
                    .any(|(sw, b)| sw == w && b.is_some_and(|b| b >= *factor))
            });
            if let Some((w, factor, sev)) = hit {
                let b = s
                    .burn_rates
                    .iter()
                    .find(|(sw, _)| sw == w)
                    .and_then(|(_, b)| *b)
                    .unwrap_or(0.0);
                let mut f = about(
                    &Self::META,
                    s,
                    format!(
                        "{} {}: burning its error budget at {b:.1}× over {w} (≥ {}×){}",
                        s.service,
                        s.name,
                        trim(*factor),
                        s.exhaustion_hours
                            .map(|h| format!("; at this pace it is gone in {h:.0} h"))
                            .unwrap_or_default()
                    ),
                )
                .severity(*sev);
                if *sev == Severity::Critical {
                    f = f.hint("page level: look at what changed when the burn started");
                }
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::testing::{run, status};

    #[test]
    fn page_and_ticket_levels() {
        assert!(
            run(
                &BurningFast,
                status(Some(0.9), [Some(2.0), Some(1.0), Some(0.5), Some(0.5)])
            )
            .is_empty()
        );
        let f = run(
            &BurningFast,
            status(Some(0.9), [Some(20.0), Some(7.0), None, None]),
        );
        assert_eq!(f[0].severity, Severity::Critical);
        assert_eq!(
            f[0].message,
            "api availability: burning its error budget at 20.0× over 1h (≥ 14.4×)"
        );
        let f = run(
            &BurningFast,
            status(Some(0.9), [Some(2.0), Some(2.0), Some(1.5), Some(1.2)]),
        );
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(f[0].message.contains("1.2× over 3d"), "{}", f[0].message);
    }
}
