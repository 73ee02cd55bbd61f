use srehub_core::{Check, Findings};

use super::AlertsInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Alerting rules without a `severity` label or without a `runbook_url` (or `runbook`) annotation.
    ///
    /// ## Why it matters
    /// Without severity, Alertmanager cannot route the alert to a pager or a ticket queue; without a
    /// runbook, the person woken up starts from nothing.
    ///
    /// ## How to fix
    /// Add `labels: {severity: page|ticket}` and `annotations: {runbook_url: …}` to every alerting rule.
    ALR007 RuleMissingRouting { name: "rule-missing-routing-info", severity: Info, category: Observability, group: "alerts" }
}

impl Check<AlertsInput<'_>> for RuleMissingRouting {
    fn run(&self, input: &AlertsInput<'_>, out: &mut Findings) {
        for u in input
            .analysis
            .unlabeled
            .iter()
            .take(input.settings.max_findings)
        {
            out.push(input.in_file(
                &Self::META,
                &u.alertname,
                &u.file,
                format!(
                    "rule `{}` has no {}",
                    u.alertname,
                    u.missing.join(" and no ")
                ),
            ));
        }
    }
}
