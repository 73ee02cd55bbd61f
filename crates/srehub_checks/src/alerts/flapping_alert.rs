use srehub_core::{Check, Findings};

use super::{AlertsInput, prom_duration};

srehub_core::declare_check! {
    /// ## What it checks
    /// Alerts whose instances flap: firing and resolving in quick succession. Detection follows Nagios:
    /// over the last 21 evaluations, the weighted percent of state changes (newer changes weigh more);
    /// an instance starts flapping at 20 % and stops below 5 % (`--flap-high`, `--flap-low`).
    ///
    /// ## Why it matters
    /// A flapping alert pages, resolves and pages again for one problem, multiplying notifications and
    /// hiding whether the problem is still there.
    ///
    /// ## How to fix
    /// Set `keep_firing_for:` on the rule (Prometheus 2.42+) to the suggested duration so short gaps
    /// do not resolve the alert, add hysteresis to the threshold, or smooth the expression over a longer
    /// range.
    ALR002 FlappingAlert { name: "flapping-alert", severity: Warning, category: Observability, group: "alerts" }
}

impl Check<AlertsInput<'_>> for FlappingAlert {
    fn run(&self, input: &AlertsInput<'_>, out: &mut Findings) {
        let a = input.analysis;
        let mut found: Vec<_> = a
            .rules
            .iter()
            .filter(|r| r.flapping_instances > 0)
            .collect();
        found.sort_by(|x, y| {
            y.episodes
                .cmp(&x.episodes)
                .then(x.alertname.cmp(&y.alertname))
        });
        for r in found.into_iter().take(input.settings.max_findings) {
            let (max_pct, periods) = a
                .instances
                .iter()
                .filter(|i| i.alertname == r.alertname)
                .fold((0.0f64, 0u32), |(m, p), i| {
                    (m.max(i.flapping.max_percent), p + i.flapping.periods)
                });
            let mut f = input.about(
                &Self::META,
                &r.alertname,
                format!(
                    "`{}` flapped: {} of {} instance(s), {} flapping period(s), up to {:.0} % state change over 21 evaluations",
                    r.alertname, r.flapping_instances, r.instances, periods, max_pct
                ),
            );
            if let Some((secs, merged)) = r.keep_firing_for_s {
                f = f.hint(format!(
                    "keep_firing_for: {} would merge {:.0} % of its episodes into the ones before them",
                    prom_duration(secs),
                    merged * 100.0
                ));
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::testing::{analysis, run, series};

    #[test]
    fn toggling_alerts_flap_with_keep_firing_for_advice() {
        let a = analysis(
            vec![series(
                "Flappy",
                (0..30).flat_map(|k| (0..2).map(move |m| k * 4 + m)),
            )],
            vec![],
            1,
        );
        let f = run(&FlappingAlert, &a);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message
                .starts_with("`Flappy` flapped: 1 of 1 instance(s), 1 flapping period(s)"),
            "{}",
            f[0].message
        );
        assert_eq!(
            f[0].hint.as_deref(),
            Some("keep_firing_for: 2m would merge 97 % of its episodes into the ones before them")
        );
    }
}
