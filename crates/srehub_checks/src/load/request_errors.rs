use srehub_core::{Check, Findings};

use super::{LoadInput, percent};

srehub_core::declare_check! {
    /// ## What it checks
    /// Requests that got no HTTP response at all, by kind: `connect` (refused or unreachable),
    /// `tls`, `timeout`, `reset` (closed mid-request) and `bad_response` (not HTTP).
    ///
    /// ## Why it matters
    /// These never reach the latency percentiles, so a run can look fast while many requests
    /// failed; timeouts and resets under load usually mean an exhausted backlog, a proxy's limit or a
    /// crash.
    ///
    /// ## How to fix
    /// Check the target's logs and limits (accept backlog, worker pool, proxy timeouts) at the time
    /// the timeline shows the errors; `--timeout` sets how long a request may take.
    LOAD002 RequestErrors { name: "request-errors", severity: Warning, category: Reliability, group: "load" }
}

impl Check<LoadInput<'_>> for RequestErrors {
    fn run(&self, input: &LoadInput<'_>, out: &mut Findings) {
        let r = input.result;
        let failed = r.failed();
        if failed == 0 {
            return;
        }
        let kinds: Vec<String> = r.errors.iter().map(|(k, n)| format!("{k} {n}")).collect();
        out.push(input.about(
            &Self::META,
            format!(
                "{failed} of {} requests ({}) got no response: {}",
                r.requests,
                percent(failed, r.requests),
                kinds.join(", ")
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::testing::{result, run};

    #[test]
    fn lists_the_kinds() {
        let mut r = result();
        assert!(run(&RequestErrors, &r).is_empty());
        r.errors.insert("timeout".into(), 3);
        r.errors.insert("reset".into(), 7);
        let f = run(&RequestErrors, &r);
        assert_eq!(
            f[0].message,
            "10 of 1000 requests (1.0%) got no response: reset 7, timeout 3"
        );
    }
}
