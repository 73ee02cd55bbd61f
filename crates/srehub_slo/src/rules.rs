//! Prometheus rules of SLOs, in Sloth's conventions (metric names `slo:…` and labels `sloth_id`,
//! `sloth_service`, `sloth_slo`, `sloth_window`, so Sloth's Grafana dashboards work unchanged), with
//! three differences: thresholds are exact decimals, the period error ratio of an events SLI is the
//! ratio of recorded error and total rates summed over the period (weighted by traffic, not an average
//! of ratios), and alerts drop `sloth_window` so an alert keeps one identity whichever window pair
//! fires it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::spec::{
    Alerting, BurnCondition, Dur, ServiceSlos, Sli, Slo, WINDOW, WINDOW_SPACED, camel,
};
use crate::windows::BurnPolicy;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleFile {
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Group {
    pub name: String,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    pub expr: String,
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// An alert rule with what its test needs.
#[derive(Debug, Clone)]
pub struct AlertPlan {
    pub slo_id: String,
    pub rule: Rule,
    /// Labels every firing alert has (series labels and rule labels).
    pub alert_labels: BTreeMap<String, String>,
    pub conditions: Vec<BurnCondition>,
    /// `page`, `ticket`, or the OpenSLO severity.
    pub severity: String,
}

/// Everything generated for one SLO.
#[derive(Debug, Clone)]
pub struct SloRules {
    pub sli: Group,
    pub meta: Group,
    pub alerts: Option<Group>,
    pub plans: Vec<AlertPlan>,
    /// Windows with an SLI recording (`5m`, …, and the period).
    pub windows: Vec<Dur>,
    pub period: Dur,
}

/// Options of a generation run.
#[derive(Debug, Clone, Default)]
pub struct GenOptions {
    pub policy: BurnPolicy,
    /// Written into `sloth_slo_info`.
    pub version: String,
}

fn with_window(q: &str, w: Dur) -> String {
    q.replace(WINDOW, &w.to_string())
        .replace(WINDOW_SPACED, &w.to_string())
}

/// The selector of one SLO's series.
pub fn selector(slo: &Slo) -> String {
    format!(
        r#"sloth_id="{}", sloth_service="{}", sloth_slo="{}""#,
        esc(&slo.id),
        esc(&slo.service),
        esc(&slo.name)
    )
}

/// A PromQL string literal's content.
fn esc(s: &str) -> String {
    s.replace('\\', r"\\").replace('"', "\\\"")
}

fn base_labels(slo: &Slo) -> BTreeMap<String, String> {
    let mut l = slo.labels.clone();
    l.insert("sloth_id".into(), slo.id.clone());
    l.insert("sloth_service".into(), slo.service.clone());
    l.insert("sloth_slo".into(), slo.name.clone());
    l
}

fn record(name: &str, expr: String, labels: BTreeMap<String, String>) -> Rule {
    Rule {
        record: Some(name.to_string()),
        alert: None,
        expr,
        for_: None,
        labels,
        annotations: BTreeMap::new(),
    }
}

/// The alert conditions of an SLO under a policy: `(severity, name, labels, annotations, conditions)`.
type AlertSpec = (
    String,
    String,
    BTreeMap<String, String>,
    BTreeMap<String, String>,
    Vec<BurnCondition>,
);

fn alert_specs(slo: &Slo, policy: &BurnPolicy, period: Dur) -> Vec<AlertSpec> {
    match &slo.alerting {
        Alerting::None => Vec::new(),
        Alerting::Mwmb {
            name,
            labels,
            annotations,
            page,
            ticket,
        } => {
            let mut out = Vec::new();
            for (severity, o, rules) in [
                ("page", page, &policy.page),
                ("ticket", ticket, &policy.ticket),
            ] {
                let (Some(o), false) = (o, rules.is_empty()) else {
                    continue;
                };
                let mut l = labels.clone();
                l.extend(o.labels.clone());
                l.insert("sloth_severity".into(), severity.into());
                let mut a = annotations.clone();
                a.extend(o.annotations.clone());
                default_annotations(&mut a, slo, severity);
                out.push((
                    severity.to_string(),
                    name.clone(),
                    l,
                    a,
                    BurnPolicy::conditions(rules, period),
                ));
            }
            out
        }
        Alerting::Policies(ps) => ps
            .iter()
            .map(|p| {
                let mut l = BTreeMap::new();
                l.insert("severity".into(), p.severity.clone());
                l.insert("sloth_severity".into(), p.severity.clone());
                let mut a = BTreeMap::new();
                if let Some(d) = &p.description {
                    a.insert("description".into(), d.clone());
                }
                default_annotations(&mut a, slo, &p.severity);
                (
                    p.severity.clone(),
                    camel(&p.name),
                    l,
                    a,
                    p.conditions.clone(),
                )
            })
            .collect(),
    }
}

fn default_annotations(a: &mut BTreeMap<String, String>, slo: &Slo, severity: &str) {
    a.entry("title".into()).or_insert_with(|| {
        format!(
            "({severity}) {} {} SLO error budget burn rate is too fast.",
            slo.service, slo.name
        )
    });
    a.entry("summary".into()).or_insert_with(|| {
        format!(
            "{} {} is spending its error budget too fast for a {} % objective",
            slo.service, slo.name, slo.objective
        )
    });
}

/// Every window with an SLI recording: the policy's, the alert conditions' and the base 5m.
fn windows(specs: &[AlertSpec], policy: &BurnPolicy) -> Vec<Dur> {
    let mut set: BTreeSet<Dur> = BTreeSet::new();
    set.insert(Dur(300));
    for r in policy.page.iter().chain(&policy.ticket) {
        set.insert(r.long);
        set.insert(r.short);
    }
    for (_, _, _, _, conds) in specs {
        for c in conds {
            set.insert(c.long);
            set.insert(c.short);
        }
    }
    set.into_iter().collect()
}

/// The rules of one SLO.
pub fn slo_rules(slo: &Slo, opts: &GenOptions, spec_kind: &str) -> SloRules {
    let period = slo.window.rolling_equivalent();
    let specs = alert_specs(slo, &opts.policy, period);
    let windows = windows(&specs, &opts.policy);
    let base = windows[0];
    let sel = selector(slo);
    let labels = base_labels(slo);
    let win_labels = |w: Dur| {
        let mut l = labels.clone();
        l.insert("sloth_window".into(), w.to_string());
        l
    };
    let mut sli = Vec::new();
    // Error and total event rates over the shortest window: the period ratio sums them.
    let counts = match &slo.sli {
        Sli::Events { error, total } => Some((with_window(error, base), with_window(total, base))),
        Sli::Good { good, total } => Some((
            format!(
                "({}) - ({})",
                with_window(total, base),
                with_window(good, base)
            ),
            with_window(total, base),
        )),
        Sli::Raw { .. } => None,
    };
    if let Some((errors, total)) = &counts {
        sli.push(record(
            &format!("slo:sli_error_events:rate{base}"),
            errors.clone(),
            win_labels(base),
        ));
        sli.push(record(
            &format!("slo:sli_total_events:rate{base}"),
            total.clone(),
            win_labels(base),
        ));
    }
    for &w in &windows {
        let expr = match (&slo.sli, w == base && counts.is_some()) {
            (_, true) => format!(
                "slo:sli_error_events:rate{w}{{{sel}}}\n/\nslo:sli_total_events:rate{w}{{{sel}}}"
            ),
            (Sli::Events { error, total }, false) => format!(
                "({})\n/\n({})",
                with_window(error, w),
                with_window(total, w)
            ),
            (Sli::Good { good, total }, false) => format!(
                "1 - (\n  ({})\n  /\n  ({})\n)",
                with_window(good, w),
                with_window(total, w)
            ),
            (Sli::Raw { error_ratio }, false) => format!("({})", with_window(error_ratio, w)),
        };
        sli.push(record(
            &format!("slo:sli_error:ratio_rate{w}"),
            expr,
            win_labels(w),
        ));
    }
    let period_expr = if counts.is_some() {
        format!(
            "sum_over_time(slo:sli_error_events:rate{base}{{{sel}}}[{period}])\n/\nsum_over_time(slo:sli_total_events:rate{base}{{{sel}}}[{period}])"
        )
    } else {
        format!(
            "sum_over_time(slo:sli_error:ratio_rate{base}{{{sel}}}[{period}])\n/ ignoring (sloth_window)\ncount_over_time(slo:sli_error:ratio_rate{base}{{{sel}}}[{period}])"
        )
    };
    // A period equal to an alerting window (a 1d or 3d SLO) is already recorded.
    if !windows.contains(&period) {
        sli.push(record(
            &format!("slo:sli_error:ratio_rate{period}"),
            period_expr,
            win_labels(period),
        ));
    }
    let budget = slo.budget();
    let objective = Ratio100::of(slo);
    let mut info = labels.clone();
    info.insert("sloth_mode".into(), "srehub-generate".into());
    info.insert("sloth_spec".into(), spec_kind.into());
    info.insert("sloth_version".into(), opts.version.clone());
    info.insert("sloth_objective".into(), slo.objective.to_string());
    let on = "on(sloth_id, sloth_slo, sloth_service) group_left";
    let meta = vec![
        record(
            "slo:objective:ratio",
            format!("vector({objective})"),
            labels.clone(),
        ),
        record(
            "slo:error_budget:ratio",
            format!("vector({budget})"),
            labels.clone(),
        ),
        record(
            "slo:time_period:days",
            format!("vector({})", period.secs() / 86_400),
            labels.clone(),
        ),
        record(
            "slo:current_burn_rate:ratio",
            format!(
                "slo:sli_error:ratio_rate{base}{{{sel}}}\n/ {on}\nslo:error_budget:ratio{{{sel}}}"
            ),
            labels.clone(),
        ),
        record(
            "slo:period_burn_rate:ratio",
            format!(
                "slo:sli_error:ratio_rate{period}{{{sel}}}\n/ {on}\nslo:error_budget:ratio{{{sel}}}"
            ),
            labels.clone(),
        ),
        record(
            "slo:period_error_budget_remaining:ratio",
            format!("1 - slo:period_burn_rate:ratio{{{sel}}}"),
            labels.clone(),
        ),
        record("sloth_slo_info", "vector(1)".into(), info),
    ];
    let mut plans = Vec::new();
    for (severity, name, rule_labels, annotations, conds) in specs {
        let branches: Vec<String> = conds
            .iter()
            .map(|c| {
                let t = c.factor.times(budget);
                format!(
                    "  (\n    (slo:sli_error:ratio_rate{s}{{{sel}}} >= {t})\n    and ignoring (sloth_window)\n    (slo:sli_error:ratio_rate{l}{{{sel}}} >= {t})\n  )",
                    s = c.short,
                    l = c.long
                )
            })
            .collect();
        let expr = format!(
            "max without (sloth_window) (\n{}\n)",
            branches.join("\n  or ignoring (sloth_window)\n")
        );
        let for_ = conds
            .iter()
            .filter_map(|c| c.alert_after)
            .max()
            .map(|d| d.to_string());
        let mut alert_labels = labels.clone();
        alert_labels.extend(rule_labels.clone());
        plans.push(AlertPlan {
            slo_id: slo.id.clone(),
            rule: Rule {
                record: None,
                alert: Some(name),
                expr,
                for_,
                labels: rule_labels,
                annotations,
            },
            alert_labels,
            conditions: conds,
            severity,
        });
    }
    let alerts = (!plans.is_empty()).then(|| Group {
        name: format!("sloth-slo-alerts-{}", slo.id),
        rules: plans.iter().map(|p| p.rule.clone()).collect(),
    });
    let mut all_windows = windows;
    if !all_windows.contains(&period) {
        all_windows.push(period);
    }
    SloRules {
        sli: Group {
            name: format!("sloth-slo-sli-recordings-{}", slo.id),
            rules: sli,
        },
        meta: Group {
            name: format!("sloth-slo-meta-recordings-{}", slo.id),
            rules: meta,
        },
        alerts,
        plans,
        windows: all_windows,
        period,
    }
}

/// The objective as a ratio (`99.9` → `0.999`).
struct Ratio100;

impl Ratio100 {
    fn of(slo: &Slo) -> crate::ratio::Ratio {
        slo.objective.over(crate::ratio::Ratio::int(100))
    }
}

/// The rule file of a service: for each SLO its SLI, metadata and alert groups.
pub fn service_rules(svc: &ServiceSlos, opts: &GenOptions) -> (RuleFile, Vec<SloRules>) {
    let per: Vec<SloRules> = svc
        .slos
        .iter()
        .map(|s| slo_rules(s, opts, svc.kind.as_str()))
        .collect();
    let mut groups = Vec::new();
    for r in &per {
        groups.push(r.sli.clone());
        groups.push(r.meta.clone());
        if let Some(a) = &r.alerts {
            groups.push(a.clone());
        }
    }
    (RuleFile { groups }, per)
}
