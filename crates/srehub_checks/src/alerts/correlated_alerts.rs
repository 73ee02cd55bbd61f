use srehub_core::{Check, Findings};

use super::AlertsInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Groups of alerts that fire in the same 5-minute buckets (`--correlation-bucket`): pairs with a
    /// Jaccard similarity of at least 0.5 (`--min-jaccard`) over at least 3 shared buckets, joined into
    /// clusters. Lift says how much more often they coincide than chance would make them.
    ///
    /// ## Why it matters
    /// One failure that raises several alerts pages several times and scatters the responders'
    /// attention over symptoms of the same cause.
    ///
    /// ## How to fix
    /// Group them into one notification (`group_by` on the labels they share) or, when one alert almost
    /// only fires while another does, inhibit it while the other fires (an Alertmanager
    /// `inhibit_rules` entry, suggested in the hint).
    ALR004 CorrelatedAlerts { name: "correlated-alerts", severity: Info, category: Observability, group: "alerts" }
}

impl Check<AlertsInput<'_>> for CorrelatedAlerts {
    fn run(&self, input: &AlertsInput<'_>, out: &mut Findings) {
        let a = input.analysis;
        for c in a.clusters.iter().take(input.settings.max_findings) {
            let pairs: Vec<String> = a
                .correlations
                .iter()
                .filter(|p| c.alertnames.contains(&p.a) && c.alertnames.contains(&p.b))
                .take(5)
                .map(|p| {
                    format!(
                        "{} + {}: Jaccard {:.2}, lift {:.0}×, {} buckets together",
                        p.a, p.b, p.jaccard, p.lift, p.together
                    )
                })
                .collect();
            let names = c
                .alertnames
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let hint = if let Some((inhibited, by)) = c.inhibit.first() {
                let equal = if c.equal_labels.is_empty() {
                    String::new()
                } else {
                    format!(", equal: [{}]", c.equal_labels.join(", "))
                };
                format!(
                    "inhibit `{inhibited}` while `{by}` fires: inhibit_rules: [{{source_matchers: [alertname=\"{by}\"], target_matchers: [alertname=\"{inhibited}\"]{equal}}}]"
                )
            } else if !c.common_labels.is_empty() {
                format!(
                    "notify them together: group_by: [{}] in their Alertmanager route",
                    c.common_labels.join(", ")
                )
            } else {
                "they share no label: give them a common one (service, cluster) to group by"
                    .to_string()
            };
            out.push(
                input
                    .about(
                        &Self::META,
                        &c.alertnames[0],
                        format!("{names} fire together ({})", pairs.join("; ")),
                    )
                    .hint(hint),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::testing::{analysis, run, series};

    #[test]
    fn alerts_inside_another_alert_are_inhibit_candidates() {
        let a = analysis(
            vec![
                series(
                    "DBDown",
                    (0..4).flat_map(|d| (0..40).map(move |m| d * 1440 + 600 + m)),
                ),
                series(
                    "APIErrors",
                    (0..4).flat_map(|d| (5..35).map(move |m| d * 1440 + 600 + m)),
                ),
            ],
            vec![],
            4,
        );
        let f = run(&CorrelatedAlerts, &a);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.starts_with(
                "`APIErrors`, `DBDown` fire together (APIErrors + DBDown: Jaccard 0.75"
            ),
            "{}",
            f[0].message
        );
        assert_eq!(
            f[0].hint.as_deref(),
            Some(
                "inhibit `APIErrors` while `DBDown` fires: inhibit_rules: [{source_matchers: [alertname=\"DBDown\"], target_matchers: [alertname=\"APIErrors\"]}]"
            )
        );
    }
}
