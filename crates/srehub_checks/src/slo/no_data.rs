use srehub_core::{Check, Findings};

use super::{SloInput, about};

srehub_core::declare_check! {
    /// ## What it checks
    /// SLOs whose SLI could not be measured over the period: the queries returned nothing (no traffic,
    /// a wrong metric or label) or failed.
    ///
    /// ## Why it matters
    /// An SLO without data cannot alert: the generated burn-rate rules stay silent while users may be
    /// failing.
    ///
    /// ## How to fix
    /// Run the SLI queries in Prometheus and fix metric names and labels; for low-traffic services,
    /// consider synthetic probes so the SLI always has events.
    SLO004 NoData { name: "slo-no-data", severity: Warning, category: Observability, group: "slo" }
}

impl Check<SloInput<'_>> for NoData {
    fn run(&self, input: &SloInput<'_>, out: &mut Findings) {
        for s in input.statuses {
            if s.sli.is_none() {
                out.push(about(
                    &Self::META,
                    s,
                    if s.errors.is_empty() {
                        format!(
                            "{} {}: no data over {}: the SLI queries return nothing",
                            s.service, s.name, s.measured
                        )
                    } else {
                        format!(
                            "{} {}: the SLI query failed: {}",
                            s.service, s.name, s.errors[0]
                        )
                    },
                ));
            }
        }
    }
}
