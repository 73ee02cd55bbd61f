//! `srehub cost`: read the usage of every workload container from Prometheus (cAdvisor and
//! kube-state-metrics series), recommend requests and limits, and report waste and shortage.
//!
//! Queries are batched per namespace (never growing pod regexes): per-pod series come back in one
//! answer per namespace and query, and are folded into workloads here through `kube_pod_owner`,
//! `kube_replicaset_owner` and `kube_job_owner`. At most `concurrency` queries are in flight.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt as _;
use jiff::Timestamp;
use srehub_checks::cost::{CHECKS, CostInput, CostSettings};
use srehub_config::Settings;
use srehub_core::{NoteLevel, Report, run_checks};
use srehub_http::HttpOptions;
use srehub_model::metrics::{ContainerUsage, Labels, PriceSource, Prices, Series, UsageModel};
use srehub_prometheus::{PromError, Prometheus};

use crate::Error;

#[derive(Debug, Clone)]
pub struct CostRequest {
    pub prometheus: String,
    pub http: HttpOptions,
    /// Namespaces to look at; all with pods when empty.
    pub namespaces: Vec<String>,
    pub history: std::time::Duration,
    /// CPU usage percentile (0..1).
    pub cpu_quantile: f64,
    pub concurrency: usize,
    /// Prices (per core-hour, per GiB-hour); OpenCost's metrics when absent and present.
    pub prices: Option<(f64, f64)>,
    pub settings: CostSettings,
}

fn err(e: PromError) -> Error {
    Error::from_prom(&e, Error::Cost)
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Q {
    PodOwner,
    RsOwner,
    JobOwner,
    PodsNow,
    Requests,
    Limits,
    Cpu,
    MemPeak,
    Points,
    Oom,
    Throttle,
    HpaInfo,
    HpaMetric,
}

fn queries(ns: &str, w: &str, q: f64) -> Vec<(Q, String)> {
    let sel = format!(r#"namespace="{ns}""#);
    let c = format!(r#"namespace="{ns}",container!="",container!="POD""#);
    vec![
        (
            Q::PodOwner,
            format!("max_over_time(kube_pod_owner{{{sel}}}[{w}])"),
        ),
        (
            Q::RsOwner,
            format!("max_over_time(kube_replicaset_owner{{{sel}}}[{w}])"),
        ),
        (
            Q::JobOwner,
            format!("max_over_time(kube_job_owner{{{sel}}}[{w}])"),
        ),
        (Q::PodsNow, format!("kube_pod_owner{{{sel}}}")),
        (
            Q::Requests,
            format!("kube_pod_container_resource_requests{{{sel}}}"),
        ),
        (
            Q::Limits,
            format!("kube_pod_container_resource_limits{{{sel}}}"),
        ),
        (
            Q::Cpu,
            format!(
                "quantile_over_time({q}, rate(container_cpu_usage_seconds_total{{{c}}}[5m])[{w}:5m])"
            ),
        ),
        (
            Q::MemPeak,
            format!("max_over_time(container_memory_working_set_bytes{{{c}}}[{w}])"),
        ),
        (
            Q::Points,
            format!("count_over_time(container_memory_working_set_bytes{{{c}}}[{w}])"),
        ),
        (
            Q::Oom,
            format!(
                r#"max_over_time(kube_pod_container_status_last_terminated_reason{{{sel},reason="OOMKilled"}}[{w}])"#
            ),
        ),
        (
            Q::Throttle,
            format!(
                "avg_over_time((rate(container_cpu_cfs_throttled_periods_total{{{c}}}[5m]) / rate(container_cpu_cfs_periods_total{{{c}}}[5m]))[{w}:5m])"
            ),
        ),
        (
            Q::HpaInfo,
            format!("kube_horizontalpodautoscaler_info{{{sel}}}"),
        ),
        (
            Q::HpaMetric,
            format!("kube_horizontalpodautoscaler_spec_target_metric{{{sel}}}"),
        ),
    ]
}

fn label<'a>(l: &'a Labels, k: &str) -> &'a str {
    l.get(k).map_or("", String::as_str)
}

fn value(s: &Series) -> f64 {
    s.samples.last().map_or(f64::NAN, |p| p.1)
}

/// Folds one namespace's answers into containers of workloads.
fn fold(ns: &str, answers: &BTreeMap<Q, Vec<Series>>) -> Vec<ContainerUsage> {
    let get = |q: Q| answers.get(&q).map_or(&[][..], Vec::as_slice);
    let rs_owner: BTreeMap<&str, (&str, &str)> = get(Q::RsOwner)
        .iter()
        .map(|s| {
            (
                label(&s.labels, "replicaset"),
                (
                    label(&s.labels, "owner_kind"),
                    label(&s.labels, "owner_name"),
                ),
            )
        })
        .collect();
    let job_owner: BTreeMap<&str, (&str, &str)> = get(Q::JobOwner)
        .iter()
        .map(|s| {
            (
                label(&s.labels, "job_name"),
                (
                    label(&s.labels, "owner_kind"),
                    label(&s.labels, "owner_name"),
                ),
            )
        })
        .collect();
    // Pod → workload (kind, name).
    let mut workload_of: BTreeMap<&str, (String, String)> = BTreeMap::new();
    for s in get(Q::PodOwner) {
        let pod = label(&s.labels, "pod");
        let (kind, name) = (
            label(&s.labels, "owner_kind"),
            label(&s.labels, "owner_name"),
        );
        let w = match kind {
            "ReplicaSet" => match rs_owner.get(name) {
                Some((k, n)) if !k.is_empty() && *k != "<none>" => (k.to_string(), n.to_string()),
                _ => ("ReplicaSet".into(), name.into()),
            },
            "Job" => match job_owner.get(name) {
                Some((k, n)) if !k.is_empty() && *k != "<none>" => (k.to_string(), n.to_string()),
                _ => ("Job".into(), name.into()),
            },
            "" | "<none>" => ("Pod".into(), pod.into()),
            k => (k.into(), name.into()),
        };
        workload_of.insert(pod, w);
    }
    let key = |s: &Series| -> Option<(String, String, String)> {
        let (k, n) = workload_of.get(label(&s.labels, "pod"))?;
        Some((
            k.clone(),
            n.clone(),
            label(&s.labels, "container").to_string(),
        ))
    };
    let mut out: BTreeMap<(String, String, String), ContainerUsage> = BTreeMap::new();
    fn entry<'m>(
        out: &'m mut BTreeMap<(String, String, String), ContainerUsage>,
        ns: &str,
        k: (String, String, String),
    ) -> &'m mut ContainerUsage {
        out.entry(k.clone()).or_insert_with(|| ContainerUsage {
            kind: k.0,
            namespace: ns.to_string(),
            workload: k.1,
            container: k.2,
            ..ContainerUsage::default()
        })
    }
    let max = |a: Option<f64>, b: f64| {
        if b.is_finite() {
            Some(a.map_or(b, |a| a.max(b)))
        } else {
            a
        }
    };
    for s in get(Q::Cpu) {
        if let Some(k) = key(s) {
            let c = entry(&mut out, ns, k);
            c.cpu_usage = max(c.cpu_usage, value(s));
        }
    }
    for s in get(Q::MemPeak) {
        if let Some(k) = key(s) {
            let c = entry(&mut out, ns, k);
            c.memory_peak = max(c.memory_peak, value(s));
        }
    }
    for s in get(Q::Points) {
        if let Some(k) = key(s) {
            let v = value(s);
            if v.is_finite() {
                entry(&mut out, ns, k).points += v as u64;
            }
        }
    }
    for s in get(Q::Oom) {
        if let Some(k) = key(s)
            && value(s) > 0.0
        {
            entry(&mut out, ns, k).oom_killed = true;
        }
    }
    for s in get(Q::Throttle) {
        if let Some(k) = key(s) {
            let c = entry(&mut out, ns, k);
            c.throttled = max(c.throttled, value(s));
        }
    }
    // Requests and limits of the pods running now.
    for (q, is_limit) in [(Q::Requests, false), (Q::Limits, true)] {
        for s in get(q) {
            let Some(k) = key(s) else { continue };
            let v = value(s);
            let c = entry(&mut out, ns, k);
            let slot = match (label(&s.labels, "resource"), is_limit) {
                ("cpu", false) => &mut c.cpu_request,
                ("cpu", true) => &mut c.cpu_limit,
                ("memory", false) => &mut c.memory_request,
                ("memory", true) => &mut c.memory_limit,
                _ => continue,
            };
            *slot = max(*slot, v);
        }
    }
    let mut replicas: BTreeMap<(String, String), BTreeSet<&str>> = BTreeMap::new();
    for s in get(Q::PodsNow) {
        let pod = label(&s.labels, "pod");
        if let Some((k, n)) = workload_of.get(pod) {
            replicas
                .entry((k.clone(), n.clone()))
                .or_default()
                .insert(pod);
        }
    }
    // HPAs: target → metrics.
    let hpa_target: BTreeMap<&str, (&str, &str)> = get(Q::HpaInfo)
        .iter()
        .map(|s| {
            (
                label(&s.labels, "horizontalpodautoscaler"),
                (
                    label(&s.labels, "scaletargetref_kind"),
                    label(&s.labels, "scaletargetref_name"),
                ),
            )
        })
        .collect();
    let mut hpa: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for s in get(Q::HpaMetric) {
        if let Some((k, n)) = hpa_target.get(label(&s.labels, "horizontalpodautoscaler")) {
            hpa.entry((k.to_string(), n.to_string()))
                .or_default()
                .insert(label(&s.labels, "metric_name").to_string());
        }
    }
    out.into_values()
        .map(|mut c| {
            let wk = (c.kind.clone(), c.workload.clone());
            c.replicas = replicas.get(&wk).map_or(0, |p| p.len() as u32);
            c.hpa_metrics = hpa
                .get(&wk)
                .map(|m| m.iter().cloned().collect())
                .unwrap_or_default();
            c
        })
        .collect()
}

/// Reads the usage model.
pub async fn usage(req: &CostRequest) -> Result<(UsageModel, Vec<String>), Error> {
    let prom = Prometheus::new(&req.prometheus, req.http.clone()).map_err(err)?;
    let now = Timestamp::now();
    let w = srehub_slo::spec::Dur(req.history.as_secs().max(300)).to_string();
    let namespaces = if req.namespaces.is_empty() {
        let s = prom
            .query(
                &format!("count by (namespace) (max_over_time(kube_pod_owner[{w}]))"),
                now,
            )
            .await
            .map_err(err)?;
        s.iter()
            .map(|s| label(&s.labels, "namespace").to_string())
            .filter(|n| !n.is_empty())
            .collect()
    } else {
        req.namespaces.clone()
    };
    let mut notes = Vec::new();
    let all: Vec<(String, Q, String)> = namespaces
        .iter()
        .flat_map(|ns| {
            queries(ns, &w, req.cpu_quantile)
                .into_iter()
                .map(move |(q, text)| (ns.clone(), q, text))
        })
        .collect();
    let results: Vec<_> = futures::stream::iter(all)
        .map(|(ns, q, text)| {
            let prom = &prom;
            async move { (ns, q, prom.query(&text, now).await) }
        })
        .buffered(req.concurrency.max(1))
        .collect()
        .await;
    let mut per_ns: BTreeMap<String, BTreeMap<Q, Vec<Series>>> = BTreeMap::new();
    for (ns, q, r) in results {
        match r {
            Ok(s) => {
                per_ns.entry(ns).or_default().insert(q, s);
            }
            Err(e) if e.is_unreachable() => return Err(err(e)),
            Err(e) => notes.push(format!("{ns}: {q:?} not read: {e}")),
        }
    }
    let containers = per_ns
        .iter()
        .flat_map(|(ns, a)| fold(ns, a))
        .collect::<Vec<_>>();
    let prices = match req.prices {
        Some((cpu, mem)) => Some(Prices {
            cpu_core_hour: cpu,
            memory_gib_hour: mem,
            source: PriceSource::Configured,
        }),
        None => {
            let one = |q: &'static str| {
                let prom = &prom;
                async move {
                    prom.query(q, now)
                        .await
                        .ok()
                        .and_then(|s| s.first().map(value))
                        .filter(|v| v.is_finite())
                }
            };
            match (
                one("avg(node_cpu_hourly_cost)").await,
                one("avg(node_ram_hourly_cost)").await,
            ) {
                (Some(cpu), Some(mem)) => Some(Prices {
                    cpu_core_hour: cpu,
                    memory_gib_hour: mem,
                    source: PriceSource::Opencost,
                }),
                _ => None,
            }
        }
    };
    Ok((
        UsageModel {
            window_s: req.history.as_secs(),
            containers,
            prices,
        },
        notes,
    ))
}

/// The report, and the model (for `-o patch`).
pub async fn analyze(
    req: &CostRequest,
    settings: &Settings,
) -> Result<(Report, UsageModel), Error> {
    let selection = settings.selection();
    selection.validate(srehub_checks::all_checks())?;
    let (model, notes) = usage(req).await?;
    let input = CostInput {
        model: &model,
        settings: &req.settings,
    };
    let (findings, ran) = run_checks(CHECKS, &input, &selection);
    let mut report = Report::new("cost", Timestamp::now(), findings, ran)
        .with_target(srehub_http::redact(&req.prometheus));
    let workloads: BTreeSet<(&str, &str, &str)> = model
        .containers
        .iter()
        .map(|c| (c.kind.as_str(), c.namespace.as_str(), c.workload.as_str()))
        .collect();
    report.note(
        NoteLevel::Info,
        format!(
            "{} workload(s), {} container(s) over {}; CPU at p{:.0}, memory at peak × {}{}",
            workloads.len(),
            model.containers.len(),
            srehub_slo::spec::Dur(model.window_s.max(60)),
            req.cpu_quantile * 100.0,
            req.settings.memory_headroom,
            match model.prices {
                Some(p) => format!(
                    "; prices {} per core-hour and {} per GiB-hour ({})",
                    p.cpu_core_hour,
                    p.memory_gib_hour,
                    match p.source {
                        PriceSource::Configured => "configured",
                        PriceSource::Opencost => "OpenCost",
                    }
                ),
                None => String::new(),
            }
        ),
    );
    for n in notes {
        report.note(NoteLevel::Warning, n);
    }
    Ok((report, model))
}
