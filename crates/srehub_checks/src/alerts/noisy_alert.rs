use srehub_core::{Check, Findings};

use super::{AlertsInput, human_ms};

srehub_core::declare_check! {
    /// ## What it checks
    /// Alerts that fired more than once a day on average over the analyzed window (`--noisy-per-day`),
    /// noisiest first, with their episodes, instances, total firing time and signal-to-noise score
    /// (the share of episodes that lasted longer than the self-resolve limit and were not flapping).
    ///
    /// ## Why it matters
    /// Every page that needs no action teaches on-call to ignore pages. The noisiest few rules usually
    /// cause most of the pages, so fixing them first pays off most.
    ///
    /// ## How to fix
    /// Alert on symptoms users feel (SLO burn rates) rather than causes; raise the threshold or the
    /// `for:` duration (see the advice of ALR003); route low-value alerts to a ticket queue instead of a
    /// pager; delete alerts nobody acts on.
    ALR001 NoisyAlert { name: "noisy-alert", severity: Warning, category: Observability, group: "alerts" }
}

impl Check<AlertsInput<'_>> for NoisyAlert {
    fn run(&self, input: &AlertsInput<'_>, out: &mut Findings) {
        let limit = input.settings.noisy_per_day * input.days().max(1.0);
        for r in input
            .analysis
            .rules
            .iter()
            .filter(|r| f64::from(r.episodes) > limit)
            .take(input.settings.max_findings)
        {
            out.push(
                input
                    .about(
                        &Self::META,
                        &r.alertname,
                        format!(
                            "`{}` fired {} times in {:.0} days ({} instance(s), {} firing in total, median episode {}); signal-to-noise score {}/100{}",
                            r.alertname,
                            r.episodes,
                            input.days(),
                            r.instances,
                            human_ms(r.firing_ms),
                            human_ms(r.median_episode_ms),
                            r.score,
                            match &r.noisiest_instance {
                                Some((labels, n)) if r.instances > 1 => format!(
                                    "; noisiest: {{{}}} with {n}",
                                    labels
                                        .iter()
                                        .filter(|(k, _)| *k != "alertname")
                                        .map(|(k, v)| format!("{k}=\"{v}\""))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                                _ => String::new(),
                            }
                        ),
                    )
                    .hint(if r.score < 50 {
                        "most episodes needed no action: raise the threshold or for:, or route it to a ticket queue"
                    } else {
                        "it fires often and lasts: fix the cause, or alert on the user-facing symptom (an SLO burn rate)"
                    }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::testing::{analysis, run, series};

    #[test]
    fn alerts_firing_more_than_daily_are_noisy() {
        let a = analysis(
            vec![
                series(
                    "Noisy",
                    (0..20).flat_map(|k| (0..3).map(move |m| k * 300 + m)),
                ),
                series(
                    "Calm",
                    (0..3).flat_map(|k| (0..30).map(move |m| k * 2000 + m)),
                ),
            ],
            vec![],
            7,
        );
        let f = run(&NoisyAlert, &a);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "`Noisy` fired 20 times in 7 days (1 instance(s), 1 h firing in total, median episode 3 min); signal-to-noise score 0/100"
        );
    }
}
