use srehub_core::{Check, Findings};

use super::{SloInput, about};

srehub_core::declare_check! {
    /// ## What it checks
    /// SLOs whose error budget for the period is spent: the error ratio over the period is at or above
    /// `1 − objective`.
    ///
    /// ## Why it matters
    /// The objective is missed for this period; by the usual error-budget policy, reliability work now
    /// takes precedence over features for this service.
    ///
    /// ## How to fix
    /// Apply the error-budget policy: freeze risky changes, fix the top causes of errors, and revisit
    /// the objective if it is not what users need.
    SLO001 BudgetExhausted { name: "slo-budget-exhausted", severity: Critical, category: Reliability, group: "slo" }
}

impl Check<SloInput<'_>> for BudgetExhausted {
    fn run(&self, input: &SloInput<'_>, out: &mut Findings) {
        for s in input.statuses {
            if let (Some(left), Some(sli)) = (s.budget_remaining, s.sli)
                && left <= 0.0
            {
                out.push(about(
                    &Self::META,
                    s,
                    format!(
                        "{} {}: error budget spent ({:.0} % over): SLI {:.4} % over {} against an objective of {} %",
                        s.service,
                        s.name,
                        -left * 100.0,
                        sli * 100.0,
                        s.measured,
                        s.objective
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
    fn a_spent_budget_is_critical() {
        assert!(run(&BudgetExhausted, status(Some(0.1), [None; 4])).is_empty());
        let f = run(&BudgetExhausted, status(Some(-0.5), [None; 4]));
        assert_eq!(
            f[0].message,
            "api availability: error budget spent (50 % over): SLI 99.8500 % over 30d against an objective of 99.9 %"
        );
    }
}
