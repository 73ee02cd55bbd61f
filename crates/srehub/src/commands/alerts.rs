//! `srehub alerts analyze`.

use std::time::Duration;

use srehub_core::ExitCode;
use srehub_engine::alerts::{AnalyzeRequest, HistorySource};

use super::conn::{duration, http_options};
use crate::args::{AlertsCommand, GlobalArgs};

pub fn run(global: &GlobalArgs, cmd: &AlertsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AlertsCommand::Analyze(args) => {
            let ctx = crate::context::Context::new(
                global,
                crate::context::flag_options(global, Some(&args.report), None),
            )?;
            let source = match (&args.history, &args.conn.prometheus) {
                (Some(p), _) => HistorySource::File(p.clone()),
                (None, Some(url)) => HistorySource::Live {
                    prometheus: url.clone(),
                    alertmanager: args.conn.alertmanager.clone(),
                    http: Box::new(http_options(&args.conn, "PROMETHEUS")?),
                    alertmanager_http: Box::new(http_options(&args.conn, "ALERTMANAGER")?),
                    since: duration("--since", &args.since)?,
                    chunk: duration("--chunk", &args.chunk)?,
                    concurrency: args.concurrency.max(1),
                },
                (None, None) => anyhow::bail!(
                    "give --prometheus URL (or SREHUB_PROMETHEUS_URL), or --history FILE"
                ),
            };
            for (flag, v) in [
                ("--flap-low", args.flap_low),
                ("--flap-high", args.flap_high),
            ] {
                if !(0.0..=100.0).contains(&v) {
                    anyhow::bail!("{flag} {v}: must be a percentage between 0 and 100");
                }
            }
            if args.flap_low > args.flap_high {
                anyhow::bail!("--flap-low must not be above --flap-high");
            }
            if !(0.0..=1.0).contains(&args.min_jaccard) {
                anyhow::bail!(
                    "--min-jaccard {}: must be between 0 and 1",
                    args.min_jaccard
                );
            }
            let self_resolve = duration("--self-resolve", &args.self_resolve)?;
            let req = AnalyzeRequest {
                source,
                rule_files: args.rules.clone(),
                save_history: args.save_history.clone(),
                analysis_json: args.analysis_json.clone(),
                options: srehub_alerts::Options {
                    self_resolve_ms: ms(self_resolve),
                    flap_low: args.flap_low,
                    flap_high: args.flap_high,
                    bucket_ms: ms(duration("--correlation-bucket", &args.correlation_bucket)?),
                    min_jaccard: args.min_jaccard,
                    ..Default::default()
                },
                checks: srehub_checks::alerts::AlertsSettings {
                    max_findings: args.max_findings,
                    noisy_per_day: args.noisy_per_day,
                    self_resolve_ms: ms(self_resolve),
                },
            };
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let report = rt.block_on(srehub_engine::alerts::analyze(&req, &ctx.settings))?;
            crate::output::emit(&ctx, &report)
        }
    }
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
