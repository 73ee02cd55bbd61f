use srehub_core::{Check, Findings};

use super::{AlertsInput, human_ms, prom_duration};

srehub_core::declare_check! {
    /// ## What it checks
    /// Alerts most of whose episodes (at least half, and at least 3) resolved by themselves within the
    /// self-resolve limit (`--self-resolve`, 10 minutes), with the `for:` duration that would have
    /// suppressed at least 80 % of them and how many real episodes it would delay.
    ///
    /// ## Why it matters
    /// An alert that is gone before anyone can look at it is not actionable: it wakes people for
    /// nothing and trains them to wait instead of acting.
    ///
    /// ## How to fix
    /// Raise `for:` to the suggested duration, or alert on a longer range (`rate(...[10m])`) so brief
    /// spikes do not cross the threshold.
    ALR003 SelfResolvingAlert { name: "self-resolving-alert", severity: Warning, category: Observability, group: "alerts" }
}

impl Check<AlertsInput<'_>> for SelfResolvingAlert {
    fn run(&self, input: &AlertsInput<'_>, out: &mut Findings) {
        for r in input
            .analysis
            .rules
            .iter()
            .filter(|r| r.self_resolving >= 3 && r.self_resolving * 2 >= r.episodes)
            .take(input.settings.max_findings)
        {
            let mut f = input.about(
                &Self::META,
                &r.alertname,
                format!(
                    "`{}`: {} of {} episodes resolved by themselves within {}{}",
                    r.alertname,
                    r.self_resolving,
                    r.episodes,
                    human_ms(input.settings.self_resolve_ms),
                    r.median_pending_ms
                        .map(|p| format!(
                            " (its condition held a median of {} before firing)",
                            human_ms(p)
                        ))
                        .unwrap_or_default()
                ),
            );
            if let Some(a) = r.for_advice {
                f = f.hint(format!(
                    "for: {} (now {}) would have suppressed {} of those {}; {} other episode(s) would have fired {} later",
                    prom_duration(a.recommended_s),
                    if a.current_s == 0 { "0s".to_string() } else { prom_duration(a.current_s) },
                    a.suppressed,
                    a.self_resolving,
                    a.delayed,
                    human_ms(i64::try_from((a.recommended_s - a.current_s) * 1000).unwrap_or(0))
                ));
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::testing::{analysis, rule, run, series};

    #[test]
    fn short_episodes_get_a_for_recommendation() {
        let mut minutes: Vec<i64> = (0..10)
            .flat_map(|k| (0..3).map(move |m| k * 100 + m))
            .collect();
        minutes.extend(2000..2060);
        let a = analysis(
            vec![series("Blip", minutes.into_iter())],
            vec![rule("Blip", "up == 0", &[])],
            2,
        );
        let f = run(&SelfResolvingAlert, &a);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "`Blip`: 10 of 11 episodes resolved by themselves within 10 min"
        );
        assert_eq!(
            f[0].hint.as_deref(),
            Some(
                "for: 5m (now 1m) would have suppressed 10 of those 10; 1 other episode(s) would have fired 4 min later"
            )
        );
    }
}
