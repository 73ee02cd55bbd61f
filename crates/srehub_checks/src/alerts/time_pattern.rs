use srehub_core::{Check, Findings};

use super::AlertsInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Alerts most of whose episodes (at least 60 % of at least 5) start in the same hour of the day
    /// (UTC).
    ///
    /// ## Why it matters
    /// An alert on a schedule is usually a batch job, a backup or a cron task, not an incident: it pages
    /// at the same time every day for something that is expected.
    ///
    /// ## How to fix
    /// Fix the job's impact, exclude the job from the expression, or mute the alert during the job
    /// with an Alertmanager `time_intervals` entry.
    ALR008 TimePattern { name: "alert-time-pattern", severity: Info, category: Observability, group: "alerts" }
}

impl Check<AlertsInput<'_>> for TimePattern {
    fn run(&self, input: &AlertsInput<'_>, out: &mut Findings) {
        for r in input
            .analysis
            .rules
            .iter()
            .take(input.settings.max_findings)
        {
            if let Some((hour, share)) = r.daily_hour {
                out.push(
                    input
                        .about(
                            &Self::META,
                            &r.alertname,
                            format!(
                                "`{}` starts between {hour:02}:00 and {hour:02}:59 UTC in {:.0} % of its {} episodes",
                                r.alertname,
                                share * 100.0,
                                r.episodes
                            ),
                        )
                        .hint("a scheduled job? mute it during the job with an Alertmanager time_intervals entry, or fix the job"),
                );
            }
        }
    }
}
