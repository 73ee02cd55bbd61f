//! `srehub load compare BEFORE AFTER`: the differences between two runs that matter — throughput,
//! latency percentiles, error rate and statuses — with a verdict that ignores noise (a relative
//! tolerance, and an absolute floor for latency).

use serde::Serialize;
use srehub_model::load::LoadResult;

/// Which direction is good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    Higher,
    Lower,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Better,
    Worse,
    Same,
}

/// One compared statistic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub metric: String,
    pub unit: String,
    pub before: f64,
    pub after: f64,
    /// Relative change in percent (`null` when `before` is 0).
    pub change_percent: Option<f64>,
    pub better: Better,
    pub verdict: Verdict,
}

/// What counts as a real change.
#[derive(Debug, Clone, Copy)]
pub struct Tolerance {
    /// Relative change below which a difference is noise, in percent.
    pub percent: f64,
    /// Latency differences below this many milliseconds are noise.
    pub latency_floor_ms: f64,
    /// Error-rate differences below this many percentage points are noise.
    pub error_rate_floor: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance {
            percent: 10.0,
            latency_floor_ms: 0.5,
            error_rate_floor: 0.1,
        }
    }
}

/// The comparison of two runs.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub before: String,
    pub after: String,
    pub rows: Vec<Row>,
    /// Statistics that got worse beyond the tolerance.
    pub regressions: usize,
}

fn row(
    metric: &str,
    unit: &str,
    before: f64,
    after: f64,
    better: Better,
    floor: f64,
    t: &Tolerance,
) -> Row {
    let change_percent = (before != 0.0).then(|| (after - before) / before * 100.0);
    let diff = after - before;
    let significant = diff.abs() > floor && change_percent.is_none_or(|c| c.abs() > t.percent);
    let verdict = if !significant {
        Verdict::Same
    } else if (diff > 0.0) == (better == Better::Higher) {
        Verdict::Better
    } else {
        Verdict::Worse
    };
    Row {
        metric: metric.to_string(),
        unit: unit.to_string(),
        before,
        after,
        change_percent,
        better,
        verdict,
    }
}

/// Compares `after` with `before`.
pub fn compare(before: &LoadResult, after: &LoadResult, t: &Tolerance) -> Comparison {
    let mut rows = vec![row(
        "requests_per_second",
        "req/s",
        before.requests_per_second,
        after.requests_per_second,
        Better::Higher,
        0.0,
        t,
    )];
    for stat in ["p50", "p90", "p95", "p99", "p99.9", "max"] {
        rows.push(row(
            &format!("latency {stat}"),
            "ms",
            before.latency_ms.get(stat).unwrap_or(0.0),
            after.latency_ms.get(stat).unwrap_or(0.0),
            Better::Lower,
            t.latency_floor_ms,
            t,
        ));
    }
    rows.push(row(
        "error_rate",
        "%",
        before.error_rate * 100.0,
        after.error_rate * 100.0,
        Better::Lower,
        t.error_rate_floor,
        t,
    ));
    // Statuses whose share changed.
    let codes: std::collections::BTreeSet<u16> = before
        .status_codes
        .keys()
        .chain(after.status_codes.keys())
        .copied()
        .collect();
    for code in codes {
        let share = |r: &LoadResult| {
            r.status_codes.get(&code).copied().unwrap_or(0) as f64 * 100.0
                / r.requests.max(1) as f64
        };
        let (b, a) = (share(before), share(after));
        let better = if code < 400 {
            Better::Higher
        } else {
            Better::Lower
        };
        let r = row(
            &format!("status {code}"),
            "% of requests",
            b,
            a,
            better,
            t.error_rate_floor,
            t,
        );
        if r.verdict != Verdict::Same {
            rows.push(r);
        }
    }
    let regressions = rows.iter().filter(|r| r.verdict == Verdict::Worse).count();
    Comparison {
        before: before.target.clone(),
        after: after.target.clone(),
        rows,
        regressions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_the_same_and_real_changes_have_a_direction() {
        let mut a = crate::stats::tests::result_with(&[10.0, 20.0, 30.0, 40.0]);
        a.requests_per_second = 1000.0;
        let mut b = a.clone();
        b.requests_per_second = 1050.0;
        let c = compare(&a, &b, &Tolerance::default());
        assert_eq!(c.rows[0].verdict, Verdict::Same);
        assert_eq!(c.regressions, 0);
        b.requests_per_second = 700.0;
        b.latency_ms.p99 = a.latency_ms.p99 * 2.0;
        b.status_codes.insert(503, 1);
        b.error_rate = 0.2;
        let c = compare(&a, &b, &Tolerance::default());
        assert_eq!(c.rows[0].verdict, Verdict::Worse);
        let p99 = c.rows.iter().find(|r| r.metric == "latency p99").unwrap();
        assert_eq!(p99.verdict, Verdict::Worse);
        assert!(
            c.rows
                .iter()
                .any(|r| r.metric == "status 503" && r.verdict == Verdict::Worse)
        );
        assert_eq!(c.regressions, 4, "{:#?}", c.rows);
        let back = compare(&b, &a, &Tolerance::default());
        assert_eq!(back.rows[0].verdict, Verdict::Better);
    }

    #[test]
    fn sub_millisecond_latency_changes_are_noise() {
        let a = crate::stats::tests::result_with(&[0.1, 0.1, 0.1]);
        let mut b = a.clone();
        b.latency_ms.p50 = 0.3;
        let c = compare(&a, &b, &Tolerance::default());
        assert!(
            c.rows.iter().all(|r| r.verdict == Verdict::Same),
            "{:#?}",
            c.rows
        );
    }
}
