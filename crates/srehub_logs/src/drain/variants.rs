//! Templates of a cluster ("variants"): one per combination of words at the cluster's enumerated
//! positions, merged when a position turns out to be a parameter.

use serde::{Deserialize, Serialize};

use super::tokens::{fresh_id, param_value};
use super::{Change, Cluster, ClusterRef, FastMap, Miner, ParamStats};
use crate::mask::{WILDCARD, token_hash};

/// One template of a cluster: the cluster's tokens with words at its enumerated positions.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Variant {
    /// Stable id: `T` and 8 hex digits of a hash of the variant's first template.
    pub id: String,
    /// The words at the enumerated positions, by position.
    pub key: Vec<(usize, String)>,
    pub count: u64,
    pub first_line: u64,
    pub last_line: u64,
    pub example: String,
    /// Set when an enumerated position turned into a parameter and this variant joined another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<usize>,
}

impl Variant {
    /// Whether this is a live variant whose words at `positions` (in order) are `word(position)`.
    fn has_words<'w>(&self, positions: &[usize], word: impl Fn(usize) -> &'w str) -> bool {
        self.merged_into.is_none()
            && self.key.len() == positions.len()
            && self
                .key
                .iter()
                .zip(positions)
                .all(|((kp, kw), &p)| *kp == p && kw.as_str() == word(p))
    }

    /// Counts a message of this template seen at `line`.
    pub(super) fn record(&mut self, line: u64, message: &str) {
        self.count += 1;
        if self.count == 1 {
            self.first_line = line;
            self.example = message.to_string();
        }
        self.last_line = line;
    }

    /// Adds the messages of another template of the same event: `count` of them, seen from line
    /// `first` (0: none) to `last`.
    pub(super) fn add_counts(&mut self, count: u64, first: u64, last: u64) {
        self.count += count;
        if first != 0 && (self.first_line == 0 || first < self.first_line) {
            self.first_line = first;
        }
        self.last_line = self.last_line.max(last);
    }
}

/// Where a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assigned {
    pub cluster: ClusterRef,
    pub variant: usize,
    pub change: Change,
}

/// A resolved template: a cluster and one of its live variants.
#[derive(Debug, Clone, Copy)]
pub struct Template<'a> {
    pub cluster: &'a Cluster,
    pub variant: &'a Variant,
}

impl<'a> Template<'a> {
    pub fn id(&self) -> &'a str {
        &self.variant.id
    }

    /// The template text: the cluster's tokens with the variant's words in place.
    pub fn text(&self) -> String {
        variant_text(&self.cluster.tokens, &self.variant.key)
    }

    /// Parameters of this template (the cluster's, without the enumerated positions).
    pub fn params(&self) -> impl Iterator<Item = &'a ParamStats> + use<'a> {
        let c = self.cluster;
        c.params
            .iter()
            .filter(move |p| !c.enum_positions.contains(&p.position))
    }
}

pub(super) fn variant_text(tokens: &[String], key: &[(usize, String)]) -> String {
    let mut out = String::new();
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        match key.iter().find(|(p, _)| *p == i) {
            Some((_, v)) => out.push_str(&t.replacen(WILDCARD, v, 1)),
            None => out.push_str(t),
        }
    }
    out
}

/// The live variants of a cluster by their words, looked up with borrowed words (no allocation per
/// message): a map from a hash of the words to a variant, checked against the variant's key. A
/// variant whose hash another holds already is found by a scan.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct VariantIndex {
    by_hash: FastMap<u64, usize>,
}

impl VariantIndex {
    fn hash<'a>(words: impl IntoIterator<Item = (usize, &'a str)>) -> u64 {
        let mut h: u64 = 0x2545_f491_4f6c_dd1d;
        for (p, w) in words {
            h = (h.rotate_left(5) ^ p as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            h = (h.rotate_left(5) ^ token_hash(w)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        h
    }

    /// The live variant whose words at `positions` (in order) are `word(position)`.
    pub(super) fn find<'w>(
        &self,
        variants: &[Variant],
        positions: &[usize],
        word: impl Fn(usize) -> &'w str,
    ) -> Option<usize> {
        let h = Self::hash(positions.iter().map(|&p| (p, word(p))));
        // Every live variant's hash is in the map: a hash that is not belongs to no variant.
        let &i = self.by_hash.get(&h)?;
        let is = |v: &Variant| v.has_words(positions, &word);
        if variants.get(i).is_some_and(is) {
            return Some(i);
        }
        // Another key with the same hash holds the entry.
        variants.iter().position(is)
    }

    /// Adds a live variant.
    pub(super) fn insert(&mut self, key: &[(usize, String)], v: usize) {
        let h = Self::hash(key.iter().map(|(p, w)| (*p, w.as_str())));
        self.by_hash.entry(h).or_insert(v);
    }

    /// The index of every live variant of `variants`.
    pub(super) fn of(variants: &[Variant]) -> VariantIndex {
        let mut index = VariantIndex::default();
        for (i, v) in variants.iter().enumerate() {
            if v.merged_into.is_none() {
                index.insert(&v.key, i);
            }
        }
        index
    }
}

/// Turns enumerated positions into parameters: variants that now have the same words elsewhere are
/// merged into the first of them (counts summed, line range widened).
pub(super) fn retire_positions(c: &mut Cluster, positions: &[usize]) {
    c.enum_positions.retain(|p| !positions.contains(p));
    let mut index: FastMap<Vec<(usize, String)>, usize> = FastMap::default();
    for i in 0..c.variants.len() {
        if c.variants[i].merged_into.is_some() {
            continue;
        }
        c.variants[i].key.retain(|(p, _)| !positions.contains(p));
        match index.get(&c.variants[i].key) {
            Some(&rep) => {
                let v = &c.variants[i];
                let (count, first, last) = (v.count, v.first_line, v.last_line);
                c.variants[rep].add_counts(count, first, last);
                c.variants[i].merged_into = Some(rep);
            }
            None => {
                index.insert(c.variants[i].key.clone(), i);
            }
        }
    }
    c.variant_index = VariantIndex::of(&c.variants);
}

/// The message's word at position `p` (the raw token without the template token's text around the
/// wildcard).
fn word_at<'a>(tokens: &[String], raw: &[&'a str], p: usize) -> &'a str {
    let t = tokens.get(p).map_or("", String::as_str);
    raw.get(p).map_or("", |r| param_value(t, r))
}

/// Whether enumerated position `p` has shown too many words to tell templates apart, `word` giving
/// the new message's words: more than the remembered values, or `limit` distinct words overall
/// unless the other enumerated positions tell them apart. They do when they take fewer combinations
/// than `p` takes words and fewer than `limit` words go with the message's combination: in
/// `MDNS: IPV4 Addr`, `MDNS: IPV6 Addr`, `setup_keepalive: Local IP`, `setup_keepalive: Remote IP`
/// the middle words are two per combination of the others, not four values of one parameter. Words
/// that vary together (`user alice on web-a`, `user bob on web-b`) take as many combinations as
/// words, and retire.
#[cold]
#[inline(never)]
fn too_many_words<'w>(
    c: &Cluster,
    p: usize,
    word: &impl Fn(usize) -> &'w str,
    limit: usize,
) -> bool {
    let Some(ps) = c.params.iter().find(|ps| ps.position == p) else {
        return true;
    };
    if ps.other > 0 {
        return true;
    }
    if ps.values.len() < limit {
        return false;
    }
    let others: Vec<usize> = c
        .enum_positions
        .iter()
        .copied()
        .filter(|&q| q != p)
        .collect();
    if others.is_empty() {
        return true;
    }
    let mine: Vec<&str> = others.iter().map(|&q| word(q)).collect();
    let mut with_mine: Vec<&str> = vec![word(p)];
    let mut combinations: Vec<Vec<&str>> = vec![mine.clone()];
    for v in c.variants.iter().filter(|v| v.merged_into.is_none()) {
        let at = |q: usize| {
            v.key
                .iter()
                .find(|(kp, _)| *kp == q)
                .map_or("", |(_, w)| w.as_str())
        };
        let combination: Vec<&str> = others.iter().map(|&q| at(q)).collect();
        if combination == mine && !with_mine.contains(&at(p)) {
            with_mine.push(at(p));
        }
        if !combinations.contains(&combination) {
            combinations.push(combination);
        }
    }
    with_mine.len() >= limit || combinations.len() >= ps.values.len()
}

impl Miner {
    /// Puts a message into the variant of its cluster matching its words at the enumerated positions
    /// (or into the template its cluster is one event with).
    pub(super) fn assign_variant(
        &mut self,
        idx: u32,
        line: u64,
        message: &str,
        raw: &[&str],
    ) -> usize {
        if let Some(id) = self.cluster(idx).and_then(|c| c.same_as.as_deref()) {
            match self.root_of(id) {
                Some((rc, rv)) => {
                    let clock = self.clock;
                    if let Some(root) = self.clusters[rc as usize].as_mut() {
                        // In use through this cluster: not the least recently used.
                        root.last_used = clock;
                        if let Some(v) = root.variants.get_mut(rv) {
                            v.record(line, message);
                        }
                    }
                    return 0;
                }
                // The template it counted as is gone (evicted): it counts as its own again.
                None => {
                    if let Some(c) = self.clusters[idx as usize].as_mut() {
                        c.same_as = None;
                    }
                }
            }
        }
        let Some(c) = self.clusters[idx as usize].as_mut() else {
            return 0;
        };
        // The variant of the cluster's last message when this one has its words (live variants
        // have distinct words, so it is the one the index would find): most messages repeat it.
        let last = c.last_variant;
        if c.variants
            .get(last)
            .is_some_and(|v| v.has_words(&c.enum_positions, |p| word_at(&c.tokens, raw, p)))
        {
            c.variants[last].record(line, message);
            return last;
        }
        let v = self.find_variant(idx, line, message, raw);
        if let Some(c) = self.clusters[idx as usize].as_mut() {
            c.last_variant = v;
        }
        v
    }

    /// [`Miner::assign_variant`] past the shortcut: the variant with the message's words, found or
    /// made.
    fn find_variant(&mut self, idx: u32, line: u64, message: &str, raw: &[&str]) -> usize {
        let limit = self.opts.enum_values;
        let Some(c) = self.clusters[idx as usize].as_mut() else {
            return 0;
        };
        if c.enum_positions.is_empty() {
            // Nothing to retire or to tell apart: the variant without words.
            if let Some(v) = c.variant_index.find(&c.variants, &[], |_| "") {
                c.variants[v].record(line, message);
                return v;
            }
        }
        let word = |p: usize| word_at(&c.tokens, raw, p);
        // Words seen before: their template. Only a new combination can show a new word, so
        // positions are retired only then.
        if let Some(v) = c.variant_index.find(&c.variants, &c.enum_positions, word) {
            c.variants[v].record(line, message);
            return v;
        }
        // Positions that have shown enough distinct words become parameters.
        let mut retired: Vec<usize> = c
            .enum_positions
            .iter()
            .copied()
            .filter(|&p| too_many_words(c, p, &word, limit))
            .collect();
        // Bound the combinations: at most 64 variants per cluster.
        if c.variants.len() >= 64
            && c.variants
                .iter()
                .filter(|v| v.merged_into.is_none())
                .count()
                >= 64
            && let Some(&p) = c.enum_positions.iter().find(|p| !retired.contains(p))
        {
            retired.push(p);
        }
        if !retired.is_empty() {
            retire_positions(c, &retired);
            let word = |p: usize| word_at(&c.tokens, raw, p);
            if let Some(v) = c.variant_index.find(&c.variants, &c.enum_positions, word) {
                c.variants[v].record(line, message);
                return v;
            }
        }
        let key: Vec<(usize, String)> = c
            .enum_positions
            .iter()
            .map(|&p| (p, word_at(&c.tokens, raw, p).to_string()))
            .collect();
        let text = variant_text(&c.tokens, &key);
        let id = fresh_id(&text, |id| self.variant_ids.contains_key(id));
        let v = c.variants.len();
        c.variant_index.insert(&key, v);
        c.variants.push(Variant {
            id: id.clone(),
            key,
            count: 1,
            first_line: line,
            last_line: line,
            example: message.to_string(),
            merged_into: None,
        });
        self.variant_ids.insert(id, (idx, v));
        v
    }
}
