//! Durations as Prometheus writes them (`500ms`, `30s`, `5m`, `1h30m`, `14d`, `2w`, `1y`, `0`): the one
//! parser of flags, rule files, specs and query parameters.

use std::time::Duration;

/// Parses a Prometheus duration; `None` for anything else (no spaces, no fractions, no overflow).
pub fn parse(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s == "0" {
        return Some(Duration::ZERO);
    }
    if s.is_empty() {
        return None;
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let n: u64 = rest.get(..digits).filter(|d| !d.is_empty())?.parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let part = match &rest[..unit_len] {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.checked_mul(60)?),
            "h" => Duration::from_secs(n.checked_mul(3600)?),
            "d" => Duration::from_secs(n.checked_mul(86_400)?),
            "w" => Duration::from_secs(n.checked_mul(604_800)?),
            "y" => Duration::from_secs(n.checked_mul(31_536_000)?),
            _ => return None,
        };
        rest = &rest[unit_len..];
        total = total.checked_add(part)?;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_durations() {
        assert_eq!(parse("0"), Some(Duration::ZERO));
        assert_eq!(parse("0s"), Some(Duration::ZERO));
        assert_eq!(parse("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse("14d"), Some(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse("2w"), Some(Duration::from_secs(1_209_600)));
        for bad in [
            "",
            "5",
            "5 minutes",
            "1.5h",
            "m",
            "-1h",
            "99999999999999999999y",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
