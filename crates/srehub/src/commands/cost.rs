//! `srehub cost`.

use std::io::Write;

use srehub_core::ExitCode;
use srehub_engine::cost::CostRequest;

use super::conn::{duration, http_options};
use crate::args::{CostArgs, CostOutput, FormatArg, GlobalArgs, ReportArgs};

pub fn run(global: &GlobalArgs, args: &CostArgs) -> anyhow::Result<ExitCode> {
    let report_args = ReportArgs {
        output: match args.output {
            None | Some(CostOutput::Patch) => None,
            Some(CostOutput::Table) => Some(FormatArg::Table),
            Some(CostOutput::Json) => Some(FormatArg::Json),
            Some(CostOutput::Yaml) => Some(FormatArg::Yaml),
            Some(CostOutput::Sarif) => Some(FormatArg::Sarif),
            Some(CostOutput::Junit) => Some(FormatArg::Junit),
            Some(CostOutput::Markdown) => Some(FormatArg::Markdown),
            Some(CostOutput::Html) => Some(FormatArg::Html),
        },
        fail_on: args.fail_on,
        select: args.select.clone(),
        ignore: args.ignore.clone(),
    };
    let ctx = crate::context::Context::new(
        global,
        crate::context::flag_options(global, Some(&report_args), None),
    )?;
    let Some(url) = &args.conn.prometheus else {
        anyhow::bail!("give --prometheus URL (or SREHUB_PROMETHEUS_URL)");
    };
    if !(1.0..=100.0).contains(&args.cpu_percentile) {
        anyhow::bail!(
            "--cpu-percentile {}: must be between 1 and 100",
            args.cpu_percentile
        );
    }
    for (flag, v) in [
        ("--memory-headroom", args.memory_headroom),
        ("--oom-headroom", args.oom_headroom),
    ] {
        if !(1.0..=10.0).contains(&v) {
            anyhow::bail!("{flag} {v}: must be a factor between 1 and 10");
        }
    }
    let req = CostRequest {
        prometheus: url.clone(),
        http: http_options(&args.conn, "PROMETHEUS")?,
        namespaces: args.namespaces.clone(),
        history: duration("--history", &args.history)?,
        cpu_quantile: args.cpu_percentile / 100.0,
        concurrency: args.concurrency,
        prices: args.cpu_price.zip(args.memory_price),
        settings: srehub_checks::cost::CostSettings {
            memory_headroom: args.memory_headroom,
            oom_headroom: args.oom_headroom,
            min_points: args.min_points,
            max_findings: args.max_findings,
            ..Default::default()
        },
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (report, model) = rt.block_on(srehub_engine::cost::analyze(&req, &ctx.settings))?;
    if matches!(args.output, Some(CostOutput::Patch)) {
        let mut out = std::io::stdout().lock();
        out.write_all(srehub_checks::cost::patch::patches(&model, &req.settings).as_bytes())?;
        out.flush()?;
        return Ok(report.exit_code(ctx.settings.fail_on));
    }
    crate::output::emit(&ctx, &report)
}
