//! srehub's analyzers: pure functions over models. They take `now` and settings as parameters and never
//! read the clock, the environment, a file or the network.
//!
//! Each domain has a registry (`CHECKS`); [`all_checks`] lists every check of every domain, for
//! `srehub explain`, `--select` validation and the generated docs.

pub mod alerts;
pub mod chaos;
pub mod ci;
pub mod cost;
pub mod dockerfile;
pub mod helm;
pub mod k8s;
pub mod load;
pub mod logs;
pub mod manifest;
pub mod slo;
pub mod terraform;

use srehub_core::CheckMeta;

/// Every registered check of every domain.
pub fn all_checks() -> Vec<&'static CheckMeta> {
    k8s::checks()
        .into_iter()
        .map(|c| c.meta())
        .chain(dockerfile::CHECKS.iter().map(|c| c.meta()))
        .chain(helm::CHECKS.iter().map(|c| c.meta()))
        .chain(ci::CHECKS.iter().map(|c| c.meta()))
        .chain(manifest::CHECKS.iter().map(|c| c.meta()))
        .chain(terraform::CHECKS.iter().map(|c| c.meta()))
        .chain(logs::CHECKS.iter().map(|c| c.meta()))
        .chain(alerts::CHECKS.iter().map(|c| c.meta()))
        .chain(slo::CHECKS.iter().map(|c| c.meta()))
        .chain(cost::CHECKS.iter().map(|c| c.meta()))
        .chain(load::CHECKS.iter().map(|c| c.meta()))
        .chain(chaos::CHECKS.iter().map(|c| c.meta()))
        .collect()
}

/// Finds a check by code or name (case-insensitive).
pub fn find_check(code_or_name: &str) -> Option<&'static CheckMeta> {
    all_checks().into_iter().find(|m| {
        m.code.eq_ignore_ascii_case(code_or_name) || m.name.eq_ignore_ascii_case(code_or_name)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let all = super::all_checks();
        let codes: BTreeSet<_> = all.iter().map(|m| m.code).collect();
        let names: BTreeSet<_> = all.iter().map(|m| m.name).collect();
        assert_eq!(codes.len(), all.len(), "duplicate check code");
        assert_eq!(names.len(), all.len(), "duplicate check name");
        for m in all {
            let (prefix, digits) = m.code.split_at(m.code.len() - 3);
            assert!(
                prefix.starts_with(|c: char| c.is_ascii_uppercase())
                    && prefix
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
                "{}",
                m.code
            );
            assert!(digits.chars().all(|c| c.is_ascii_digit()), "{}", m.code);
            assert!(
                m.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{}",
                m.name
            );
            assert!(
                !m.name.starts_with("require-") && !m.name.starts_with("disallow-"),
                "{}",
                m.name
            );
            let doc = m.doc();
            for section in ["## What it checks", "## Why it matters", "## How to fix"] {
                assert!(doc.contains(section), "{} lacks `{section}`", m.code);
            }
        }
    }
}
