use srehub_core::{Check, Findings, Severity};

use super::{LogsInput, first_bucket, is_error_like, plural};

srehub_core::declare_check! {
    /// ## What it checks
    /// Templates that first appear after the baseline period (the first quarter of the input's time
    /// span, with at least 8 time buckets): messages the service was not writing before.
    ///
    /// ## Why it matters
    /// After a deploy, a configuration change or an incident starts, the first sign is often a kind of
    /// message nobody has seen before. Error-like new templates are raised as warnings.
    ///
    /// ## How to fix
    /// Look at when it started (the finding's time) against deploys and changes; `srehub logs parse
    /// --where 'msg~…'` shows the lines.
    LOG002 NewTemplate { name: "new-template", severity: Info, category: Reliability, group: "logs" }
}

impl Check<LogsInput<'_>> for NewTemplate {
    fn run(&self, input: &LogsInput<'_>, out: &mut Findings) {
        let s = input.summary;
        if s.buckets < 8 {
            return;
        }
        let baseline =
            ((s.buckets as f64 * input.settings.baseline_fraction).ceil() as usize).max(1);
        let mut found: Vec<_> = s
            .templates
            .iter()
            .filter_map(|t| Some((t, first_bucket(t)?)))
            .filter(|(_, b)| *b >= baseline)
            .collect();
        // Errors first, then the most frequent.
        found.sort_by(|(a, _), (b, _)| {
            is_error_like(b)
                .cmp(&is_error_like(a))
                .then(b.count.cmp(&a.count))
        });
        for (t, b) in found.into_iter().take(input.settings.max_findings) {
            let mut f = input.about(
                &Self::META,
                t,
                format!(
                    "new since {}: `{}` ({}; not seen in the first {} buckets of {})",
                    input.bucket_label(b),
                    t.template,
                    plural(t.count, "line"),
                    baseline,
                    input.bucket_width()
                ),
            );
            if is_error_like(t) {
                f = f.severity(Severity::Warning);
            }
            out.push(f.hint(format!("Example: {}", t.example)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::testing::{run, series, summary};

    #[test]
    fn templates_starting_after_the_baseline_are_new() {
        let s = summary(
            vec![
                series("T1", "request served", &[5, 5, 5, 5, 5, 5, 5, 5], 0),
                series("T2", "pool exhausted", &[0, 0, 0, 0, 0, 2, 3, 4], 9),
                series("T3", "cache warm", &[0, 1, 0, 0, 0, 0, 0, 0], 0),
            ],
            vec![],
        );
        let f = run(&NewTemplate, &s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(
            f[0].message.contains("2024-05-01T10:05:00Z"),
            "{}",
            f[0].message
        );
        // Too short an input to have a baseline.
        let short = summary(vec![series("T2", "x", &[0, 1], 0)], vec![]);
        assert!(run(&NewTemplate, &short).is_empty());
    }
}
