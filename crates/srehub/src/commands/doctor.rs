//! `srehub doctor [health|diagnose|audit|snapshot]`.

use std::io::Write;
use std::time::Duration;

use anyhow::Context as _;
use srehub_config::Settings;
use srehub_core::ExitCode;
use srehub_engine::doctor::{Request, Source};
use srehub_kube::live::LiveOptions;

use crate::args::{ClusterArgs, DoctorArgs, DoctorGroup, GlobalArgs, SnapshotArgs};
use crate::context::{Context, flag_options};

pub(crate) fn live_options(settings: &Settings, cluster: &ClusterArgs) -> LiveOptions {
    let k = &settings.kube;
    LiveOptions {
        kubeconfig: cluster
            .kubeconfig
            .clone()
            .or_else(|| k.kubeconfig.clone().map(Into::into)),
        context: cluster.context.clone().or_else(|| k.context.clone()),
        namespace: cluster.namespace.clone(),
        timeout: Duration::from_secs(u64::from(k.timeout_seconds)),
        retries: k.retries,
        page_size: k.page_size,
        concurrency: k.concurrency as usize,
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

pub fn run(global: &GlobalArgs, args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let (groups, run) = match args.group {
        None => (vec![], args.run),
        Some(DoctorGroup::Health(r)) => (vec!["health".to_string()], r),
        Some(DoctorGroup::Diagnose(r)) => (vec!["diagnose".to_string()], r),
        Some(DoctorGroup::Audit(r)) => (vec!["audit".to_string()], r),
        Some(DoctorGroup::Snapshot(s)) => return snapshot(global, &s),
    };
    let ctx = Context::new(
        global,
        flag_options(global, Some(&run.report), run.kube_version.as_deref()),
    )?;
    let source = if run.snapshot.is_empty() {
        Source::Live(live_options(&ctx.settings, &run.cluster))
    } else {
        Source::Snapshot(run.snapshot)
    };
    let req = Request {
        source,
        groups,
        now: run.now,
    };
    if let Some(interval) = run.watch {
        return watch(&ctx, &req, interval, run.metrics_addr);
    }
    let spinner = ctx.spinner("reading the cluster…");
    let mut stdin = std::io::stdin();
    let report = runtime()?.block_on(srehub_engine::doctor::run(&req, &ctx.settings, &mut stdin));
    spinner.finish_and_clear();
    crate::output::emit(&ctx, &report?)
}

/// `--watch`: re-runs until interrupted; with `--metrics-addr`, a Prometheus exporter of the findings.
fn watch(
    ctx: &Context,
    req: &Request,
    interval: jiff::SignedDuration,
    metrics_addr: Option<std::net::SocketAddr>,
) -> anyhow::Result<ExitCode> {
    let interval = Duration::try_from(interval)
        .ok()
        .filter(|d| *d >= Duration::from_secs(1))
        .ok_or_else(|| {
            anyhow::anyhow!("--watch needs an interval of at least 1s, such as 30s or 5m")
        })?;
    if req.source_reads_stdin() {
        anyhow::bail!(
            "--watch cannot re-read standard input; give a file, a directory or a live cluster"
        );
    }
    let metrics = srehub_core::metrics::ReportMetrics::register("doctor");
    srehub_core::metrics::register_build_info(env!("CARGO_PKG_VERSION"), env!("BUILD_GIT_COMMIT"));
    let rt = runtime()?;
    rt.block_on(async {
        if let Some(addr) = metrics_addr {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("listening on {addr} for --metrics-addr"))?;
            tracing::info!(%addr, "serving metrics on /metrics");
            tokio::spawn(crate::metrics_server::serve(listener));
        }
        loop {
            let started = std::time::Instant::now();
            let mut stdin = std::io::empty();
            match srehub_engine::doctor::run(req, &ctx.settings, &mut stdin).await {
                Ok(report) => {
                    metrics.observe(&report, started.elapsed());
                    if !ctx.quiet {
                        crate::output::emit(ctx, &report)?;
                    }
                }
                Err(e) => {
                    metrics.error();
                    tracing::error!("doctor run failed: {e:#}");
                    if !ctx.quiet {
                        eprintln!("error: {e:#}");
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = tokio::signal::ctrl_c() => return Ok(ExitCode::Clean),
            }
        }
    })
}

fn snapshot(global: &GlobalArgs, args: &SnapshotArgs) -> anyhow::Result<ExitCode> {
    let ctx = Context::new(global, flag_options(global, None, None))?;
    let opts = live_options(&ctx.settings, &args.cluster);
    let spinner = ctx.spinner("reading the cluster…");
    let data = runtime()?.block_on(srehub_engine::doctor::capture(&opts));
    spinner.finish_and_clear();
    let data = data?;
    let objects: usize = data.lists.iter().map(|l| l.pages.len()).sum();
    if args.output.as_os_str() == "-" {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        data.write_list(&mut out)?;
        out.flush()?;
    } else {
        let file = std::fs::File::create(&args.output)
            .with_context(|| format!("creating {}", args.output.display()))?;
        let mut out = std::io::BufWriter::new(file);
        data.write_list(&mut out)?;
        out.flush()
            .with_context(|| format!("writing {}", args.output.display()))?;
    }
    for n in &data.notes {
        tracing::warn!("{n}");
    }
    if !ctx.quiet {
        eprintln!(
            "wrote {} kinds ({objects} pages) from {} to {}",
            data.lists.len(),
            data.target,
            args.output.display()
        );
    }
    Ok(ExitCode::Clean)
}
