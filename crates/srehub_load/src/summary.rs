//! The plain-text summary of a run that `srehub load` prints on a terminal before its findings, as
//! oha and wrk do: throughput, success rate, latency percentiles (corrected and service time), status
//! codes, errors, per-request statistics and thresholds.

use std::fmt::Write as _;

use srehub_model::load::{LatencySummary, LoadModel, LoadResult};

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1.5 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn latency_row(out: &mut String, label: &str, l: &LatencySummary) {
    let _ = writeln!(
        out,
        "  {label:<13}{:>9.2}{:>9.2}{:>9.2}{:>9.2}{:>9.2}{:>9.2}{:>9.2}{:>9.2}{:>9.2}",
        l.min, l.mean, l.p50, l.p75, l.p90, l.p95, l.p99, l.p99_9, l.max
    );
}

/// The summary text.
pub fn text(r: &LoadResult) -> String {
    let mut out = String::new();
    let model = match r.model {
        LoadModel::Closed => format!("closed model, {} connections", r.connections),
        LoadModel::Open => format!(
            "open model at {} req/s, {} connections",
            r.rate.map_or("?".to_string(), |x| format!("{x}")),
            r.connections
        ),
    };
    let _ = writeln!(out, "Summary  {}  ({model})", r.target);
    let _ = writeln!(
        out,
        "  Requests     {} in {:.2} s, {:.1} req/s",
        thousands(r.requests),
        r.duration_s,
        r.requests_per_second
    );
    let ok = r.requests.saturating_sub(r.failed())
        - r.status_codes.range(500..).map(|(_, n)| n).sum::<u64>();
    let _ = writeln!(
        out,
        "  Success      {:.2} % ({} without a response, {} with 5xx)",
        if r.requests == 0 {
            0.0
        } else {
            ok as f64 * 100.0 / r.requests as f64
        },
        thousands(r.failed()),
        thousands(r.status_codes.range(500..).map(|(_, n)| n).sum())
    );
    let _ = writeln!(
        out,
        "  Data         {} received, {} sent",
        bytes(r.bytes_received),
        bytes(r.bytes_sent)
    );
    if r.unfinished > 0 {
        let _ = writeln!(
            out,
            "  Unfinished   {} in flight when the time was up (not counted)",
            thousands(r.unfinished)
        );
    }
    if r.late_starts > 0 {
        let _ = writeln!(
            out,
            "  Late starts  {} sent more than 5 ms after their due time",
            thousands(r.late_starts)
        );
    }
    let _ = writeln!(
        out,
        "\nLatency (ms)       min     mean      p50      p75      p90      p95      p99    p99.9      max"
    );
    match &r.latency_uncorrected_ms {
        Some(u) => {
            latency_row(&mut out, "corrected", &r.latency_ms);
            latency_row(&mut out, "service time", u);
        }
        None => latency_row(&mut out, "", &r.latency_ms),
    }
    if !r.by_request.is_empty() {
        let _ = writeln!(
            out,
            "\nPer request      requests   errors   p50 ms   p99 ms"
        );
        for (name, s) in &r.by_request {
            let _ = writeln!(
                out,
                "  {name:<14}{:>10}{:>9}{:>9.2}{:>9.2}",
                thousands(s.requests),
                thousands(s.errors),
                s.latency_ms.p50,
                s.latency_ms.p99
            );
        }
    }
    if !r.status_codes.is_empty() || !r.errors.is_empty() {
        let _ = writeln!(out, "\nResponses");
        for (code, n) in &r.status_codes {
            let _ = writeln!(out, "  {code}  {:>12}", thousands(*n));
        }
        for (kind, n) in &r.errors {
            let _ = writeln!(out, "  {kind}  {:>12}", thousands(*n));
        }
    }
    if !r.thresholds.is_empty() {
        let _ = writeln!(out, "\nThresholds");
        for t in &r.thresholds {
            let _ = writeln!(
                out,
                "  {} {:<24} measured {}",
                if t.passed { "pass" } else { "FAIL" },
                t.expression,
                if t.observed.is_nan() {
                    "nothing".to_string()
                } else {
                    format!("{:.2}", t.observed)
                }
            );
        }
    }
    out
}

/// The per-second timeline as CSV (`-o csv`).
pub fn timeline_csv(r: &LoadResult) -> String {
    let mut out =
        String::from("second,requests,errors,bytes_received,p50_ms,p90_ms,p99_ms,max_ms\n");
    for t in &r.timeline {
        let _ = writeln!(
            out,
            "{},{},{},{},{:.3},{:.3},{:.3},{:.3}",
            t.second,
            t.requests,
            t.errors,
            t.bytes_received,
            t.p50_ms,
            t.p90_ms,
            t.p99_ms,
            t.max_ms
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_readable() {
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
        assert_eq!(bytes(1536), "1.5 KiB");
        let r = crate::stats::tests::result_with(&[1.0, 2.0]);
        let t = text(&r);
        assert!(t.contains("Requests     2 in 2.00 s, 1.0 req/s"), "{t}");
        assert!(t.contains("service time"), "{t}");
    }
}
