use std::fmt::Write as _;

use srehub_core::{Check, Findings, Resource};

use super::LogsInput;

srehub_core::declare_check! {
    /// ## What it checks
    /// Traces whose records include an `error` or `fatal` one, correlated by W3C `traceparent` or by
    /// a trace id field (`trace_id`, `traceId`, `trace.id`, OpenTelemetry and Datadog names), with the
    /// services they went through and their timeline (traces of one record are left to the template
    /// findings). Traces with the most errors come first.
    ///
    /// ## Why it matters
    /// One failed request leaves lines in several services; following its trace id across them shows
    /// where it failed first and what the others did about it.
    ///
    /// ## How to fix
    /// Read the timeline in the finding's hint from the first error backwards; `srehub logs parse
    /// --where trace_id=ID` prints every line of the trace.
    LOG005 FailingTrace { name: "failing-trace", severity: Warning, category: Reliability, group: "logs" }
}

impl Check<LogsInput<'_>> for FailingTrace {
    fn run(&self, input: &LogsInput<'_>, out: &mut Findings) {
        for t in input
            .summary
            .traces
            .iter()
            // A lone record is already in its template's findings: a trace needs two to correlate.
            .filter(|t| t.errors > 0 && t.records >= 2)
            .take(input.settings.max_findings)
        {
            let span = match (t.first, t.last) {
                (Some(a), Some(b)) => format!(" over {} ms", b.duration_since(a).as_millis()),
                _ => String::new(),
            };
            let services = if t.services.is_empty() {
                String::new()
            } else {
                format!(" across {}", t.services.join(" → "))
            };
            let mut timeline = String::from("Timeline:");
            for e in &t.events {
                let _ = write!(
                    timeline,
                    "\n  {} {} {}: {}",
                    e.timestamp
                        .map_or_else(|| format!("line {}", e.line), |ts| ts.to_string()),
                    e.level.map_or("-", |l| l.as_str()),
                    e.service.as_deref().unwrap_or("-"),
                    e.message
                );
            }
            let mut f = srehub_core::Finding::new(
                &Self::META,
                format!(
                    "trace {}: {} error record(s) of {}{services}{span}",
                    t.trace_id, t.errors, t.records
                ),
            )
            .resource(Resource::new("Trace", &t.trace_id))
            .hint(timeline);
            if let Some(first) = t.events.first()
                && let Some(l) = input.location(first.line)
            {
                f = f.location(l);
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::testing::{run, summary};
    use srehub_logs::Level;
    use srehub_logs::summary::{TraceEvent, TraceSummary};

    #[test]
    fn traces_with_errors_are_reported_with_services_and_timeline() {
        let ev = |line, service: &str, level, msg: &str| TraceEvent {
            line,
            timestamp: Some(format!("2024-05-01T10:00:0{line}Z").parse().unwrap()),
            service: Some(service.into()),
            level: Some(level),
            template_id: "T1".into(),
            message: msg.into(),
        };
        let bad = TraceSummary {
            trace_id: "4bf92f35".into(),
            records: 2,
            errors: 1,
            services: vec!["gateway".into(), "orders".into()],
            first: Some("2024-05-01T10:00:01Z".parse().unwrap()),
            last: Some("2024-05-01T10:00:02Z".parse().unwrap()),
            events: vec![
                ev(1, "gateway", Level::Info, "GET /orders"),
                ev(2, "orders", Level::Error, "db timeout"),
            ],
        };
        let good = TraceSummary {
            trace_id: "ok".into(),
            errors: 0,
            ..bad.clone()
        };
        let f = run(&FailingTrace, &summary(vec![], vec![bad, good]));
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "trace 4bf92f35: 1 error record(s) of 2 across gateway → orders over 1000 ms"
        );
        assert!(
            f[0].hint
                .as_ref()
                .unwrap()
                .contains("error orders: db timeout")
        );
        assert_eq!(f[0].location.as_ref().unwrap().line, Some(1));
    }
}
