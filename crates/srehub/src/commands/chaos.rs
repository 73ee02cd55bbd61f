//! `srehub chaos proxy` and `srehub chaos stress`.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use srehub_chaos::proxy::{Proxies, ProxySpec};
use srehub_core::ExitCode;

use super::conn::duration;
use crate::args::{ChaosCommand, ChaosProxyArgs, ChaosStressArgs, GlobalArgs};

pub fn run(global: &GlobalArgs, cmd: &ChaosCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ChaosCommand::Proxy(a) => proxy(global, a),
        ChaosCommand::Stress(a) => stress(a),
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
