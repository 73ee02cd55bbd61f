use srehub_core::{Check, Findings};

use super::{Advice, CostInput, advise, bytes, cores};

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers whose CPU or memory request is at least 1.5 times what their usage calls for (the
    /// CPU usage percentile; the memory peak × 1.15), wasting at least 100 millicores or 128 MiB per
    /// pod; with the total waste over all replicas, and its cost per month when prices are configured
    /// (`--cpu-price`, `--memory-price`) or OpenCost's node prices exist.
    ///
    /// ## Why it matters
    /// Requests reserve node capacity whether or not it is used: over-requested containers make the
    /// cluster look full, force more nodes and raise the bill.
    ///
    /// ## How to fix
    /// Lower the requests to the recommendation (`srehub cost -o patch` writes it), then watch for
    /// throttling and OOM kills.
    COST001 OverProvisioned { name: "over-provisioned", severity: Warning, category: Efficiency, group: "cost" }
}

const HOURS_PER_MONTH: f64 = 730.0;

impl Check<CostInput<'_>> for OverProvisioned {
    fn run(&self, input: &CostInput<'_>, out: &mut Findings) {
        let s = input.settings;
        let mut found = Vec::new();
        for c in &input.model.containers {
            let Advice::Resize(r) = advise(c, s) else {
                continue;
            };
            let replicas = f64::from(c.replicas.max(1));
            let mut parts = Vec::new();
            let mut cpu_waste = 0.0;
            let mut mem_waste = 0.0;
            if let (Some(req), Some(rec)) = (c.cpu_request, r.cpu_request)
                && req >= rec * s.over_factor
                && req - rec >= s.min_waste_cpu
            {
                cpu_waste = (req - rec) * replicas;
                parts.push(format!(
                    "CPU request {} for {} used",
                    cores(req),
                    cores(rec)
                ));
            }
            if let (Some(req), Some(rec)) = (c.memory_request, r.memory)
                && req >= rec * s.over_factor
                && req - rec >= s.min_waste_memory
            {
                mem_waste = (req - rec) * replicas;
                parts.push(format!(
                    "memory request {} for {} needed",
                    bytes(req),
                    bytes(rec)
                ));
            }
            if parts.is_empty() {
                continue;
            }
            let gib = mem_waste / (1024.0 * 1024.0 * 1024.0);
            let money = input
                .model
                .prices
                .map(|p| (cpu_waste * p.cpu_core_hour + gib * p.memory_gib_hour) * HOURS_PER_MONTH);
            found.push((
                money.unwrap_or(cpu_waste + gib),
                c,
                parts,
                cpu_waste,
                gib,
                money,
            ));
        }
        found.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (_, c, parts, cpu, gib, money) in found.into_iter().take(s.max_findings) {
            out.push(input.about(
                &Self::META,
                c,
                format!(
                    "{}: {} wasted over {} replica(s): {:.2} cores and {:.2} GiB{}",
                    parts.join(", "),
                    c.workload,
                    c.replicas.max(1),
                    cpu,
                    gib,
                    money
                        .map(|m| format!(" (about {m:.0} per month)"))
                        .unwrap_or_default()
                ) + &format!("; from {} usage samples", c.points),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use srehub_model::metrics::{Prices, UsageModel};

    use super::*;
    use crate::cost::testing::{container, run};

    #[test]
    fn requests_far_above_usage_are_waste_with_a_price() {
        let mut m = UsageModel {
            window_s: 14 * 86_400,
            containers: vec![container()],
            prices: None,
        };
        let f = run(&OverProvisioned, &m);
        assert_eq!(
            f[0].message,
            "CPU request 1 for 200m used, memory request 1Gi for 345Mi needed: api wasted over 2 replica(s): 1.60 cores and 1.33 GiB; from 1000 usage samples"
        );
        m.prices = Some(Prices {
            cpu_core_hour: 0.03,
            memory_gib_hour: 0.004,
            source: Default::default(),
        });
        assert!(
            run(&OverProvisioned, &m)[0]
                .message
                .ends_with("(about 39 per month); from 1000 usage samples"),
            "{}",
            run(&OverProvisioned, &m)[0].message
        );
        m.containers[0].cpu_request = Some(0.25);
        m.containers[0].memory_request = Some(400.0 * 1024.0 * 1024.0);
        assert!(run(&OverProvisioned, &m).is_empty());
    }
}
