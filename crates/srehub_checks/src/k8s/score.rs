use srehub_core::{Finding, Severity};

/// The doctor's 0–100 score: 100 minus a penalty per check that fired, weighted by severity and growing
/// with the logarithm of its count, so one noisy check cannot sink the score alone:
/// `penalty = Σ weight(severity) × (1 + ln(count))`, weights critical 6, warning 2, info 0.5.
pub fn score(findings: &[Finding]) -> u8 {
    use std::collections::BTreeMap;
    let mut per_check: BTreeMap<(&str, Severity), usize> = BTreeMap::new();
    for f in findings {
        *per_check.entry((f.check.as_str(), f.severity)).or_default() += 1;
    }
    let penalty: f64 = per_check
        .iter()
        .map(|((_, sev), n)| {
            let w = match sev {
                Severity::Critical => 6.0,
                Severity::Warning => 2.0,
                Severity::Info => 0.5,
            };
            w * (1.0 + (*n as f64).ln())
        })
        .sum();
    (100.0 - penalty).clamp(0.0, 100.0).round() as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use srehub_core::{Category, CheckMeta};

    const M: CheckMeta = CheckMeta {
        code: "K8S999",
        name: "x",
        severity: Severity::Critical,
        category: Category::Health,
        group: "",
        raw_doc: "",
    };

    #[test]
    fn clean_is_100_and_more_findings_score_lower() {
        assert_eq!(score(&[]), 100);
        let one = vec![Finding::new(&M, "a")];
        let many = vec![Finding::new(&M, "a"); 50];
        assert_eq!(score(&one), 94);
        assert!(score(&many) < score(&one));
        let lots: Vec<Finding> = (0..40)
            .map(|i| {
                let mut f = Finding::new(&M, "a");
                f.check = format!("K8S{i:03}");
                f
            })
            .collect();
        assert_eq!(score(&lots), 0);
    }
}
