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
pub(super) fn bucket(skeleton: &[u64]) -> Option<u64> {
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
