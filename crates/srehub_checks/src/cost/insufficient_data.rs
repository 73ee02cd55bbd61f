use srehub_core::{Check, Findings};

use super::{Advice, CostInput, advise};

srehub_core::declare_check! {
    /// ## What it checks
    /// Containers with too few usage samples in the window (`--min-points`, 100) for a recommendation.
    ///
    /// ## Why it matters
    /// A recommendation from a few samples follows one quiet or busy moment, not the workload.
    ///
    /// ## How to fix
    /// Wait for more history, widen `--history`, or check that cAdvisor metrics are scraped for these
    /// pods.
    COST005 InsufficientData { name: "insufficient-data", severity: Info, category: Observability, group: "cost" }
}

impl Check<CostInput<'_>> for InsufficientData {
    fn run(&self, input: &CostInput<'_>, out: &mut Findings) {
        for c in &input.model.containers {
            if let Advice::NotEnoughData { points, needed } = advise(c, input.settings) {
                out.push(input.about(
                    &Self::META,
                    c,
                    format!(
                        "{}/{}: {points} usage sample(s), {needed} needed: no recommendation",
                        c.workload, c.container
                    ),
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
    fn few_samples_get_no_recommendation() {
        let mut c = container();
        c.points = 12;
        let f = run(
            &InsufficientData,
            &UsageModel {
                window_s: 1,
                containers: vec![c],
                prices: None,
            },
        );
        assert_eq!(
            f[0].message,
            "api/api: 12 usage sample(s), 100 needed: no recommendation"
        );
    }
}
