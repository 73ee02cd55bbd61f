use srehub_core::{Check, Findings, Severity};

use super::AlertsInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Alerting rules (from Prometheus' `/api/v1/rules` or `--rules` files) that did not fire once in
    /// the analyzed window, and whether the metrics their expression reads exist at all (a warning
    /// when one does not: the rule can never fire).
    ///
    /// ## Why it matters
    /// A rule on a renamed or removed metric is silently dead: the outage it was written for will not
    /// page. Rules that never fire for months may also guard nothing that still exists.
    ///
    /// ## How to fix
    /// Fix the metric name (or add `absent()` alerting for the metric), or delete the rule. Test rules
    /// with `promtool test rules` so a rename breaks a test instead of an alert.
    ALR005 DeadRule { name: "dead-rule", severity: Info, category: Observability, group: "alerts" }
}

impl Check<AlertsInput<'_>> for DeadRule {
    fn run(&self, input: &AlertsInput<'_>, out: &mut Findings) {
        let mut dead: Vec<_> = input.analysis.dead_rules.iter().collect();
        // Rules that can never fire first.
        dead.sort_by_key(|d| (d.missing_metrics.is_empty(), d.alertname.clone()));
        for d in dead.into_iter().take(input.settings.max_findings) {
            let days = input.days();
            let mut f = if d.missing_metrics.is_empty() {
                input.in_file(
                    &Self::META,
                    &d.alertname,
                    &d.file,
                    format!(
                        "rule `{}` (group `{}`) did not fire in {days:.0} days",
                        d.alertname, d.group
                    ),
                )
            } else {
                input
                    .in_file(
                        &Self::META,
                        &d.alertname,
                        &d.file,
                        format!(
                            "rule `{}` (group `{}`) did not fire in {days:.0} days and cannot: {} {} not exist",
                            d.alertname,
                            d.group,
                            d.missing_metrics
                                .iter()
                                .map(|m| format!("`{m}`"))
                                .collect::<Vec<_>>()
                                .join(", "),
                            if d.missing_metrics.len() == 1 { "does" } else { "do" }
                        ),
                    )
                    .severity(Severity::Warning)
            };
            if d.pending_only {
                f = f.hint("it was pending: see ALR006");
            } else if !d.missing_metrics.is_empty() {
                f = f.hint(
                    "fix the metric name or delete the rule; an absent() alert catches renames",
                );
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::testing::{analysis, rule, run};

    #[test]
    fn rules_on_missing_metrics_are_warnings() {
        let a = analysis(
            vec![],
            vec![
                rule("Quiet", "up == 0", &[]),
                rule("Broken", "rate(gone_total[5m]) > 1", &[]),
            ],
            14,
        );
        let f = run(&DeadRule, &a);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(
            f[0].message,
            "rule `Broken` (group `g`) did not fire in 14 days and cannot: `gone_total` does not exist"
        );
        assert_eq!(f[1].severity, Severity::Info);
        assert_eq!(f[1].location.as_ref().unwrap().file, "rules.yml");
    }
}
