use srehub_core::{Check, Findings};

use super::{LoadInput, percent};

srehub_core::declare_check! {
    /// ## What it checks
    /// Responses with a 4xx status, by status; 429 (Too Many Requests) is called out.
    ///
    /// ## Why it matters
    /// A load test that gets 401, 403 or 404 measures the speed of an error page, not of the
    /// service; 429 means a rate limiter, not the service, decided the result.
    ///
    /// ## How to fix
    /// Check the URL, the method and the credentials (`-H`, `-a`, `--bearer`); for 429, exempt the
    /// load test's client from the rate limit or test below it.
    LOAD004 ClientErrors { name: "client-errors", severity: Warning, category: Correctness, group: "load" }
}

impl Check<LoadInput<'_>> for ClientErrors {
    fn run(&self, input: &LoadInput<'_>, out: &mut Findings) {
        let r = input.result;
        let statuses: Vec<(u16, u64)> = r
            .status_codes
            .range(400..500)
            .map(|(s, n)| (*s, *n))
            .collect();
        let total: u64 = statuses.iter().map(|(_, n)| n).sum();
        if total == 0 {
            return;
        }
        let list: Vec<String> = statuses.iter().map(|(s, n)| format!("{s} × {n}")).collect();
        let mut f = input.about(
            &Self::META,
            format!(
                "{total} of {} responses ({}) were client errors: {}",
                r.requests,
                percent(total, r.requests),
                list.join(", ")
            ),
        );
        if statuses.iter().any(|(s, _)| *s == 429) {
            f = f.hint("429: a rate limiter answered; the latency of these is not the service's");
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::testing::{result, run};

    #[test]
    fn counts_4xx_and_calls_out_429() {
        let mut r = result();
        r.status_codes.insert(429, 5);
        r.status_codes.insert(404, 1);
        let f = run(&ClientErrors, &r);
        assert_eq!(
            f[0].message,
            "6 of 1000 responses (0.60%) were client errors: 404 × 1, 429 × 5"
        );
        assert!(f[0].hint.is_some());
    }
}
