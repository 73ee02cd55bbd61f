use srehub_core::{Check, Findings};

use super::{Advice, CostInput, advise};

srehub_core::declare_check! {
    /// ## What it checks
    /// Workloads scaled by a HorizontalPodAutoscaler on CPU or memory utilization: they are listed,
    /// not resized.
    ///
    /// ## Why it matters
    /// Utilization is usage divided by the request: changing the request changes when the HPA scales,
    /// so the usual right-sizing would silently change the autoscaling behaviour.
    ///
    /// ## How to fix
    /// Resize together with the HPA's target utilization, or scale on a workload metric (requests per
    /// second, queue length) instead.
    COST004 HpaManaged { name: "hpa-managed", severity: Info, category: Efficiency, group: "cost" }
}

impl Check<CostInput<'_>> for HpaManaged {
    fn run(&self, input: &CostInput<'_>, out: &mut Findings) {
        for c in &input.model.containers {
            if let Advice::ScaledByHpa { metrics } = advise(c, input.settings) {
                out.push(input.about(
                    &Self::META,
                    c,
                    format!(
                        "{}/{} is scaled by an HPA on {}: not resized",
                        c.workload,
                        c.container,
                        metrics.join(" and ")
                    ),
                ));
            }
        }
    }
}
