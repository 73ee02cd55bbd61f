//! The shape cache of the miner: where messages of a shape seen before ([`crate::mask::shape_key`])
//! went, so that the next ones skip masking when that template still takes them as they are.

use super::{Miner, SEQ_CACHE_MAX, SeqEntry};
use crate::mask::{
    Masked, WILDCARD, holds_number, is_steady, is_wild, mask_token_into, masked_in_context,
    same_token, token_hash,
};

/// Where messages of one shape ([`crate::mask::shape_key`]) went last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ShapeEntry {
    pub(super) seq: SeqEntry,
    /// The cluster's [`super::Cluster::generation`] then (its tokens change only with it).
    pub(super) generation: u64,
    /// Whether its tokens holding `<*>` among text were then exactly the message's masked tokens:
    /// messages of one shape mask alike, so while the tokens stay the same, they still are.
    pub(super) exact: bool,
    /// Whether a message of this shape was compared token by token with the cluster at
    /// `generation` and taken: its tokens without `<*>` were the template's and its words at
    /// enumerated positions were words (see [`Miner::shape_accepts`]).
    pub(super) verified: bool,
    /// The hash of the masked token sequence the entry was made for (the sequence cache's key), and
    /// [`Miner::seq_changes`] when the sequence cache's entry for it was last seen to be `seq`.
    pub(super) seq_hash: u64,
    pub(super) seq_seen: u64,
    /// Positions whose masked token kept a digit, and a hash of the raw tokens there.
    pub(super) words: DigitWords,
}

/// The positions (a bit each) of a message's masked tokens that kept a digit (`en0`, `ssh2`), and a
/// hash of the message's tokens there. Masking depends on where digits are, not on their values, so
/// messages of one shape mask alike but for the values of these tokens: their masked token
/// sequences are the same when these tokens are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DigitWords {
    hash: u64,
    positions: u32,
}

impl DigitWords {
    /// `None` when such a token stands past the 32nd position (not remembered).
    pub(super) fn of(masked: &[&str], raw: &[&str]) -> Option<DigitWords> {
        let mut positions = 0u32;
        for (i, m) in masked.iter().enumerate() {
            if m.bytes().any(|b| b.is_ascii_digit()) {
                if i >= 32 {
                    return None;
                }
                positions |= 1 << i;
            }
        }
        Some(DigitWords {
            positions,
            hash: Self::hash(positions, raw),
        })
    }

    fn hash(positions: u32, raw: &[&str]) -> u64 {
        let mut h = 0u64;
        let mut bits = positions;
        while bits != 0 {
            let i = bits.trailing_zeros() as usize;
            let t = raw.get(i).map_or(0, |r| token_hash(r));
            h = (h.rotate_left(5) ^ t).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            bits &= bits - 1;
        }
        h
    }

    /// Whether a message of the shape, whose raw tokens are `raw`, has the same tokens there.
    #[inline]
    fn same(self, raw: &[&str]) -> bool {
        self.positions == 0 || Self::hash(self.positions, raw) == self.hash
    }
}

impl Miner {
    /// Remembers where a message of shape `key`, whose masked tokens hash to `seq_hash`, went after
    /// masking (not yet verified as a shape).
    pub(super) fn remember_shape(
        &mut self,
        key: u64,
        seq_hash: u64,
        seq: SeqEntry,
        exact: bool,
        words: DigitWords,
    ) {
        let Some(generation) = self.cluster(seq.cluster).map(|c| c.generation) else {
            return;
        };
        self.keep_shape(
            key,
            ShapeEntry {
                seq,
                generation,
                exact,
                verified: false,
                seq_hash,
                seq_seen: self.seq_changes,
                words,
            },
        );
    }

    pub(super) fn keep_shape(&mut self, key: u64, entry: ShapeEntry) {
        if self.shape_cache.len() >= SEQ_CACHE_MAX {
            self.shape_cache.clear();
        }
        self.shape_cache.insert(key, entry);
    }

    /// Whether the cluster of `shape` takes a message whose raw tokens are `raw` as it would take
    /// the message masked (the sequence cache's test in [`Miner::add`]), and if so what is now known
    /// of the shape (the entry to keep when it differs). Messages of one shape mask alike but for
    /// the tokens that keep digits (`en0`, [`DigitWords`]): with those the same, the message masks
    /// to the sequence the entry was made for, and it goes where that sequence's cache entry sends
    /// it, which must still be the entry's cluster (so the result is the same as masking it). The
    /// rest confirms what the shape says against changes of the template since; the key itself is
    /// trusted (two shapes with one 64-bit key would share an entry).
    ///
    /// Position by position: a `<*>`; the same [`super::Cluster::steady`] token; or a token holding
    /// `<*>` among text, which takes the message's token when it took the last one of this shape
    /// and has not changed since (`exact`), while the leaf's search that chose the cluster stands,
    /// or when the token masks to it. Enumerated positions hold [`is_steady`] words.
    ///
    /// Once a message of the shape passed these checks at the cluster's current generation
    /// (`verified`), the next ones skip the steady tokens and the enumerated words: where the
    /// verified message's tokens had no digit, a message with the same key has the very same bytes,
    /// and where they kept digits (`en0`), [`DigitWords`] holds them to the same values; whether a
    /// word is steady depends on where its digits are, which the key fixes, never on their values.
    /// Enumerated positions only get fewer without a new generation.
    #[inline]
    pub(super) fn shape_accepts(&self, shape: ShapeEntry, raw: &[&str]) -> Option<ShapeEntry> {
        let e = shape.seq;
        let c = self
            .clusters
            .get(e.cluster as usize)
            .and_then(Option::as_ref)?;
        if c.tokens.len() != raw.len() || !shape.words.same(raw) {
            return None;
        }
        // The message masks to the sequence the entry was made for; the sequence cache must still
        // send it where the entry says (another message of that sequence may have gone elsewhere).
        let mut shape = shape;
        if shape.seq_seen != self.seq_changes {
            if self.seq_cache.get(&shape.seq_hash) != Some(&e) {
                return None;
            }
            shape.seq_seen = self.seq_changes;
        }
        let current = shape.generation == c.generation;
        let known_exact = shape.exact && current;
        let known_steady = shape.verified && current;
        if known_exact && known_steady {
            return Some(shape);
        }
        let mut stands = None;
        let mut through_search = false;
        for (i, (t, &r)) in c.tokens.iter().zip(raw).enumerate() {
            if !c.open[i] {
                if !c.steady[i] || (!known_steady && !same_token(t, r)) {
                    return None;
                }
            } else if !known_exact && !is_wild(t) {
                if *stands.get_or_insert_with(|| e.search_stands(&self.nodes)) {
                    through_search = true;
                    continue;
                }
                let mut out = String::new();
                let m = match mask_token_into(r, &self.opts.mask, &mut out) {
                    Masked::Raw => r,
                    Masked::Wild => WILDCARD,
                    Masked::Written => out.as_str(),
                };
                if m != t || masked_in_context(r) {
                    return None;
                }
            }
        }
        // Masked, they would be themselves: no number where words were seen.
        let words = known_steady
            || c.enum_positions
                .iter()
                .all(|&p| raw.get(p).is_some_and(|r| is_steady(r) && !holds_number(r)));
        words.then_some(ShapeEntry {
            generation: c.generation,
            exact: known_exact || !through_search,
            verified: true,
            ..shape
        })
    }
}
