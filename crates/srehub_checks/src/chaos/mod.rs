//! Checks of a `srehub chaos run` experiment (group `chaos`): the steady state deviated, was not met
//! before the method, an action or a rollback failed.

mod action_failed;
mod rollback_failed;
mod steady_state_deviated;
mod steady_state_not_met;

pub use action_failed::ActionFailed;
pub use rollback_failed::RollbackFailed;
use srehub_core::{Check, CheckMeta, Finding, Resource};
use srehub_model::chaos::ExperimentResult;
pub use steady_state_deviated::SteadyStateDeviated;
pub use steady_state_not_met::SteadyStateNotMet;

/// What every chaos check reads.
pub struct ChaosInput<'a> {
    pub result: &'a ExperimentResult,
}

impl ChaosInput<'_> {
    pub fn about(&self, meta: &CheckMeta, what: &str, message: String) -> Finding {
        Finding::new(meta, message).resource(Resource::new("Experiment", what))
    }
}

pub type ChaosCheck = dyn for<'a> Check<ChaosInput<'a>>;

pub const CHECKS: &[&ChaosCheck] = &[
    &SteadyStateDeviated,
    &SteadyStateNotMet,
    &ActionFailed,
    &RollbackFailed,
];

#[cfg(test)]
pub(crate) fn run<C: for<'a> Check<ChaosInput<'a>>>(c: &C, r: &ExperimentResult) -> Vec<Finding> {
    let mut out = srehub_core::Findings::default();
    c.run(&ChaosInput { result: r }, &mut out);
    out.into_vec()
}
