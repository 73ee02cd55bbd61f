use srehub_core::{Check, Findings};

use super::ChaosInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Rollbacks that failed: a toxic still in a proxy, a NetworkPolicy not deleted, a node still
    /// cordoned.
    ///
    /// ## Why it matters
    /// The fault is still there after the experiment ended.
    ///
    /// ## How to fix
    /// Undo it by hand now (the message says what), then find out why the rollback failed.
    CHAOS004 RollbackFailed { name: "rollback-failed", severity: Critical, category: Reliability, group: "chaos" }
}

impl Check<ChaosInput<'_>> for RollbackFailed {
    fn run(&self, input: &ChaosInput<'_>, out: &mut Findings) {
        for a in input.result.rollbacks.iter().filter(|a| !a.ok) {
            out.push(input.about(
                &Self::META,
                &input.result.title,
                format!(
                    "rollback `{}` failed, undo it by hand: {}",
                    a.what, a.detail
                ),
            ));
        }
    }
}
