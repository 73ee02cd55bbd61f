//! Template mining with a Drain-style fixed-depth parse tree (He et al., ICWS 2017).
//!
//! Messages are masked ([`crate::mask`]), split into tokens and routed through the tree by token count
//! and their first `depth - 2` tokens to a leaf holding candidate clusters; the most similar cluster
//! above the similarity threshold takes the message (positions that differ become `<*>`), otherwise a
//! new cluster starts. The number of clusters is bounded: past `max_clusters`, the least recently used
//! are evicted. Cluster ids are derived from the first template text, so the same input gives the same
//! ids on every run, and [`Miner::to_state`]/[`Miner::from_state`] carry them across runs.

use serde::{Deserialize, Serialize};

mod family;
mod hasher;
mod params;
mod shape;
mod state;
mod tokens;
mod variants;

use hasher::FastMap;
pub use params::{NumericStats, ParamStats, Seen};
use shape::ShapeEntry;
pub use state::MinerState;
use tokens::{
    fresh_id, merge_token, param_value, recycle, route_key, sequence_hash, similarity,
    strip_affixes,
};
pub use variants::{Assigned, Template, Variant};
use variants::{VariantIndex, retire_positions};

use crate::mask::{
    MaskOptions, MaskScratch, WILDCARD, has_wildcard, is_steady, is_wild, mask_tokens, same_token,
    shape_key, token_hash,
};

/// Settings of the miner. The defaults are one generic setting for any log.
#[derive(Debug, Clone)]
pub struct MinerOptions {
    /// Fraction of equal token positions needed to join a cluster (0..=1).
    pub similarity: f64,
    /// Depth of the parse tree (the first `depth - 2` tokens route a message).
    pub depth: usize,
    /// Children per tree node before further distinct tokens share a `<*>` child.
    pub max_children: usize,
    /// Clusters kept; the least recently used beyond this are evicted.
    pub max_clusters: usize,
    /// Distinct values remembered per parameter (the rest are counted as "other").
    pub max_param_values: usize,
    /// A position where messages differ only in plain words (no digits) stays part of the template,
    /// one template per word, until it has shown this many distinct words; then it becomes a
    /// parameter. `Active`/`Inactive` or `for root`/`for admin` are different events; a user name
    /// taking dozens of values is a parameter. 0 or 1 turns this off (plain Drain).
    pub enum_values: usize,
    pub mask: MaskOptions,
}

impl Default for MinerOptions {
    fn default() -> Self {
        MinerOptions {
            similarity: 0.5,
            depth: 4,
            max_children: 100,
            max_clusters: 50_000,
            max_param_values: 10,
            enum_values: 4,
            mask: MaskOptions::default(),
        }
    }
}

/// One template.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Cluster {
    /// Stable id: `T` and 8 hex digits of a hash of the cluster's first template.
    pub id: String,
    pub tokens: Vec<String>,
    /// Messages in the cluster, all its templates together.
    pub count: u64,
    pub params: Vec<ParamStats>,
    /// Given by the user (`--seed-template`), not mined.
    #[serde(default)]
    pub seeded: bool,
    /// Positions whose words still tell templates apart (fewer than `enum_values` distinct words).
    #[serde(default)]
    pub enum_positions: Vec<usize>,
    /// The templates of this cluster: one per combination of words at the enumerated positions.
    #[serde(default)]
    pub variants: Vec<Variant>,
    /// The id of another cluster's template that is the same event (see `drain/family.rs`; usually
    /// one of another length): this cluster's messages are counted and reported as that template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_as: Option<String>,
    /// Other clusters count their messages as this one's template: its words are not enumerated any
    /// more, so that template stays one.
    #[serde(skip)]
    takes_others: bool,
    #[serde(skip)]
    variant_index: VariantIndex,
    /// The variant the last message went to (checked before use).
    #[serde(skip)]
    last_variant: usize,
    /// Positions whose token holds `<*>`, in order (kept in step with `tokens` and `params`).
    #[serde(skip)]
    slots: Vec<Slot>,
    /// Hashes of the tokens (kept in step with `tokens`).
    #[serde(skip)]
    tok_hash: Vec<u64>,
    /// Whether each token holds `<*>` and so accepts any value (kept in step with `tokens`).
    #[serde(skip)]
    open: Vec<bool>,
    /// Whether each token is [`is_steady`]: a message with this token there masks to it.
    #[serde(skip)]
    steady: Vec<bool>,
    /// Bumped whenever `tokens` change.
    #[serde(skip)]
    generation: u64,
    /// The template's skeleton ([`family::skeleton`], kept in step with `tokens`).
    #[serde(skip)]
    skeleton: Vec<u64>,
    #[serde(skip)]
    last_used: u64,
    #[serde(skip)]
    node: u32,
}

impl Cluster {
    /// First input line (1-based, counted by the caller) that matched, 0 when none has.
    pub fn first_line(&self) -> u64 {
        self.variants
            .iter()
            .map(|v| v.first_line)
            .filter(|&l| l > 0)
            .min()
            .unwrap_or(0)
    }

    /// Last input line that matched, 0 when none has.
    pub fn last_line(&self) -> u64 {
        self.variants.iter().map(|v| v.last_line).max().unwrap_or(0)
    }

    /// The template as text (tokens joined by one space).
    pub fn template(&self) -> String {
        self.tokens.join(" ")
    }
    /// The variant a variant was merged into, through merges (itself when it was not).
    fn live_variant(&self, variant: usize) -> Option<usize> {
        let mut v = variant;
        for _ in 0..self.variants.len() {
            match self.variants.get(v)?.merged_into {
                Some(next) => v = next,
                None => return Some(v),
            }
        }
        None
    }
}

/// A template position holding `<*>`: where its value sits in a raw token, and its statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    position: usize,
    /// Bytes of the template token before its first `<*>` and after its last one.
    prefix: usize,
    suffix: usize,
    /// Index of the position's entry in `params` ([`NO_PARAM`] when there is none yet).
    param: usize,
}

const NO_PARAM: usize = usize::MAX;

impl Cluster {
    /// Recomputes what is derived from `tokens` and `params`: token hashes and the `<*>` slots.
    fn refresh(&mut self) {
        self.generation += 1;
        self.tok_hash = self.tokens.iter().map(|t| token_hash(t)).collect();
        self.open = self.tokens.iter().map(|t| has_wildcard(t)).collect();
        self.steady = self.tokens.iter().map(|t| is_steady(t)).collect();
        self.skeleton = family::skeleton(&self.tokens);
        self.slots = self
            .tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| has_wildcard(t))
            .map(|(position, t)| {
                let first = t.find(WILDCARD).unwrap_or(0);
                let last = t.rfind(WILDCARD).unwrap_or(first) + WILDCARD.len();
                Slot {
                    position,
                    prefix: first,
                    suffix: t.len() - last,
                    param: self
                        .params
                        .iter()
                        .position(|p| p.position == position)
                        .unwrap_or(NO_PARAM),
                }
            })
            .collect();
    }
}

/// What adding a message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Generalized,
    Matched,
}

#[derive(Debug, Default)]
struct Node {
    children: FastMap<Box<str>, u32>,
    clusters: Vec<u32>,
    /// Bumped whenever `clusters` or the tokens of one of them change: a similarity search in this
    /// node gives the same answer while it stays the same.
    version: u64,
}

/// What the sequence cache knows about a masked token sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SeqEntry {
    /// The cluster it went to last.
    cluster: u32,
    /// The leaf it routes to, whose search found `cluster` at `version` ([`NO_NODE`]: not known).
    node: u32,
    version: u64,
}

const NO_NODE: u32 = u32::MAX;

impl SeqEntry {
    /// Whether the leaf search that chose `cluster` still stands: nothing changed in the leaf since.
    fn search_stands(self, nodes: &[Node]) -> bool {
        self.node != NO_NODE
            && nodes
                .get(self.node as usize)
                .is_some_and(|n| n.version == self.version)
    }
}

/// The template miner.
#[derive(Debug)]
pub struct Miner {
    opts: MinerOptions,
    nodes: Vec<Node>,
    roots: FastMap<usize, u32>,
    clusters: Vec<Option<Cluster>>,
    free: Vec<u32>,
    live: usize,
    ids: FastMap<String, u32>,
    variant_ids: FastMap<String, (u32, usize)>,
    seq_cache: FastMap<u64, SeqEntry>,
    /// Bumped whenever an entry of `seq_cache` changes or goes (not when one is added).
    seq_changes: u64,
    /// Where messages of a shape ([`shape_key`]) went last, to skip masking when the template still
    /// takes them.
    shape_cache: FastMap<u64, ShapeEntry>,
    /// Messages that took the shape cache's shortcut.
    #[cfg(test)]
    shape_hits: u64,
    /// Of those, messages whose steady tokens were not compared (a verified shape).
    #[cfg(test)]
    shape_trusted: u64,
    /// Clusters by the first value of their skeleton, to find templates of one event.
    families: FastMap<u64, Vec<u32>>,
    hash_scratch: Vec<u64>,
    wild_hash: u64,
    clock: u64,
    evicted: u64,
    scratch: Vec<&'static str>,
    raw_scratch: Vec<&'static str>,
    mask_scratch: MaskScratch,
}

/// A handle to a cluster inside a [`Miner`] (valid until it is evicted).
pub type ClusterRef = u32;

impl Miner {
    pub fn new(opts: MinerOptions) -> Miner {
        Miner {
            opts,
            nodes: Vec::new(),
            roots: FastMap::default(),
            clusters: Vec::new(),
            free: Vec::new(),
            live: 0,
            ids: FastMap::default(),
            variant_ids: FastMap::default(),
            seq_cache: FastMap::default(),
            seq_changes: 0,
            shape_cache: FastMap::default(),
            #[cfg(test)]
            shape_hits: 0,
            #[cfg(test)]
            shape_trusted: 0,
            families: FastMap::default(),
            hash_scratch: Vec::new(),
            wild_hash: token_hash(WILDCARD),
            clock: 0,
            evicted: 0,
            scratch: Vec::new(),
            raw_scratch: Vec::new(),
            mask_scratch: MaskScratch::default(),
        }
    }

    /// Number of clusters evicted to stay within `max_clusters`.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Seeds a user template (`<*>` marks variables); it is matched like a mined one.
    pub fn seed(&mut self, template: &str) -> ClusterRef {
        let tokens: Vec<String> = template
            .split_ascii_whitespace()
            .map(str::to_string)
            .collect();
        let node = self.leaf_for(&tokens);
        let idx = self.insert(tokens, node, 0);
        if let Some(c) = self.clusters[idx as usize].as_mut() {
            c.seeded = true;
        }
        idx
    }

    /// Adds one message seen at input line `line`; returns its cluster and template.
    pub fn add(&mut self, line: u64, message: &str) -> Assigned {
        self.clock += 1;
        let mut raw: Vec<&str> = recycle(std::mem::take(&mut self.raw_scratch));
        // A message of a shape seen before (its words in place, other numbers: [`shape_key`]) goes to
        // the template the last one went to, without masking, when that template takes it as masked
        // ([`Miner::shape_accepts`]). Only with the generic masks, whose rules `steady` knows.
        let shape = self
            .opts
            .mask
            .is_generic()
            .then(|| shape_key(message, &mut raw));
        if let Some(k) = shape
            && let Some(e) = self.shape_cache.get(&k).copied()
            && let Some(known) = self.shape_accepts(e, &raw)
        {
            let idx = e.seq.cluster;
            if known != e {
                // Checked token by token this time: the next message of this shape need not be.
                self.keep_shape(k, known);
            }
            #[cfg(test)]
            {
                self.shape_hits += 1;
                // Its steady tokens and words were taken on the shape's word.
                self.shape_trusted += u64::from(e.verified && known == e);
            }
            if let Some(c) = self.clusters[idx as usize].as_mut() {
                c.count += 1;
                c.last_used = self.clock;
            }
            return self.matched(idx, line, message, raw);
        }
        let mut ms = std::mem::take(&mut self.mask_scratch);
        let mut masked: Vec<&str> = recycle(std::mem::take(&mut self.scratch));
        let mut hashes = std::mem::take(&mut self.hash_scratch);
        mask_tokens(
            message,
            &self.opts.mask,
            &mut ms,
            &mut masked,
            &mut raw,
            &mut hashes,
        );
        // A token sequence seen before goes straight to its cluster when the cluster's template still
        // accepts it unchanged (each token equal or `<*>`, no number where only words were seen):
        // most lines of a log repeat a masked sequence, and this skips the tree and the similarity
        // scan. A template token holding `<*>` among other text (`user=<*>`) accepts any value only
        // while the leaf's search that chose this cluster still stands (nothing changed in the leaf
        // since): a newer cluster there could match such a line better, as the search would find.
        let seq = sequence_hash(&hashes);
        // Where the masked tokens keep digits (`en0`), whose values the shape does not fix.
        let words = shape.and_then(|_| shape::DigitWords::of(&masked, &raw));
        let entry = self.seq_cache.get(&seq).copied();
        let nodes = &self.nodes;
        let wild = self.wild_hash;
        let mut through_open = false;
        if let Some(e @ SeqEntry { cluster: idx, .. }) = entry
            && let Some(c) = self.clusters[idx as usize].as_mut()
            && c.tok_hash.len() == hashes.len()
            && c.open.len() == hashes.len()
            && c.tok_hash
                .iter()
                .zip(&hashes)
                .zip(&c.open)
                .all(|((&t, &m), &open)| {
                    through_open |= open && t != m && t != wild;
                    t == m || t == wild || open
                })
            && (!through_open || e.search_stands(nodes))
            && c.enum_positions
                .iter()
                .all(|&p| masked.get(p).is_some_and(|m| !digits_involved(m)))
        {
            c.count += 1;
            c.last_used = self.clock;
            self.scratch = recycle(masked);
            self.mask_scratch = ms;
            self.hash_scratch = hashes;
            if let Some(k) = shape
                && let Some(words) = words
            {
                self.remember_shape(k, seq, e, !through_open, words);
            }
            return self.matched(idx, line, message, raw);
        }
        // Search first (an exact child or the `<*>` branch, as Drain does), then the path of the
        // message's own tokens, created on the way. Once that path exists both lead to the same
        // leaf, and a search there repeats its answer while the leaf's version stays the same.
        let (found, node, searched) = match entry {
            Some(e) if e.search_stands(&self.nodes) && self.cluster(e.cluster).is_some() => {
                (Some(e.cluster), e.node, true)
            }
            _ => {
                let leaf = self.find_leaf(&masked);
                let found = leaf.and_then(|leaf| self.best_match(leaf, &masked, &hashes));
                let node = self.leaf_for(&masked);
                let found = found.or_else(|| self.best_match(node, &masked, &hashes));
                (found, node, leaf == Some(node))
            }
        };
        let version = self.nodes[node as usize].version;
        let (cluster, change) = match found {
            Some(idx) => {
                let changed = self.absorb(idx, &masked, &hashes, &raw);
                (
                    idx,
                    if changed {
                        Change::Generalized
                    } else {
                        Change::Matched
                    },
                )
            }
            None => {
                let tokens: Vec<String> = masked.iter().map(|t| t.to_string()).collect();
                let idx = self.insert(tokens, node, 1);
                self.record_params(idx, &raw);
                (idx, Change::Created)
            }
        };
        let exact = self.cluster(cluster).is_some_and(|c| {
            c.tokens.len() == masked.len()
                && c.tokens
                    .iter()
                    .zip(&masked)
                    .zip(&c.open)
                    .all(|((t, m), &open)| !open || is_wild(t) || t == m)
        });
        self.hash_scratch = hashes;
        self.scratch = recycle(masked);
        self.mask_scratch = ms;
        if change != Change::Matched {
            self.link_family(cluster);
        }
        if self.seq_cache.len() >= SEQ_CACHE_MAX {
            self.seq_cache.clear();
            self.seq_changes += 1;
        }
        // The search's answer is kept when it came from the leaf alone and nothing changed there.
        let memo = found.is_some() && searched && self.nodes[node as usize].version == version;
        let entry = SeqEntry {
            cluster,
            node: if memo { node } else { NO_NODE },
            version,
        };
        if self
            .seq_cache
            .insert(seq, entry)
            .is_some_and(|old| old != entry)
        {
            self.seq_changes += 1;
        }
        if let Some(k) = shape
            && let Some(words) = words
        {
            self.remember_shape(k, seq, entry, exact, words);
        }
        let variant = self.assign_variant(cluster, line, message, &raw);
        self.raw_scratch = recycle(raw);
        if self.live > self.opts.max_clusters {
            self.evict();
        }
        Assigned {
            cluster,
            variant,
            change,
        }
    }

    /// The live template a variant belongs to now (variants merge when a position turns out to be a
    /// parameter).
    pub fn resolve(&self, cluster: ClusterRef, variant: usize) -> Option<Template<'_>> {
        let c = self.cluster(cluster)?;
        if let Some(t) = self.forwarded(c) {
            return Some(t);
        }
        Some(Template {
            cluster: c,
            variant: c.variants.get(c.live_variant(variant)?)?,
        })
    }

    /// The live template with this id.
    pub fn template_by_id(&self, id: &str) -> Option<Template<'_>> {
        let &(cluster, variant) = self.variant_ids.get(id)?;
        self.resolve(cluster, variant)
    }

    /// Every live template (cluster variants not merged into another, clusters not counted as another
    /// template), in creation order. A cluster whose template it counted as was evicted is left out
    /// until its next message, which starts its own count again.
    pub fn templates(&self) -> impl Iterator<Item = Template<'_>> {
        self.clusters()
            .filter(|(_, c)| c.same_as.is_none())
            .flat_map(|(_, c)| {
                c.variants
                    .iter()
                    .filter(|v| v.merged_into.is_none())
                    .map(move |variant| Template {
                        cluster: c,
                        variant,
                    })
            })
    }

    /// Finds the cluster a message would join, without changing anything.
    pub fn match_only(&self, message: &str) -> Option<ClusterRef> {
        let mut masked = Vec::new();
        let mut raw = Vec::new();
        let mut hashes = Vec::new();
        let mut ms = MaskScratch::default();
        mask_tokens(
            message,
            &self.opts.mask,
            &mut ms,
            &mut masked,
            &mut raw,
            &mut hashes,
        );
        self.find_leaf(&masked)
            .and_then(|leaf| self.best_match(leaf, &masked, &hashes))
    }

    /// The existing leaf for a token sequence: exact children first, the `<*>` branch otherwise.
    fn find_leaf<S: AsRef<str>>(&self, tokens: &[S]) -> Option<u32> {
        let mut node = *self.roots.get(&tokens.len())?;
        for tok in tokens.iter().take(self.prefix_len(tokens.len())) {
            let children = &self.nodes[node as usize].children;
            node = match children.get(route_key(tok.as_ref())) {
                Some(n) => *n,
                None => *children.get(WILDCARD)?,
            };
        }
        Some(node)
    }

    pub fn cluster(&self, r: ClusterRef) -> Option<&Cluster> {
        self.clusters.get(r as usize).and_then(Option::as_ref)
    }

    /// Live clusters, in creation order.
    pub fn clusters(&self) -> impl Iterator<Item = (ClusterRef, &Cluster)> {
        self.clusters
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_ref().map(|c| (i as u32, c)))
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    fn prefix_len(&self, len: usize) -> usize {
        self.opts.depth.saturating_sub(2).min(len)
    }

    /// The leaf node for a token sequence, created on the way.
    fn leaf_for<S: AsRef<str>>(&mut self, tokens: &[S]) -> u32 {
        let len = tokens.len();
        let mut node = match self.roots.get(&len) {
            Some(n) => *n,
            None => {
                let n = self.new_node();
                self.roots.insert(len, n);
                n
            }
        };
        for tok in tokens.iter().take(self.prefix_len(len)) {
            let key = route_key(tok.as_ref());
            let children = &self.nodes[node as usize].children;
            node = if let Some(n) = children.get(key) {
                *n
            } else if children.len() >= self.opts.max_children {
                match children.get(WILDCARD) {
                    Some(n) => *n,
                    None => {
                        let n = self.new_node();
                        self.nodes[node as usize]
                            .children
                            .insert(WILDCARD.into(), n);
                        n
                    }
                }
            } else {
                let n = self.new_node();
                self.nodes[node as usize].children.insert(key.into(), n);
                n
            };
        }
        node
    }

    fn new_node(&mut self) -> u32 {
        self.nodes.push(Node::default());
        (self.nodes.len() - 1) as u32
    }

    fn best_match(&self, node: u32, tokens: &[&str], hashes: &[u64]) -> Option<ClusterRef> {
        let mut best: Option<(f64, usize, u32)> = None;
        // Fewest equal positions that can reach the threshold.
        let needed = (self.opts.similarity * tokens.len() as f64 - 1e-9)
            .ceil()
            .max(0.0) as usize;
        for &idx in &self.nodes[node as usize].clusters {
            let Some(c) = self.clusters[idx as usize].as_ref() else {
                continue;
            };
            let Some((sim, params)) = similarity(&c.tokens, &c.tok_hash, tokens, hashes, needed)
            else {
                continue;
            };
            if sim >= self.opts.similarity
                && best.is_none_or(|(s, p, _)| sim > s || (sim == s && params > p))
            {
                best = Some((sim, params, idx));
            }
        }
        best.map(|(_, _, i)| i)
    }

    fn insert(&mut self, tokens: Vec<String>, node: u32, count: u64) -> u32 {
        let template = tokens.join(" ");
        let id = fresh_id(&template, |id| self.ids.contains_key(id));
        let mut cluster = Cluster {
            id: id.clone(),
            tokens,
            count,
            params: Vec::new(),
            seeded: false,
            enum_positions: Vec::new(),
            variants: Vec::new(),
            same_as: None,
            takes_others: false,
            variant_index: VariantIndex::default(),
            last_variant: 0,
            slots: Vec::new(),
            tok_hash: Vec::new(),
            open: Vec::new(),
            steady: Vec::new(),
            generation: 0,
            skeleton: Vec::new(),
            last_used: self.clock,
            node,
        };
        cluster.refresh();
        let idx = match self.free.pop() {
            Some(i) => {
                self.clusters[i as usize] = Some(cluster);
                i
            }
            None => {
                self.clusters.push(Some(cluster));
                (self.clusters.len() - 1) as u32
            }
        };
        self.ids.insert(id, idx);
        self.nodes[node as usize].clusters.push(idx);
        self.nodes[node as usize].version += 1;
        self.live += 1;
        idx
    }

    /// Adds a message to a cluster; returns whether the template changed.
    fn absorb(&mut self, idx: u32, masked: &[&str], hashes: &[u64], raw: &[&str]) -> bool {
        let clock = self.clock;
        let enum_on = self.opts.enum_values > 1;
        let Some(c) = self.clusters[idx as usize].as_mut() else {
            return false;
        };
        let mut changed = false;
        let mut not_enum: Vec<usize> = Vec::new();
        for (pos, m) in masked.iter().enumerate() {
            let Some(t) = c.tokens.get(pos) else { break };
            if c.enum_positions.contains(&pos) && digits_involved(m) {
                // A number where only words were seen: a parameter after all.
                not_enum.push(pos);
                continue;
            }
            // Equal hashes first: most positions differ or are equal at once.
            if c.tok_hash.get(pos) == hashes.get(pos) && same_token(t, m) {
                continue;
            }
            if has_wildcard(t) {
                continue;
            }
            let merged = merge_token(t, m);
            if merged == *t {
                continue;
            }
            // The position becomes a parameter: its earlier constant value counts for every message
            // seen so far, and while only words differ it keeps telling templates apart.
            let old = std::mem::replace(&mut c.tokens[pos], merged);
            let value = param_value(&c.tokens[pos], &old).to_string();
            if enum_on && !c.seeded && c.same_as.is_none() && !c.takes_others && !digits_involved(m)
            {
                c.enum_positions.push(pos);
                c.enum_positions.sort_unstable();
                for v in &mut c.variants {
                    v.key.push((pos, value.clone()));
                    v.key.sort_unstable();
                }
                c.variant_index = VariantIndex::of(&c.variants);
            }
            c.params.retain(|p| p.position != pos);
            c.params.push(ParamStats {
                position: pos,
                values: vec![Seen::new(value, c.count)],
                ..ParamStats::default()
            });
            changed = true;
        }
        if changed {
            c.refresh();
            let node = c.node as usize;
            self.nodes[node].version += 1;
        }
        if !not_enum.is_empty() {
            retire_positions(c, &not_enum);
        }
        c.count += 1;
        c.last_used = clock;
        self.record_params(idx, raw);
        changed
    }

    /// Records the values of a message's raw tokens at the cluster's `<*>` positions.
    fn record_params(&mut self, idx: u32, raw: &[&str]) {
        let max_values = self.opts.max_param_values;
        let Some(c) = self.clusters[idx as usize].as_mut() else {
            return;
        };
        for k in 0..c.slots.len() {
            let slot = c.slots[k];
            // Positions past the message's tokens have no value (slots are in position order).
            let Some(&r) = raw.get(slot.position) else {
                break;
            };
            let value = match c.tokens.get(slot.position) {
                Some(t) if slot.prefix + slot.suffix > 0 => {
                    strip_affixes(r, &t[..slot.prefix], &t[t.len() - slot.suffix..])
                }
                _ => r,
            };
            let param = if slot.param == NO_PARAM {
                c.params.push(ParamStats {
                    position: slot.position,
                    ..ParamStats::default()
                });
                c.slots[k].param = c.params.len() - 1;
                c.params.len() - 1
            } else {
                slot.param
            };
            c.params[param].observe(value, max_values);
        }
    }

    /// The rest of adding a message that matched cluster `idx` as it is (already counted there):
    /// its parameters and its template.
    #[inline]
    fn matched(&mut self, idx: u32, line: u64, message: &str, raw: Vec<&str>) -> Assigned {
        self.record_params(idx, &raw);
        let variant = self.assign_variant(idx, line, message, &raw);
        self.raw_scratch = recycle(raw);
        Assigned {
            cluster: idx,
            variant,
            change: Change::Matched,
        }
    }

    fn evict(&mut self) {
        // Evict the least recently used hundredth at once so eviction stays amortized O(1).
        let excess = self.live - self.opts.max_clusters;
        let batch = excess.max(self.opts.max_clusters / 100).max(1);
        let mut order: Vec<(u64, u32)> = self
            .clusters()
            .filter(|(_, c)| !c.seeded)
            .map(|(i, c)| (c.last_used, i))
            .collect();
        order.sort_unstable();
        self.seq_cache.clear();
        self.seq_changes += 1;
        self.shape_cache.clear();
        for &(_, idx) in order.iter().take(batch) {
            if let Some(c) = self.clusters[idx as usize].take() {
                self.nodes[c.node as usize].clusters.retain(|&i| i != idx);
                self.nodes[c.node as usize].version += 1;
                self.ids.remove(&c.id);
                for v in &c.variants {
                    self.variant_ids.remove(&v.id);
                }
                self.free.push(idx);
                self.live -= 1;
                self.evicted += 1;
            }
        }
    }
}

/// Whether a masked token holds a variable or a digit: a number where an enumerated position saw
/// only words makes the position a parameter.
fn digits_involved(m: &str) -> bool {
    has_wildcard(m) || crate::mask::holds_number(m)
}

/// Entries of the sequence cache before it is cleared (bounds its memory).
const SEQ_CACHE_MAX: usize = 1 << 18;

#[cfg(test)]
mod tests;
