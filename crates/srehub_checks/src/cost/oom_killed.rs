use srehub_core::{Check, Findings};

use super::{Advice, CostInput, advise, bytes};

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers killed for exceeding their memory limit (OOMKilled) during the window, with the
    /// memory to set: the current limit × 1.25 or the peak × 1.15, whichever is higher.
    ///
    /// ## Why it matters
    /// An OOM kill drops in-flight work and restarts the container; repeated kills become
    /// CrashLoopBackOff.
    ///
    /// ## How to fix
    /// Raise the memory request and limit to the recommendation, or fix the leak if usage grows
    /// without bound.
    COST003 OomKilled { name: "oom-killed", severity: Critical, category: Reliability, group: "cost" }
}

impl Check<CostInput<'_>> for OomKilled {
    fn run(&self, input: &CostInput<'_>, out: &mut Findings) {
        for c in input.model.containers.iter().filter(|c| c.oom_killed) {
            let rec = match advise(c, input.settings) {
                Advice::Resize(r) => r.memory.map(|m| format!("; set memory to {}", bytes(m))),
                _ => None,
            };
            out.push(input.about(
                &Self::META,
                c,
                format!(
                    "{}/{} was OOM-killed (memory limit {}, peak seen {}){}",
                    c.workload,
                    c.container,
                    c.memory_limit.map_or("none".to_string(), bytes),
                    c.memory_peak.map_or("unknown".to_string(), bytes),
                    rec.unwrap_or_default()
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use srehub_model::metrics::UsageModel;

    use super::*;
    use crate::cost::testing::{container, run};

    #[test]
    fn oom_kills_raise_the_limit_by_a_quarter() {
        let mut c = container();
        c.oom_killed = true;
        c.memory_limit = Some(256.0 * 1024.0 * 1024.0);
        c.memory_peak = Some(250.0 * 1024.0 * 1024.0);
        let f = run(
            &OomKilled,
            &UsageModel {
                window_s: 1,
                containers: vec![c],
                prices: None,
            },
        );
        assert_eq!(
            f[0].message,
            "api/api was OOM-killed (memory limit 256Mi, peak seen 250Mi); set memory to 320Mi"
        );
    }
}
