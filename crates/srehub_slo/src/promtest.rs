//! A `promtool test rules` suite for the generated rules: for each SLO with alerts, the recorded error
//! ratios are fed and the alerts checked: every alert fires with every window at the highest factor
//! (14.4× for the default page alert), none fires just below the lowest (1×), and each window pair
//! alone fires its alerts at exactly its factor and none just below it, so a threshold that is too
//! lenient or too eager fails the suite. The SLI recordings of the user's queries evaluate to nothing
//! there (their metrics are absent), so the fed series stand in for them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ratio::Ratio;
use crate::rules::{AlertPlan, SloRules};
use crate::spec::{BurnCondition, Dur, Slo};

#[derive(Serialize)]
struct TestFile {
    rule_files: Vec<String>,
    evaluation_interval: String,
    tests: Vec<TestGroup>,
}

#[derive(Serialize)]
struct TestGroup {
    interval: String,
    input_series: Vec<Series>,
    alert_rule_test: Vec<AlertTest>,
}

#[derive(Serialize)]
struct Series {
    series: String,
    values: String,
}

#[derive(Serialize)]
struct AlertTest {
    eval_time: String,
    alertname: String,
    exp_alerts: Vec<ExpAlert>,
}

#[derive(Serialize)]
struct ExpAlert {
    exp_labels: BTreeMap<String, String>,
    exp_annotations: BTreeMap<String, String>,
}

/// The suite for a rule file named `rules_file`, or `None` when no SLO has alerts.
pub fn suite(rules_file: &str, slos: &[Slo], rules: &[SloRules]) -> Option<(String, Vec<String>)> {
    let mut tests = Vec::new();
    let mut skipped = Vec::new();
    for (slo, r) in slos.iter().zip(rules) {
        if r.plans.is_empty() {
            continue;
        }
        let mut testable: Vec<&AlertPlan> = Vec::new();
        for p in &r.plans {
            if p.rule
                .annotations
                .values()
                .all(|a| expand(a, &p.alert_labels).is_some())
            {
                testable.push(p);
            } else {
                skipped.push(format!(
                    "{}: alert {} has annotation templates other than $labels and is not tested",
                    slo.id,
                    p.rule.alert.as_deref().unwrap_or("")
                ));
            }
        }
        if testable.is_empty() {
            continue;
        }
        let budget = slo.budget();
        let windows: Vec<Dur> = r
            .windows
            .iter()
            .copied()
            .filter(|w| *w != r.period)
            .collect();
        let conditions: Vec<&BurnCondition> = testable.iter().flat_map(|p| &p.conditions).collect();
        let max = conditions
            .iter()
            .map(|c| c.factor)
            .max()
            .unwrap_or(Ratio::ONE);
        let min = conditions
            .iter()
            .map(|c| c.factor)
            .min()
            .unwrap_or(Ratio::ONE);
        let wait = testable
            .iter()
            .filter_map(|p| p.rule.for_.as_deref())
            .filter_map(Dur::parse)
            .max()
            .map_or(0, |d| d.secs() / 60);
        let eval_min = wait + 10;
        let group = |values: BTreeMap<Dur, Ratio>| TestGroup {
            interval: "1m".into(),
            input_series: input(slo, &windows, &values, eval_min + 5),
            alert_rule_test: alert_tests(&testable, eval_min, &values, budget),
        };
        let all = |v: Ratio| windows.iter().map(|w| (*w, v)).collect::<BTreeMap<_, _>>();
        // Every window at the highest factor (14.4× by default): every alert fires.
        tests.push(group(all(max.times(budget))));
        // Every window just below the lowest factor (1× by default): nothing fires.
        tests.push(group(all(min.times(budget).times(Ratio::new(99, 100)))));
        // Each window pair alone, at its factor and just below it: its threshold is exact.
        let mut seen = Vec::new();
        for c in conditions {
            if seen.contains(&(c.short, c.long, c.factor)) {
                continue;
            }
            seen.push((c.short, c.long, c.factor));
            for scale in [Ratio::ONE, Ratio::new(99, 100)] {
                let v = c.factor.times(budget).times(scale);
                let values = windows
                    .iter()
                    .map(|w| {
                        (
                            *w,
                            if *w == c.short || *w == c.long {
                                v
                            } else {
                                Ratio::ZERO
                            },
                        )
                    })
                    .collect();
                tests.push(group(values));
            }
        }
    }
    if tests.is_empty() {
        return None;
    }
    let file = TestFile {
        rule_files: vec![rules_file.to_string()],
        evaluation_interval: "1m".into(),
        tests,
    };
    let body = serde_yaml_ng::to_string(&file).unwrap_or_default();
    Some((body, skipped))
}

fn input(slo: &Slo, windows: &[Dur], values: &BTreeMap<Dur, Ratio>, samples: u64) -> Vec<Series> {
    let mut labels = slo.labels.clone();
    labels.insert("sloth_id".into(), slo.id.clone());
    labels.insert("sloth_service".into(), slo.service.clone());
    labels.insert("sloth_slo".into(), slo.name.clone());
    windows
        .iter()
        .map(|w| {
            let mut l = labels.clone();
            l.insert("sloth_window".into(), w.to_string());
            let sel = l
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', r"\\").replace('"', "\\\"")))
                .collect::<Vec<_>>()
                .join(", ");
            Series {
                series: format!("slo:sli_error:ratio_rate{w}{{{sel}}}"),
                values: format!(
                    "{}+0x{samples}",
                    values.get(w).copied().unwrap_or(Ratio::ZERO)
                ),
            }
        })
        .collect()
}

/// Whether an alert fires for these window values: one of its conditions holds on both windows.
fn fires(p: &AlertPlan, values: &BTreeMap<Dur, Ratio>, budget: Ratio) -> bool {
    p.conditions.iter().any(|c| {
        let t = c.factor.times(budget);
        let at = |w: Dur| values.get(&w).copied().unwrap_or(Ratio::ZERO);
        at(c.short) >= t && at(c.long) >= t
    })
}

fn alert_tests(
    plans: &[&AlertPlan],
    eval_min: u64,
    values: &BTreeMap<Dur, Ratio>,
    budget: Ratio,
) -> Vec<AlertTest> {
    let mut by_name: BTreeMap<String, Vec<ExpAlert>> = BTreeMap::new();
    for p in plans {
        let name = p.rule.alert.clone().unwrap_or_default();
        let exp = by_name.entry(name).or_default();
        if fires(p, values, budget) {
            exp.push(ExpAlert {
                exp_labels: p.alert_labels.clone(),
                exp_annotations: p
                    .rule
                    .annotations
                    .iter()
                    .map(|(k, v)| (k.clone(), expand(v, &p.alert_labels).unwrap_or_default()))
                    .collect(),
            });
        }
    }
    by_name
        .into_iter()
        .map(|(alertname, exp_alerts)| AlertTest {
            eval_time: format!("{eval_min}m"),
            alertname,
            exp_alerts,
        })
        .collect()
}

/// Expands `{{$labels.x}}` / `{{ $labels.x }}`; `None` for any other template.
fn expand(text: &str, labels: &BTreeMap<String, String>) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("}}")? + i;
        let inner = rest[i + 2..end].trim();
        let name = inner.strip_prefix("$labels.")?;
        out.push_str(labels.get(name).map_or("", String::as_str));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_templates_are_expanded_and_others_refused() {
        let mut l = BTreeMap::new();
        l.insert("sloth_service".to_string(), "api".to_string());
        assert_eq!(
            expand(
                "{{$labels.sloth_service}} is {{ $labels.sloth_service }}",
                &l
            )
            .as_deref(),
            Some("api is api")
        );
        assert_eq!(expand("value {{ $value }}", &l), None);
        assert_eq!(expand("plain", &l).as_deref(), Some("plain"));
    }
}
