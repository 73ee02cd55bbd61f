//! `srehub load`: run a plan (or merge saved runs), then analyze the result with the `load` checks into
//! a report with latency-over-time, throughput and latency-distribution charts.

use std::path::PathBuf;
use std::sync::Arc;

use jiff::Timestamp;
use srehub_checks::load::{CHECKS, LoadInput};
use srehub_config::Settings;
use srehub_core::{Chart, ChartKind, NoteLevel, Report, Series, run_checks};
pub use srehub_load::plan::{LoadOptions, LoadPlan};
pub use srehub_load::runner::Live;
pub use srehub_load::stats::{Aggregate, HistogramFile};
use srehub_load::threshold::Threshold;
use srehub_model::load::{LoadModel, LoadResult};

use crate::Error;

/// A finished run: the result document, its statistics (for `--save-histogram`) and the report.
pub struct LoadRun {
    pub result: LoadResult,
    pub aggregate: Aggregate,
    pub report: Report,
}

/// Runs the plan and analyzes the result.
pub async fn run(
    plan: Arc<LoadPlan>,
    live: Arc<Live>,
    settings: &Settings,
) -> Result<LoadRun, Error> {
    let selection = settings.selection();
    selection.validate(srehub_checks::all_checks())?;
    let (result, aggregate) = srehub_load::runner::run(plan, live).await;
    let report = report(&result, Some(&aggregate), settings)?;
    Ok(LoadRun {
        result,
        aggregate,
        report,
    })
}

/// Merges saved runs (`--save-histogram` files of many workers) into one result, judged by `thresholds`.
pub fn merge(
    paths: &[PathBuf],
    thresholds: &[String],
    settings: &Settings,
) -> Result<LoadRun, Error> {
    let thresholds = thresholds
        .iter()
        .map(|t| t.parse::<Threshold>())
        .collect::<Result<Vec<_>, _>>()?;
    // A directory stands for the `.json` files in it (the shared volume of a distributed run).
    let mut expanded = Vec::new();
    for p in paths {
        if p.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|source| srehub_load::Error::Read {
                path: p.clone(),
                source,
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "json"))
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(srehub_load::Error::Data {
                    path: p.clone(),
                    message: "no .json histogram files in this directory".into(),
                }
                .into());
            }
            expanded.extend(found);
        } else {
            expanded.push(p.clone());
        }
    }
    let mut files = Vec::with_capacity(expanded.len());
    for p in &expanded {
        let text = std::fs::read_to_string(p).map_err(|source| srehub_load::Error::Read {
            path: p.clone(),
            source,
        })?;
        let f: HistogramFile = serde_json::from_str(&text).map_err(|e| srehub_load::Error::Data {
            path: p.clone(),
            message: format!(
                "line {} column {}: {e} (expected a file written by `srehub load --save-histogram`)",
                e.line(),
                e.column()
            ),
        })?;
        files.push(f);
    }
    let (mut result, aggregate) = srehub_load::stats::merge(&files)?;
    result.thresholds = thresholds.iter().map(|t| t.judge(&result)).collect();
    let report = report(&result, Some(&aggregate), settings)?;
    Ok(LoadRun {
        result,
        aggregate,
        report,
    })
}

/// Reads a result for `load compare`: a `-o json` document or a `--save-histogram` file.
pub fn read_result(path: &PathBuf) -> Result<LoadResult, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| srehub_load::Error::Read {
        path: path.clone(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| srehub_load::Error::Data {
            path: path.clone(),
            message: format!("line {} column {}: {e}", e.line(), e.column()),
        })?;
    let doc = if value.get("schema").and_then(|s| s.as_str())
        == Some(srehub_load::stats::HISTOGRAM_SCHEMA)
    {
        value.get("result").cloned().unwrap_or_default()
    } else {
        value
    };
    serde_json::from_value(doc).map_err(|e| {
        srehub_load::Error::Data {
            path: path.clone(),
            message: format!(
                "{e} (expected the output of `srehub load -o json` or a `--save-histogram` file)"
            ),
        }
        .into()
    })
}

/// The report of a result: the `load` checks' findings, a summary in notes, and charts.
pub fn report(
    result: &LoadResult,
    aggregate: Option<&Aggregate>,
    settings: &Settings,
) -> Result<Report, Error> {
    let selection = settings.selection();
    selection.validate(srehub_checks::all_checks())?;
    let (findings, ran) = run_checks(CHECKS, &LoadInput { result }, &selection);
    let mut report =
        Report::new("load", Timestamp::now(), findings, ran).with_target(result.target.clone());
    let l = &result.latency_ms;
    report.note(
        NoteLevel::Info,
        format!(
            "{} requests in {:.2} s ({:.1} req/s), {}; latency{} p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
            result.requests,
            result.duration_s,
            result.requests_per_second,
            match result.model {
                LoadModel::Closed => format!("closed model with {} connections", result.connections),
                LoadModel::Open => format!(
                    "open model at {} req/s over {} connections",
                    result.rate.unwrap_or(0.0),
                    result.connections
                ),
            },
            if result.model == LoadModel::Open { " (corrected)" } else { "" },
            l.p50,
            l.p90,
            l.p99,
            l.p99_9,
            l.max
        ),
    );
    if let Some(u) = &result.latency_uncorrected_ms {
        report.note(
            NoteLevel::Info,
            format!(
                "service time alone (from the actual send): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                u.p50, u.p99, u.max
            ),
        );
    }
    let statuses: Vec<String> = result
        .status_codes
        .iter()
        .map(|(s, n)| format!("{s} × {n}"))
        .chain(result.errors.iter().map(|(k, n)| format!("{k} × {n}")))
        .collect();
    if !statuses.is_empty() {
        report.note(
            NoteLevel::Info,
            format!("responses: {}", statuses.join(", ")),
        );
    }
    for t in &result.thresholds {
        report.note(
            if t.passed {
                NoteLevel::Info
            } else {
                NoteLevel::Warning
            },
            format!(
                "threshold `{}`: {} (measured {:.2})",
                t.expression,
                if t.passed { "passed" } else { "FAILED" },
                t.observed
            ),
        );
    }
    if result.unfinished > 0 {
        report.note(
            NoteLevel::Info,
            format!(
                "{} requests were in flight when the time was up: cancelled and not counted",
                result.unfinished
            ),
        );
    }
    if result.workers > 1 {
        report.note(
            NoteLevel::Info,
            format!("merged from {} workers", result.workers),
        );
    }
    report.charts = charts(result, aggregate);
    Ok(report)
}

fn charts(r: &LoadResult, aggregate: Option<&Aggregate>) -> Vec<Chart> {
    let x: Vec<String> = r
        .timeline
        .iter()
        .map(|t| format!("{} s", t.second))
        .collect();
    let series = |name: &str, f: fn(&srehub_model::load::TimelinePoint) -> f64| Series {
        name: name.to_string(),
        values: r.timeline.iter().map(f).collect(),
    };
    let mut out = vec![
        Chart {
            id: "latency".into(),
            title: "Latency over time".into(),
            kind: ChartKind::Lines,
            x_label: "second of the run".into(),
            y_label: "milliseconds".into(),
            x: x.clone(),
            series: vec![
                series("p50", |t| t.p50_ms),
                series("p90", |t| t.p90_ms),
                series("p99", |t| t.p99_ms),
            ],
        },
        Chart {
            id: "throughput".into(),
            title: "Requests per second".into(),
            kind: ChartKind::StackedBars,
            x_label: "second of the run".into(),
            y_label: "requests".into(),
            x,
            series: vec![
                series("ok", |t| t.requests.saturating_sub(t.errors) as f64),
                series("error", |t| t.errors as f64),
            ],
        },
    ];
    if let Some(a) = aggregate {
        let d = a.distribution(40);
        if !d.is_empty() {
            out.push(Chart {
                id: "histogram".into(),
                title: "Latency distribution".into(),
                kind: ChartKind::StackedBars,
                x_label: "latency (upper bound of each bucket)".into(),
                y_label: "requests".into(),
                x: d.iter().map(|(b, _)| format!("≤ {b:.2} ms")).collect(),
                series: vec![Series {
                    name: "requests".into(),
                    values: d.iter().map(|(_, n)| *n as f64).collect(),
                }],
            });
        }
    }
    out
}
