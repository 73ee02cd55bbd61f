//! `srehub logs analyze`: stream the inputs through the template miner and the summary collector
//! (source → model), then run the log checks (pure) and return a report.

use jiff::Timestamp;
use srehub_checks::logs::{CHECKS, LogsInput, LogsSettings};
use srehub_config::Settings;
use srehub_core::{Chart, ChartKind, NoteLevel, Report, Series, run_checks};
use srehub_logs::drain::{Miner, MinerOptions};
use srehub_logs::formats::FormatChoice;
use srehub_logs::summary::{Collector, CollectorOptions, LogSummary};

use super::{Input, StreamSummary, for_each_record};
use crate::Error;

/// An analysis run.
#[derive(Debug, Clone)]
pub struct AnalyzeRequest {
    pub inputs: Vec<Input>,
    pub format: FormatChoice,
    pub miner: MinerOptions,
    pub collector: CollectorOptions,
    pub checks: LogsSettings,
    pub max_line: usize,
}

/// The report and the model it was computed from (for callers that want the series).
#[derive(Debug)]
pub struct AnalyzeOutcome {
    pub report: Report,
    pub summary: LogSummary,
    pub streams: Vec<StreamSummary>,
}

pub fn analyze(req: &AnalyzeRequest, settings: &Settings) -> Result<AnalyzeOutcome, Error> {
    let selection = settings.selection();
    selection.validate(srehub_checks::all_checks())?;
    let mut miner = Miner::new(req.miner.clone());
    let mut collector = Collector::new(req.collector.clone());
    let streams = for_each_record(&req.inputs, &req.format, req.max_line, |line, _, rec| {
        let a = miner.add(line, &rec.message);
        if let Some(t) = miner.resolve(a.cluster, a.variant) {
            collector.add(line, rec, t.id(), || t.text());
        }
        std::ops::ControlFlow::Continue(())
    })?;
    let summary = collector.finish(|id| {
        miner
            .template_by_id(id)
            .map(|t| (t.id().to_string(), t.text()))
    });
    let offsets: Vec<(String, u64)> = streams.iter().map(|s| (s.name.clone(), s.offset)).collect();
    let lines: u64 = streams.iter().map(|s| s.stats.lines).sum();
    let unparsed: u64 = streams.iter().map(|s| s.stats.unparsed).sum();
    let input = LogsInput {
        summary: &summary,
        settings: &req.checks,
        streams: &offsets,
        lines,
        unparsed,
    };
    let (findings, ran) = run_checks(CHECKS, &input, &selection);
    let target = req
        .inputs
        .iter()
        .map(Input::name)
        .collect::<Vec<_>>()
        .join(", ");
    let mut report = Report::new("logs", Timestamp::now(), findings, ran).with_target(target);
    report.note(
        NoteLevel::Info,
        format!(
            "analyzed {} records in {} templates over {} buckets of {} {}; {} traces",
            summary.records,
            summary.templates.len(),
            summary.buckets,
            summary.bucket_width,
            if summary.time_based {
                "s"
            } else {
                "lines (no timestamps)"
            },
            summary.traces.len() as u64 + summary.traces_dropped
        ),
    );
    for s in &streams {
        if let Some(e) = &s.error {
            report.note(NoteLevel::Warning, e.clone());
        }
    }
    if summary.traces_dropped > 0 {
        report.note(
            NoteLevel::Warning,
            format!(
                "{} traces without errors not kept (more than {} traces)",
                summary.traces_dropped, req.collector.max_traces
            ),
        );
    }
    report.charts.push(timeline_chart(&summary));
    Ok(AnalyzeOutcome {
        report,
        summary,
        streams,
    })
}

/// Records per bucket stacked by level (the HTML report's timeline). A template's bucket counts are
/// split among levels in the proportions of its records (exact for the usual single-level template).
pub fn timeline_chart(summary: &LogSummary) -> Chart {
    use srehub_logs::Level;
    const GROUPS: [(&str, &[Level]); 4] = [
        ("error", &[Level::Error, Level::Fatal]),
        ("warn", &[Level::Warn]),
        ("info", &[Level::Info, Level::Notice]),
        ("other", &[Level::Trace, Level::Debug]),
    ];
    let n = summary.buckets;
    let mut values = vec![vec![0.0f64; n]; GROUPS.len()];
    for t in &summary.templates {
        let total = t.count.max(1) as f64;
        for (g, (name, levels)) in GROUPS.iter().enumerate() {
            let mut in_group: u64 = levels.iter().map(|l| t.levels[*l as usize]).sum();
            if *name == "other" {
                in_group += t.no_level;
            }
            if in_group == 0 {
                continue;
            }
            let share = in_group as f64 / total;
            for (i, &c) in t.buckets.iter().enumerate().take(n) {
                values[g][i] += f64::from(c) * share;
            }
        }
    }
    let series = GROUPS
        .iter()
        .zip(values)
        .filter(|(_, v)| v.iter().any(|&x| x >= 0.5))
        .map(|((name, _), v)| Series {
            name: (*name).to_string(),
            values: v.into_iter().map(f64::round).collect(),
        })
        .collect();
    let w = summary.bucket_width;
    let x = (0..n as i64)
        .map(|i| {
            let start = summary.origin + i * w;
            if !summary.time_based {
                return format!("line {start}");
            }
            let fmt = if w % 60 == 0 {
                "%Y-%m-%d %H:%M"
            } else {
                "%Y-%m-%d %H:%M:%S"
            };
            Timestamp::from_second(start)
                .map(|t| t.strftime(fmt).to_string())
                .unwrap_or_else(|_| start.to_string())
        })
        .collect();
    Chart {
        id: "timeline".into(),
        title: "Records over time, by level".into(),
        kind: ChartKind::StackedBars,
        x_label: if summary.time_based {
            "time (UTC)".into()
        } else {
            "input line (no timestamps)".into()
        },
        y_label: if summary.time_based {
            format!("records per {w} s")
        } else {
            format!("records per {w} lines")
        },
        x,
        series,
    }
}
