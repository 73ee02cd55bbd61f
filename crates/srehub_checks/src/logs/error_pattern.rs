use srehub_core::{Check, Findings};

use super::{LogsInput, is_error_like, plural};

srehub_core::declare_check! {
    /// ## What it checks
    /// Templates of error messages: at least half of their records at `error` or `fatal` level, or,
    /// in logs without levels, an error word in the text (error, exception, failed, timeout, refused,
    /// denied, panic, …). They are ranked by count, and each says how its rate moved between the first
    /// and the second half of the input.
    ///
    /// ## Why it matters
    /// A service's errors are usually a handful of patterns repeated thousands of times. Seeing them
    /// grouped, counted and with their trend tells what to fix first, and which error is new or
    /// growing rather than the usual background.
    ///
    /// ## How to fix
    /// Start with the largest or fastest-growing pattern: `srehub logs parse --where 'msg~…'` shows its
    /// lines with all their fields. If an error is expected and harmless, log it at a lower level.
    LOG001 ErrorPattern { name: "error-pattern", severity: Warning, category: Reliability, group: "logs" }
}

impl Check<LogsInput<'_>> for ErrorPattern {
    fn run(&self, input: &LogsInput<'_>, out: &mut Findings) {
        let s = input.summary;
        // Templates come sorted by count.
        for t in s
            .templates
            .iter()
            .filter(|t| is_error_like(t))
            .take(input.settings.max_findings)
        {
            let share = 100.0 * t.count as f64 / s.records.max(1) as f64;
            let half = t.buckets.len() / 2;
            let trend = if half >= 1 {
                let first: u64 = t.buckets[..half].iter().map(|&b| u64::from(b)).sum();
                let second: u64 = t.buckets[half..].iter().map(|&b| u64::from(b)).sum();
                // Rates per bucket, the second half possibly one bucket longer.
                let r1 = first as f64 / half as f64;
                let r2 = second as f64 / (t.buckets.len() - half) as f64;
                match (first, second) {
                    (0, _) => "only in the second half".to_string(),
                    (_, 0) => "only in the first half".to_string(),
                    _ if r2 >= 2.0 * r1 => {
                        format!("growing: {:.1}× the rate in the second half", r2 / r1)
                    }
                    _ if r1 >= 2.0 * r2 => {
                        format!("receding: {:.1}× less in the second half", r1 / r2)
                    }
                    _ => "steady".to_string(),
                }
            } else {
                "one time bucket".to_string()
            };
            out.push(
                input
                    .about(
                        &Self::META,
                        t,
                        format!(
                            "{} ({share:.1} %) of `{}`; {trend}",
                            plural(t.count, "line"),
                            t.template
                        ),
                    )
                    .hint(format!("Example: {}", t.example)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::testing::{run, series, summary};

    #[test]
    fn error_templates_are_reported_with_their_trend() {
        let s = summary(
            vec![
                series("T1", "request served in <*> ms", &[100, 100, 100, 100], 0),
                series("T2", "upstream <*> timed out", &[1, 1, 10, 10], 22),
                series("T3", "cache miss", &[5, 5, 5, 5], 0),
            ],
            vec![],
        );
        let f = run(&ErrorPattern, &s);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("22 lines"), "{}", f[0].message);
        assert!(f[0].message.contains("growing: 10.0×"), "{}", f[0].message);
        assert_eq!(f[0].resource.as_ref().unwrap().name, "T2");
        assert_eq!(f[0].location.as_ref().unwrap().file, "app.log");
    }

    #[test]
    fn without_levels_error_words_decide() {
        let mut t = series("T1", "connection refused by <*>", &[3, 3], 0);
        t.no_level = t.count;
        t.levels = [0; 7];
        let mut ok = series("T2", "connection accepted from <*>", &[3, 3], 0);
        ok.no_level = ok.count;
        ok.levels = [0; 7];
        let f = run(&ErrorPattern, &summary(vec![t, ok], vec![]));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("refused"));
    }
}
