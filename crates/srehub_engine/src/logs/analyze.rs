//! `srehub logs analyze`: stream the inputs through the template miner and the summary collector
//! (source → model), then run the log checks (pure) and return a report.

use jiff::Timestamp;
use srehub_checks::logs::{CHECKS, LogsInput, LogsSettings};
use srehub_config::Settings;
use srehub_core::{NoteLevel, Report, run_checks};
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
    let streams = for_each_record(&req.inputs, &req.format, req.max_line, |line, rec| {
        let a = miner.add(line, &rec.message);
        if let Some(t) = miner.resolve(a.cluster, a.variant) {
            collector.add(line, &rec, t.id(), || t.text());
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
    Ok(AnalyzeOutcome {
        report,
        summary,
        streams,
    })
}
