//! A Grafana dashboard per service (JSON model, schema 39): for each SLO a row with the period SLI, the
//! error budget remaining, the burn rate against the page threshold and the error ratio per window.
//! The Prometheus data source is a dashboard variable.

use serde_json::{Value, json};

use crate::rules::{SloRules, selector};
use crate::spec::{ServiceSlos, Slo};

fn target(expr: String, legend: &str) -> Value {
    json!({"datasource": {"type": "prometheus", "uid": "${datasource}"}, "expr": expr, "legendFormat": legend, "refId": "A"})
}

fn panel(
    id: u64,
    title: &str,
    kind: &str,
    pos: (u64, u64, u64, u64),
    targets: Vec<Value>,
    unit: &str,
    extra: Value,
) -> Value {
    let mut p = json!({
        "id": id,
        "title": title,
        "type": kind,
        "gridPos": {"x": pos.0, "y": pos.1, "w": pos.2, "h": pos.3},
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
    });
    if let (Some(obj), Value::Object(more)) = (p.as_object_mut(), extra) {
        obj.extend(more);
    }
    p
}

fn slo_panels(slo: &Slo, r: &SloRules, first_id: u64, y: u64) -> Vec<Value> {
    let sel = selector(slo);
    let period = r.period;
    let page = r
        .plans
        .iter()
        .flat_map(|p| p.conditions.iter().map(|c| c.factor))
        .max();
    let mut panels = vec![json!({
        "id": first_id,
        "type": "row",
        "title": format!("{} — objective {} % over {}", slo.name, slo.objective, period),
        "gridPos": {"x": 0, "y": y, "w": 24, "h": 1},
        "collapsed": false,
        "panels": []
    })];
    let thresholds = |steps: Value| json!({"fieldConfig": {"defaults": {"thresholds": {"mode": "absolute", "steps": steps}}}});
    let mut sli = panel(
        first_id + 1,
        &format!("SLI over {period}"),
        "stat",
        (0, y + 1, 6, 6),
        vec![target(
            format!("1 - slo:sli_error:ratio_rate{period}{{{sel}}}"),
            "SLI",
        )],
        "percentunit",
        json!({"options": {"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "value"}}),
    );
    sli["fieldConfig"]["defaults"]["decimals"] = json!(3);
    let objective = slo.objective.over(crate::ratio::Ratio::int(100)).to_f64();
    sli["fieldConfig"]["defaults"]["thresholds"] = thresholds(json!([
        {"color": "red", "value": null}, {"color": "green", "value": objective}
    ]))["fieldConfig"]["defaults"]["thresholds"]
        .clone();
    panels.push(sli);
    let mut budget = panel(
        first_id + 2,
        "Error budget remaining",
        "gauge",
        (6, y + 1, 6, 6),
        vec![target(
            format!("slo:period_error_budget_remaining:ratio{{{sel}}}"),
            "remaining",
        )],
        "percentunit",
        json!({"options": {"reduceOptions": {"calcs": ["lastNotNull"]}}}),
    );
    budget["fieldConfig"]["defaults"]["min"] = json!(0);
    budget["fieldConfig"]["defaults"]["max"] = json!(1);
    budget["fieldConfig"]["defaults"]["thresholds"] = json!({"mode": "absolute", "steps": [
        {"color": "red", "value": null}, {"color": "orange", "value": 0.25}, {"color": "green", "value": 0.5}
    ]});
    panels.push(budget);
    let mut burn = panel(
        first_id + 3,
        "Burn rate (1 = spending the budget exactly over the period)",
        "timeseries",
        (12, y + 1, 12, 6),
        vec![target(
            format!("slo:current_burn_rate:ratio{{{sel}}}"),
            "current burn rate",
        )],
        "none",
        json!({}),
    );
    if let Some(f) = page {
        burn["fieldConfig"]["defaults"]["thresholds"] = json!({"mode": "absolute", "steps": [
            {"color": "green", "value": null}, {"color": "red", "value": f.to_f64()}
        ]});
        burn["fieldConfig"]["defaults"]["custom"] = json!({"thresholdsStyle": {"mode": "line"}});
    }
    panels.push(burn);
    let ratio_targets: Vec<Value> = r
        .windows
        .iter()
        .filter(|w| **w != period)
        .enumerate()
        .map(|(i, w)| {
            let mut t = target(
                format!("slo:sli_error:ratio_rate{w}{{{sel}}}"),
                &w.to_string(),
            );
            t["refId"] = json!(((b'A' + (i as u8 % 26)) as char).to_string());
            t
        })
        .collect();
    panels.push(panel(
        first_id + 4,
        "Error ratio per window",
        "timeseries",
        (0, y + 7, 24, 7),
        ratio_targets,
        "percentunit",
        json!({}),
    ));
    panels
}

/// The dashboard of a service.
pub fn dashboard(svc: &ServiceSlos, rules: &[SloRules]) -> Value {
    let mut panels = Vec::new();
    let mut y = 0;
    let mut id = 1;
    for (slo, r) in svc.slos.iter().zip(rules) {
        panels.extend(slo_panels(slo, r, id, y));
        id += 5;
        y += 14;
    }
    let uid: String = format!("srehub-slo-{}", svc.service)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    json!({
        "uid": uid,
        "title": format!("SLOs: {}", svc.service),
        "tags": ["slo", "srehub"],
        "timezone": "utc",
        "schemaVersion": 39,
        "editable": true,
        "time": {"from": "now-7d", "to": "now"},
        "refresh": "1m",
        "templating": {"list": [{
            "name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
            "current": {}, "hide": 0
        }]},
        "panels": panels
    })
}
