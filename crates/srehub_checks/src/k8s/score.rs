use std::collections::{BTreeMap, BTreeSet};

use srehub_core::{Finding, Resource, Severity};

/// The doctor's 0–100 score, in two parts:
///
/// - **breadth**: the share of analyzed objects without problems. Each object with findings costs its
///   worst severity's weight (critical 1, warning 0.5, info 0.1): `100 × (1 − Σ cost / objects)`;
/// - **criticality**: 2 points more per distinct check with a critical finding, because one dead node
///   or broken add-on matters more than its share of objects.
///
/// A clean cluster scores 100; the bundled demo cluster, broken on purpose, scores in the 40s.
pub fn score(findings: &[Finding], objects: usize) -> u8 {
    let mut worst: BTreeMap<Option<&Resource>, Severity> = BTreeMap::new();
    let mut critical_checks = BTreeSet::new();
    for f in findings {
        // A container-level finding counts against its object.
        let key = f.resource.as_ref();
        let e = worst.entry(key).or_insert(f.severity);
        *e = (*e).max(f.severity);
        if f.severity == Severity::Critical {
            critical_checks.insert(f.check.as_str());
        }
    }
    let mut objects_hit: BTreeMap<(String, Option<String>, String), Severity> = BTreeMap::new();
    for (r, sev) in worst {
        let key = r
            .map(|r| (r.kind.clone(), r.namespace.clone(), r.name.clone()))
            .unwrap_or_default();
        let e = objects_hit.entry(key).or_insert(sev);
        *e = (*e).max(sev);
    }
    let cost: f64 = objects_hit
        .values()
        .map(|s| match s {
            Severity::Critical => 1.0,
            Severity::Warning => 0.5,
            Severity::Info => 0.1,
        })
        .sum();
    let breadth = 100.0 * (1.0 - cost / objects.max(objects_hit.len()).max(1) as f64);
    let score = breadth - 2.0 * critical_checks.len() as f64;
    score.clamp(0.0, 100.0).round() as u8
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

    fn f(sev: Severity, pod: &str, check: &str) -> Finding {
        let mut f = Finding::new(&M, "a")
            .severity(sev)
            .resource(Resource::new("Pod", pod).in_namespace("x"));
        f.check = check.into();
        f
    }

    #[test]
    fn clean_is_100() {
        assert_eq!(score(&[], 10), 100);
        assert_eq!(score(&[], 0), 100);
    }

    #[test]
    fn objects_count_once_at_their_worst_severity() {
        // One of 10 objects with a warning (twice): 95.
        let w = vec![
            f(Severity::Warning, "a", "K8S001"),
            f(Severity::Warning, "a", "K8S002"),
        ];
        assert_eq!(score(&w, 10), 95);
        // The same object critical too: 90 − 2 for the critical check.
        let mut c = w.clone();
        c.push(f(Severity::Critical, "a", "K8S200"));
        assert_eq!(score(&c, 10), 88);
    }

    #[test]
    fn more_broken_objects_score_lower_and_never_below_zero() {
        let few: Vec<_> = (0..2)
            .map(|i| f(Severity::Critical, &i.to_string(), "K8S200"))
            .collect();
        let many: Vec<_> = (0..8)
            .map(|i| f(Severity::Critical, &i.to_string(), "K8S200"))
            .collect();
        assert!(score(&many, 10) < score(&few, 10));
        let all: Vec<_> = (0..50)
            .map(|i| f(Severity::Critical, &i.to_string(), &format!("K8S{i:03}")))
            .collect();
        assert_eq!(score(&all, 10), 0);
    }
}
