use srehub_core::{Check, Findings};
use srehub_model::chaos::Phase;

use super::ChaosInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Probes of the steady-state hypothesis that failed during or after the experiment's method,
    /// with what they measured.
    ///
    /// ## Why it matters
    /// The system did not tolerate the fault: users would have seen the deviation (errors, latency,
    /// an unavailable endpoint) had it happened for real.
    ///
    /// ## How to fix
    /// Find the weakness the fault exposed (a single replica, a missing timeout or retry, a PDB that
    /// allows too much, a slow failover) and fix it; run the experiment again to prove it.
    CHAOS001 SteadyStateDeviated { name: "steady-state-deviated", severity: Critical, category: Reliability, group: "chaos" }
}

impl Check<ChaosInput<'_>> for SteadyStateDeviated {
    fn run(&self, input: &ChaosInput<'_>, out: &mut Findings) {
        for p in input
            .result
            .probes
            .iter()
            .filter(|p| !p.passed && p.phase != Phase::Before)
        {
            out.push(input.about(
                &Self::META,
                &input.result.title,
                format!(
                    "probe `{}` failed {} the method: {}",
                    p.name,
                    p.phase.as_str(),
                    p.detail
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use srehub_model::chaos::{ExperimentResult, ProbeResult};

    use super::*;

    #[test]
    fn probes_after_the_method() {
        let r = ExperimentResult {
            title: "t".into(),
            probes: vec![
                ProbeResult {
                    name: "ok".into(),
                    phase: Phase::After,
                    passed: true,
                    detail: String::new(),
                },
                ProbeResult {
                    name: "p99".into(),
                    phase: Phase::After,
                    passed: false,
                    detail: "p99 412 ms".into(),
                },
            ],
            ..Default::default()
        };
        let f = crate::chaos::run(&SteadyStateDeviated, &r);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "probe `p99` failed after the method: p99 412 ms"
        );
    }
}
