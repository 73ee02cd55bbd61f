//! `srehub chaos proxy` and `srehub chaos stress`.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use srehub_chaos::proxy::{Proxies, ProxySpec};
use srehub_core::ExitCode;

use super::conn::duration;
use crate::args::{
    ChaosCommand, ChaosProxyArgs, ChaosRunArgs, ChaosStressArgs, ClusterArgs, DrainArgs,
    GlobalArgs, JournalOutput, KubeFaultArgs, PartitionArgs, PodKillArgs,
};

pub fn run(global: &GlobalArgs, cmd: &ChaosCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ChaosCommand::Proxy(a) => proxy(global, a),
        ChaosCommand::Stress(a) => stress(a),
        ChaosCommand::PodKill(a) => kube_fault(global, &a.kube, Fault::PodKill(a)),
        ChaosCommand::Drain(a) => kube_fault(global, &a.kube, Fault::Drain(a)),
        ChaosCommand::Partition(a) => kube_fault(global, &a.kube, Fault::Partition(a)),
        ChaosCommand::Run(a) => experiment(global, a),
    }
}

fn experiment(global: &GlobalArgs, a: &ChaosRunArgs) -> anyhow::Result<ExitCode> {
    let ctx = crate::context::Context::new(
        global,
        crate::context::flag_options(global, Some(&a.report), None),
    )?;
    let text = std::fs::read_to_string(&a.experiment)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", a.experiment.display()))?;
    let exp = srehub_chaos::experiment::parse(&text, &a.experiment)?;
    let target = exp.kubernetes.clone().unwrap_or_default();
    let kube = super::doctor::live_options(
        &ctx.settings,
        &ClusterArgs {
            kubeconfig: a
                .kubeconfig
                .clone()
                .or_else(|| target.kubeconfig.map(Into::into)),
            context: a.context.clone().or(target.context),
            namespace: None,
            all_namespaces: false,
        },
    );
    let opts = srehub_engine::chaos::RunOptions {
        dry_run: a.dry_run,
        kube,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let run = rt.block_on(async {
        let (tx, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = tx.send(true);
            }
        });
        srehub_engine::chaos::run(&exp, &opts, &ctx.settings, rx).await
    })?;
    crate::output::emit(&ctx, &run.report)
}

#[derive(Clone, Copy)]
enum Fault<'a> {
    PodKill(&'a PodKillArgs),
    Drain(&'a DrainArgs),
    Partition(&'a PartitionArgs),
}

/// Waits for `d`, or less when Ctrl-C comes (then returns false).
async fn hold(d: std::time::Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => true,
        _ = tokio::signal::ctrl_c() => false,
    }
}

fn kube_fault(
    global: &GlobalArgs,
    k: &KubeFaultArgs,
    fault: Fault<'_>,
) -> anyhow::Result<ExitCode> {
    let ctx =
        crate::context::Context::new(global, crate::context::flag_options(global, None, None))?;
    let opts = super::doctor::live_options(
        &ctx.settings,
        &ClusterArgs {
            kubeconfig: k.kubeconfig.clone(),
            context: k.context.clone(),
            namespace: None,
            all_namespaces: false,
        },
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (journal, failed, error) = rt.block_on(async {
        let conn = srehub_kube::live::connect(&opts)
            .await
            .map_err(srehub_engine::Error::from)?;
        let chaos = srehub_chaos::cluster::KubeChaos::new(conn.client(), k.dry_run);
        // Ctrl-C at any point ends the fault and goes on to the rollback.
        let result: anyhow::Result<()> = tokio::select! {
            r = fault_steps(&chaos, fault) => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted (Ctrl-C): rolled back")),
        };
        let keep = matches!(fault, Fault::Drain(a) if a.keep_cordoned) && result.is_ok();
        let failed = if keep { 0 } else { chaos.rollback().await };
        anyhow::Ok((chaos.journal(), failed, result.err()))
    })?;
    print_journal(k, &journal)?;
    if let Some(e) = error {
        return Err(e);
    }
    Ok(if failed > 0 {
        ExitCode::Unreachable
    } else {
        ExitCode::Clean
    })
}

fn print_journal(
    k: &KubeFaultArgs,
    journal: &[srehub_chaos::cluster::Action],
) -> anyhow::Result<()> {
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    match k.output.unwrap_or(if terminal {
        JournalOutput::Table
    } else {
        JournalOutput::Json
    }) {
        JournalOutput::Json => println!("{}", serde_json::to_string_pretty(journal)?),
        JournalOutput::Table => {
            for a in journal {
                println!("{}  {:<22} {:<40} {}", a.at, a.action, a.target, a.outcome);
            }
        }
    }
    Ok(())
}

async fn fault_steps(
    chaos: &srehub_chaos::cluster::KubeChaos,
    fault: Fault<'_>,
) -> anyhow::Result<()> {
    {
        match fault {
            Fault::PodKill(a) => {
                use srehub_chaos::cluster::Pick;
                let pick = match (a.count, a.percent, a.all) {
                    (_, _, true) => Pick::All,
                    (_, Some(p), _) if (0.0..=100.0).contains(&p) => Pick::Percent(p),
                    (_, Some(p), _) => anyhow::bail!("--percent {p}: between 0 and 100"),
                    (n, None, false) => Pick::Count(n.unwrap_or(1)),
                };
                let grace = if a.force { Some(0) } else { a.grace };
                let interval = a
                    .interval
                    .as_deref()
                    .map(|d| duration("--interval", d))
                    .transpose()?;
                let total = a
                    .duration
                    .as_deref()
                    .map(|d| duration("--duration", d))
                    .transpose()?;
                let end = total.map(|t| std::time::Instant::now() + t);
                loop {
                    chaos
                        .kill_pods(&a.namespace, &a.selector, pick, grace)
                        .await?;
                    let Some(every) = interval else { break };
                    if end.is_some_and(|e| std::time::Instant::now() + every > e)
                        || !hold(every).await
                    {
                        break;
                    }
                }
            }
            Fault::Drain(a) => {
                let timeout = duration("--timeout", &a.timeout)?;
                let stay = a
                    .duration
                    .as_deref()
                    .map(|d| duration("--duration", d))
                    .transpose()?
                    .unwrap_or_default();
                let left = chaos.drain(&a.node, timeout, a.grace).await?;
                if !left.is_empty() {
                    tracing::warn!(
                        "{} pod(s) could not be evicted: {}",
                        left.len(),
                        left.join(", ")
                    );
                }
                if !stay.is_zero() {
                    hold(stay).await;
                }
                if a.keep_cordoned {
                    // Forget the uncordon: the operator asked to keep it.
                    return Ok(());
                }
            }
            Fault::Partition(a) => {
                let stay = duration("--duration", &a.duration)?;
                chaos.partition(&a.namespace, &a.selector).await?;
                hold(stay).await;
            }
        }
        Ok(())
    }
}

fn bad(e: srehub_chaos::Error) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

fn proxy(global: &GlobalArgs, a: &ChaosProxyArgs) -> anyhow::Result<ExitCode> {
    let mut specs: Vec<ProxySpec> = Vec::new();
    if let Some(path) = &a.config {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        specs = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}:{}: {e} (expected a JSON array of {{name, listen, upstream}})",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
    }
    if let (Some(listen), Some(upstream)) = (&a.listen, &a.upstream) {
        let toxics = a
            .toxics
            .iter()
            .map(|t| srehub_chaos::toxic::parse_flag(t))
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad)?;
        specs.push(ProxySpec {
            name: a.name.clone(),
            listen: listen.clone(),
            upstream: upstream.clone(),
            enabled: true,
            toxics,
        });
    } else if !a.toxics.is_empty() {
        anyhow::bail!("--toxic needs --listen and --upstream");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let proxies = Arc::new(Proxies::default());
        for s in specs {
            let out = proxies.create(s, false).await.map_err(bad)?;
            if !global.quiet {
                eprintln!(
                    "proxy {}: {} → {} ({} toxic(s))",
                    out.name,
                    out.listen,
                    out.upstream,
                    out.toxics.len()
                );
            }
        }
        let listener = tokio::net::TcpListener::bind(&a.api)
            .await
            .map_err(|e| anyhow::anyhow!("--api {}: {e}", a.api))?;
        if !global.quiet {
            eprintln!(
                "control API (toxiproxy-compatible) on http://{}; Ctrl-C stops",
                listener.local_addr()?
            );
        }
        let app = srehub_chaos::api::router(proxies.clone());
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        proxies.shutdown().await;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::Clean)
}

fn stress(a: &ChaosStressArgs) -> anyhow::Result<ExitCode> {
    let spec = srehub_chaos::stress::StressSpec {
        cpu: a.cpu,
        cpu_load: a.cpu_load,
        memory: a
            .memory
            .as_deref()
            .map(srehub_chaos::stress::parse_size)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--memory: {e}"))?
            .unwrap_or(0),
        duration: duration("--duration", &a.duration)?,
    };
    spec.validate().map_err(bad)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async {
            let _ = tokio::signal::ctrl_c().await;
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
        });
    });
    let report = srehub_chaos::stress::run(&spec, &stop).map_err(bad)?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::Clean)
}
