//! Templates of different lengths that are one event.
//!
//! Drain routes messages by their number of tokens, so a variable that takes a varying number of
//! tokens (`0 bytes` against `1190 bytes (1.16 KB)`, `lifetime <1 sec` against `lifetime 00:01`) splits
//! one event into several clusters. Two clusters are one event when their skeletons agree: the
//! skeleton is the template with each run of variable tokens (`<*>` alone or with punctuation around
//! it, as in `(<*>` or `<*>)`) taken as one run; two skeletons agree when they are equal, or when the
//! longer one gives the shorter by dropping words that sit between two runs, each followed in the
//! shorter by more of the message (a word Drain itself turned into a parameter in one of them). Words outside the runs must all be equal, in order, so
//! `Failed password for <*> from <*>` and `Failed password for invalid user <*> from <*>` stay apart.
//!
//! The later cluster (a cluster is compared when it is created or its template changes, with the
//! clusters seen before it; usually they have different lengths) then forwards its messages to the
//! other one's template: it still matches messages in the tree, but they are counted, reported and
//! given the id of that template. Its parameter statistics stay its own.

use super::{Cluster, Miner, Template};
use crate::mask::{punctuated_wildcard, token_hash};

/// The skeleton value of a run of variable tokens.
pub(super) const RUN: u64 = 0x52_55_4e_00_5d_2a_3c_00;

/// Candidates scanned per cluster looked up: bounds the work on logs with very many templates.
pub(super) const MAX_CANDIDATES: usize = 256;

/// A template's skeleton: the hash of each word, and [`RUN`] for each run of variable tokens.
pub(super) fn skeleton(tokens: &[String]) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::with_capacity(tokens.len());
    for t in tokens {
        if punctuated_wildcard(t) {
            if out.last() != Some(&RUN) {
                out.push(RUN);
            }
        } else {
            out.push(token_hash(t));
        }
    }
    out
}

/// The key under which a skeleton's candidates are kept: its first word (the first value when it has
/// none). Skeletons of one event share their first word, except when it is a word dropped between two
/// runs, which is not looked for.
pub(super) fn bucket_key(skeleton: &[u64]) -> Option<u64> {
    skeleton
        .iter()
        .copied()
        .find(|&v| v != RUN)
        .or_else(|| skeleton.first().copied())
}

/// Whether two skeletons are one event (see the module docs).
pub(super) fn same_event(a: &[u64], b: &[u64]) -> bool {
    if a.len() >= b.len() {
        reduces_to(a, b)
    } else {
        reduces_to(b, a)
    }
}

/// Whether `short` is `long` with words that sit between two runs dropped (`R w R` → `R`).
fn reduces_to(long: &[u64], short: &[u64]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < long.len() && j < short.len() {
        if long[i] == short[j] {
            i += 1;
            j += 1;
        } else if long[i] != RUN
            && i > 0
            && long[i - 1] == RUN
            && long.get(i + 1) == Some(&RUN)
            && short[j - 1] == RUN
        {
            // The word and the run after it fold into the run before it.
            i += 2;
        } else {
            return false;
        }
    }
    i == long.len() && j == short.len()
}

/// Keeps a cluster among a bucket's candidates (the first [`MAX_CANDIDATES`] only).
pub(super) fn remember(bucket: &mut Vec<u32>, idx: u32) {
    if bucket.len() < MAX_CANDIDATES && !bucket.contains(&idx) {
        bucket.push(idx);
    }
}

impl Miner {
    /// The live template (cluster and variant) a template id stands for now, through templates of
    /// one event (`same_as`) and merged variants.
    pub(super) fn root_of(&self, id: &str) -> Option<(u32, usize)> {
        let mut id = id;
        // A template forwards to one that did not forward at the time, which may forward later: a
        // chain, as long as the number of links made; the bound is a safeguard.
        for _ in 0..64 {
            let &(cluster, variant) = self.variant_ids.get(id)?;
            let c = self.cluster(cluster)?;
            match c.same_as.as_deref() {
                Some(next) => id = next,
                None => return Some((cluster, c.live_variant(variant)?)),
            }
        }
        None
    }

    /// The template a cluster's messages count as when it is one event with an earlier template.
    pub(super) fn forwarded(&self, c: &Cluster) -> Option<Template<'_>> {
        let (cluster, variant) = self.root_of(c.same_as.as_deref()?)?;
        let c = self.cluster(cluster)?;
        Some(Template {
            cluster: c,
            variant: c.variants.get(variant)?,
        })
    }

    /// Looks for another template of the same event ([module docs](self)) for a cluster just created or
    /// changed, among clusters seen before it; when there is one, the cluster's messages so far and
    /// from now on count as that template. Clusters with enumerated words and seeded ones keep their
    /// own templates, and a template others count as enumerates no words from then on.
    pub(super) fn link_family(&mut self, idx: u32) {
        let Some(c) = self.clusters.get(idx as usize).and_then(Option::as_ref) else {
            return;
        };
        if c.seeded || c.same_as.is_some() || !c.enum_positions.is_empty() {
            return;
        }
        let Some(first) = bucket_key(&c.skeleton) else {
            return;
        };
        let clusters = &self.clusters;
        let bucket = self.families.entry(first).or_default();
        let usable = |d: u32| {
            clusters
                .get(d as usize)
                .and_then(Option::as_ref)
                .filter(|d| {
                    !d.seeded
                        && d.same_as.is_none()
                        && d.enum_positions.is_empty()
                        && bucket_key(&d.skeleton) == Some(first)
                })
        };
        let root = bucket
            .iter()
            .take(MAX_CANDIDATES)
            .copied()
            .filter(|&d| d != idx)
            .find(|&d| usable(d).is_some_and(|d| same_event(&d.skeleton, &c.skeleton)));
        if bucket.len() >= MAX_CANDIDATES {
            bucket.retain(|&d| usable(d).is_some());
        }
        remember(bucket, idx);
        let Some(root) = root else {
            return;
        };
        let Some(root_id) = self.resolve(root, 0).map(|t| t.id().to_string()) else {
            return;
        };
        let Some((rc, rv)) = self.root_of(&root_id) else {
            return;
        };
        // The cluster's messages so far move to the template they are one event with (and leave the
        // cluster, so that nothing is counted twice if that template is evicted later).
        let Some(c) = self.clusters[idx as usize].as_mut() else {
            return;
        };
        c.same_as = Some(root_id);
        let moved: Vec<(u64, u64, u64)> = c
            .variants
            .iter_mut()
            .filter(|v| v.merged_into.is_none())
            .map(|v| {
                let moved = (v.count, v.first_line, v.last_line);
                (v.count, v.first_line, v.last_line) = (0, 0, 0);
                moved
            })
            .collect();
        let clock = self.clock;
        if let Some(root) = self.clusters[rc as usize].as_mut() {
            root.takes_others = true;
            root.last_used = clock;
            if let Some(r) = root.variants.get_mut(rv) {
                for (count, first, last) in moved {
                    r.add_counts(count, first, last);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sk(t: &str) -> Vec<u64> {
        let tokens: Vec<String> = t.split(' ').map(str::to_string).collect();
        skeleton(&tokens)
    }

    #[test]
    fn variable_runs_of_any_length_are_one_event() {
        let a = sk("<*> close, <*> <*> sent, <*> <*> received, lifetime <*>");
        let b =
            sk("<*> close, <*> <*> (<*> <*>) sent, <*> <*> (<*> <*>) received, lifetime <<*> <*>");
        assert_eq!(a, b);
        assert!(same_event(&a, &b));
        // A word Drain turned into a parameter in one of them.
        let c = sk("<*> close, <*> <*> <*> <*> (<*> <*>) received, lifetime <*>");
        assert!(same_event(&a, &c) && same_event(&c, &a));
    }

    #[test]
    fn different_words_are_different_events() {
        let a = sk("Failed password for <*> from <*> port <*> <*>");
        let b = sk("Failed password for invalid user <*> from <*> port <*> <*>");
        assert!(!same_event(&a, &b));
        // A word at the edge of the message is not between two runs.
        assert!(!same_event(&sk("session <*> opened"), &sk("session <*>")));
        assert!(!same_event(
            &sk("session <*> opened <*>"),
            &sk("session <*> closed <*>")
        ));
        // Tokens that hold a word with the wildcard are words of the skeleton.
        assert!(!same_event(&sk("login user=<*>"), &sk("login id=<*>")));
    }
}
