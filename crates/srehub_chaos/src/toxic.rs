//! Toxics: the faults a proxy injects, as toxiproxy defines them (same names, attributes, units and
//! JSON), plus two HTTP faults of srehub's own.
//!
//! | Type | Attributes | Effect |
//! |---|---|---|
//! | `latency` | `latency`, `jitter` (ms) | delays each chunk of data |
//! | `bandwidth` | `rate` (KB/s) | limits the throughput (0: no limit, as in toxiproxy) |
//! | `slow_close` | `delay` (ms) | delays closing the connection |
//! | `timeout` | `timeout` (ms) | stops the data; closes after the timeout (0: never) |
//! | `reset_peer` | `timeout` (ms) | resets the connection (TCP RST) after the timeout |
//! | `slicer` | `average_size`, `size_variation` (bytes), `delay` (µs) | splits writes into small ones |
//! | `limit_data` | `bytes` | closes the connection after this many bytes |
//! | `http_error` | `status` (503), `body` | answers requests itself with this status |
//! | `http_abort` | — | resets the connection instead of forwarding a request |
//!
//! `toxicity` (0–1) is the probability that a toxic applies to a connection, or for the HTTP toxics to
//! a request.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Error;

/// Which way the data flows: `upstream` from the client to the server, `downstream` back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Upstream,
    #[default]
    Downstream,
}

impl Stream {
    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Upstream => "upstream",
            Stream::Downstream => "downstream",
        }
    }
}

/// A toxic as the API reads and writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToxicSpec {
    #[serde(default)]
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub stream: Stream,
    #[serde(default = "one")]
    pub toxicity: f64,
    #[serde(default)]
    pub attributes: Map<String, Value>,
}

fn one() -> f64 {
    1.0
}

/// A validated toxic.
#[derive(Debug, Clone, PartialEq)]
pub enum Toxic {
    Latency {
        latency_ms: u64,
        jitter_ms: u64,
    },
    Bandwidth {
        rate_kb: u64,
    },
    SlowClose {
        delay_ms: u64,
    },
    Timeout {
        timeout_ms: u64,
    },
    ResetPeer {
        timeout_ms: u64,
    },
    Slicer {
        average_size: u64,
        size_variation: u64,
        delay_us: u64,
    },
    LimitData {
        bytes: u64,
    },
    HttpError {
        status: u16,
        body: String,
    },
    HttpAbort,
}

impl Toxic {
    /// Whether it acts on HTTP requests rather than on bytes.
    pub fn is_http(&self) -> bool {
        matches!(self, Toxic::HttpError { .. } | Toxic::HttpAbort)
    }
}

fn attr(attrs: &Map<String, Value>, key: &str, default: u64) -> Result<u64, Error> {
    match attrs.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_u64()
            .or_else(|| {
                v.as_f64()
                    .filter(|f| *f >= 0.0 && f.is_finite())
                    .map(|f| f as u64)
            })
            .ok_or_else(|| {
                Error::BadRequest(format!("attribute `{key}` must be a number, 0 or more"))
            }),
    }
}

const KNOWN: &[(&str, &[&str])] = &[
    ("latency", &["latency", "jitter"]),
    ("bandwidth", &["rate"]),
    ("slow_close", &["delay"]),
    ("timeout", &["timeout"]),
    ("reset_peer", &["timeout"]),
    ("slicer", &["average_size", "size_variation", "delay"]),
    ("limit_data", &["bytes"]),
    ("http_error", &["status", "body"]),
    ("http_abort", &[]),
];

impl ToxicSpec {
    /// Validates the spec, fills in the default name (`TYPE_STREAM`) and every attribute's default, and
    /// returns the typed toxic.
    pub fn resolve(&mut self) -> Result<Toxic, Error> {
        let Some((_, keys)) = KNOWN.iter().find(|(k, _)| *k == self.kind) else {
            return Err(Error::BadRequest(format!(
                "unknown toxic type `{}`: use {}",
                self.kind,
                KNOWN.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
            )));
        };
        if let Some(k) = self.attributes.keys().find(|k| !keys.contains(&k.as_str())) {
            return Err(Error::BadRequest(format!(
                "toxic `{}` has no attribute `{k}` (it has: {})",
                self.kind,
                keys.join(", ")
            )));
        }
        if !(0.0..=1.0).contains(&self.toxicity) {
            return Err(Error::BadRequest(format!(
                "toxicity {} must be between 0 and 1",
                self.toxicity
            )));
        }
        if self.name.is_empty() {
            self.name = format!("{}_{}", self.kind, self.stream.as_str());
        }
        let a = &self.attributes;
        let toxic = match self.kind.as_str() {
            "latency" => Toxic::Latency {
                latency_ms: attr(a, "latency", 0)?,
                jitter_ms: attr(a, "jitter", 0)?,
            },
            "bandwidth" => Toxic::Bandwidth {
                rate_kb: attr(a, "rate", 0)?,
            },
            "slow_close" => Toxic::SlowClose {
                delay_ms: attr(a, "delay", 0)?,
            },
            "timeout" => Toxic::Timeout {
                timeout_ms: attr(a, "timeout", 0)?,
            },
            "reset_peer" => Toxic::ResetPeer {
                timeout_ms: attr(a, "timeout", 0)?,
            },
            "slicer" => Toxic::Slicer {
                average_size: attr(a, "average_size", 0)?,
                size_variation: attr(a, "size_variation", 0)?,
                delay_us: attr(a, "delay", 0)?,
            },
            "limit_data" => Toxic::LimitData {
                bytes: attr(a, "bytes", 0)?,
            },
            "http_error" => {
                let status = attr(a, "status", 503)?;
                if !(100..=599).contains(&status) {
                    return Err(Error::BadRequest(format!(
                        "status {status} is not an HTTP status"
                    )));
                }
                let body = match a.get("body") {
                    None | Some(Value::Null) => format!("srehub chaos: injected {status}\n"),
                    Some(Value::String(s)) => s.clone(),
                    Some(_) => {
                        return Err(Error::BadRequest(
                            "attribute `body` must be a string".into(),
                        ));
                    }
                };
                Toxic::HttpError {
                    status: status as u16,
                    body,
                }
            }
            _ => Toxic::HttpAbort,
        };
        // Echo every attribute with its value in force, as toxiproxy does.
        let filled: Map<String, Value> = match &toxic {
            Toxic::Latency {
                latency_ms,
                jitter_ms,
            } => [
                ("latency", (*latency_ms).into()),
                ("jitter", (*jitter_ms).into()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
            Toxic::Bandwidth { rate_kb } => [("rate".to_string(), (*rate_kb).into())]
                .into_iter()
                .collect(),
            Toxic::SlowClose { delay_ms } => [("delay".to_string(), (*delay_ms).into())]
                .into_iter()
                .collect(),
            Toxic::Timeout { timeout_ms } | Toxic::ResetPeer { timeout_ms } => {
                [("timeout".to_string(), (*timeout_ms).into())]
                    .into_iter()
                    .collect()
            }
            Toxic::Slicer {
                average_size,
                size_variation,
                delay_us,
            } => [
                ("average_size", (*average_size).into()),
                ("size_variation", (*size_variation).into()),
                ("delay", (*delay_us).into()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
            Toxic::LimitData { bytes } => [("bytes".to_string(), (*bytes).into())]
                .into_iter()
                .collect(),
            Toxic::HttpError { status, body } => [
                ("status".to_string(), Value::from(*status)),
                ("body".to_string(), Value::from(body.clone())),
            ]
            .into_iter()
            .collect(),
            Toxic::HttpAbort => Map::new(),
        };
        self.attributes = filled;
        Ok(toxic)
    }
}

/// `--toxic 'latency,latency=100,jitter=10,stream=upstream,toxicity=0.5,name=slow'` on the command line.
pub fn parse_flag(s: &str) -> Result<ToxicSpec, Error> {
    let mut parts = s.split(',');
    let kind = parts.next().unwrap_or_default().trim().to_string();
    let mut spec = ToxicSpec {
        name: String::new(),
        kind,
        stream: Stream::Downstream,
        toxicity: 1.0,
        attributes: Map::new(),
    };
    for p in parts {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| Error::BadRequest(format!("--toxic `{s}`: `{p}` is not KEY=VALUE")))?;
        let (k, v) = (k.trim(), v.trim());
        match k {
            "stream" => {
                spec.stream = match v {
                    "upstream" => Stream::Upstream,
                    "downstream" => Stream::Downstream,
                    _ => {
                        return Err(Error::BadRequest(format!(
                            "--toxic `{s}`: stream is upstream or downstream"
                        )));
                    }
                }
            }
            "toxicity" => {
                spec.toxicity = v.parse().map_err(|_| {
                    Error::BadRequest(format!("--toxic `{s}`: toxicity `{v}` is not a number"))
                })?
            }
            "name" => spec.name = v.to_string(),
            "body" => {
                spec.attributes.insert(k.into(), Value::from(v));
            }
            _ => {
                let n: f64 = v.parse().map_err(|_| {
                    Error::BadRequest(format!("--toxic `{s}`: `{v}` is not a number"))
                })?;
                spec.attributes.insert(
                    k.into(),
                    serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
                );
            }
        }
    }
    spec.resolve()?;
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_in_as_toxiproxy_does() {
        let mut s: ToxicSpec =
            serde_json::from_str(r#"{"type": "latency", "attributes": {"latency": 100}}"#).unwrap();
        let t = s.resolve().unwrap();
        assert_eq!(
            t,
            Toxic::Latency {
                latency_ms: 100,
                jitter_ms: 0
            }
        );
        assert_eq!(s.name, "latency_downstream");
        assert_eq!(s.attributes["jitter"], 0);
        assert_eq!(s.toxicity, 1.0);
    }

    #[test]
    fn bad_toxics_are_refused_with_the_reason() {
        for (json, needle) in [
            (r#"{"type": "lag"}"#, "unknown toxic type `lag`"),
            (
                r#"{"type": "latency", "attributes": {"delay": 1}}"#,
                "no attribute `delay`",
            ),
            (r#"{"type": "latency", "toxicity": 2}"#, "toxicity"),
            (
                r#"{"type": "http_error", "attributes": {"status": 42}}"#,
                "not an HTTP status",
            ),
            (
                r#"{"type": "latency", "attributes": {"latency": -5}}"#,
                "0 or more",
            ),
        ] {
            let mut s: ToxicSpec = serde_json::from_str(json).unwrap();
            let e = s.resolve().unwrap_err().to_string();
            assert!(e.contains(needle), "{json}: {e}");
        }
    }

    #[test]
    fn the_flag_form() {
        let s = parse_flag("http_error,status=500,toxicity=0.25,name=five").unwrap();
        assert_eq!(s.name, "five");
        assert_eq!(s.toxicity, 0.25);
        assert_eq!(s.attributes["status"], 500);
        assert!(parse_flag("latency,latency").is_err());
    }
}
