//! Experiment files of `srehub chaos run`, in the spirit of the Chaos Toolkit: a steady-state
//! hypothesis (probes), a method (faults, waits and probes during the faults), and automatic rollback.
//!
//! ```yaml
//! title: checkout survives a slow database
//! kubernetes: {context: staging}            # for pod_kill, drain and partition steps
//! steady_state:
//!   - name: api answers
//!     http: {url: http://127.0.0.1:8080/healthz, status: 200, timeout: 2s}
//!   - name: fast under load
//!     load: {url: http://127.0.0.1:8080/api, rate: 50, duration: 10s, thresholds: ["p99<300ms", "error_rate<1%"]}
//!   - name: few 5xx
//!     prometheus: {url: http://prometheus:9090, query: 'sum(rate(http_requests_total{code=~"5.."}[1m]))', below: 1}
//! method:
//!   - proxy_toxic: {api: http://127.0.0.1:8474, proxy: db, toxic: {type: latency, attributes: {latency: 200}}}
//!   - pod_kill: {namespace: shop, selector: app=api, count: 1}
//!   - wait: 10s
//!   - probe: {name: still up, http: {url: http://127.0.0.1:8080/healthz}}
//! ```

use std::path::Path;

use serde::Deserialize;

/// An experiment file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub kubernetes: Option<KubeTarget>,
    pub steady_state: Vec<Probe>,
    pub method: Vec<Step>,
}

/// Which cluster the Kubernetes steps act on (default: the current kubeconfig context).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KubeTarget {
    #[serde(default)]
    pub kubeconfig: Option<String>,
    #[serde(default)]
    pub context: Option<String>,
}

/// A probe: exactly one of `http`, `load` or `prometheus`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    pub name: String,
    #[serde(default)]
    pub http: Option<HttpProbe>,
    #[serde(default)]
    pub load: Option<LoadProbe>,
    #[serde(default)]
    pub prometheus: Option<PromProbe>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpProbe {
    pub url: String,
    #[serde(default)]
    pub method: Option<String>,
    /// Expected status [default: 200].
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub timeout: Option<String>,
}

/// A `srehub load` run judged by its thresholds (without any: no failed request).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadProbe {
    pub url: String,
    #[serde(default)]
    pub rate: Option<f64>,
    #[serde(default)]
    pub connections: Option<u64>,
    pub duration: String,
    #[serde(default)]
    pub thresholds: Vec<String>,
}

/// An instant query whose first value must be `below` and/or `above` a bound.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromProbe {
    pub url: String,
    pub query: String,
    #[serde(default)]
    pub below: Option<f64>,
    #[serde(default)]
    pub above: Option<f64>,
}

/// One step of the method: exactly one field.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(default)]
    pub wait: Option<String>,
    #[serde(default)]
    pub probe: Option<Probe>,
    #[serde(default)]
    pub proxy_toxic: Option<ProxyToxic>,
    #[serde(default)]
    pub pod_kill: Option<PodKillStep>,
    #[serde(default)]
    pub partition: Option<PartitionStep>,
    #[serde(default)]
    pub drain: Option<DrainStep>,
}

/// A toxic added through a toxiproxy-compatible API (srehub's proxy or toxiproxy), removed at the end.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyToxic {
    pub api: String,
    pub proxy: String,
    pub toxic: serde_json::Value,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PodKillStep {
    pub namespace: String,
    pub selector: String,
    #[serde(default)]
    pub count: Option<usize>,
    #[serde(default)]
    pub percent: Option<f64>,
    #[serde(default)]
    pub force: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartitionStep {
    pub namespace: String,
    pub selector: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrainStep {
    pub node: String,
    #[serde(default)]
    pub timeout: Option<String>,
}

/// A problem in an experiment file, with where it is.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct SpecError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

fn one_of(what: &str, set: &[bool], names: &str) -> Result<(), String> {
    match set.iter().filter(|b| **b).count() {
        1 => Ok(()),
        0 => Err(format!("{what}: give one of {names}")),
        _ => Err(format!("{what}: give only one of {names}")),
    }
}

impl Probe {
    fn validate(&self) -> Result<(), String> {
        one_of(
            &format!("probe `{}`", self.name),
            &[
                self.http.is_some(),
                self.load.is_some(),
                self.prometheus.is_some(),
            ],
            "http, load, prometheus",
        )?;
        if let Some(p) = &self.prometheus
            && p.below.is_none()
            && p.above.is_none()
        {
            return Err(format!(
                "probe `{}`: give `below` and/or `above`",
                self.name
            ));
        }
        Ok(())
    }
}

impl Experiment {
    /// Checks what serde cannot: one kind per probe and per step, a non-empty hypothesis and method.
    pub fn validate(&self) -> Result<(), String> {
        if self.steady_state.is_empty() {
            return Err("steady_state: give at least one probe (the hypothesis)".into());
        }
        if self.method.is_empty() {
            return Err("method: give at least one step".into());
        }
        for p in &self.steady_state {
            p.validate()?;
        }
        for (i, s) in self.method.iter().enumerate() {
            one_of(
                &format!("method step {}", i + 1),
                &[
                    s.wait.is_some(),
                    s.probe.is_some(),
                    s.proxy_toxic.is_some(),
                    s.pod_kill.is_some(),
                    s.partition.is_some(),
                    s.drain.is_some(),
                ],
                "wait, probe, proxy_toxic, pod_kill, partition, drain",
            )?;
            if let Some(p) = &s.probe {
                p.validate()?;
            }
        }
        Ok(())
    }

    /// Whether a step acts on Kubernetes.
    pub fn needs_kubernetes(&self) -> bool {
        self.method
            .iter()
            .any(|s| s.pod_kill.is_some() || s.partition.is_some() || s.drain.is_some())
    }
}

/// Parses and validates an experiment.
pub fn parse(text: &str, path: &Path) -> Result<Experiment, SpecError> {
    let e: Experiment = serde_yaml_ng::from_str(text).map_err(|e| {
        let (line, column, message) = srehub_core::yaml_error(&e);
        SpecError {
            path: path.display().to_string(),
            line,
            column,
            message,
        }
    })?;
    e.validate().map_err(|message| SpecError {
        path: path.display().to_string(),
        line: 1,
        column: 1,
        message,
    })?;
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
title: checkout survives a slow database
steady_state:
  - name: api answers
    http: {url: "http://127.0.0.1:8080/healthz", status: 200, timeout: 2s}
  - name: few 5xx
    prometheus: {url: "http://127.0.0.1:9090", query: "vector(0)", below: 1}
method:
  - proxy_toxic: {api: "http://127.0.0.1:8474", proxy: db, toxic: {type: latency, attributes: {latency: 200}}}
  - wait: 10s
"#;

    #[test]
    fn the_documented_shape_parses() {
        let e = parse(EXAMPLE, Path::new("e.yaml")).unwrap();
        assert_eq!(e.steady_state.len(), 2);
        assert!(!e.needs_kubernetes());
    }

    #[test]
    fn mistakes_name_the_place() {
        let e = parse(
            &EXAMPLE.replace("wait: 10s", "wiat: 10s"),
            Path::new("e.yaml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("e.yaml:10:5: method[1]"), "{e}");
        assert!(e.contains("unknown field `wiat`"), "{e}");
        let e = parse(
            &EXAMPLE.replace("    prometheus: {url: \"http://127.0.0.1:9090\", query: \"vector(0)\", below: 1}\n", ""),
            Path::new("e.yaml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("probe `few 5xx`: give one of http, load, prometheus"),
            "{e}"
        );
    }
}
