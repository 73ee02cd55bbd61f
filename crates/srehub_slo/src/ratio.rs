//! Exact rational numbers for objectives, budgets and burn-rate thresholds, printed as exact decimals
//! (`0.0144`, never `0.014400000000000001`); a value without a finite decimal form (`0.9333…`) is
//! printed to 12 significant digits.

use std::cmp::Ordering;
use std::fmt;

/// `num / den`, always reduced, `den > 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ratio {
    num: i128,
    den: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

impl Ratio {
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };
    pub const ONE: Ratio = Ratio { num: 1, den: 1 };

    pub fn new(num: i128, den: i128) -> Ratio {
        assert!(den != 0, "zero denominator");
        let g = gcd(num, den) * den.signum();
        Ratio {
            num: num / g,
            den: den / g,
        }
    }

    pub fn int(n: i64) -> Ratio {
        Ratio::new(i128::from(n), 1)
    }

    /// Parses a decimal such as `99.9`, `-3`, `1e-3` or `0.999`.
    pub fn parse(s: &str) -> Option<Ratio> {
        let s = s.trim();
        let (mantissa, exp) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
            None => (s, 0),
        };
        let (neg, digits) = match mantissa.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty() && frac.is_empty()
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
            || int.len() + frac.len() > 30
        {
            return None;
        }
        let mut num: i128 = format!("{int}{frac}").parse().ok()?;
        if neg {
            num = -num;
        }
        let scale = exp - i32::try_from(frac.len()).ok()?;
        if scale.unsigned_abs() > 30 {
            return None;
        }
        let p = 10i128.pow(scale.unsigned_abs());
        Some(if scale >= 0 {
            Ratio::new(num.checked_mul(p)?, 1)
        } else {
            Ratio::new(num, p)
        })
    }

    /// The exact value of a float as written by its shortest round-trip form (`99.9` → 999/10).
    pub fn from_f64(f: f64) -> Option<Ratio> {
        if !f.is_finite() {
            return None;
        }
        Ratio::parse(&format!("{f}"))
    }

    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    pub fn is_positive(self) -> bool {
        self.num > 0
    }

    pub fn times(self, o: Ratio) -> Ratio {
        // Cross-reduce first to keep the numbers small.
        let g1 = gcd(self.num, o.den);
        let g2 = gcd(o.num, self.den);
        Ratio::new(
            (self.num / g1) * (o.num / g2),
            (self.den / g2) * (o.den / g1),
        )
    }

    pub fn over(self, o: Ratio) -> Ratio {
        assert!(o.num != 0, "division by zero");
        self.times(Ratio::new(o.den, o.num))
    }

    pub fn minus(self, o: Ratio) -> Ratio {
        let g = gcd(self.den, o.den);
        Ratio::new(
            self.num * (o.den / g) - o.num * (self.den / g),
            self.den / g * o.den,
        )
    }

    pub fn plus(self, o: Ratio) -> Ratio {
        self.minus(Ratio::new(-o.num, o.den))
    }

    /// Whether the decimal expansion ends (the reduced denominator has only 2s and 5s).
    pub fn is_terminating(self) -> bool {
        let mut d = self.den;
        while d % 2 == 0 {
            d /= 2;
        }
        while d % 5 == 0 {
            d /= 5;
        }
        d == 1
    }
}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ratio {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.num * other.den).cmp(&(other.num * self.den))
    }
}

impl fmt::Display for Ratio {
    /// Exact decimals; 12 significant digits for non-terminating values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.num < 0 {
            f.write_str("-")?;
        }
        let n = self.num.unsigned_abs();
        let d = self.den.unsigned_abs();
        let int = n / d;
        let mut rem = n % d;
        write!(f, "{int}")?;
        if rem == 0 {
            return Ok(());
        }
        f.write_str(".")?;
        let terminating = self.is_terminating();
        let mut significant = if int > 0 { int.to_string().len() } else { 0 };
        let mut digits = String::new();
        while rem != 0 {
            rem *= 10;
            let digit = rem / d;
            rem %= d;
            digits.push(char::from(b'0' + digit as u8));
            if significant > 0 || digit != 0 {
                significant += 1;
            }
            if !terminating && significant >= 12 {
                // Round the last digit half up.
                if rem * 2 >= d {
                    let mut v: Vec<u8> = digits.into_bytes();
                    let mut i = v.len();
                    loop {
                        if i == 0 {
                            return write!(f, "(rounding overflow of {})", self.to_f64());
                        }
                        i -= 1;
                        if v[i] == b'9' {
                            v[i] = b'0';
                        } else {
                            v[i] += 1;
                            break;
                        }
                    }
                    digits = String::from_utf8(v).unwrap_or_default();
                }
                let trimmed = digits.trim_end_matches('0');
                return f.write_str(if trimmed.is_empty() { "0" } else { trimmed });
            }
        }
        f.write_str(&digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_and_thresholds_are_exact() {
        let objective = Ratio::parse("99.9").unwrap();
        let budget = Ratio::ONE.minus(objective.over(Ratio::int(100)));
        assert_eq!(budget.to_string(), "0.001");
        assert_eq!(
            Ratio::parse("14.4").unwrap().times(budget).to_string(),
            "0.0144"
        );
        let b = Ratio::ONE.minus(Ratio::from_f64(99.95).unwrap().over(Ratio::int(100)));
        assert_eq!(b.to_string(), "0.0005");
        assert_eq!(Ratio::parse("6").unwrap().times(b).to_string(), "0.003");
        assert_eq!(Ratio::parse("1e-3").unwrap().to_string(), "0.001");
        assert_eq!(Ratio::parse("-2.50").unwrap().to_string(), "-2.5");
        // 10 % of 28 days in 3 days.
        let f = Ratio::new(1, 10)
            .times(Ratio::int(672))
            .over(Ratio::int(72));
        assert_eq!(f.to_string(), "0.933333333333");
        assert_eq!(Ratio::new(2, 3).to_string(), "0.666666666667");
        assert!(Ratio::parse("99.9").unwrap() < Ratio::int(100));
        for bad in ["", ".", "1.2.3", "abc", "1e99"] {
            assert!(Ratio::parse(bad).is_none(), "{bad}");
        }
    }
}
