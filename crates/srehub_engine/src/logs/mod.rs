//! `srehub logs`: read log streams (source), parse them into records and mine templates (the pure
//! `srehub_logs` crate), and hand the results to the caller's renderer.

pub mod analyze;
pub mod follow;
pub mod grep;
pub mod input;
pub mod loki;

use std::path::{Path, PathBuf};

use srehub_logs::Record;
use srehub_logs::drain::{Assigned, Miner, MinerOptions, MinerState};
use srehub_logs::formats::{FormatChoice, ParseStats, Parser};

use crate::Error;
pub use input::Input;

/// Longest line kept whole (longer lines are cut and counted as truncated).
pub const DEFAULT_MAX_LINE: usize = 16 << 20;

/// What happened to one input stream.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StreamSummary {
    pub name: String,
    /// Global line numbers of this stream are `offset + its own line number`.
    pub offset: u64,
    #[serde(flatten)]
    pub stats: ParseStats,
    /// Lines cut at the maximum line length.
    pub cut_lines: u64,
    /// Why the stream ended early (a truncated gzip, a read error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Reads records: every input in order ([`for_each_record`]), or with `follow` all at once as they
/// grow ([`follow::follow_records`], where `on_tick` runs at least every tick).
pub fn read_records(
    inputs: &[Input],
    format: &FormatChoice,
    max_line: usize,
    follow: Option<&follow::FollowOptions>,
    on_record: impl FnMut(u64, usize, &Record) -> std::ops::ControlFlow<()>,
    on_tick: impl FnMut() -> std::ops::ControlFlow<()>,
) -> Result<Vec<StreamSummary>, Error> {
    match follow {
        Some(opts) => follow::follow_records(inputs, format, max_line, opts, on_record, on_tick),
        None => for_each_record(inputs, format, max_line, on_record),
    }
}

/// Reads every input in order and calls `on_record` with each record, its 1-based line number
/// counted across all inputs and the index of its input. Read errors end only the stream they happen
/// in.
pub fn for_each_record(
    inputs: &[Input],
    format: &FormatChoice,
    max_line: usize,
    mut on_record: impl FnMut(u64, usize, &Record) -> std::ops::ControlFlow<()>,
) -> Result<Vec<StreamSummary>, Error> {
    let mut summaries = Vec::with_capacity(inputs.len());
    let mut offset = 0u64;
    let mut batch = Vec::with_capacity(16);
    'inputs: for (stream, input) in inputs.iter().enumerate() {
        let reader = input::open(input)?;
        let mut lines = input::LineReader::new(reader, max_line);
        let mut parser = Parser::new(format.clone());
        let mut error = None;
        loop {
            let line_no = lines.line_no + 1;
            match lines.next_line() {
                None => break,
                Some(Err(e)) => {
                    error = Some(format!(
                        "{}: read error after line {}: {e}",
                        input.name(),
                        lines.line_no
                    ));
                    break;
                }
                Some(Ok(line)) => {
                    match line {
                        input::Line::Text(s) => parser.push_text(line_no, s, &mut batch),
                        input::Line::Bytes(b) => parser.push_line(line_no, b, &mut batch),
                    }
                    for rec in batch.drain(..) {
                        let global = offset + rec.line;
                        let flow = on_record(global, stream, &rec);
                        // The record's allocations serve the next ones.
                        parser.recycle(rec);
                        if flow.is_break() {
                            summaries.push(summary(input, offset, &parser, &lines, None));
                            break 'inputs;
                        }
                    }
                }
            }
        }
        parser.finish(&mut batch);
        for rec in batch.drain(..) {
            let global = offset + rec.line;
            if on_record(global, stream, &rec).is_break() {
                break;
            }
        }
        summaries.push(summary(input, offset, &parser, &lines, error));
        offset += lines.line_no;
    }
    Ok(summaries)
}

fn summary(
    input: &Input,
    offset: u64,
    parser: &Parser,
    lines: &input::LineReader,
    error: Option<String>,
) -> StreamSummary {
    StreamSummary {
        name: input.name(),
        offset,
        stats: parser.stats().clone(),
        cut_lines: lines.truncated,
        error,
    }
}

/// A template-mining run.
#[derive(Debug, Clone)]
pub struct TemplatesRequest {
    pub inputs: Vec<Input>,
    pub format: FormatChoice,
    pub miner: MinerOptions,
    /// Load the miner from this file when it exists, and save it there at the end.
    pub state: Option<PathBuf>,
    /// User templates (`<*>` for variables) created before mining.
    pub seeds: Vec<String>,
    pub max_line: usize,
    /// Follow the inputs as they grow (`--follow`) until stopped.
    pub follow: Option<follow::FollowOptions>,
}

/// The result of a template-mining run.
#[derive(Debug)]
pub struct TemplatesOutcome {
    pub miner: Miner,
    pub records: u64,
    pub streams: Vec<StreamSummary>,
}

/// Mines templates from every record's message; `on_assign` sees each record with its global line
/// number and input index, and where it went, as it is assigned (for per-line output and pushing);
/// when following, `on_tick` sees the miner and the record count at least every tick.
pub fn templates(
    req: &TemplatesRequest,
    mut on_assign: impl FnMut(u64, usize, &Record, &Miner, Assigned),
    mut on_tick: impl FnMut(&Miner, u64) -> std::ops::ControlFlow<()>,
) -> Result<TemplatesOutcome, Error> {
    let mut miner = match &req.state {
        Some(path) if path.exists() => load_state(path, req.miner.clone())?,
        _ => Miner::new(req.miner.clone()),
    };
    for seed in &req.seeds {
        if miner.match_only(seed).is_none() {
            miner.seed(seed);
        }
    }
    let records = std::cell::Cell::new(0u64);
    let miner_cell = std::cell::RefCell::new(miner);
    let streams = read_records(
        &req.inputs,
        &req.format,
        req.max_line,
        req.follow.as_ref(),
        |line, stream, rec| {
            records.set(records.get() + 1);
            let mut miner = miner_cell.borrow_mut();
            let assigned = miner.add(line, &rec.message);
            on_assign(line, stream, rec, &miner, assigned);
            std::ops::ControlFlow::Continue(())
        },
        || on_tick(&miner_cell.borrow(), records.get()),
    )?;
    let miner = miner_cell.into_inner();
    let records = records.get();
    if let Some(path) = &req.state {
        save_state(path, &miner)?;
    }
    Ok(TemplatesOutcome {
        miner,
        records,
        streams,
    })
}

fn load_state(path: &Path, opts: MinerOptions) -> Result<Miner, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Logs(format!(
            "{}: cannot read the state file: {e}",
            path.display()
        ))
    })?;
    let state: MinerState = serde_json::from_str(&text).map_err(|e| {
        Error::Logs(format!(
            "{}:{}:{}: not a srehub template state file: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    if state.version != 1 {
        return Err(Error::Logs(format!(
            "{}: state file version {} is not supported (expected 1)",
            path.display(),
            state.version
        )));
    }
    Ok(Miner::from_state(opts, state))
}

/// Writes the state next to its final place and renames it, so a crash never leaves half a file.
fn save_state(path: &Path, miner: &Miner) -> Result<(), Error> {
    let tmp = path.with_extension("tmp");
    let write = || -> std::io::Result<()> {
        let f = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::new(f);
        serde_json::to_writer(&mut w, &miner.to_state())?;
        std::io::Write::flush(&mut w)?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| Error::Logs(format!("{}: cannot save the state: {e}", path.display())))
}
