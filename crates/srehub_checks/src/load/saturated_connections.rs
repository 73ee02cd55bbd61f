use srehub_core::{Check, Findings};
use srehub_model::load::LoadModel;

use super::{LoadInput, percent};

srehub_core::declare_check! {
    /// ## What it checks
    /// Open-model runs (`-q`, rate stages) where more than 1 % of requests went out more than 5 ms
    /// after their due time because every connection was busy, with corrected and uncorrected p99.
    ///
    /// ## Why it matters
    /// The offered rate was not delivered on time: the server slowed down (or stalled) and the
    /// requests queued. The corrected latency counts that wait — it is what users would have seen —
    /// while the service time alone hides it (coordinated omission). If the client ran short of
    /// connections, the run measured the client.
    ///
    /// ## How to fix
    /// Look at the timeline for the stall. If the service is fine and latency × rate exceeds the
    /// connections (Little's law), raise `-c`.
    LOAD005 SaturatedConnections { name: "saturated-connections", severity: Warning, category: Reliability, group: "load" }
}

impl Check<LoadInput<'_>> for SaturatedConnections {
    fn run(&self, input: &LoadInput<'_>, out: &mut Findings) {
        let r = input.result;
        if r.model != LoadModel::Open || r.requests == 0 || r.late_starts * 100 <= r.requests {
            return;
        }
        let uncorrected = r.latency_uncorrected_ms.map_or(String::new(), |u| {
            format!(" (service time alone: {:.2} ms)", u.p99)
        });
        out.push(input.about(
            &Self::META,
            format!(
                "{} of {} requests ({}) started late because all {} connections were busy; corrected p99 {:.2} ms{uncorrected}",
                r.late_starts,
                r.requests,
                percent(r.late_starts, r.requests),
                r.connections,
                r.latency_ms.p99,
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use srehub_model::load::LatencySummary;

    use super::*;
    use crate::load::testing::{result, run};

    #[test]
    fn late_starts_above_one_percent() {
        let mut r = result();
        r.model = LoadModel::Open;
        r.late_starts = 10;
        assert!(run(&SaturatedConnections, &r).is_empty());
        r.late_starts = 50;
        r.latency_uncorrected_ms = Some(LatencySummary {
            p99: 3.0,
            ..Default::default()
        });
        let f = run(&SaturatedConnections, &r);
        assert_eq!(
            f[0].message,
            "50 of 1000 requests (5.0%) started late because all 10 connections were busy; corrected p99 20.00 ms (service time alone: 3.00 ms)"
        );
    }
}
