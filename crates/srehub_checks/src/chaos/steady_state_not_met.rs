use srehub_core::{Check, Findings};
use srehub_model::chaos::Phase;

use super::ChaosInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Probes that failed before the method ran: the system was not in its steady state, so the
    /// method was not run.
    ///
    /// ## Why it matters
    /// An experiment on a system that is already unhealthy proves nothing and may make things worse.
    ///
    /// ## How to fix
    /// Fix the system (or the probe) first, then run the experiment.
    CHAOS002 SteadyStateNotMet { name: "steady-state-not-met", severity: Critical, category: Reliability, group: "chaos" }
}

impl Check<ChaosInput<'_>> for SteadyStateNotMet {
    fn run(&self, input: &ChaosInput<'_>, out: &mut Findings) {
        for p in input
            .result
            .probes
            .iter()
            .filter(|p| !p.passed && p.phase == Phase::Before)
        {
            out.push(input.about(
                &Self::META,
                &input.result.title,
                format!(
                    "probe `{}` failed before the method, which was not run: {}",
                    p.name, p.detail
                ),
            ));
        }
    }
}
