//! The shape cache of the miner: where messages of a shape seen before ([`crate::mask::shape_key`])
//! went, so that the next ones skip masking when that template still takes them as they are.

use super::{Miner, SEQ_CACHE_MAX, SeqEntry};
use crate::mask::{
    Masked, WILDCARD, is_steady, is_wild, mask_token_into, masked_in_context, same_token,
};

/// Where messages of one shape ([`crate::mask::shape_key`]) went last.
#[derive(Debug, Clone, Copy)]
pub(super) struct ShapeEntry {
    pub(super) seq: SeqEntry,
    /// The cluster's [`super::Cluster::generation`] then, and whether its tokens holding `<*>`
    /// among text were then exactly the message's masked tokens: messages of one shape mask alike,
    /// so while the tokens stay the same, they still are.
    pub(super) generation: u64,
    pub(super) exact: bool,
}

impl Miner {
    pub(super) fn remember_shape(&mut self, key: u64, seq: SeqEntry, exact: bool) {
        let Some(generation) = self.cluster(seq.cluster).map(|c| c.generation) else {
            return;
        };
        if self.shape_cache.len() >= SEQ_CACHE_MAX {
            self.shape_cache.clear();
        }
        self.shape_cache.insert(
            key,
            ShapeEntry {
                seq,
                generation,
                exact,
            },
        );
    }

    /// Whether the cluster of `shape` takes a message whose raw tokens are `raw` as it would take
    /// the message masked (the sequence cache's test in [`Miner::add`]), and if so whether its
    /// tokens holding `<*>` among text were just found to be exactly the message's masked tokens
    /// (worth remembering, see [`ShapeEntry`]). Messages of one shape mask alike, so this mostly
    /// confirms what the shape says; it guards against keys that collide and against changes
    /// since. Position by position: a `<*>`; the same [`super::Cluster::steady`] token; or a token
    /// holding `<*>` among text, which takes the message's token when it took the last one of this
    /// shape and has not changed since (`exact`), while the leaf's search that chose the cluster
    /// stands, or when the token masks to it. Enumerated positions hold [`is_steady`] words.
    #[inline]
    pub(super) fn shape_accepts(&self, shape: ShapeEntry, raw: &[&str]) -> Option<bool> {
        let e = shape.seq;
        let c = self
            .clusters
            .get(e.cluster as usize)
            .and_then(Option::as_ref)?;
        if c.tokens.len() != raw.len() {
            return None;
        }
        let known_exact = shape.exact && shape.generation == c.generation;
        let mut stands = None;
        let mut through_search = false;
        for (i, (t, &r)) in c.tokens.iter().zip(raw).enumerate() {
            if !c.open[i] {
                if !c.steady[i] || !same_token(t, r) {
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
        let words = c
            .enum_positions
            .iter()
            .all(|&p| raw.get(p).is_some_and(|r| is_steady(r)));
        words.then_some(!known_exact && !through_search)
    }
}
