//! Parameter statistics of a template: the most frequent values and, while every value is a number,
//! a numeric summary with a log-scale histogram.

use serde::{Deserialize, Serialize};

/// Values seen for one parameter of a template.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ParamStats {
    /// Token position in the template.
    pub position: usize,
    /// Most frequent values first (bounded).
    pub values: Vec<Seen>,
    /// Occurrences whose value was not among the remembered ones.
    pub other: u64,
    /// Numeric summary when every value seen was a number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericStats>,
    /// A byte of a hash of each of the first [`TAGS`] values ([`Key::tag`]), in their order: the
    /// lanes that match a value's tag are the only places it can be, so most values are found, or
    /// found new, without reading the others.
    #[serde(skip)]
    pub(super) tags: [u8; TAGS],
    /// How many of `tags` are in step with `values` (0 after reading a saved state).
    #[serde(skip)]
    pub(super) tagged: u8,
    /// What finding and summing the first (most frequent) value needs, copied from it while
    /// `tagged` is not 0: it is found and summed without reading `values`.
    #[serde(skip)]
    pub(super) top: Top,
}

/// The key of a value and its number with its histogram bucket (see [`Seen`]).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Top {
    key: Key,
    number: Option<(f64, i16)>,
}

impl Top {
    fn of(seen: &Seen) -> Top {
        Top {
            key: seen.key(),
            number: seen.number(),
        }
    }
}

impl PartialEq for ParamStats {
    fn eq(&self, other: &ParamStats) -> bool {
        self.position == other.position
            && self.values == other.values
            && self.other == other.other
            && self.numeric == other.numeric
    }
}

/// Values with a tag in [`ParamStats::tags`] (the rest are compared one by one).
const TAGS: usize = 16;

/// A remembered value and its count, with what finding it and summing it needs: its key (length
/// and up to 16 bytes) and its value as a number with its histogram bucket, read from the one place
/// the count is. Written as `[text, count]`.
#[derive(Debug, Clone)]
pub struct Seen {
    pub text: String,
    pub count: u64,
    head: u64,
    tail: u64,
    number: f64,
    len: u32,
    bucket: i16,
    numeric: bool,
}

impl Seen {
    pub fn new(text: String, count: u64) -> Seen {
        let key = Key::of(text.as_bytes());
        let (number, bucket, numeric) = match self::number(&text) {
            Some((x, i)) => (x, i, true),
            None => (0.0, 0, false),
        };
        Seen {
            text,
            count,
            head: key.head,
            tail: key.tail,
            number,
            len: key.len,
            bucket,
            numeric,
        }
    }

    #[inline]
    fn key(&self) -> Key {
        Key {
            len: self.len,
            head: self.head,
            tail: self.tail,
        }
    }

    #[inline]
    fn number(&self) -> Option<(f64, i16)> {
        self.numeric.then_some((self.number, self.bucket))
    }

    /// Whether this is `value`, whose key is `k` (the text is read only when the key cannot tell).
    #[inline]
    fn holds(&self, k: Key, value: &str) -> bool {
        self.key() == k && (k.exact() || self.text == value)
    }
}

impl PartialEq for Seen {
    fn eq(&self, other: &Seen) -> bool {
        self.text == other.text && self.count == other.count
    }
}

impl PartialEq<(&str, u64)> for Seen {
    fn eq(&self, other: &(&str, u64)) -> bool {
        self.text == other.0 && self.count == other.1
    }
}

impl Serialize for Seen {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.text, self.count).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Seen {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Seen, D::Error> {
        let (text, count) = <(String, u64)>::deserialize(d)?;
        Ok(Seen::new(text, count))
    }
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
    /// Where in `buckets` the last value went (values often fall in the bucket of the one before).
    #[serde(skip)]
    last: usize,
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
            last: 0,
        };
        s.record_in(x, bucket(x));
        s
    }

    #[cfg(test)]
    fn record(&mut self, x: f64) {
        self.record_in(x, bucket(x));
    }

    /// Records `x`, whose bucket is `i` when it is positive (see [`bucket`]).
    fn record_in(&mut self, x: f64, i: i16) {
        self.count += 1;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        self.sum += x;
        if x <= 0.0 {
            self.zero_or_negative += 1;
            return;
        }
        if let Some(b) = self.buckets.get_mut(self.last)
            && b.0 == i
        {
            b.1 += 1;
            return;
        }
        match self.buckets.binary_search_by_key(&i, |&(b, _)| b) {
            Ok(k) => {
                self.buckets[k].1 += 1;
                self.last = k;
            }
            Err(k) => {
                self.buckets.insert(k, (i, 1));
                self.last = k;
            }
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

/// The histogram bucket of a positive value (0 for the rest, which are counted apart).
fn bucket(x: f64) -> i16 {
    if x <= 0.0 {
        return 0;
    }
    // Small integers (counts, ports, milliseconds) from a table made by the same formula.
    if x < SMALL as f64 && x.fract() == 0.0 {
        return small_buckets()[x as usize];
    }
    log_bucket(x)
}

fn log_bucket(x: f64) -> i16 {
    // A normal positive number is `m × 2^e` with `m` in [1, 2): its bucket is `4e` plus how many
    // quarter-doublings `m` exceeds (the same as `ceil(4 × log2 x)`, without the logarithm).
    let bits = x.to_bits();
    let biased = (bits >> 52) & 0x7ff;
    if x.is_finite() && biased != 0 {
        const QUARTERS: [f64; 3] = [
            1.189_207_115_002_721,
            std::f64::consts::SQRT_2,
            1.681_792_830_507_429,
        ];
        let e = biased as i64 - 1023;
        let m = f64::from_bits((bits & ((1 << 52) - 1)) | (1023 << 52));
        let q = if m == 1.0 {
            0
        } else {
            1 + QUARTERS.iter().filter(|&&t| m > t).count() as i64
        };
        return (4 * e + q).clamp(-4000, 4000) as i16;
    }
    (x.log2() * PER_DOUBLING).ceil().clamp(-4000.0, 4000.0) as i16
}

/// Integers below this have their bucket in a table.
const SMALL: usize = 4096;

fn small_buckets() -> &'static [i16; SMALL] {
    static TABLE: std::sync::OnceLock<[i16; SMALL]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = [0i16; SMALL];
        for (i, b) in t.iter_mut().enumerate().skip(1) {
            *b = log_bucket(i as f64);
        }
        t
    })
}

/// A value parsed as a number, with its bucket.
fn number(v: &str) -> Option<(f64, i16)> {
    parse_number(v).map(|x| (x, bucket(x)))
}

impl ParamStats {
    #[inline]
    pub(super) fn observe(&mut self, value: &str, max_values: usize) {
        let first = self.values.is_empty() && self.other == 0;
        let k = Key::of(value.as_bytes());
        let found = self.find(k, value);
        // The value parsed as a number when that is known already (a remembered value).
        let known: Option<Option<(f64, i16)>> = match found {
            Some(0) => {
                self.values[0].count += 1;
                Some(self.top.number)
            }
            Some(i) => {
                let seen = &mut self.values[i];
                seen.count += 1;
                let n = seen.number();
                // Keep most frequent first (one bubble step is enough for counts growing by one).
                if self.values[i].count > self.values[i - 1].count {
                    self.values.swap(i, i - 1);
                    if i < TAGS {
                        self.tags.swap(i, i - 1);
                    } else if i == TAGS {
                        // A value without a tag moved into the last tagged lane.
                        self.tags[TAGS - 1] = self.values[TAGS - 1].key().tag();
                    }
                    if i == 1 {
                        self.top = Top::of(&self.values[0]);
                    }
                }
                Some(n)
            }
            None if self.values.len() < max_values => {
                let seen = Seen::new(value.to_string(), 1);
                let n = seen.number();
                if let Some(t) = self.tags.get_mut(self.values.len()) {
                    *t = k.tag();
                    self.tagged += 1;
                }
                if self.values.is_empty() {
                    self.top = Top::of(&seen);
                }
                self.values.push(seen);
                Some(n)
            }
            None => {
                self.other += 1;
                None
            }
        };
        // Numeric summary while every value is a number (parsed only while that holds).
        if first {
            self.numeric = known
                .unwrap_or_else(|| number(value))
                .map(|(x, _)| NumericStats::new(x));
        } else if let Some(s) = self.numeric.as_mut() {
            match known.unwrap_or_else(|| number(value)) {
                Some((x, i)) => s.record_in(x, i),
                None => self.numeric = None,
            }
        }
    }

    /// The index of `value` (whose key is `k`) among `values`.
    #[inline]
    fn find(&mut self, k: Key, value: &str) -> Option<usize> {
        let tagged = self.values.len().min(TAGS);
        if usize::from(self.tagged) != tagged {
            // Values read from a saved state, or pushed by hand.
            for (t, v) in self.tags.iter_mut().zip(&self.values) {
                *t = v.key().tag();
            }
            self.tagged = tagged as u8;
            if let Some(first) = self.values.first() {
                self.top = Top::of(first);
            }
        }
        // The most frequent value most often.
        if tagged > 0 && k == self.top.key && (k.exact() || self.values[0].text == value) {
            return Some(0);
        }
        // The lanes of the tags equal to the value's tag.
        let mut m = crate::bytes::lanes_equal(&self.tags, tagged, k.tag());
        while m != 0 {
            let i = m.trailing_zeros() as usize;
            if self.values[i].holds(k, value) {
                return Some(i);
            }
            m &= m - 1;
        }
        if self.values.len() <= TAGS {
            return None;
        }
        self.values
            .iter()
            .skip(TAGS)
            .position(|v| v.holds(k, value))
            .map(|i| i + TAGS)
    }
}

/// The length and up to 16 bytes of a value: all of its bytes when it has at most 16, so that
/// equal keys mean equal values without reading the values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Key {
    len: u32,
    head: u64,
    tail: u64,
}

impl Key {
    #[inline]
    fn of(b: &[u8]) -> Key {
        let n = b.len();
        let word = |at| crate::bytes::word(b, at);
        let half = |at| crate::bytes::half(b, at);
        // Overlapping loads that cover every byte of a short value.
        let (head, tail) = if n >= 8 {
            (word(0), word(n - 8))
        } else if n >= 4 {
            (half(0), half(n - 4))
        } else if n > 0 {
            (
                u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16,
                0,
            )
        } else {
            (0, 0)
        };
        Key {
            len: u32::try_from(n).unwrap_or(u32::MAX),
            head,
            tail,
        }
    }

    /// A byte of a hash of the key: equal keys have equal tags.
    #[inline]
    fn tag(self) -> u8 {
        let h = (self.head ^ self.tail.rotate_left(29) ^ u64::from(self.len))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> 56) as u8
    }

    /// Whether equal keys mean equal values.
    #[inline]
    fn exact(self) -> bool {
        self.len <= 16
    }
}

fn parse_number(v: &str) -> Option<f64> {
    let b = v.as_bytes();
    let first = *b.first()?;
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return None;
    }
    // Up to 15 digits, optionally after a minus sign: the integer is exact in an f64, as the full
    // parser's result is.
    let digits = if first == b'-' { &b[1..] } else { b };
    if !digits.is_empty() && digits.len() <= 15 && digits.iter().all(u8::is_ascii_digit) {
        let n = digits
            .iter()
            .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
        #[allow(clippy::cast_precision_loss)] // below 2^53: exact
        let x = n as f64;
        return Some(if first == b'-' { -x } else { x });
    }
    v.parse::<f64>().ok().filter(|f| f.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_without_a_logarithm_are_the_logarithms_buckets() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for k in 0..200_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = match k % 4 {
                0 => (x % 1_000_000_000) as f64,
                1 => (x % 100_000) as f64 / 1000.0,
                2 => f64::from_bits((x >> 12) | (1023 << 52)) * 2f64.powi((k % 80) as i32 - 40),
                _ => (k + 1) as f64,
            };
            if v > 0.0 {
                let want = (v.log2() * PER_DOUBLING).ceil().clamp(-4000.0, 4000.0) as i16;
                assert_eq!(log_bucket(v), want, "{v}");
            }
        }
        for i in -40..40 {
            let b = NumericStats::bound(i);
            assert_eq!(log_bucket(b), i, "{b}");
        }
    }

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
    fn fast_paths_agree_with_the_general_ones() {
        for v in [
            "0",
            "-0",
            "7",
            "-7",
            "+7",
            "007",
            "123456789012345",
            "1234567890123456",
            "-999999999999999",
            "12.5",
            "-",
            "",
            "1e3",
            ".5",
            "12a",
            "9007199254740993",
        ] {
            let general = v.parse::<f64>().ok().filter(|f| f.is_finite());
            assert_eq!(
                parse_number(v).map(f64::to_bits),
                general
                    .filter(|_| !v.starts_with(|c: char| c.is_ascii_alphabetic()))
                    .map(f64::to_bits),
                "{v}"
            );
        }
        for i in 1..5000 {
            let x = f64::from(i);
            assert_eq!(bucket(x), log_bucket(x), "{x}");
            assert_eq!(bucket(x + 0.5), log_bucket(x + 0.5), "{x}");
        }
        for x in [0.0, -1.0, 1e-300, 0.5, 1.0, 1.5, 2.0, 1000.0, 1e300] {
            let mut a = NumericStats::new(1.0);
            a.record(x);
            assert_eq!(
                a.buckets.iter().map(|b| b.1).sum::<u64>() + a.zero_or_negative,
                2
            );
        }
        // Keys of values up to 16 bytes are equal only for equal values.
        let mut words: Vec<Vec<u8>> = vec![Vec::new()];
        for n in 1..=17 {
            let w: Vec<u8> = (0..n).map(|i| b'a' + i as u8).collect();
            for at in 0..n {
                let mut v = w.clone();
                v[at] ^= 1;
                words.push(v);
            }
            words.push(w);
        }
        for a in &words {
            for b in &words {
                let same = Key::of(a) == Key::of(b);
                if a.len() <= 16 {
                    assert_eq!(same, a == b, "{a:?} {b:?}");
                } else if a == b {
                    assert!(same);
                }
            }
        }
        // Long values that share a key are told apart by their text.
        let mut p = ParamStats::default();
        let (x, y) = ("aaaaaaaa-1-bbbbbbbb", "aaaaaaaa-2-bbbbbbbb");
        assert_eq!(Key::of(x.as_bytes()), Key::of(y.as_bytes()));
        for v in [x, y, y, x, y] {
            p.observe(v, 10);
        }
        assert_eq!(p.values, [(y, 3), (x, 2)]);
    }

    #[test]
    fn values_past_the_tagged_ones_are_found_after_moving_up() {
        // More remembered values than tags: the 17th value, once more frequent than the 16th, moves
        // into the last tagged lane and is still found there (one lane up per observation).
        let mut p = ParamStats::default();
        for i in 0..17 {
            p.observe(&format!("v{i}"), 20);
        }
        for _ in 0..5 {
            p.observe("v16", 20);
        }
        assert_eq!(p.values.len(), 17);
        assert_eq!(p.values[11], ("v16", 6));
        assert_eq!(p.other, 0);
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
