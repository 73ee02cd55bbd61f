use srehub_core::{Check, Findings};

use super::{LogsInput, first_bucket, plural};

/// Buckets whose median is the baseline.
const MEDIAN_OF: usize = 5;

srehub_core::declare_check! {
    /// ## What it checks
    /// A template with a steady rate (the median of its previous five buckets at least 20 lines) that
    /// falls to a tenth of it or less, with a Poisson z-score at or below `−z-threshold`. The last
    /// bucket, usually partial, is not judged; a burst just before does not count as the baseline.
    ///
    /// ## Why it matters
    /// Messages that stop are as telling as messages that start: a consumer that no longer logs
    /// "processed batch", health checks that stopped arriving, a job that silently died.
    ///
    /// ## How to fix
    /// Check whether the component that writes it is still running and receiving work from the drop's
    /// time on.
    LOG004 TemplateDrop { name: "template-drop", severity: Warning, category: Reliability, group: "logs" }
}

impl Check<LogsInput<'_>> for TemplateDrop {
    fn run(&self, input: &LogsInput<'_>, out: &mut Findings) {
        let st = input.settings;
        let judged = input.summary.buckets.saturating_sub(1);
        let mut found = Vec::new();
        for t in &input.summary.templates {
            let Some(start) = first_bucket(t) else {
                continue;
            };
            // The baseline is the median of the previous buckets: a burst just before does not make
            // the return to normal look like a drop.
            for i in start + MEDIAN_OF..judged.min(t.buckets.len()) {
                let mut prev: Vec<u32> = t.buckets[i - MEDIAN_OF..i].to_vec();
                prev.sort_unstable();
                let baseline = f64::from(prev[MEDIAN_OF / 2]);
                let x = f64::from(t.buckets[i]);
                let z = (x - baseline) / baseline.max(1.0).sqrt();
                if baseline >= st.min_drop_baseline && x <= baseline * 0.1 && z <= -st.z_threshold {
                    found.push((z, i, baseline, t));
                    break;
                }
            }
        }
        found.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (z, i, lambda, t) in found.into_iter().take(st.max_findings) {
            out.push(input.about(
                &Self::META,
                t,
                format!(
                    "drop at {}: `{}` fell to {} in {} from a baseline of {lambda:.1} (z = {z:.1})",
                    input.bucket_label(i),
                    t.template,
                    plural(u64::from(t.buckets[i]), "line"),
                    input.bucket_width()
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::testing::{run, series, summary};

    #[test]
    fn a_steady_template_that_stops_is_a_drop_but_not_in_the_last_bucket() {
        let s = summary(
            vec![
                series(
                    "T1",
                    "processed batch <*>",
                    &[40, 42, 38, 41, 40, 0, 0, 0, 0],
                    0,
                ),
                series("T4", "retrying", &[2, 2, 2, 2, 2, 90, 2, 2, 2], 0),
                series("T2", "heartbeat", &[30, 30, 30, 30, 30, 30, 30, 30, 0], 0),
                series("T3", "rare", &[1, 0, 2, 0, 0, 0, 0, 0, 0], 0),
            ],
            vec![],
        );
        let f = run(&TemplateDrop, &s);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("drop at 2024-05-01T10:05:00Z"),
            "{}",
            f[0].message
        );
    }
}
