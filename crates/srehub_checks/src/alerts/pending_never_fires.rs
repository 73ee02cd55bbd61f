use srehub_core::{Check, Findings};

use super::AlertsInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Alerts that were pending (their condition held) but never fired in the window: the condition
    /// never lasted as long as the rule's `for:`.
    ///
    /// ## Why it matters
    /// Either `for:` is longer than any real problem lasts, so the alert can never page, or the
    /// condition is noise that should not be an alert at all.
    ///
    /// ## How to fix
    /// Shorten `for:` if the condition matters when it is brief, or remove the rule.
    ALR006 PendingNeverFires { name: "pending-never-fires", severity: Info, category: Observability, group: "alerts" }
}

impl Check<AlertsInput<'_>> for PendingNeverFires {
    fn run(&self, input: &AlertsInput<'_>, out: &mut Findings) {
        for name in input
            .analysis
            .pending_only
            .iter()
            .take(input.settings.max_findings)
        {
            out.push(input.about(
                &Self::META,
                name,
                format!(
                    "`{name}` was pending but never fired in {:.0} days: its condition never lasted as long as its for:",
                    input.days()
                ),
            ));
        }
    }
}
