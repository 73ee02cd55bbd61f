use srehub_core::{Check, Findings};

use super::LoadInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Thresholds given with `--threshold` or in the scenario's `thresholds:` that the run did not
    /// meet, with the measured value next to the limit.
    ///
    /// ## Why it matters
    /// A threshold is the service's promise under this load (`p99<200ms`, `error_rate<1%`); a run
    /// that breaks it should fail the pipeline that ran it.
    ///
    /// ## How to fix
    /// Find where the time goes (the timeline shows whether it is steady or a stall), fix the
    /// regression, or change the threshold if the promise changed.
    LOAD001 ThresholdViolated { name: "threshold-violated", severity: Critical, category: Reliability, group: "load" }
}

impl Check<LoadInput<'_>> for ThresholdViolated {
    fn run(&self, input: &LoadInput<'_>, out: &mut Findings) {
        for t in input.result.thresholds.iter().filter(|t| !t.passed) {
            let (observed, unit) = match t.metric.as_str() {
                "error_rate" => (format!("{:.2}", t.observed), "%"),
                "rps" => (format!("{:.1}", t.observed), " requests/s"),
                "requests" | "errors" => (format!("{}", t.observed), ""),
                _ if t.observed.is_nan() => ("nothing (no response)".to_string(), ""),
                _ => (format!("{:.2}", t.observed), " ms"),
            };
            out.push(input.about(
                &Self::META,
                format!(
                    "threshold `{}` failed: measured {observed}{unit}",
                    t.expression
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use srehub_model::load::ThresholdResult;

    use super::*;
    use crate::load::testing::{result, run};

    #[test]
    fn only_failed_thresholds_are_findings() {
        let mut r = result();
        r.thresholds = vec![
            ThresholdResult {
                expression: "p99<10ms".into(),
                metric: "p99".into(),
                observed: 20.0,
                limit: 10.0,
                passed: false,
            },
            ThresholdResult {
                expression: "rps>50".into(),
                metric: "rps".into(),
                observed: 100.0,
                limit: 50.0,
                passed: true,
            },
        ];
        let f = run(&ThresholdViolated, &r);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "threshold `p99<10ms` failed: measured 20.00 ms"
        );
    }
}
