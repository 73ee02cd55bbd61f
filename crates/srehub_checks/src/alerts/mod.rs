//! Alert-noise checks of `srehub alerts analyze` (group `alerts`), over an [`Analysis`] of the alert
//! history: noisy, flapping and self-resolving alerts, alerts that fire together, rules that never
//! fire or only ever pend, rules without severity or runbook, alerts on a daily schedule.

mod correlated_alerts;
mod dead_rule;
mod flapping_alert;
mod noisy_alert;
mod pending_never_fires;
mod rule_missing_routing;
mod self_resolving_alert;
mod time_pattern;

pub use correlated_alerts::CorrelatedAlerts;
pub use dead_rule::DeadRule;
pub use flapping_alert::FlappingAlert;
pub use noisy_alert::NoisyAlert;
pub use pending_never_fires::PendingNeverFires;
pub use rule_missing_routing::RuleMissingRouting;
pub use self_resolving_alert::SelfResolvingAlert;
use srehub_alerts::Analysis;
use srehub_core::{Check, CheckMeta, Finding, Location, Resource};
pub use time_pattern::TimePattern;

/// Thresholds of the alert checks (flags of `srehub alerts analyze`).
#[derive(Debug, Clone)]
pub struct AlertsSettings {
    /// Findings per check at most (the most significant first).
    pub max_findings: usize,
    /// Episodes per day from which an alert is noisy.
    pub noisy_per_day: f64,
    /// Self-resolve limit, for messages.
    pub self_resolve_ms: i64,
}

impl Default for AlertsSettings {
    fn default() -> Self {
        AlertsSettings {
            max_findings: 20,
            noisy_per_day: 1.0,
            self_resolve_ms: 10 * 60_000,
        }
    }
}

/// What every alert check reads.
pub struct AlertsInput<'a> {
    pub analysis: &'a Analysis,
    pub settings: &'a AlertsSettings,
}

impl AlertsInput<'_> {
    /// Days in the window.
    pub fn days(&self) -> f64 {
        (self.analysis.end_ms - self.analysis.start_ms) as f64 / 86_400_000.0
    }

    /// A finding about an alerting rule.
    pub fn about(&self, meta: &CheckMeta, alertname: &str, message: String) -> Finding {
        Finding::new(meta, message).resource(Resource::new("AlertRule", alertname))
    }

    /// A finding about a rule in a file.
    pub fn in_file(
        &self,
        meta: &CheckMeta,
        alertname: &str,
        file: &str,
        message: String,
    ) -> Finding {
        let f = self.about(meta, alertname, message);
        if file.is_empty() {
            f
        } else {
            f.location(Location {
                file: file.to_string(),
                line: None,
                column: None,
            })
        }
    }
}

/// `3 min`, `1 h 39 min`, `2 d 3 h`, `45 s`.
pub fn human_ms(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// `5m`, `2h`, `90s` (Prometheus duration).
pub fn prom_duration(secs: u64) -> String {
    if secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else if secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

/// An alert check.
pub type AlertsCheck = dyn for<'a> Check<AlertsInput<'a>>;

/// Every alert check, in code order.
pub const CHECKS: &[&AlertsCheck] = &[
    &NoisyAlert,
    &FlappingAlert,
    &SelfResolvingAlert,
    &CorrelatedAlerts,
    &DeadRule,
    &PendingNeverFires,
    &RuleMissingRouting,
    &TimePattern,
];

#[cfg(test)]
pub(crate) mod testing {
    use srehub_alerts::{Analysis, Options, analyze};
    use srehub_core::{Check, Finding, Findings};
    use srehub_model::metrics::{AlertHistory, Labels, Rule, RuleGroup, RuleKind, Series};

    use super::{AlertsInput, AlertsSettings};

    const MIN: i64 = 60_000;
    /// Monday 2026-11-02 00:00 UTC.
    pub const T0: i64 = 1_793_577_600_000;

    pub fn series(alertname: &str, minutes: impl Iterator<Item = i64>) -> Series {
        let mut labels = Labels::new();
        labels.insert("alertname".into(), alertname.into());
        labels.insert("alertstate".into(), "firing".into());
        Series {
            labels,
            samples: minutes.map(|m| (T0 + m * MIN, 1.0)).collect(),
        }
    }

    pub fn rule(name: &str, query: &str, labels: &[(&str, &str)]) -> Rule {
        Rule {
            name: name.into(),
            kind: RuleKind::Alerting,
            query: query.into(),
            duration: 60.0,
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            annotations: Labels::new(),
            health: "ok".into(),
            alerts: vec![],
        }
    }

    pub fn analysis(firing: Vec<Series>, rules: Vec<Rule>, days: i64) -> Analysis {
        analyze(
            &AlertHistory {
                start_ms: T0,
                end_ms: T0 + days * 1440 * MIN,
                firing,
                pending: vec![],
                for_state: vec![],
                rules: Some(vec![RuleGroup {
                    name: "g".into(),
                    file: "rules.yml".into(),
                    rules,
                }]),
                metric_names: Some(vec!["up".into()]),
                alertmanager: None,
            },
            &Options::default(),
        )
    }

    pub fn run<C: for<'a> Check<AlertsInput<'a>>>(check: &C, a: &Analysis) -> Vec<Finding> {
        let settings = AlertsSettings::default();
        let input = AlertsInput {
            analysis: a,
            settings: &settings,
        };
        let mut out = Findings::default();
        check.run(&input, &mut out);
        out.into_vec()
    }
}
