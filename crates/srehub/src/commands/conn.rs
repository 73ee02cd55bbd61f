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

/// A variable of `.env` in the working directory (beneath the real environment, as for settings).
pub fn dotenv(name: &str) -> Option<String> {
    static VARS: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    VARS.get_or_init(|| {
        std::env::current_dir()
            .map(|d| srehub_config::dotenv_vars(&d))
            .unwrap_or_default()
    })
    .iter()
    .find(|(k, _)| k == name)
    .map(|(_, v)| v.clone())
}

/// HTTP options from the connection flags and the `SREHUB_<WHO>_…` credentials.
pub fn http_options(conn: &PromConnArgs, who: &str) -> anyhow::Result<HttpOptions> {
    let env = |k: &str| {
        let name = format!("SREHUB_{who}_{k}");
        std::env::var(&name)
            .ok()
            .or_else(|| dotenv(&name))
            .filter(|v| !v.is_empty())
    };
    let mut headers = Vec::new();
    for h in &conn.headers {
        let (k, v) = h
            .split_once(':')
            .with_context(|| format!("--header `{h}`: expected `Name: value`"))?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    // A secret from `SREHUB_<WHO>_<K>`, or read from the file `SREHUB_<WHO>_<K>_FILE` names (a
    // mounted Secret; surrounding whitespace and the final newline are not part of it).
    let secret = |k: &str| -> anyhow::Result<Option<String>> {
        if let Some(v) = env(k) {
            return Ok(Some(v));
        }
        match env(&format!("{k}_FILE")) {
            Some(path) => {
                let v = std::fs::read_to_string(&path).with_context(|| {
                    format!("SREHUB_{who}_{k}_FILE={path}: cannot read the file")
                })?;
                let v = v.trim();
                anyhow::ensure!(
                    !v.is_empty(),
                    "SREHUB_{who}_{k}_FILE={path}: the file is empty"
                );
                Ok(Some(v.to_string()))
            }
            None => Ok(None),
        }
    };
    let auth = match (secret("TOKEN")?, secret("API_KEY")?, env("USER")) {
        (Some(t), _, _) => Auth::Bearer(t),
        // Artifactory's API keys travel in a header of their own.
        (None, Some(key), _) => Auth::ApiKey {
            header: "X-JFrog-Art-Api".into(),
            key,
        },
        (None, None, Some(user)) => Auth::Basic {
            user,
            password: secret("PASSWORD")?.unwrap_or_default(),
        },
        (None, None, None) => Auth::None,
    };
    Ok(HttpOptions {
        timeout: duration("--timeout", &conn.timeout)?,
        auth,
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
