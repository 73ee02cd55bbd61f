use srehub_core::{Check, Findings};

use super::{LogsInput, first_bucket};

srehub_core::declare_check! {
    /// ## What it checks
    /// A time bucket where a template's count jumps far above its own recent rate: the count `x`
    /// against an exponentially weighted moving average `λ` of the previous buckets, as a Poisson
    /// z-score `(x − λ) / √λ` at or above `--z-threshold` (default 4) with at least `--min-count`
    /// lines. The largest burst of each template is reported.
    ///
    /// ## Why it matters
    /// A burst of one kind of message (retries, timeouts, reconnects) marks the start of an incident
    /// more precisely than the total log volume, which other templates drown.
    ///
    /// ## How to fix
    /// Correlate the burst's time with deploys, dependencies and alerts; the template's example and
    /// parameters say what repeated.
    LOG003 TemplateBurst { name: "template-burst", severity: Warning, category: Reliability, group: "logs" }
}

impl Check<LogsInput<'_>> for TemplateBurst {
    fn run(&self, input: &LogsInput<'_>, out: &mut Findings) {
        let st = input.settings;
        let mut found = Vec::new();
        for t in &input.summary.templates {
            let Some(start) = first_bucket(t) else {
                continue;
            };
            let mut ewma = f64::from(t.buckets[start]);
            let mut best: Option<(f64, usize, f64)> = None;
            // Two buckets of history before judging.
            for (i, &x) in t.buckets.iter().enumerate().skip(start + 1) {
                let lambda = ewma.max(1.0);
                let x = f64::from(x);
                let z = (x - lambda) / lambda.sqrt();
                if i >= start + 2
                    && x >= st.min_burst as f64
                    && z >= st.z_threshold
                    && best.is_none_or(|(bz, _, _)| z > bz)
                {
                    best = Some((z, i, lambda));
                }
                ewma = st.ewma_alpha * x + (1.0 - st.ewma_alpha) * ewma;
            }
            if let Some((z, i, lambda)) = best {
                found.push((z, i, lambda, t));
            }
        }
        found.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (z, i, lambda, t) in found.into_iter().take(st.max_findings) {
            out.push(
                input
                    .about(
                        &Self::META,
                        t,
                        format!(
                            "burst at {}: {} lines of `{}` in {} against a baseline of {lambda:.1} (z = {z:.1})",
                            input.bucket_label(i),
                            t.buckets[i],
                            t.template,
                            input.bucket_width()
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
    fn a_spike_far_above_the_moving_average_is_a_burst() {
        let s = summary(
            vec![
                series("T1", "retrying <*>", &[2, 3, 2, 2, 3, 60, 2, 2], 0),
                series("T2", "steady", &[50, 55, 48, 52, 60, 51, 49, 50], 0),
                series("T3", "tiny", &[0, 0, 1, 0, 0, 6, 0, 0], 0),
            ],
            vec![],
        );
        let f = run(&TemplateBurst, &s);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message
                .contains("burst at 2024-05-01T10:05:00Z: 60 lines"),
            "{}",
            f[0].message
        );
    }
}
