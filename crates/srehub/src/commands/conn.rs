//! Connection flags shared by the commands that read Prometheus, Alertmanager and registries
//! (`alerts`, `slo report`, `cost`, `serve`).

use std::time::Duration;

use anyhow::Context as _;
use srehub_http::{Auth, HttpOptions};

use crate::args::PromConnArgs;

/// `30s`, `5m`, `14d`.
pub fn duration(flag: &str, v: &str) -> anyhow::Result<Duration> {
    srehub_core::duration::parse(v)
        .filter(|d| !d.is_zero())
        .with_context(|| format!("{flag} `{v}`: expected a duration such as 30s, 5m, 6h or 14d"))
}

/// HTTP options from the connection flags and the `SREHUB_<WHO>_…` credentials.
pub fn http_options(conn: &PromConnArgs, who: &str) -> anyhow::Result<HttpOptions> {
    let env = |k: &str| {
        std::env::var(format!("SREHUB_{who}_{k}"))
            .ok()
            .filter(|v| !v.is_empty())
    };
    let mut headers = Vec::new();
    for h in &conn.headers {
        let (k, v) = h
            .split_once(':')
            .with_context(|| format!("--header `{h}`: expected `Name: value`"))?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    Ok(HttpOptions {
        timeout: duration("--timeout", &conn.timeout)?,
        auth: match (env("TOKEN"), env("USER")) {
            (Some(t), _) => Auth::Bearer(t),
            (None, Some(user)) => Auth::Basic {
                user,
                password: env("PASSWORD").unwrap_or_default(),
            },
            (None, None) => Auth::None,
        },
        headers,
        insecure: conn.insecure,
        ca_pem: conn
            .ca_file
            .as_ref()
            .map(|p| std::fs::read(p).with_context(|| format!("--ca-file {}", p.display())))
            .transpose()?,
        ..HttpOptions::default()
    })
}
