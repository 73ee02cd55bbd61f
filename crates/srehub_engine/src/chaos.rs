//! `srehub chaos run`: check the steady-state hypothesis, run the method's faults (proxy toxics,
//! Kubernetes faults, waits, probes during them), check the hypothesis again, roll everything back,
//! and judge the result with the `chaos` checks. The rollback runs whatever happened, Ctrl-C included.

use std::sync::Arc;
use std::time::{Duration, Instant};

use srehub_chaos::cluster::{KubeChaos, Pick};
use srehub_chaos::experiment::{Experiment, Probe};
use srehub_checks::chaos::{CHECKS, ChaosInput};
use srehub_config::Settings;
use srehub_core::{NoteLevel, Report, run_checks};
use srehub_http::{Client, HttpOptions, Method, Request};
use srehub_kube::live::LiveOptions;
use srehub_model::chaos::{ExperimentResult, Phase, ProbeResult, StepResult, TimelineEntry};
use tokio::sync::watch;

use crate::Error;

/// How to run an experiment.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Kubernetes writes with dryRun=All; proxy toxics are not added.
    pub dry_run: bool,
    /// The cluster of the Kubernetes steps.
    pub kube: LiveOptions,
}

/// A finished experiment and its report.
pub struct ExperimentRun {
    pub result: ExperimentResult,
    pub report: Report,
}

struct Runner<'a> {
    started: Instant,
    result: ExperimentResult,
    stop: watch::Receiver<bool>,
    http: Client,
    kube: Option<KubeChaos>,
    toxics: Vec<(String, String, String)>,
    opts: &'a RunOptions,
}

fn dur(what: &str, s: &str) -> Result<Duration, String> {
    srehub_core::duration::parse(s).ok_or_else(|| format!("{what} `{s}` is not a duration"))
}

impl Runner<'_> {
    fn log(&mut self, phase: &str, what: String) {
        tracing::info!(phase, %what, "experiment");
        self.result.timeline.push(TimelineEntry {
            at_s: (self.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            phase: phase.to_string(),
            what,
        });
    }

    fn stopped(&self) -> bool {
        *self.stop.borrow()
    }

    async fn probe(&mut self, p: &Probe, phase: Phase) {
        let (passed, detail) = match probe(p).await {
            Ok(r) => r,
            Err(e) => (false, e),
        };
        self.log(
            phase.as_str(),
            format!(
                "probe `{}`: {} ({detail})",
                p.name,
                if passed { "passed" } else { "FAILED" }
            ),
        );
        self.result.probes.push(ProbeResult {
            name: p.name.clone(),
            phase,
            passed,
            detail,
        });
    }

    fn action(&mut self, what: String, r: Result<String, String>) {
        let (ok, detail) = match r {
            Ok(d) => (true, d),
            Err(e) => (false, e),
        };
        self.log(
            "method",
            format!("{what}: {}", if ok { &detail } else { "FAILED" }),
        );
        self.result.actions.push(StepResult { what, ok, detail });
    }

    async fn step(&mut self, s: &srehub_chaos::experiment::Step) {
        if let Some(w) = &s.wait {
            match dur("wait", w) {
                Ok(d) => {
                    self.log("method", format!("wait {w}"));
                    let mut stop = self.stop.clone();
                    tokio::select! {
                        _ = tokio::time::sleep(d) => {}
                        _ = stop.wait_for(|s| *s) => {}
                    }
                }
                Err(e) => self.action(format!("wait {w}"), Err(e)),
            }
        } else if let Some(p) = &s.probe {
            self.probe(p, Phase::During).await;
        } else if let Some(t) = &s.proxy_toxic {
            let what = format!("proxy_toxic on {} at {}", t.proxy, t.api);
            if self.opts.dry_run {
                self.action(what, Ok("dry run: not added".into()));
                return;
            }
            let r = self.add_toxic(&t.api, &t.proxy, &t.toxic).await;
            self.action(what, r);
        } else if let Some(k) = &s.pod_kill {
            let pick = match (k.count, k.percent) {
                (_, Some(p)) => Pick::Percent(p),
                (n, None) => Pick::Count(n.unwrap_or(1)),
            };
            let what = format!("pod_kill {} in {}", k.selector, k.namespace);
            let r = match &self.kube {
                Some(c) => c
                    .kill_pods(&k.namespace, &k.selector, pick, k.force.then_some(0))
                    .await
                    .map(|pods| format!("deleted {}", pods.join(", ")))
                    .map_err(|e| format!("{e:#}")),
                None => Err("no Kubernetes connection".into()),
            };
            self.action(what, r);
        } else if let Some(p) = &s.partition {
            let what = format!("partition {} in {}", p.selector, p.namespace);
            let r = match &self.kube {
                Some(c) => c
                    .partition(&p.namespace, &p.selector)
                    .await
                    .map(|np| format!("NetworkPolicy {np} denies all traffic"))
                    .map_err(|e| format!("{e:#}")),
                None => Err("no Kubernetes connection".into()),
            };
            self.action(what, r);
        } else if let Some(d) = &s.drain {
            let what = format!("drain {}", d.node);
            let timeout = match d.timeout.as_deref().map(|t| dur("timeout", t)).transpose() {
                Ok(t) => t.unwrap_or(Duration::from_secs(300)),
                Err(e) => return self.action(what, Err(e)),
            };
            let r = match &self.kube {
                Some(c) => c
                    .drain(&d.node, timeout, None)
                    .await
                    .map(|left| {
                        if left.is_empty() {
                            "every pod evicted".to_string()
                        } else {
                            format!("not evicted (PodDisruptionBudget): {}", left.join(", "))
                        }
                    })
                    .map_err(|e| format!("{e:#}")),
                None => Err("no Kubernetes connection".into()),
            };
            self.action(what, r);
        }
    }

    async fn add_toxic(
        &mut self,
        api: &str,
        proxy: &str,
        toxic: &serde_json::Value,
    ) -> Result<String, String> {
        let url = self
            .http
            .url(api, &format!("/proxies/{proxy}/toxics"), &[])
            .map_err(|e| e.to_string())?;
        let body = serde_json::to_vec(toxic).map_err(|e| e.to_string())?;
        let resp = self
            .http
            .send(Request::post(url, "application/json", body))
            .await
            .map_err(|e| format!("{e:#}"))?;
        let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap_or_default();
        if !resp.status.is_success() {
            return Err(format!(
                "HTTP {}: {}",
                resp.status.as_u16(),
                v["error"].as_str().unwrap_or("refused")
            ));
        }
        let name = v["name"].as_str().unwrap_or_default().to_string();
        self.toxics
            .push((api.to_string(), proxy.to_string(), name.clone()));
        Ok(format!("toxic `{name}` added"))
    }

    async fn rollback(&mut self) {
        for (api, proxy, name) in std::mem::take(&mut self.toxics).into_iter().rev() {
            let what = format!("remove toxic `{name}` from {proxy}");
            let r = match self
                .http
                .url(&api, &format!("/proxies/{proxy}/toxics/{name}"), &[])
            {
                Ok(url) => {
                    let mut req = Request::get(url);
                    req.method = Method::DELETE;
                    match self.http.send(req).await {
                        Ok(resp) if resp.status.is_success() || resp.status.as_u16() == 404 => {
                            Ok(())
                        }
                        Ok(resp) => Err(format!("HTTP {}", resp.status.as_u16())),
                        Err(e) => Err(format!("{e:#}")),
                    }
                }
                Err(e) => Err(e.to_string()),
            };
            self.log(
                "rollback",
                format!("{what}: {}", if r.is_ok() { "done" } else { "FAILED" }),
            );
            self.result.rollbacks.push(StepResult {
                what,
                ok: r.is_ok(),
                detail: r.err().unwrap_or_default(),
            });
        }
        if let Some(k) = &self.kube {
            let before = k.journal().len();
            k.rollback().await;
            let undone: Vec<_> = k.journal().into_iter().skip(before).collect();
            for a in undone {
                let ok = a.outcome == "done" || a.outcome == "dry-run";
                self.log(
                    "rollback",
                    format!("{} {}: {}", a.action, a.target, a.outcome),
                );
                self.result.rollbacks.push(StepResult {
                    what: format!("{} {}", a.action, a.target),
                    ok,
                    detail: a.outcome,
                });
            }
        }
    }
}

/// Runs a probe: whether it passed, and what it measured.
async fn probe(p: &Probe) -> Result<(bool, String), String> {
    if let Some(h) = &p.http {
        let expected = h.status.unwrap_or(200);
        let opts = srehub_load::plan::LoadOptions {
            url: Some(h.url.clone()),
            requests: Some(1),
            connections: Some(1),
            method: h.method.clone(),
            timeout: h
                .timeout
                .as_deref()
                .map(|t| dur("timeout", t))
                .transpose()?
                .or(Some(Duration::from_secs(5))),
            ..Default::default()
        };
        let r = run_load(&opts).await?;
        return Ok(match r.status_codes.keys().next() {
            Some(s) => (
                *s == expected,
                format!(
                    "HTTP {s} in {:.1} ms, expected {expected}",
                    r.latency_ms.max
                ),
            ),
            None => (
                false,
                format!(
                    "no response: {}",
                    r.errors.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ),
        });
    }
    if let Some(l) = &p.load {
        let opts = srehub_load::plan::LoadOptions {
            url: Some(l.url.clone()),
            rate: l.rate,
            connections: l.connections,
            duration: Some(dur("duration", &l.duration)?),
            thresholds: l.thresholds.clone(),
            ..Default::default()
        };
        let r = run_load(&opts).await?;
        let failed: Vec<&str> = r
            .thresholds
            .iter()
            .filter(|t| !t.passed)
            .map(|t| t.expression.as_str())
            .collect();
        let passed = if r.thresholds.is_empty() {
            r.error_rate == 0.0 && r.requests > 0
        } else {
            failed.is_empty()
        };
        let mut detail = format!(
            "{} requests, {:.1} req/s, p99 {:.2} ms, error rate {:.2}%",
            r.requests,
            r.requests_per_second,
            r.latency_ms.p99,
            r.error_rate * 100.0
        );
        if !failed.is_empty() {
            detail.push_str(&format!("; failed: {}", failed.join(", ")));
        }
        return Ok((passed, detail));
    }
    if let Some(q) = &p.prometheus {
        let prom = srehub_prometheus::Prometheus::new(&q.url, HttpOptions::default())
            .map_err(|e| format!("{e:#}"))?;
        let series = prom
            .query(&q.query, jiff::Timestamp::now())
            .await
            .map_err(|e| format!("{e:#}"))?;
        let Some(v) = series
            .first()
            .and_then(|s| s.samples.last())
            .map(|(_, v)| *v)
        else {
            return Ok((false, format!("`{}` returned no data", q.query)));
        };
        let below = q.below.is_none_or(|b| v < b);
        let above = q.above.is_none_or(|a| v > a);
        let bounds = [
            q.below.map(|b| format!("< {b}")),
            q.above.map(|a| format!("> {a}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" and ");
        return Ok((below && above, format!("value {v}, expected {bounds}")));
    }
    Err("the probe has no kind".into())
}

async fn run_load(
    opts: &srehub_load::plan::LoadOptions,
) -> Result<srehub_model::load::LoadResult, String> {
    let plan = Arc::new(srehub_load::plan::build(opts).map_err(|e| e.to_string())?);
    let live = srehub_load::runner::Live::new(&plan);
    Ok(srehub_load::runner::run(plan, live).await.0)
}

/// Runs the experiment; `stop` (Ctrl-C) ends the method early, and the rollback still runs.
pub async fn run(
    exp: &Experiment,
    opts: &RunOptions,
    settings: &Settings,
    stop: watch::Receiver<bool>,
) -> Result<ExperimentRun, Error> {
    let selection = settings.selection();
    selection.validate(srehub_checks::all_checks())?;
    let kube = if exp.needs_kubernetes() {
        let conn = srehub_kube::live::connect(&opts.kube).await?;
        Some(KubeChaos::new(conn.client(), opts.dry_run))
    } else {
        None
    };
    let http = Client::new(
        "chaos-proxy",
        HttpOptions {
            retries: 0,
            timeout: Duration::from_secs(10),
            ..HttpOptions::default()
        },
    )
    .map_err(|e| Error::Downstream(e.to_string()))?;
    let mut r = Runner {
        started: Instant::now(),
        result: ExperimentResult {
            title: exp.title.clone(),
            ..Default::default()
        },
        stop,
        http,
        kube,
        toxics: Vec::new(),
        opts,
    };
    for p in &exp.steady_state {
        r.probe(p, Phase::Before).await;
    }
    if r.result.probes.iter().any(|p| !p.passed) {
        r.result.aborted = Some("the steady state was not met before the method".into());
        r.log(
            "method",
            "not run: the steady state was not met before it".into(),
        );
    } else {
        for s in &exp.method {
            if r.stopped() {
                r.result.aborted = Some("interrupted (Ctrl-C)".into());
                break;
            }
            r.step(s).await;
        }
        if r.result.aborted.is_none() && !r.stopped() {
            for p in &exp.steady_state {
                r.probe(p, Phase::After).await;
            }
        } else if r.result.aborted.is_none() {
            r.result.aborted = Some("interrupted (Ctrl-C)".into());
        }
    }
    r.rollback().await;
    let result = r.result;
    let (findings, ran) = run_checks(CHECKS, &ChaosInput { result: &result }, &selection);
    let mut report = Report::new("chaos", jiff::Timestamp::now(), findings, ran)
        .with_target(result.title.clone());
    report.note(
        if result.hypothesis_held() {
            NoteLevel::Info
        } else {
            NoteLevel::Warning
        },
        format!(
            "verdict: the steady-state hypothesis {}",
            match (&result.aborted, result.hypothesis_held()) {
                (Some(why), _) => format!("was not tested: {why}"),
                (None, true) => "held".to_string(),
                (None, false) => "did NOT hold".to_string(),
            }
        ),
    );
    for t in &result.timeline {
        report.note(
            NoteLevel::Info,
            format!("+{:.1}s [{}] {}", t.at_s, t.phase, t.what),
        );
    }
    Ok(ExperimentRun { result, report })
}
