use srehub_core::{Check, Findings};

use super::{Advice, CostInput, advise, cores};

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers that need more than they ask for: CPU usage (the percentile) above the CPU request,
    /// or throttled in at least 25 % of their CFS periods.
    ///
    /// ## Why it matters
    /// A container using more than its request competes for CPU it is not guaranteed: under node
    /// pressure it slows down. Throttling stretches latency even when the node is idle.
    ///
    /// ## How to fix
    /// Raise the CPU request to the recommendation; when throttled with a CPU limit set, raise or
    /// remove the limit.
    COST002 UnderProvisioned { name: "under-provisioned", severity: Warning, category: Reliability, group: "cost" }
}

impl Check<CostInput<'_>> for UnderProvisioned {
    fn run(&self, input: &CostInput<'_>, out: &mut Findings) {
        let s = input.settings;
        for c in input.model.containers.iter() {
            let mut parts = Vec::new();
            if let (Advice::Resize(r), Some(req)) = (advise(c, s), c.cpu_request)
                && let Some(rec) = r.cpu_request
                && rec > req * 1.1
            {
                parts.push(format!(
                    "uses {} CPU (p95) with a request of {}",
                    cores(rec),
                    cores(req)
                ));
            }
            if let Some(t) = c.throttled
                && t >= s.throttle_threshold
            {
                parts.push(format!(
                    "throttled in {:.0} % of CPU periods{}",
                    t * 100.0,
                    c.cpu_limit
                        .map(|l| format!(" (limit {})", cores(l)))
                        .unwrap_or_default()
                ));
            }
            if !parts.is_empty() {
                out.push(input.about(
                    &Self::META,
                    c,
                    format!("{}/{}: {}", c.workload, c.container, parts.join("; ")),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use srehub_model::metrics::UsageModel;

    use super::*;
    use crate::cost::testing::{container, run};

    #[test]
    fn usage_above_the_request_and_throttling() {
        let mut c = container();
        c.cpu_request = Some(0.1);
        c.cpu_limit = Some(0.2);
        c.throttled = Some(0.4);
        let m = UsageModel {
            window_s: 86_400,
            containers: vec![c],
            prices: None,
        };
        let f = run(&UnderProvisioned, &m);
        assert_eq!(
            f[0].message,
            "api/api: uses 200m CPU (p95) with a request of 100m; throttled in 40 % of CPU periods (limit 200m)"
        );
    }
}
