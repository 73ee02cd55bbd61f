//! `srehub logs parse|templates`.

use std::io::Write;

use anyhow::Context as _;
use srehub_core::ExitCode;
use srehub_engine::logs::{self, TemplatesRequest};
use srehub_logs::drain::MinerOptions;
use srehub_logs::filter::Filter;
use srehub_logs::formats::FormatChoice;
use srehub_logs::pattern::Pattern;
use srehub_logs::{Format, render};

use crate::args::{
    GlobalArgs, LogFormatChoice, LogsCommand, LogsInputArgs, RecordOutput, TemplatesOutput,
};

pub fn run(_global: &GlobalArgs, cmd: &LogsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LogsCommand::Parse(args) => parse(args),
        LogsCommand::Templates(args) => templates(args),
        LogsCommand::Analyze(args) => analyze(_global, args),
    }
}

fn format_choice(input: &LogsInputArgs) -> anyhow::Result<FormatChoice> {
    if let Some(p) = &input.pattern {
        return Ok(FormatChoice::Pattern(Pattern::new(p).context("--pattern")?));
    }
    Ok(match input.format {
        None => FormatChoice::Auto,
        Some(f) => FormatChoice::Fixed(match f {
            LogFormatChoice::Json => Format::Json,
            LogFormatChoice::Logfmt => Format::Logfmt,
            LogFormatChoice::Cri => Format::Cri,
            LogFormatChoice::Docker => Format::Docker,
            LogFormatChoice::JournalExport => Format::JournalExport,
            LogFormatChoice::JournalJson => Format::JournalJson,
            LogFormatChoice::Syslog3164 => Format::Syslog3164,
            LogFormatChoice::Syslog5424 => Format::Syslog5424,
            LogFormatChoice::AccessLog => Format::AccessLog,
            LogFormatChoice::Plain => Format::Plain,
        }),
    })
}

fn parse_time(flag: &str, v: &Option<String>) -> anyhow::Result<Option<jiff::Timestamp>> {
    v.as_deref()
        .map(|s| {
            srehub_logs::time::parse_timestamp(s)
                .with_context(|| format!("{flag} `{s}`: not a timestamp (use RFC 3339)"))
        })
        .transpose()
}

fn parse(args: &crate::args::LogsParseArgs) -> anyhow::Result<ExitCode> {
    let filters = args
        .where_
        .iter()
        .map(|w| Filter::parse(w))
        .collect::<Result<Vec<_>, _>>()?;
    let since = parse_time("--since", &args.since)?;
    let until = parse_time("--until", &args.until)?;
    let inputs = logs::input::expand(&args.input.paths)?;
    let format = format_choice(&args.input)?;
    // Counting plain lines that contain a literal: search blocks as grep does, same result.
    if let (true, FormatChoice::Fixed(Format::Plain), None, None, [only]) =
        (args.count, &format, since, until, filters.as_slice())
        && let Some(literal) = only.message_literal()
    {
        let counted = logs::grep::count_lines_containing(&inputs, literal, args.input.max_line)?;
        for e in &counted.errors {
            eprintln!("warning: {e}");
        }
        if counted.cut_lines > 0 {
            eprintln!(
                "note: {} line(s) cut at --max-line ({} bytes) and searched up to the cut",
                counted.cut_lines, args.input.max_line
            );
        }
        println!("{}", counted.matching);
        return Ok(ExitCode::Clean);
    }
    let stdout = std::io::stdout();
    let out = std::cell::RefCell::new(std::io::BufWriter::with_capacity(1 << 16, stdout.lock()));
    let mut failure: Option<std::io::Error> = None;
    let mut matched = 0u64;
    let follow = args.follow.then(follow_options);
    let streams = logs::read_records(
        &inputs,
        &format,
        args.input.max_line,
        follow.as_ref(),
        |_, _, rec| {
            let in_time = match rec.timestamp {
                Some(ts) => since.is_none_or(|s| ts >= s) && until.is_none_or(|u| ts < u),
                None => since.is_none() && until.is_none(),
            };
            if !in_time || !filters.iter().all(|f| f.matches(rec)) {
                return std::ops::ControlFlow::Continue(());
            }
            matched += 1;
            if args.count {
                return std::ops::ControlFlow::Continue(());
            }
            let mut out = out.borrow_mut();
            let written = match args.output {
                RecordOutput::Json => render::write_record_json(&mut *out, rec),
                RecordOutput::Logfmt => render::write_record_logfmt(&mut *out, rec),
            };
            match written {
                Ok(()) => std::ops::ControlFlow::Continue(()),
                Err(e) => {
                    failure = Some(e);
                    std::ops::ControlFlow::Break(())
                }
            }
        },
        // Following: what matched so far is written out at every tick.
        || match out.borrow_mut().flush() {
            Ok(()) => std::ops::ControlFlow::Continue(()),
            Err(_) => std::ops::ControlFlow::Break(()),
        },
    )?;
    let mut out = out.into_inner();
    if let Some(e) = failure {
        return Err(e.into());
    }
    if args.count {
        writeln!(out, "{matched}")?;
    }
    out.flush()?;
    report_streams(&streams);
    Ok(ExitCode::Clean)
}

/// Unparsed lines and read errors go to stderr, so that stdout stays clean data.
fn report_streams(streams: &[logs::StreamSummary]) {
    for s in streams {
        if let Some(e) = &s.error {
            eprintln!("warning: {e}");
        }
        if s.stats.unparsed > 0 || s.cut_lines > 0 || s.stats.invalid_utf8 > 0 {
            eprintln!(
                "note: {}: {} of {} lines not parsed in the detected format, {} cut at --max-line, {} with invalid UTF-8",
                s.name, s.stats.unparsed, s.stats.lines, s.cut_lines, s.stats.invalid_utf8
            );
        }
    }
}

fn templates(args: &crate::args::LogsTemplatesArgs) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.similarity) {
        anyhow::bail!("--similarity {}: must be between 0 and 1", args.similarity);
    }
    let mut mask = srehub_logs::mask::MaskOptions::default();
    if args.no_generic_masks {
        mask.digits = false;
        mask.paths = false;
        mask.units = false;
    }
    for m in &args.masks {
        let re = regex::Regex::new(m).with_context(|| format!("--mask `{m}`"))?;
        mask.extra
            .push((re, srehub_logs::mask::WILDCARD.to_string()));
    }
    let req = TemplatesRequest {
        inputs: logs::input::expand(&args.input.paths)?,
        format: format_choice(&args.input)?,
        miner: MinerOptions {
            similarity: args.similarity,
            depth: args.depth.max(2),
            max_clusters: args.max_clusters.max(1),
            enum_values: args.enum_values,
            mask,
            ..MinerOptions::default()
        },
        state: args.state.clone(),
        seeds: args.seed_templates.clone(),
        max_line: args.input.max_line,
        follow: args.follow.then(follow_options),
    };
    let is_terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let output = args.output.unwrap_or(if is_terminal {
        TemplatesOutput::Table
    } else {
        TemplatesOutput::Json
    });
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    // Per-line CSV: assignments are buffered and written with the templates as they stand at each
    // flush (the final templates for inputs up to a million lines), keeping memory bounded.
    const FLUSH: usize = 1 << 20;
    let mut pending: Vec<(u64, u32)> = Vec::new();
    let mut failure: Option<std::io::Error> = None;
    let csv = matches!(output, TemplatesOutput::Csv);
    if csv {
        writeln!(out, "LineId,EventId,EventTemplate")?;
    }
    let pusher = match &args.push_loki {
        Some(url) => Some(logs::loki::LokiPusher::start(loki_options(url, args)?)?),
        None => None,
    };
    let sources: Vec<std::sync::Arc<str>> = req.inputs.iter().map(|i| i.name().into()).collect();
    let mut view = (args.follow && !args.no_tui && is_terminal)
        .then(|| crate::tui::TemplatesView::start(title(&req.inputs)));
    let mut view_error = None;
    let outcome = logs::templates(
        &req,
        |line, stream, rec, miner, r| {
            if failure.is_some() {
                return;
            }
            if pusher.is_none() && !csv {
                return;
            }
            let id = miner
                .resolve(r.cluster, r.variant)
                .map_or(0, |t| id_num(t.id()));
            if let Some(p) = &pusher
                && let Err(e) = p.push(loki_entry(&sources[stream], rec, id))
            {
                failure = Some(std::io::Error::other(e.to_string()));
            }
            if !csv {
                return;
            }
            pending.push((line, id));
            if pending.len() >= FLUSH
                && let Err(e) = flush_csv(&mut out, miner, &mut pending)
            {
                failure = Some(e);
            }
        },
        |miner, records| match view.as_mut().map(|v| v.tick(miner, records)) {
            None | Some(Ok(std::ops::ControlFlow::Continue(()))) => {
                std::ops::ControlFlow::Continue(())
            }
            Some(Ok(std::ops::ControlFlow::Break(()))) => std::ops::ControlFlow::Break(()),
            Some(Err(e)) => {
                view_error = Some(e);
                std::ops::ControlFlow::Break(())
            }
        },
    );
    if let Some(v) = view {
        v.end();
    }
    let outcome = outcome?;
    if let Some(e) = view_error {
        return Err(anyhow::Error::new(e).context("the live view failed"));
    }
    let mut exit = ExitCode::Clean;
    if let Some(p) = pusher {
        let stats = p.finish();
        eprintln!(
            "pushed {} records to Loki in {} batches",
            stats.entries_sent, stats.batches_sent
        );
        if stats.entries_lost > 0 {
            eprintln!(
                "error: {} records in {} batches could not be pushed to Loki: {}",
                stats.entries_lost,
                stats.batches_lost,
                stats.last_error.as_deref().unwrap_or("unknown error")
            );
            exit = ExitCode::Unreachable;
        }
    }
    if let Some(e) = failure {
        return Err(e.into());
    }
    match output {
        TemplatesOutput::Csv => flush_csv(&mut out, &outcome.miner, &mut pending)?,
        TemplatesOutput::Table => render::write_table(
            &mut out,
            &outcome.miner,
            outcome.records,
            args.top,
            if is_terminal {
                srehub_core::render::terminal_width().map(usize::from)
            } else {
                None
            },
        )?,
        TemplatesOutput::Json => {
            let doc = render::TemplatesDoc {
                schema: "srehub.logs.templates/v1",
                records: outcome.records,
                templates: render::views(&outcome.miner, outcome.records),
                evicted: outcome.miner.evicted(),
                streams: &outcome.streams,
            };
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        TemplatesOutput::Openmetrics => render::write_openmetrics(&mut out, &outcome.miner)?,
    }
    out.flush()?;
    report_streams(&outcome.streams);
    Ok(exit)
}

/// `--follow`: stop on Ctrl-C; tick often enough for a smooth view and prompt output.
fn follow_options() -> logs::follow::FollowOptions {
    logs::follow::FollowOptions {
        stop: crate::tui::stop_flag(),
        tick: std::time::Duration::from_millis(250),
    }
}

fn title(inputs: &[logs::Input]) -> String {
    match inputs {
        [one] => one.name(),
        more => format!("{} inputs", more.len()),
    }
}

fn loki_options(
    url: &str,
    args: &crate::args::LogsTemplatesArgs,
) -> anyhow::Result<logs::loki::LokiOptions> {
    let mut o = logs::loki::LokiOptions::new(url);
    if !args.loki_labels.is_empty() {
        o.labels.clear();
    }
    for l in &args.loki_labels {
        let (k, v) = l
            .split_once('=')
            .filter(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .with_context(|| format!("--loki-label `{l}`: expected KEY=VALUE with a label name of letters, digits and _"))?;
        o.labels.push((k.to_string(), v.to_string()));
    }
    o.tenant = args.loki_tenant.clone();
    o.http.retries = args.loki_retries;
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    o.http.auth = match (env("SREHUB_LOKI_TOKEN"), env("SREHUB_LOKI_USER")) {
        (Some(token), _) => srehub_http::Auth::Bearer(token),
        (None, Some(user)) => srehub_http::Auth::Basic {
            user,
            password: env("SREHUB_LOKI_PASSWORD").unwrap_or_default(),
        },
        (None, None) => srehub_http::Auth::None,
    };
    Ok(o)
}

/// A record as Loki gets it: the `logs parse` JSON line, its time (now when the line has none), and
/// template id, level and trace id as structured metadata.
fn loki_entry(
    source: &std::sync::Arc<str>,
    rec: &srehub_logs::Record,
    template: u32,
) -> logs::loki::LokiEntry {
    let mut line = Vec::with_capacity(rec.message.len() + 64);
    let _ = render::write_record_json(&mut line, rec);
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    let mut metadata = vec![("template_id", format!("T{template:08x}"))];
    if let Some(l) = rec.level {
        metadata.push(("level", l.as_str().to_string()));
    }
    if let Some((k, v)) = rec.fields.iter().find(|(k, _)| {
        matches!(
            *k,
            "trace_id" | "traceId" | "trace.id" | "dd.trace_id" | "traceparent"
        )
    }) {
        let v = v.to_text();
        // W3C traceparent: version-traceid-spanid-flags.
        let id = match k {
            "traceparent" => v.split('-').nth(1).unwrap_or(&v).to_string(),
            _ => v,
        };
        metadata.push(("trace_id", id));
    }
    logs::loki::LokiEntry {
        source: source.clone(),
        ts_ns: rec
            .timestamp
            .unwrap_or_else(jiff::Timestamp::now)
            .as_nanosecond(),
        line: String::from_utf8_lossy(&line).into_owned(),
        metadata,
    }
}

fn flush_csv(
    out: &mut dyn Write,
    miner: &srehub_logs::drain::Miner,
    pending: &mut Vec<(u64, u32)>,
) -> std::io::Result<()> {
    // Ids, not cluster handles, are buffered: a handle can be reused after an eviction.
    for &(line, id) in pending.iter() {
        match miner.template_by_id(&format!("T{id:08x}")) {
            Some(t) => writeln!(out, "{line},{},{}", t.id(), render::csv_field(&t.text()))?,
            None => writeln!(out, "{line},,")?,
        }
    }
    pending.clear();
    Ok(())
}

/// Template ids are `T` and 8 hex digits: kept as numbers while lines wait for their final template.
fn id_num(id: &str) -> u32 {
    u32::from_str_radix(id.get(1..).unwrap_or(""), 16).unwrap_or(0)
}

fn analyze(global: &GlobalArgs, args: &crate::args::LogsAnalyzeArgs) -> anyhow::Result<ExitCode> {
    let ctx = crate::context::Context::new(
        global,
        crate::context::flag_options(global, Some(&args.report), None),
    )?;
    let bucket: jiff::SignedDuration = args
        .bucket
        .parse()
        .ok()
        .filter(|d: &jiff::SignedDuration| d.as_secs() >= 1)
        .with_context(|| {
            format!(
                "--bucket `{}`: expected a duration such as 30s, 1m or 1h",
                args.bucket
            )
        })?;
    let mut collector = srehub_logs::summary::CollectorOptions {
        bucket_seconds: bucket.as_secs(),
        ..Default::default()
    };
    for f in args.trace_fields.iter().rev() {
        collector.trace_fields.insert(0, f.clone());
    }
    let req = srehub_engine::logs::analyze::AnalyzeRequest {
        inputs: logs::input::expand(&args.input.paths)?,
        format: format_choice(&args.input)?,
        miner: MinerOptions::default(),
        collector,
        checks: srehub_checks::logs::LogsSettings {
            z_threshold: args.z_threshold,
            min_burst: args.min_count,
            max_findings: args.max_findings,
            ..Default::default()
        },
        max_line: args.input.max_line,
    };
    // Read errors are notes of the report and unparsed lines are LOG006: nothing more to print.
    let outcome = srehub_engine::logs::analyze::analyze(&req, &ctx.settings)?;
    crate::output::emit(&ctx, &outcome.report)
}
