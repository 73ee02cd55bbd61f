//! `srehub load`, `load compare` and `load merge`.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use srehub_core::ExitCode;
use srehub_core::render::{Format, render};
use srehub_engine::load::{LoadOptions, LoadRun};
use srehub_load::compare::{Tolerance, Verdict};
use srehub_model::load::LoadResult;

use super::conn::duration;
use crate::args::{
    CompareOutput, FormatArg, GlobalArgs, LoadAction, LoadCmd, LoadCompareArgs, LoadMergeArgs,
    LoadOutput, LoadRunArgs, ReportArgs, SeverityArg,
};
use crate::context::{Context, flag_options};

pub fn run(global: &GlobalArgs, cmd: &LoadCmd) -> anyhow::Result<ExitCode> {
    match &cmd.action {
        Some(LoadAction::Compare(a)) => compare(a),
        Some(LoadAction::Merge(a)) => merge(global, a),
        None => load(global, &cmd.run),
    }
}

fn context(
    global: &GlobalArgs,
    fail_on: Option<SeverityArg>,
    select: &[String],
    ignore: &[String],
) -> anyhow::Result<Context> {
    let report_args = ReportArgs {
        output: None,
        fail_on,
        select: select.to_vec(),
        ignore: ignore.to_vec(),
    };
    Context::new(global, flag_options(global, Some(&report_args), None))
}

fn load(global: &GlobalArgs, a: &LoadRunArgs) -> anyhow::Result<ExitCode> {
    let ctx = context(global, a.fail_on, &a.select, &a.ignore)?;
    let body = match &a.body_file {
        Some(p) => Some(
            std::fs::read(p)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", p.display()))?
                .into(),
        ),
        None => a.body.clone().map(Into::into),
    };
    let opts = LoadOptions {
        url: a.url.clone(),
        scenario: a.scenario.clone(),
        connections: a.connections,
        duration: a
            .duration
            .as_deref()
            .map(|d| duration("-z", d))
            .transpose()?,
        requests: a.requests,
        rate: a.rate,
        method: a.method.clone(),
        headers: a.headers.clone(),
        body,
        content_type: a.content_type.clone(),
        basic_auth: a.basic_auth.clone(),
        bearer: a.bearer.clone(),
        http2: a.http2,
        insecure: a.insecure,
        timeout: a
            .timeout
            .as_deref()
            .map(|d| duration("--timeout", d))
            .transpose()?,
        redirects: a.redirect,
        disable_keepalive: a.disable_keepalive,
        connect_to: a
            .connect_to
            .iter()
            .map(|c| {
                c.parse()
                    .map_err(|e: String| anyhow::anyhow!("--connect-to {e}"))
            })
            .collect::<anyhow::Result<_>>()?,
        thresholds: a.thresholds.clone(),
    };
    let plan = Arc::new(srehub_load::plan::build(&opts).map_err(srehub_engine::Error::from)?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let metrics_listener = match &a.metrics_addr {
        Some(addr) => Some(
            rt.block_on(tokio::net::TcpListener::bind(addr))
                .map_err(|e| anyhow::anyhow!("--metrics-addr {addr}: {e}"))?,
        ),
        None => None,
    };
    let live = srehub_engine::load::Live::new(&plan);
    let done = Arc::new(AtomicBool::new(false));
    let tui = !a.no_tui
        && !ctx.quiet
        && std::io::stderr().is_terminal()
        && std::io::stdin().is_terminal();
    let view = tui.then(|| {
        let (live, done, title, planned) = (
            live.clone(),
            done.clone(),
            plan.target.clone(),
            plan.duration,
        );
        std::thread::spawn(move || crate::load_view::show(live, title, planned, done))
    });
    let run: LoadRun = rt.block_on(async {
        if let Some(listener) = metrics_listener {
            let metrics = srehub_load::metrics::LiveMetrics::register();
            let l = live.clone();
            tokio::spawn(async move {
                loop {
                    metrics.update(&l);
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
            });
            tokio::spawn(crate::metrics_server::serve(listener));
        }
        let l = live.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                l.stop();
            }
        });
        srehub_engine::load::run(plan.clone(), live.clone(), &ctx.settings).await
    })?;
    done.store(true, Ordering::SeqCst);
    if let Some(v) = view {
        let _ = v.join();
    }
    if let Some(path) = &a.save_histogram {
        save(path, &run)?;
    }
    let code = emit(&ctx, &run, a.output)?;
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    Ok(code)
}

fn save(path: &std::path::Path, run: &LoadRun) -> anyhow::Result<()> {
    let file = run
        .aggregate
        .to_file(&run.result)
        .map_err(srehub_engine::Error::from)?;
    let text = serde_json::to_string(&file)?;
    std::fs::write(path, text).map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))
}

/// Writes the run in the chosen format; the exit code: 1 for findings at `--fail-on` (a failed
/// threshold by default), 3 when not one request got a response because the target was unreachable.
fn emit(ctx: &Context, run: &LoadRun, output: Option<LoadOutput>) -> anyhow::Result<ExitCode> {
    let output = output.unwrap_or(if ctx.stdout_is_terminal {
        LoadOutput::Table
    } else {
        LoadOutput::Json
    });
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let r = &run.result;
    let format = match output {
        LoadOutput::Json => {
            serde_json::to_writer_pretty(&mut out, r)?;
            writeln!(out)?;
            None
        }
        LoadOutput::Yaml => {
            serde_yaml_ng::to_writer(&mut out, r)?;
            None
        }
        LoadOutput::Csv => {
            out.write_all(srehub_load::summary::timeline_csv(r).as_bytes())?;
            None
        }
        LoadOutput::Table => {
            out.write_all(srehub_load::summary::text(r).as_bytes())?;
            writeln!(out)?;
            Some(FormatArg::Table)
        }
        LoadOutput::Markdown => Some(FormatArg::Markdown),
        LoadOutput::Html => Some(FormatArg::Html),
        LoadOutput::Junit => Some(FormatArg::Junit),
        LoadOutput::Sarif => Some(FormatArg::Sarif),
    };
    if let Some(f) = format {
        let format: Format = f.into();
        let opts = crate::output::render_options(ctx, format);
        render(&run.report, format, &opts, &mut out)?;
    }
    out.flush()?;
    Ok(exit_code(r, &run.report, ctx))
}

fn exit_code(r: &LoadResult, report: &srehub_core::Report, ctx: &Context) -> ExitCode {
    let unreachable = r.requests > 0
        && r.answered() == 0
        && r.errors.keys().all(|k| k == "connect" || k == "tls");
    if unreachable {
        return ExitCode::Unreachable;
    }
    report.exit_code(ctx.settings.fail_on)
}

fn merge(global: &GlobalArgs, a: &LoadMergeArgs) -> anyhow::Result<ExitCode> {
    let ctx = context(global, a.fail_on, &[], &[])?;
    let run = srehub_engine::load::merge(&a.files, &a.thresholds, &ctx.settings)?;
    if let Some(path) = &a.save_histogram {
        save(path, &run)?;
    }
    emit(&ctx, &run, a.output)
}

fn compare(a: &LoadCompareArgs) -> anyhow::Result<ExitCode> {
    if !(a.tolerance.is_finite() && a.tolerance >= 0.0) {
        anyhow::bail!(
            "--tolerance {}: must be a percentage, 0 or more",
            a.tolerance
        );
    }
    let before = srehub_engine::load::read_result(&a.before)?;
    let after = srehub_engine::load::read_result(&a.after)?;
    let c = srehub_load::compare::compare(
        &before,
        &after,
        &Tolerance {
            percent: a.tolerance,
            ..Tolerance::default()
        },
    );
    let terminal = std::io::stdout().is_terminal();
    let output = a.output.unwrap_or(if terminal {
        CompareOutput::Table
    } else {
        CompareOutput::Json
    });
    let mut text = String::new();
    match output {
        CompareOutput::Json => text = serde_json::to_string_pretty(&c)? + "\n",
        CompareOutput::Table | CompareOutput::Markdown => {
            let md = output == CompareOutput::Markdown;
            if md {
                text.push_str(
                    "| Metric | Before | After | Change | Verdict |\n|---|---:|---:|---:|---|\n",
                );
            } else {
                text.push_str(&format!(
                    "{:<22} {:>12} {:>12} {:>9}  {}\n",
                    "metric", "before", "after", "change", "verdict"
                ));
            }
            for r in &c.rows {
                let change = r
                    .change_percent
                    .map_or("new".to_string(), |p| format!("{p:+.1}%"));
                let verdict = match r.verdict {
                    Verdict::Better => "better",
                    Verdict::Worse => "WORSE",
                    Verdict::Same => "same",
                };
                let metric = format!("{} ({})", r.metric, r.unit);
                if md {
                    text.push_str(&format!(
                        "| {metric} | {:.2} | {:.2} | {change} | {verdict} |\n",
                        r.before, r.after
                    ));
                } else {
                    text.push_str(&format!(
                        "{:<22} {:>12.2} {:>12.2} {:>9}  {verdict}\n",
                        metric, r.before, r.after, change
                    ));
                }
            }
            text.push_str(&format!(
                "\n{} regression(s) beyond {}% (latency changes under {} ms are noise)\n",
                c.regressions,
                a.tolerance,
                Tolerance::default().latency_floor_ms
            ));
        }
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(if a.fail_on_regression && c.regressions > 0 {
        ExitCode::Findings
    } else {
        ExitCode::Clean
    })
}
