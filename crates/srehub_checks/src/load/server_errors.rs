use srehub_core::{Check, Findings};

use super::{LoadInput, percent};

srehub_core::declare_check! {
    /// ## What it checks
    /// Responses with a 5xx status, by status.
    ///
    /// ## Why it matters
    /// The server answered, but failed: 502/503/504 under load usually come from a proxy whose
    /// upstream is saturated or restarting, 500 from the application itself.
    ///
    /// ## How to fix
    /// Read the target's logs for the failing requests (`srehub logs analyze` ranks error patterns),
    /// and compare the timeline with its saturation (CPU, pools, queue lengths).
    LOAD003 ServerErrors { name: "server-errors", severity: Warning, category: Reliability, group: "load" }
}

impl Check<LoadInput<'_>> for ServerErrors {
    fn run(&self, input: &LoadInput<'_>, out: &mut Findings) {
        let r = input.result;
        let statuses: Vec<(u16, u64)> =
            r.status_codes.range(500..).map(|(s, n)| (*s, *n)).collect();
        let total: u64 = statuses.iter().map(|(_, n)| n).sum();
        if total == 0 {
            return;
        }
        let list: Vec<String> = statuses.iter().map(|(s, n)| format!("{s} × {n}")).collect();
        out.push(input.about(
            &Self::META,
            format!(
                "{total} of {} responses ({}) were server errors: {}",
                r.requests,
                percent(total, r.requests),
                list.join(", ")
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::testing::{result, run};

    #[test]
    fn counts_5xx() {
        let mut r = result();
        r.status_codes.insert(503, 20);
        r.status_codes.insert(404, 1);
        let f = run(&ServerErrors, &r);
        assert_eq!(
            f[0].message,
            "20 of 1000 responses (2.0%) were server errors: 503 × 20"
        );
    }
}
