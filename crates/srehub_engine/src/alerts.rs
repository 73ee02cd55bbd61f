//! `srehub alerts analyze`: gather the alert history (raw `ALERTS` samples from Prometheus, the rules,
//! existing metric names and Alertmanager's view now; or a saved history file), run the pure analysis
//! and the `alerts` checks, and return a report with the hour × weekday heatmap.

use std::path::PathBuf;
use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;
use srehub_alerts::Options;
use srehub_checks::alerts::{AlertsInput, AlertsSettings, CHECKS};
use srehub_config::Settings;
use srehub_core::{Chart, ChartKind, NoteLevel, Report, Series, run_checks};
use srehub_http::HttpOptions;
use srehub_model::metrics::{AlertHistory, AlertmanagerNow, Labels, Rule, RuleGroup, RuleKind};
use srehub_prometheus::{Alertmanager, PromError, Prometheus};

use crate::Error;

/// Where the history comes from.
#[derive(Debug, Clone)]
pub enum HistorySource {
    Live {
        prometheus: String,
        alertmanager: Option<String>,
        http: Box<HttpOptions>,
        /// Alertmanager's own options (its own credentials).
        alertmanager_http: Box<HttpOptions>,
        since: Duration,
        /// Query chunk (raw samples are read this much at a time).
        chunk: Duration,
        concurrency: usize,
    },
    File(PathBuf),
}

#[derive(Debug, Clone)]
pub struct AnalyzeRequest {
    pub source: HistorySource,
    /// Rule files; when empty (live), the rules come from `/api/v1/rules`.
    pub rule_files: Vec<PathBuf>,
    pub save_history: Option<PathBuf>,
    /// Write the analysis model as JSON here.
    pub analysis_json: Option<PathBuf>,
    pub options: Options,
    pub checks: AlertsSettings,
}

fn unreachable(e: PromError) -> Error {
    Error::from_prom(&e, Error::Alerts)
}

/// Fetches the history from Prometheus (and Alertmanager).
#[allow(clippy::too_many_arguments)]
pub async fn fetch(
    prometheus: &str,
    alertmanager: Option<&str>,
    http: &HttpOptions,
    am_http: &HttpOptions,
    since: Duration,
    chunk: Duration,
    concurrency: usize,
    now: Timestamp,
) -> Result<(AlertHistory, Vec<String>), Error> {
    let prom =
        Prometheus::new(prometheus, http.clone()).map_err(|e| Error::Alerts(e.to_string()))?;
    let start = now
        .checked_sub(jiff::SignedDuration::try_from(since).unwrap_or(jiff::SignedDuration::ZERO))
        .unwrap_or(now);
    let mut notes = Vec::new();
    let (firing, pending, for_state) = futures::try_join!(
        prom.raw_samples(
            r#"ALERTS{alertstate="firing"}"#,
            start,
            now,
            chunk,
            concurrency
        ),
        prom.raw_samples(
            r#"ALERTS{alertstate="pending"}"#,
            start,
            now,
            chunk,
            concurrency
        ),
        prom.raw_samples("ALERTS_FOR_STATE", start, now, chunk, concurrency),
    )
    .map_err(unreachable)?;
    let rules = match prom.rules().await {
        Ok(r) => Some(r),
        Err(e) if e.is_unreachable() => return Err(unreachable(e)),
        Err(e) => {
            notes.push(format!("rules not read (dead-rule checks skipped): {e}"));
            None
        }
    };
    let metric_names = match prom.metric_names().await {
        Ok(m) => Some(m),
        Err(e) => {
            notes.push(format!("metric names not read: {e}"));
            None
        }
    };
    let alertmanager = match alertmanager {
        Some(url) => {
            let am = Alertmanager::new(url, am_http.clone())
                .map_err(|e| Error::Alerts(e.to_string()))?;
            let (alerts, silences, groups) =
                futures::try_join!(am.alerts(), am.silences(), am.groups()).map_err(unreachable)?;
            Some(AlertmanagerNow {
                alerts,
                silences,
                groups,
            })
        }
        None => None,
    };
    Ok((
        AlertHistory {
            start_ms: start.as_millisecond(),
            end_ms: now.as_millisecond(),
            firing,
            pending,
            for_state,
            rules,
            metric_names,
            alertmanager,
        },
        notes,
    ))
}

/// A Prometheus rule file, as far as the analysis needs it.
#[derive(Deserialize)]
struct RuleFile {
    groups: Vec<FileGroup>,
}

#[derive(Deserialize)]
struct FileGroup {
    name: String,
    rules: Vec<FileRule>,
}

#[derive(Deserialize)]
struct FileRule {
    alert: Option<String>,
    record: Option<String>,
    expr: serde_yaml_ng::Value,
    #[serde(rename = "for")]
    for_: Option<String>,
    #[serde(default)]
    labels: Labels,
    #[serde(default)]
    annotations: Labels,
}

/// Reads Prometheus rule files (the error names the file, line and column).
pub fn read_rule_files(paths: &[PathBuf]) -> Result<Vec<RuleGroup>, Error> {
    let mut out = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(p)
            .map_err(|e| Error::Alerts(format!("{}: cannot read: {e}", p.display())))?;
        let file: RuleFile = serde_yaml_ng::from_str(&text).map_err(|e| {
            let at = e
                .location()
                .map(|l| format!("{}:{}:", l.line(), l.column()))
                .unwrap_or_default();
            Error::Alerts(format!(
                "{}:{at} not a Prometheus rule file: {e}",
                p.display()
            ))
        })?;
        for g in file.groups {
            let mut rules = Vec::new();
            for r in g.rules {
                let expr = match r.expr {
                    serde_yaml_ng::Value::String(s) => s,
                    other => serde_yaml_ng::to_string(&other).unwrap_or_default(),
                };
                let (name, kind) = match (r.alert, r.record) {
                    (Some(a), _) => (a, RuleKind::Alerting),
                    (None, Some(rec)) => (rec, RuleKind::Recording),
                    (None, None) => {
                        return Err(Error::Alerts(format!(
                            "{}: group `{}`: a rule has neither `alert` nor `record`",
                            p.display(),
                            g.name
                        )));
                    }
                };
                let duration = match r.for_.as_deref() {
                    Some(d) => srehub_core::duration::parse(d)
                        .map(|d| d.as_secs_f64())
                        .ok_or_else(|| {
                            Error::Alerts(format!(
                                "{}: rule `{name}`: for: `{d}` is not a duration",
                                p.display()
                            ))
                        })?,
                    None => 0.0,
                };
                rules.push(Rule {
                    name,
                    kind,
                    query: expr,
                    duration,
                    labels: r.labels,
                    annotations: r.annotations,
                    health: String::new(),
                    alerts: Vec::new(),
                });
            }
            out.push(RuleGroup {
                name: g.name,
                file: p.display().to_string(),
                rules,
            });
        }
    }
    Ok(out)
}

/// The analysis as a report.
pub async fn analyze(req: &AnalyzeRequest, settings: &Settings) -> Result<Report, Error> {
    let selection = settings.selection();
    selection.validate(srehub_checks::all_checks())?;
    let now = Timestamp::now();
    let (mut history, notes, target) = match &req.source {
        HistorySource::File(p) => {
            let bytes = std::fs::read(p)
                .map_err(|e| Error::Alerts(format!("{}: cannot read: {e}", p.display())))?;
            let h: AlertHistory = serde_json::from_slice(&bytes).map_err(|e| {
                Error::Alerts(format!(
                    "{}:{}:{}: not a srehub alert history: {e}",
                    p.display(),
                    e.line(),
                    e.column()
                ))
            })?;
            (h, Vec::new(), p.display().to_string())
        }
        HistorySource::Live {
            prometheus,
            alertmanager,
            http,
            alertmanager_http,
            since,
            chunk,
            concurrency,
        } => {
            let (h, n) = fetch(
                prometheus,
                alertmanager.as_deref(),
                http,
                alertmanager_http,
                *since,
                *chunk,
                *concurrency,
                now,
            )
            .await?;
            (h, n, srehub_http::redact(prometheus))
        }
    };
    if !req.rule_files.is_empty() {
        history.rules = Some(read_rule_files(&req.rule_files)?);
    }
    if let Some(p) = &req.save_history {
        let json = serde_json::to_vec(&history).map_err(|e| Error::Alerts(e.to_string()))?;
        let tmp = p.with_extension("tmp");
        std::fs::write(&tmp, json)
            .and_then(|()| std::fs::rename(&tmp, p))
            .map_err(|e| Error::Alerts(format!("{}: cannot write: {e}", p.display())))?;
    }
    let analysis = srehub_alerts::analyze(&history, &req.options);
    if let Some(p) = &req.analysis_json {
        let json = serde_json::to_vec(&analysis).map_err(|e| Error::Alerts(e.to_string()))?;
        std::fs::write(p, json)
            .map_err(|e| Error::Alerts(format!("{}: cannot write: {e}", p.display())))?;
    }
    let input = AlertsInput {
        analysis: &analysis,
        settings: &req.checks,
    };
    let (findings, ran) = run_checks(CHECKS, &input, &selection);
    let mut report = Report::new("alerts", now, findings, ran).with_target(target);
    let days = (history.end_ms - history.start_ms) as f64 / 86_400_000.0;
    let episodes: u32 = analysis.rules.iter().map(|r| r.episodes).sum();
    report.note(
        NoteLevel::Info,
        format!(
            "{:.1} days: {} alert(s) over {} instance(s) fired {} episode(s) ({} samples, evaluation every {} s)",
            days,
            analysis.rules.len(),
            analysis.instances.len(),
            episodes,
            analysis.samples,
            analysis.interval_ms / 1000
        ),
    );
    if let Some(am) = &history.alertmanager {
        let suppressed = am
            .alerts
            .iter()
            .filter(|a| a.status.state == "suppressed")
            .count();
        let silences = am
            .silences
            .iter()
            .filter(|s| s.status.state == "active")
            .count();
        report.note(
            NoteLevel::Info,
            format!(
                "Alertmanager now: {} alert(s) in {} notification group(s), {} suppressed (silenced or inhibited), {} active silence(s)",
                am.alerts.len(),
                am.groups.len(),
                suppressed,
                silences
            ),
        );
    }
    // The rules to review first: many episodes and a low signal-to-noise score.
    let mut review: Vec<&srehub_alerts::RuleStats> =
        analysis.rules.iter().filter(|r| r.episodes >= 3).collect();
    review.sort_by(|a, b| {
        let cost =
            |r: &srehub_alerts::RuleStats| f64::from(r.episodes) * (100.0 - f64::from(r.score));
        cost(b)
            .total_cmp(&cost(a))
            .then(a.alertname.cmp(&b.alertname))
    });
    if !review.is_empty() {
        report.note(
            NoteLevel::Info,
            format!(
                "review first (most episodes × lowest signal-to-noise): {}",
                review
                    .iter()
                    .take(5)
                    .map(|r| format!(
                        "{} ({} episodes, score {})",
                        r.alertname, r.episodes, r.score
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    for n in notes {
        report.note(NoteLevel::Warning, n);
    }
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    report.charts.push(Chart {
        id: "firing-heatmap".into(),
        title: "Alert episodes starting, by weekday and hour (UTC)".into(),
        kind: ChartKind::Heatmap,
        x_label: "hour of day (UTC)".into(),
        y_label: "episodes".into(),
        x: (0..24).map(|h| format!("{h:02}")).collect(),
        series: DAYS
            .iter()
            .zip(analysis.heatmap.iter())
            .map(|(d, row)| Series {
                name: (*d).to_string(),
                values: row.iter().map(|&v| f64::from(v)).collect(),
            })
            .collect(),
    });
    Ok(report)
}
