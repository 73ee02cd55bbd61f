//! Parameter statistics of a template: the most frequent values and, while every value is a number,
//! a numeric summary with a log-scale histogram.

use serde::{Deserialize, Serialize};

/// Values seen for one parameter of a template.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ParamStats {
    /// Token position in the template.
    pub position: usize,
    /// Most frequent values first (bounded).
    pub values: Vec<(String, u64)>,
    /// Occurrences whose value was not among the remembered ones.
    pub other: u64,
    /// Numeric summary when every value seen was a number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericStats>,
    /// Hashes of `values`, for fast lookups (rebuilt when missing).
    #[serde(skip)]
    pub(super) hashes: Vec<u64>,
}

/// Summary of numeric parameter values (latencies, sizes, counts), with a log-scale histogram.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NumericStats {
    pub count: u64,
    pub min: f64,
    pub max: f64,
    pub sum: f64,
    /// Values per bucket: bucket `i` holds positive values up to `2^(i/4)` (above the previous
    /// bound), 4 buckets per doubling, so quantiles are within 19 %; zero and negative values are
    /// counted apart.
    #[serde(default)]
    pub buckets: Vec<(i16, u64)>,
    #[serde(default)]
    pub zero_or_negative: u64,
}

/// Buckets per doubling of the histogram.
const PER_DOUBLING: f64 = 4.0;

impl NumericStats {
    fn new(x: f64) -> NumericStats {
        let mut s = NumericStats {
            count: 0,
            min: x,
            max: x,
            sum: 0.0,
            buckets: Vec::new(),
            zero_or_negative: 0,
        };
        s.record(x);
        s
    }

    fn record(&mut self, x: f64) {
        self.count += 1;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        self.sum += x;
        if x <= 0.0 {
            self.zero_or_negative += 1;
            return;
        }
        let i = (x.log2() * PER_DOUBLING).ceil().clamp(-4000.0, 4000.0) as i16;
        match self.buckets.binary_search_by_key(&i, |&(b, _)| b) {
            Ok(k) => self.buckets[k].1 += 1,
            Err(k) => self.buckets.insert(k, (i, 1)),
        }
    }

    /// The upper bound of bucket `i`.
    pub fn bound(i: i16) -> f64 {
        (f64::from(i) / PER_DOUBLING).exp2()
    }

    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum / self.count as f64
        }
    }

    /// The `q` quantile (0..=1), as the upper bound of its bucket clamped to [min, max].
    pub fn quantile(&self, q: f64) -> f64 {
        let rank = (q.clamp(0.0, 1.0) * self.count as f64).ceil().max(1.0) as u64;
        if rank <= self.zero_or_negative {
            return self.min.min(0.0);
        }
        let mut seen = self.zero_or_negative;
        for &(i, n) in &self.buckets {
            seen += n;
            if seen >= rank {
                return Self::bound(i).clamp(self.min, self.max);
            }
        }
        self.max
    }
}

impl ParamStats {
    pub(super) fn observe(&mut self, value: &str, max_values: usize) {
        let first = self.values.is_empty() && self.other == 0;
        if self.hashes.len() != self.values.len() {
            self.hashes = self.values.iter().map(|(v, _)| token_hash(v)).collect();
        }
        let h = token_hash(value);
        match self
            .hashes
            .iter()
            .zip(&self.values)
            .position(|(&vh, (v, _))| vh == h && v == value)
        {
            Some(i) => {
                self.values[i].1 += 1;
                // Keep most frequent first (one bubble step is enough for counts growing by one).
                if i > 0 && self.values[i].1 > self.values[i - 1].1 {
                    self.values.swap(i, i - 1);
                    self.hashes.swap(i, i - 1);
                }
            }
            None if self.values.len() < max_values => {
                self.values.push((value.to_string(), 1));
                self.hashes.push(h);
            }
            None => self.other += 1,
        }
        // Numeric summary while every value is a number (parsed only while that holds).
        if first {
            self.numeric = parse_number(value).map(NumericStats::new);
        } else if let Some(s) = self.numeric.as_mut() {
            match parse_number(value) {
                Some(x) => s.record(x),
                None => self.numeric = None,
            }
        }
    }
}

fn parse_number(v: &str) -> Option<f64> {
    let first = *v.as_bytes().first()?;
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return None;
    }
    v.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// A fast hash of one token (8 bytes at a time).
pub(super) fn token_hash(t: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let b = t.as_bytes();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_are_within_a_bucket() {
        let mut s = NumericStats::new(1.0);
        for v in 2..=1000 {
            s.record(f64::from(v));
        }
        assert_eq!(s.count, 1000);
        assert_eq!((s.min, s.max), (1.0, 1000.0));
        for (q, exact) in [(0.5, 500.0), (0.9, 900.0), (0.99, 990.0)] {
            let got = s.quantile(q);
            assert!(got >= exact && got <= exact * 1.19, "q{q}: {got}");
        }
        assert_eq!(s.quantile(1.0), 1000.0);
        s.record(0.0);
        s.record(-5.0);
        assert_eq!(s.zero_or_negative, 2);
        assert_eq!(s.quantile(0.0), -5.0);
    }

    #[test]
    fn numeric_summary_lasts_while_every_value_is_a_number() {
        let mut p = ParamStats::default();
        p.observe("12", 10);
        p.observe("15.5", 10);
        assert_eq!(p.numeric.as_ref().unwrap().count, 2);
        p.observe("abc", 10);
        assert!(p.numeric.is_none());
        p.observe("3", 10);
        assert!(p.numeric.is_none());
        assert_eq!(p.values.len(), 4);
    }
}
