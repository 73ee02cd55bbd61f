//! `srehub slo generate|validate`.

use std::io::Write;

use anyhow::Context as _;
use srehub_core::ExitCode;
use srehub_engine::slo::{self, GenerateRequest};
use srehub_slo::RulesFormat;

use crate::args::{GlobalArgs, SloCommand, SloRulesFormat};

pub fn run(global: &GlobalArgs, cmd: &SloCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SloCommand::Report(args) => {
            let ctx = crate::context::Context::new(
                global,
                crate::context::flag_options(global, Some(&args.report), None),
            )?;
            let Some(url) = &args.conn.prometheus else {
                anyhow::bail!("give --prometheus URL (or SREHUB_PROMETHEUS_URL)");
            };
            let req = slo::ReportRequest {
                paths: args.specs.clone(),
                prometheus: url.clone(),
                http: super::conn::http_options(&args.conn, "PROMETHEUS")?,
                concurrency: args.concurrency,
            };
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let report = rt.block_on(slo::report(&req, &ctx.settings))?;
            crate::output::emit(&ctx, &report)
        }
        SloCommand::Validate(args) => {
            let services = slo::validate(&args.specs)?;
            let slos: usize = services.iter().map(|s| s.slos.len()).sum();
            println!("{slos} SLO(s) of {} service(s): valid", services.len());
            Ok(ExitCode::Clean)
        }
        SloCommand::Generate(args) => {
            let req = GenerateRequest {
                paths: args.specs.clone(),
                format: match args.format {
                    SloRulesFormat::Rules => RulesFormat::Rules,
                    SloRulesFormat::Prometheusrule => RulesFormat::PrometheusRule,
                },
                burn_windows: args.burn_windows.clone(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            };
            match &args.out_dir {
                None if matches!(req.format, RulesFormat::Rules) => {
                    let mut out = std::io::stdout().lock();
                    out.write_all(slo::generate_combined(&req)?.as_bytes())?;
                    out.flush()?;
                }
                None => {
                    // PrometheusRule resources: one YAML document each, as `kubectl apply` reads.
                    let mut out = std::io::stdout().lock();
                    for (i, g) in slo::generate(&req)?.iter().enumerate() {
                        if i > 0 {
                            writeln!(out, "---")?;
                        }
                        out.write_all(g.rules.as_bytes())?;
                    }
                    out.flush()?;
                }
                Some(dir) => {
                    let generated = slo::generate(&req)?;
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("{}: cannot create", dir.display()))?;
                    for g in &generated {
                        let mut files = vec![(g.rules_name.clone(), &g.rules)];
                        let dashboard = format!("{}.dashboard.json", g.stem);
                        files.push((dashboard, &g.dashboard));
                        if let Some(t) = &g.test {
                            files.push((format!("{}.rules.test.yml", g.stem), t));
                        }
                        // The promtool suite loads the plain rule file.
                        if let (Some(plain), Some(_)) = (&g.plain_rules, &g.test) {
                            files.push((format!("{}.rules.yml", g.stem), plain));
                        }
                        for (name, body) in files {
                            let path = dir.join(&name);
                            std::fs::write(&path, body)
                                .with_context(|| format!("{}: cannot write", path.display()))?;
                        }
                        eprintln!(
                            "{}: {} SLO(s) → {}",
                            g.service,
                            g.slos,
                            dir.join(&g.rules_name).display()
                        );
                        for u in &g.untested {
                            eprintln!("note: {u}");
                        }
                    }
                }
            }
            Ok(ExitCode::Clean)
        }
    }
}
