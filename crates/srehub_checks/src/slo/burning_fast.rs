use srehub_core::{Check, Findings, Severity};

use super::{SloInput, about};

srehub_core::declare_check! {
    /// ## What it checks
    /// SLOs burning their error budget fast now, with the SRE Workbook's 30-day factors: 14.4× over 1
    /// hour or 6× over 6 hours (page level, critical), 3× over 1 day or 1× over 3 days (ticket level,
    /// warning).
    ///
    /// ## Why it matters
    /// At 14.4× a 30-day budget is gone in about two days; at 1× exactly at the end of the period.
    ///
    /// ## How to fix
    /// Find what changed when the burn started (deploys, dependencies, traffic) and roll back or
    /// mitigate; the generated burn-rate alerts page on the same conditions.
    SLO002 BurningFast { name: "slo-burning-fast", severity: Warning, category: Reliability, group: "slo" }
}

const LEVELS: [(&str, f64, Severity); 4] = [
    ("1h", 14.4, Severity::Critical),
    ("6h", 6.0, Severity::Critical),
    ("1d", 3.0, Severity::Warning),
    ("3d", 1.0, Severity::Warning),
];

impl Check<SloInput<'_>> for BurningFast {
    fn run(&self, input: &SloInput<'_>, out: &mut Findings) {
        for s in input.statuses {
            let hit = LEVELS.iter().find(|(w, factor, _)| {
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
                        "{} {}: burning its error budget at {b:.1}× over {w} (≥ {factor}×){}",
                        s.service,
                        s.name,
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
