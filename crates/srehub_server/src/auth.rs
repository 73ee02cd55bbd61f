//! API keys: only their SHA-256 is configured (never the key itself), each with scopes (`clusters`,
//! `alerts`, `status`, `registry`, `vulns`) and optionally the namespaces it may read. A request
//! presents its key as `Authorization: Bearer KEY` or `X-API-Key: KEY`; keys are compared by hash in
//! constant time, never logged, and rate-limited per key (token bucket).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde::Deserialize;

use crate::error::AppError;

/// One configured key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    pub name: String,
    /// Hex SHA-256 of the key (`printf %s "$KEY" | sha256sum`).
    pub sha256: String,
    pub scopes: Vec<String>,
    /// Namespaces this key may read (all when absent).
    #[serde(default)]
    pub namespaces: Option<Vec<String>>,
}

/// The keys file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysFile {
    pub keys: Vec<KeyConfig>,
}

/// Who is calling.
#[derive(Debug, Clone)]
pub struct Principal {
    pub name: String,
    scopes: Vec<String>,
    namespaces: Option<Vec<String>>,
}

impl Principal {
    /// Anyone, when no keys are configured.
    pub fn anonymous() -> Principal {
        Principal {
            name: "anonymous".into(),
            scopes: vec!["*".into()],
            namespaces: None,
        }
    }

    pub fn require(&self, scope: &str) -> Result<(), AppError> {
        if self.scopes.iter().any(|s| s == scope || s == "*") {
            Ok(())
        } else {
            Err(AppError::Forbidden(scope.to_string()))
        }
    }

    /// Refuses keys limited to some namespaces on routes that span the whole cluster or every
    /// namespace (the doctor's report, alerts).
    pub fn require_all_namespaces(&self, route: &str) -> Result<(), AppError> {
        match &self.namespaces {
            None => Ok(()),
            Some(_) => Err(AppError::Forbidden(format!(
                "{route} (this key is limited to some namespaces and the answer covers all of them)"
            ))),
        }
    }

    pub fn may_read_namespace(&self, ns: &str) -> bool {
        self.namespaces
            .as_ref()
            .is_none_or(|list| list.iter().any(|n| n == ns))
    }
}

pub const SCOPES: &[&str] = &["clusters", "alerts", "status", "registry", "vulns", "*"];

#[derive(Debug)]
pub struct Auth {
    keys: Vec<([u8; 32], Principal)>,
    /// Requests per second per key, and burst.
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    let s = s.trim();
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

impl Auth {
    /// `None` keys: authentication off (every caller may read everything).
    pub fn new(keys: Option<KeysFile>, rate: f64, burst: f64) -> Result<Auth, String> {
        let mut out = Vec::new();
        let mut names = std::collections::BTreeSet::new();
        for (i, k) in keys
            .map(|f| f.keys)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            if !names.insert(k.name.clone()) {
                return Err(format!("keys[{i}]: the name `{}` is used twice", k.name));
            }
            let hash = unhex(&k.sha256)
                .ok_or_else(|| format!("keys[{i}] ({}): sha256 must be 64 hex digits", k.name))?;
            if let Some(bad) = k.scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
                return Err(format!(
                    "keys[{i}] ({}): unknown scope `{bad}` (known: {})",
                    k.name,
                    SCOPES.join(", ")
                ));
            }
            out.push((
                hash,
                Principal {
                    name: k.name,
                    scopes: k.scopes,
                    namespaces: k.namespaces,
                },
            ));
        }
        Ok(Auth {
            keys: out,
            rate,
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    pub fn enabled(&self) -> bool {
        !self.keys.is_empty()
    }

    /// The caller of a presented key, after the rate limit.
    pub fn check(&self, presented: Option<&str>) -> Result<Principal, AppError> {
        if !self.enabled() {
            return Ok(Principal::anonymous());
        }
        let key = presented.ok_or(AppError::Unauthorized)?;
        let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
        let found = self
            .keys
            .iter()
            .filter(|(h, _)| ring_eq(h, digest.as_ref()))
            .map(|(_, p)| p)
            .next()
            .ok_or(AppError::Unauthorized)?;
        self.take_token(&found.name)?;
        Ok(found.clone())
    }

    fn take_token(&self, name: &str) -> Result<(), AppError> {
        let now = Instant::now();
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, last) = b.entry(name.to_string()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.rate).min(self.burst);
        *last = now;
        if *tokens < 1.0 {
            return Err(AppError::RateLimited(name.to_string()));
        }
        *tokens -= 1.0;
        Ok(())
    }
}

/// Constant-time equality of two hashes.
fn ring_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> KeysFile {
        KeysFile {
            keys: vec![KeyConfig {
                name: "grafana".into(),
                // sha256("s3cret")
                sha256: "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0".into(),
                scopes: vec!["clusters".into()],
                namespaces: Some(vec!["shop".into()]),
            }],
        }
    }

    #[test]
    fn keys_scopes_namespaces_and_rate_limits() {
        let a = Auth::new(Some(keys()), 1.0, 2.0).unwrap();
        assert!(matches!(a.check(None), Err(AppError::Unauthorized)));
        assert!(matches!(
            a.check(Some("wrong")),
            Err(AppError::Unauthorized)
        ));
        let p = a.check(Some("s3cret")).unwrap();
        assert_eq!(p.name, "grafana");
        assert!(p.require("clusters").is_ok());
        assert!(matches!(p.require("alerts"), Err(AppError::Forbidden(_))));
        assert!(p.may_read_namespace("shop") && !p.may_read_namespace("kube-system"));
        // Burst of 2: the third request at once is refused.
        assert!(a.check(Some("s3cret")).is_ok());
        assert!(matches!(
            a.check(Some("s3cret")),
            Err(AppError::RateLimited(_))
        ));
        let off = Auth::new(None, 1.0, 1.0).unwrap();
        assert!(off.check(None).unwrap().require("alerts").is_ok());
        let mut bad = keys();
        bad.keys[0].scopes = vec!["everything".into()];
        assert!(
            Auth::new(Some(bad), 1.0, 1.0)
                .unwrap_err()
                .contains("unknown scope")
        );
    }
}
