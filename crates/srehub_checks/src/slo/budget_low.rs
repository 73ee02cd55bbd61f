use srehub_core::{Check, Findings};

use super::{SloInput, about};

srehub_core::declare_check! {
    /// ## What it checks
    /// SLOs with less than a quarter of their period's error budget left (but not yet spent).
    ///
    /// ## Why it matters
    /// A small remaining budget leaves little room for the next incident or a risky release.
    ///
    /// ## How to fix
    /// Slow down risky changes for this service and work on the largest sources of errors until the
    /// budget recovers.
    SLO003 BudgetLow { name: "slo-budget-low", severity: Warning, category: Reliability, group: "slo" }
}

impl Check<SloInput<'_>> for BudgetLow {
    fn run(&self, input: &SloInput<'_>, out: &mut Findings) {
        for s in input.statuses {
            if let Some(left) = s.budget_remaining
                && left > 0.0
                && left < 0.25
            {
                out.push(about(
                    &Self::META,
                    s,
                    format!(
                        "{} {}: {:.0} % of the error budget left over {}{}",
                        s.service,
                        s.name,
                        left * 100.0,
                        s.measured,
                        s.exhaustion_hours
                            .map(|h| format!("; gone in {h:.0} h at the current pace"))
                            .unwrap_or_default()
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::testing::{run, status};

    #[test]
    fn less_than_a_quarter_left_is_low() {
        assert!(run(&BudgetLow, status(Some(0.5), [None; 4])).is_empty());
        assert!(run(&BudgetLow, status(Some(-0.1), [None; 4])).is_empty());
        let f = run(&BudgetLow, status(Some(0.2), [None; 4]));
        assert_eq!(
            f[0].message,
            "api availability: 20 % of the error budget left over 30d"
        );
    }
}
