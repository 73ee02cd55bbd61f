//! Kubernetes resource quantities (`100m`, `1.5`, `128Mi`, `1G`, `2e3`).

/// Parses a quantity into its value in base units (cores for CPU, bytes for memory).
/// Returns `None` for text that is not a Kubernetes quantity.
pub fn parse_quantity(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let split = s
        .char_indices()
        .find(|(i, c)| {
            !(c.is_ascii_digit() || *c == '.' || ((*c == '+' || *c == '-') && *i == 0))
                && !(matches!(c, 'e' | 'E')
                    && s[i + 1..]
                        .chars()
                        .next()
                        .is_some_and(|n| n.is_ascii_digit() || n == '-' || n == '+'))
        })
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024.0_f64.powi(4),
        "Pi" => 1024.0_f64.powi(5),
        "Ei" => 1024.0_f64.powi(6),
        _ => return None,
    };
    let v = n * mult;
    v.is_finite().then_some(v)
}

/// Formats bytes for messages: `1.5Gi`, `512Mi`.
pub fn format_bytes(b: f64) -> String {
    const UNITS: [(&str, f64); 4] = [
        ("Ti", 1099511627776.0),
        ("Gi", 1073741824.0),
        ("Mi", 1048576.0),
        ("Ki", 1024.0),
    ];
    for (u, size) in UNITS {
        if b >= size {
            let v = b / size;
            return if v.fract() < 0.05 {
                format!("{v:.0}{u}")
            } else {
                format!("{v:.1}{u}")
            };
        }
    }
    format!("{b:.0}")
}

/// Formats cores for messages: `250m`, `2`, `1.5`.
pub fn format_cpu(c: f64) -> String {
    if c < 1.0 {
        format!("{:.0}m", c * 1000.0)
    } else if c.fract().abs() < 0.001 {
        format!("{c:.0}")
    } else {
        format!("{c:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_usual_quantities() {
        assert_eq!(parse_quantity("100m"), Some(0.1));
        assert_eq!(parse_quantity("2"), Some(2.0));
        assert_eq!(parse_quantity("1.5"), Some(1.5));
        assert_eq!(parse_quantity("128Mi"), Some(134217728.0));
        assert_eq!(parse_quantity("1G"), Some(1e9));
        assert_eq!(parse_quantity("12345Ki"), Some(12345.0 * 1024.0));
        assert_eq!(parse_quantity("2500000000n"), Some(2.5));
        assert_eq!(parse_quantity("2e3"), Some(2000.0));
        assert_eq!(parse_quantity("1E"), Some(1e18));
        assert_eq!(parse_quantity("abc"), None);
        assert_eq!(parse_quantity(""), None);
        assert_eq!(parse_quantity("5Qi"), None);
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(format_bytes(1610612736.0), "1.5Gi");
        assert_eq!(format_bytes(536870912.0), "512Mi");
        assert_eq!(format_cpu(0.25), "250m");
        assert_eq!(format_cpu(2.0), "2");
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,12}") {
            let _ = parse_quantity(&s);
        }

        #[test]
        fn millicores_round_trip(m in 0u32..1_000_000) {
            let v = parse_quantity(&format!("{m}m")).unwrap();
            prop_assert!((v - f64::from(m) / 1000.0).abs() < 1e-9);
        }
    }
}
