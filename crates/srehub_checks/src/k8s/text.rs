//! Wording shared by the Kubernetes checks' messages, so that they read alike.

/// A duration in minutes for messages: `45 min`, `3h 10m`, `2d 4h` (negative counts as 0).
pub(crate) fn duration(minutes: i64) -> String {
    let m = minutes.max(0);
    match m {
        0..60 => format!("{m} min"),
        60..1440 => format!("{}h {}m", m / 60, m % 60),
        _ => format!("{}d {}h", m / 1440, m % 1440 / 60),
    }
}

/// `1 pod`, `3 pods`: a count with its noun in the right number.
pub(crate) fn count(n: impl std::fmt::Display, one: &str, many: &str) -> String {
    let n = n.to_string();
    let noun = if n == "1" { one } else { many };
    format!("{n} {noun}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_and_counts_read_naturally() {
        assert_eq!(super::duration(-3), "0 min");
        assert_eq!(super::duration(45), "45 min");
        assert_eq!(super::duration(190), "3h 10m");
        assert_eq!(super::duration(3120), "2d 4h");
        assert_eq!(super::count(1, "pod", "pods"), "1 pod");
        assert_eq!(super::count(3, "pod", "pods"), "3 pods");
    }
}
