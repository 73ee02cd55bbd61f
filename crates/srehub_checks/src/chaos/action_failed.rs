use srehub_core::{Check, Findings};

use super::ChaosInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Actions of the method that could not be carried out (a proxy that refused a toxic, a pod
    /// kill that matched nothing, an API error).
    ///
    /// ## Why it matters
    /// The fault was not injected as written, so the verdict says less than it seems.
    ///
    /// ## How to fix
    /// Fix the experiment file (selectors, names, addresses) or the permissions of its service
    /// account.
    CHAOS003 ActionFailed { name: "action-failed", severity: Warning, category: Correctness, group: "chaos" }
}

impl Check<ChaosInput<'_>> for ActionFailed {
    fn run(&self, input: &ChaosInput<'_>, out: &mut Findings) {
        for a in input.result.actions.iter().filter(|a| !a.ok) {
            out.push(input.about(
                &Self::META,
                &input.result.title,
                format!("action `{}` failed: {}", a.what, a.detail),
            ));
        }
    }
}
