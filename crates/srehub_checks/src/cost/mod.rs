//! Right-sizing of `srehub cost` (group `cost`): recommended requests and limits per workload
//! container from its usage, and the checks over-provisioned, under-provisioned, OOM-killed,
//! HPA-managed and not-enough-data.
//!
//! - CPU request: the usage percentile (p95 by default), rounded up to 10 millicores (at least 10m).
//!   CPU limits are left as they are: removing them is a policy choice, throttling is reported.
//! - Memory request and limit: the peak working set × 1.15, or the current limit × 1.25 when the
//!   container was OOM-killed (whichever is higher), rounded up to a MiB.
//! - No recommendation with fewer than `min_points` samples, nor for workloads an HPA scales on CPU
//!   or memory (resizing would change its scaling).

mod hpa_managed;
mod insufficient_data;
mod oom_killed;
mod over_provisioned;
pub mod patch;
mod under_provisioned;

pub use hpa_managed::HpaManaged;
pub use insufficient_data::InsufficientData;
pub use oom_killed::OomKilled;
pub use over_provisioned::OverProvisioned;
use serde::Serialize;
use srehub_core::{Check, CheckMeta, Finding, Resource};
use srehub_model::metrics::{ContainerUsage, UsageModel};
pub use under_provisioned::UnderProvisioned;

/// Settings of the recommendations.
#[derive(Debug, Clone)]
pub struct CostSettings {
    pub memory_headroom: f64,
    pub oom_headroom: f64,
    pub min_points: u64,
    /// Over-provisioned when the request is at least this many times the recommendation...
    pub over_factor: f64,
    /// ...and wastes at least this much.
    pub min_waste_cpu: f64,
    pub min_waste_memory: f64,
    /// Under-provisioned when throttled at least this share of periods.
    pub throttle_threshold: f64,
    pub max_findings: usize,
}

impl Default for CostSettings {
    fn default() -> Self {
        CostSettings {
            memory_headroom: 1.15,
            oom_headroom: 1.25,
            min_points: 100,
            over_factor: 1.5,
            min_waste_cpu: 0.1,
            min_waste_memory: 128.0 * 1024.0 * 1024.0,
            throttle_threshold: 0.25,
            max_findings: 50,
        }
    }
}

/// What to set, or why not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Advice {
    Resize(Recommendation),
    NotEnoughData { points: u64, needed: u64 },
    ScaledByHpa { metrics: Vec<String> },
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Recommendation {
    /// Cores.
    pub cpu_request: Option<f64>,
    /// Bytes; the limit equals the request.
    pub memory: Option<f64>,
}

const MIB: f64 = 1024.0 * 1024.0;

/// The recommendation for one container.
pub fn advise(c: &ContainerUsage, s: &CostSettings) -> Advice {
    let hpa: Vec<String> = c
        .hpa_metrics
        .iter()
        .filter(|m| matches!(m.as_str(), "cpu" | "memory"))
        .cloned()
        .collect();
    if !hpa.is_empty() {
        return Advice::ScaledByHpa { metrics: hpa };
    }
    if c.points < s.min_points {
        return Advice::NotEnoughData {
            points: c.points,
            needed: s.min_points,
        };
    }
    // Never above an existing CPU limit (the API server rejects a request above the limit).
    let cpu_request = c.cpu_usage.map(|u| {
        let r = ((u * 100.0).ceil() / 100.0).max(0.01);
        c.cpu_limit.map_or(r, |l| r.min(l))
    });
    let memory = c.memory_peak.map(|peak| {
        let mut m = peak * s.memory_headroom;
        if c.oom_killed
            && let Some(l) = c.memory_limit
        {
            m = m.max(l * s.oom_headroom);
        }
        (m / MIB).ceil() * MIB
    });
    Advice::Resize(Recommendation {
        cpu_request,
        memory,
    })
}

/// What every cost check reads.
pub struct CostInput<'a> {
    pub model: &'a UsageModel,
    pub settings: &'a CostSettings,
}

impl CostInput<'_> {
    pub fn about(&self, meta: &CheckMeta, c: &ContainerUsage, message: String) -> Finding {
        Finding::new(meta, message).resource(
            Resource::new(&c.kind, &c.workload)
                .in_namespace(&c.namespace)
                .container(&c.container),
        )
    }
}

/// `0.25` → `250m`, `2` → `2`.
pub fn cores(v: f64) -> String {
    let m = (v * 1000.0).round();
    if m % 1000.0 == 0.0 {
        format!("{}", m / 1000.0)
    } else {
        format!("{m}m")
    }
}

/// Bytes as `512Mi`, `1.5Gi`.
pub fn bytes(v: f64) -> String {
    let mib = v / MIB;
    if mib >= 1024.0 {
        let gib = mib / 1024.0;
        if (gib * 10.0).fract() == 0.0 {
            format!("{gib}Gi")
        } else {
            format!("{:.0}Mi", mib.ceil())
        }
    } else {
        format!("{:.0}Mi", mib.ceil())
    }
}

pub type CostCheck = dyn for<'a> Check<CostInput<'a>>;

pub const CHECKS: &[&CostCheck] = &[
    &OverProvisioned,
    &UnderProvisioned,
    &OomKilled,
    &HpaManaged,
    &InsufficientData,
];

#[cfg(test)]
pub(crate) mod testing {
    use srehub_core::{Check, Finding, Findings};
    use srehub_model::metrics::{ContainerUsage, UsageModel};

    use super::{CostInput, CostSettings};

    pub fn container() -> ContainerUsage {
        ContainerUsage {
            kind: "Deployment".into(),
            namespace: "shop".into(),
            workload: "api".into(),
            container: "api".into(),
            replicas: 2,
            cpu_request: Some(1.0),
            memory_request: Some(1024.0 * 1024.0 * 1024.0),
            memory_limit: Some(1024.0 * 1024.0 * 1024.0),
            cpu_usage: Some(0.2),
            memory_peak: Some(300.0 * 1024.0 * 1024.0),
            points: 1000,
            ..Default::default()
        }
    }

    pub fn run<C: for<'a> Check<CostInput<'a>>>(check: &C, model: &UsageModel) -> Vec<Finding> {
        let settings = CostSettings::default();
        let mut out = Findings::default();
        check.run(
            &CostInput {
                model,
                settings: &settings,
            },
            &mut out,
        );
        out.into_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_up_but_never_pass_the_cpu_limit() {
        let mut c = testing::container();
        c.cpu_usage = Some(0.503);
        let Advice::Resize(r) = advise(&c, &CostSettings::default()) else {
            panic!()
        };
        assert_eq!(r.cpu_request, Some(0.51));
        c.cpu_limit = Some(0.5);
        let Advice::Resize(r) = advise(&c, &CostSettings::default()) else {
            panic!()
        };
        assert_eq!(r.cpu_request, Some(0.5));
        c.hpa_metrics = vec!["cpu".into()];
        assert!(matches!(
            advise(&c, &CostSettings::default()),
            Advice::ScaledByHpa { .. }
        ));
    }
}
