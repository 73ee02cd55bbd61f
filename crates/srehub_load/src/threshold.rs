//! Thresholds for CI: `p99<200ms`, `error_rate<1%`, `rps>900`, judged against a finished run.

use srehub_model::load::{LoadResult, ThresholdResult};

use crate::Error;

/// A parsed threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub expression: String,
    pub metric: Metric,
    pub op: Op,
    /// In the metric's unit: milliseconds for latency, percent for `error_rate`, requests per
    /// second for `rps`, a count for `requests` and `errors`.
    pub limit: f64,
}

/// What a threshold compares.
#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    /// A latency statistic (`p99`, `p99.9`, `mean`, `max`, …): corrected latency in the open model.
    Latency(String),
    ErrorRate,
    Rps,
    Requests,
    Errors,
}

impl Metric {
    fn name(&self) -> &str {
        match self {
            Metric::Latency(s) => s,
            Metric::ErrorRate => "error_rate",
            Metric::Rps => "rps",
            Metric::Requests => "requests",
            Metric::Errors => "errors",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
        }
    }
}

const LATENCY: &[&str] = &[
    "min", "mean", "avg", "stdev", "p50", "median", "p75", "p90", "p95", "p99", "p99.9", "p999",
    "max",
];

impl std::str::FromStr for Threshold {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::Threshold {
            expression: s.to_string(),
            reason: why.to_string(),
        };
        let text = s.trim();
        let at = text
            .find(['<', '>'])
            .ok_or_else(|| bad("no comparison: write it as METRIC<VALUE or METRIC>VALUE"))?;
        let (name, rest) = text.split_at(at);
        let (op, value) = match rest.as_bytes() {
            [b'<', b'=', ..] => (Op::Le, &rest[2..]),
            [b'>', b'=', ..] => (Op::Ge, &rest[2..]),
            [b'<', ..] => (Op::Lt, &rest[1..]),
            _ => (Op::Gt, &rest[1..]),
        };
        let mut name = name.trim().to_ascii_lowercase();
        // k6 spells percentiles p(99).
        if let Some(inner) = name.strip_prefix("p(").and_then(|n| n.strip_suffix(')')) {
            name = format!("p{inner}");
        }
        let value = value.trim();
        let metric = match name.as_str() {
            "error_rate" | "errors_rate" | "error-rate" => Metric::ErrorRate,
            "rps" | "requests_per_second" => Metric::Rps,
            "requests" => Metric::Requests,
            "errors" => Metric::Errors,
            n if LATENCY.contains(&n) => Metric::Latency(n.to_string()),
            other => {
                return Err(bad(&format!(
                    "unknown metric `{other}`: use p50, p75, p90, p95, p99, p99.9, min, mean, max, stdev, error_rate, rps, requests or errors"
                )));
            }
        };
        let limit = match &metric {
            Metric::Latency(_) => latency_ms(value).ok_or_else(|| {
                bad(&format!(
                    "`{value}` is not a duration: write 200ms, 1.5s or 800us"
                ))
            })?,
            Metric::ErrorRate => {
                if let Some(p) = value.strip_suffix('%') {
                    number(p).ok_or_else(|| bad(&format!("`{value}` is not a percentage")))?
                } else {
                    let f = number(value).ok_or_else(|| {
                        bad(&format!("`{value}` is not a rate: write 1% or 0.01"))
                    })?;
                    if f > 1.0 {
                        return Err(bad(&format!(
                            "`{value}` is more than 1: write a percentage as {value}%"
                        )));
                    }
                    f * 100.0
                }
            }
            Metric::Rps | Metric::Requests | Metric::Errors => {
                number(value).ok_or_else(|| bad(&format!("`{value}` is not a number")))?
            }
        };
        if limit < 0.0 {
            return Err(bad("the limit cannot be negative"));
        }
        Ok(Threshold {
            expression: text.to_string(),
            metric,
            op,
            limit,
        })
    }
}

fn number(s: &str) -> Option<f64> {
    let f: f64 = s.trim().parse().ok()?;
    f.is_finite().then_some(f)
}

/// `200ms`, `1.5s`, `800us`, `800µs`, `1m`; a bare number is milliseconds.
fn latency_ms(s: &str) -> Option<f64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n = number(num)?;
    let factor = match unit.trim() {
        "" | "ms" => 1.0,
        "s" => 1_000.0,
        "us" | "µs" => 0.001,
        "ns" => 0.000_001,
        "m" => 60_000.0,
        _ => return None,
    };
    Some(n * factor)
}

impl Threshold {
    /// The measured value, in the threshold's unit; `None` when the run has no such value (a latency
    /// statistic of a run with no response).
    pub fn observed(&self, r: &LoadResult) -> Option<f64> {
        Some(match &self.metric {
            Metric::Latency(stat) => {
                if r.answered() == 0 {
                    return None;
                }
                r.latency_ms.get(stat)?
            }
            Metric::ErrorRate => r.error_rate * 100.0,
            Metric::Rps => r.requests_per_second,
            Metric::Requests => r.requests as f64,
            Metric::Errors => {
                (r.failed()
                    + r.status_codes
                        .iter()
                        .filter(|(s, _)| **s >= 500)
                        .map(|(_, n)| n)
                        .sum::<u64>()) as f64
            }
        })
    }

    /// Judges the run. A latency threshold on a run without any response fails.
    pub fn judge(&self, r: &LoadResult) -> ThresholdResult {
        let observed = self.observed(r);
        ThresholdResult {
            expression: self.expression.clone(),
            metric: self.metric.name().to_string(),
            observed: observed.unwrap_or(f64::NAN),
            limit: self.limit,
            passed: observed.is_some_and(|v| self.op.holds(v, self.limit)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Threshold {
        s.parse().unwrap()
    }

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(t("p99<200ms").limit, 200.0);
        assert_eq!(t("p99 < 1.5s").limit, 1500.0);
        assert_eq!(t("p(95)<=800us").metric, Metric::Latency("p95".into()));
        assert_eq!(t("p(95)<=800us").op, Op::Le);
        assert_eq!(t("p99.9<2s").metric, Metric::Latency("p99.9".into()));
        assert_eq!(t("error_rate<1%").limit, 1.0);
        assert_eq!(t("error_rate<0.01").limit, 1.0);
        assert_eq!(t("rps>900").op, Op::Gt);
        assert_eq!(t("rps>=900").op, Op::Ge);
        assert_eq!(t("mean<50").limit, 50.0);
    }

    #[test]
    fn refuses_what_it_cannot_judge() {
        for bad in [
            "p99",
            "p98<1s",
            "p99<fast",
            "error_rate<5",
            "rps>lots",
            "p99<-1ms",
            "",
        ] {
            let e = bad.parse::<Threshold>().unwrap_err().to_string();
            assert!(e.contains("threshold"), "{bad}: {e}");
        }
    }

    #[test]
    fn judges_a_result() {
        let mut r = crate::stats::tests::result_with(&[10.0, 20.0, 30.0]);
        r.requests_per_second = 950.0;
        assert!(t("rps>900").judge(&r).passed);
        assert!(!t("rps>1000").judge(&r).passed);
        assert!(t("p50<25ms").judge(&r).passed);
        assert!(!t("max<25ms").judge(&r).passed);
        r.status_codes.insert(503, 1);
        r.requests += 1;
        r.error_rate = 0.25;
        let j = t("error_rate<1%").judge(&r);
        assert!(!j.passed);
        assert_eq!(j.observed, 25.0);
        assert_eq!(t("errors<1").judge(&r).observed, 1.0);
    }
}
