//! Template mining with a Drain-style fixed-depth parse tree (He et al., ICWS 2017).
//!
//! Messages are masked ([`crate::mask`]), split into tokens and routed through the tree by token count
//! and their first `depth - 2` tokens to a leaf holding candidate clusters; the most similar cluster
//! above the similarity threshold takes the message (positions that differ become `<*>`), otherwise a
//! new cluster starts. The number of clusters is bounded: past `max_clusters`, the least recently used
//! are evicted. Cluster ids are derived from the first template text, so the same input gives the same
//! ids on every run, and [`Miner::to_state`]/[`Miner::from_state`] carry them across runs.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

mod params;
mod variants;

use params::token_hash;
pub use params::{NumericStats, ParamStats};
pub use variants::{Assigned, Template, Variant};
use variants::{retire_positions, variant_text};

use crate::mask::{MaskOptions, MaskScratch, WILDCARD, has_wildcard, is_wild, mask_message};

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
    #[serde(skip)]
    variant_index: HashMap<Vec<(usize, String)>, usize>,
    /// Positions whose token holds `<*>` (kept in step with `tokens`).
    #[serde(skip)]
    wild: Vec<bool>,
    /// Hashes of the tokens (kept in step with `tokens`).
    #[serde(skip)]
    tok_hash: Vec<u64>,
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
    children: HashMap<Box<str>, u32>,
    clusters: Vec<u32>,
}

/// The miner's saved state (`--state FILE`).
#[derive(Debug, Serialize, Deserialize)]
pub struct MinerState {
    pub version: u32,
    pub clusters: Vec<Cluster>,
}

/// The template miner.
#[derive(Debug)]
pub struct Miner {
    opts: MinerOptions,
    nodes: Vec<Node>,
    roots: HashMap<usize, u32>,
    clusters: Vec<Option<Cluster>>,
    free: Vec<u32>,
    live: usize,
    ids: HashMap<String, u32>,
    variant_ids: HashMap<String, (u32, usize)>,
    seq_cache: HashMap<u64, u32>,
    hash_scratch: Vec<u64>,
    wild_hash: u64,
    clock: u64,
    evicted: u64,
    scratch: Vec<&'static str>,
    mask_scratch: MaskScratch,
}

/// A handle to a cluster inside a [`Miner`] (valid until it is evicted).
pub type ClusterRef = u32;

impl Miner {
    pub fn new(opts: MinerOptions) -> Miner {
        Miner {
            opts,
            nodes: Vec::new(),
            roots: HashMap::new(),
            clusters: Vec::new(),
            free: Vec::new(),
            live: 0,
            ids: HashMap::new(),
            variant_ids: HashMap::new(),
            seq_cache: HashMap::new(),
            hash_scratch: Vec::new(),
            wild_hash: wild_hash(),
            clock: 0,
            evicted: 0,
            scratch: Vec::new(),
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
        let mut ms = std::mem::take(&mut self.mask_scratch);
        let mut masked: Vec<&str> = recycle(std::mem::take(&mut self.scratch));
        mask_message(message, &self.opts.mask, &mut ms, &mut masked);
        // A token sequence seen before goes straight to its cluster when the cluster's template still
        // accepts it unchanged (each token equal or `<*>`): most lines of a log repeat a masked
        // sequence, and this skips the tree and the similarity scan.
        let mut hashes = std::mem::take(&mut self.hash_scratch);
        hashes.clear();
        hashes.extend(masked.iter().map(|t| token_hash(t)));
        let seq = sequence_hash(&hashes);
        let wild = self.wild_hash;
        if let Some(&idx) = self.seq_cache.get(&seq)
            && let Some(c) = self.clusters[idx as usize].as_mut()
            && c.tok_hash.len() == hashes.len()
            && c.tok_hash
                .iter()
                .zip(&hashes)
                .all(|(&t, &m)| t == wild || t == m)
        {
            c.count += 1;
            c.last_used = self.clock;
            self.scratch = recycle(masked);
            self.mask_scratch = ms;
            self.hash_scratch = hashes;
            self.record_params(idx, message);
            let variant = self.assign_variant(idx, line, message);
            return Assigned {
                cluster: idx,
                variant,
                change: Change::Matched,
            };
        }
        self.hash_scratch = hashes;
        // Search first (an exact child or the `<*>` branch, as Drain does), then the path of the
        // message's own tokens, created on the way.
        let found = self
            .find_leaf(&masked)
            .and_then(|leaf| self.best_match(leaf, &masked));
        let node = self.leaf_for(&masked);
        let (cluster, change) = match found.or_else(|| self.best_match(node, &masked)) {
            Some(idx) => {
                let changed = self.absorb(idx, &masked, message);
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
                self.record_params(idx, message);
                (idx, Change::Created)
            }
        };
        self.scratch = recycle(masked);
        self.mask_scratch = ms;
        if self.seq_cache.len() >= SEQ_CACHE_MAX {
            self.seq_cache.clear();
        }
        self.seq_cache.insert(seq, cluster);
        let variant = self.assign_variant(cluster, line, message);
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
        let mut v = variant;
        for _ in 0..c.variants.len() {
            match c.variants.get(v)?.merged_into {
                Some(next) => v = next,
                None => break,
            }
        }
        Some(Template {
            cluster: c,
            variant: c.variants.get(v)?,
        })
    }

    /// The live template with this id.
    pub fn template_by_id(&self, id: &str) -> Option<Template<'_>> {
        let &(cluster, variant) = self.variant_ids.get(id)?;
        self.resolve(cluster, variant)
    }

    /// Every live template (cluster variants not merged into another), in creation order.
    pub fn templates(&self) -> impl Iterator<Item = Template<'_>> {
        self.clusters().flat_map(|(_, c)| {
            c.variants
                .iter()
                .filter(|v| v.merged_into.is_none())
                .map(move |variant| Template {
                    cluster: c,
                    variant,
                })
        })
    }

    /// Puts a message into the variant of its cluster matching its words at the enumerated positions.
    fn assign_variant(&mut self, idx: u32, line: u64, message: &str) -> usize {
        let limit = self.opts.enum_values;
        let Some(c) = self.clusters[idx as usize].as_mut() else {
            return 0;
        };
        // Positions that have shown enough distinct words become parameters.
        let retired: Vec<usize> = c
            .enum_positions
            .iter()
            .copied()
            .filter(|&p| {
                c.params
                    .iter()
                    .find(|ps| ps.position == p)
                    .is_none_or(|ps| ps.values.len() >= limit || ps.other > 0)
            })
            .collect();
        // Bound the combinations: at most 64 variants per cluster.
        let mut retired = retired;
        if c.variants
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
        }
        if c.enum_positions.is_empty()
            && let Some(&v) = c.variant_index.get(&Vec::new())
        {
            c.variants[v].record(line, message);
            return v;
        }
        let raw: Vec<&str> = message.split_ascii_whitespace().collect();
        let key: Vec<(usize, String)> = c
            .enum_positions
            .iter()
            .map(|&p| {
                let t = c.tokens.get(p).map_or("", String::as_str);
                let v = raw.get(p).map_or("", |r| param_value(t, r));
                (p, v.to_string())
            })
            .collect();
        if let Some(&v) = c.variant_index.get(&key) {
            c.variants[v].record(line, message);
            return v;
        }
        let text = variant_text(&c.tokens, &key);
        let id = fresh_id(&text, |id| self.variant_ids.contains_key(id));
        c.variants.push(Variant {
            id: id.clone(),
            key: key.clone(),
            count: 1,
            first_line: line,
            last_line: line,
            example: message.to_string(),
            merged_into: None,
        });
        let v = c.variants.len() - 1;
        c.variant_index.insert(key, v);
        self.variant_ids.insert(id, (idx, v));
        v
    }

    /// Finds the cluster a message would join, without changing anything.
    pub fn match_only(&self, message: &str) -> Option<ClusterRef> {
        let mut masked = Vec::new();
        let mut ms = MaskScratch::default();
        mask_message(message, &self.opts.mask, &mut ms, &mut masked);
        self.find_leaf(&masked)
            .and_then(|leaf| self.best_match(leaf, &masked))
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

    /// The state to save with `--state FILE`.
    pub fn to_state(&self) -> MinerState {
        MinerState {
            version: 1,
            clusters: self.clusters().map(|(_, c)| c.clone()).collect(),
        }
    }

    /// A miner resumed from saved state: the same ids, counts and parameters.
    pub fn from_state(opts: MinerOptions, state: MinerState) -> Miner {
        let mut m = Miner::new(opts);
        for mut c in state.clusters {
            let node = m.leaf_for(&c.tokens);
            c.node = node;
            c.wild = c.tokens.iter().map(|t| has_wildcard(t)).collect();
            c.tok_hash = c.tokens.iter().map(|t| token_hash(t)).collect();
            let idx = m.clusters.len() as u32;
            m.ids.insert(c.id.clone(), idx);
            for (i, v) in c.variants.iter().enumerate() {
                m.variant_ids.insert(v.id.clone(), (idx, i));
                if v.merged_into.is_none() {
                    c.variant_index.insert(v.key.clone(), i);
                }
            }
            m.nodes[node as usize].clusters.push(idx);
            m.clusters.push(Some(c));
            m.live += 1;
        }
        m
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

    fn best_match<S: AsRef<str>>(&self, node: u32, tokens: &[S]) -> Option<ClusterRef> {
        let mut best: Option<(f64, usize, u32)> = None;
        // Fewest equal positions that can reach the threshold.
        let needed = (self.opts.similarity * tokens.len() as f64 - 1e-9)
            .ceil()
            .max(0.0) as usize;
        for &idx in &self.nodes[node as usize].clusters {
            let Some(c) = self.clusters[idx as usize].as_ref() else {
                continue;
            };
            let Some((sim, params)) = similarity(&c.tokens, tokens, needed) else {
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
            variant_index: HashMap::new(),
            wild: Vec::new(),
            tok_hash: Vec::new(),
            last_used: self.clock,
            node,
        };
        cluster.wild = cluster.tokens.iter().map(|t| has_wildcard(t)).collect();
        cluster.tok_hash = cluster.tokens.iter().map(|t| token_hash(t)).collect();
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
        self.live += 1;
        idx
    }

    /// Adds a message to a cluster; returns whether the template changed.
    fn absorb(&mut self, idx: u32, masked: &[&str], message: &str) -> bool {
        let clock = self.clock;
        let enum_on = self.opts.enum_values > 1;
        let Some(c) = self.clusters[idx as usize].as_mut() else {
            return false;
        };
        let mut changed = false;
        let mut not_enum: Vec<usize> = Vec::new();
        for (pos, m) in masked.iter().enumerate() {
            let Some(t) = c.tokens.get(pos) else { break };
            let digits_involved = has_wildcard(m) || m.bytes().any(|b| b.is_ascii_digit());
            if digits_involved && c.enum_positions.contains(&pos) {
                // A number where only words were seen: a parameter after all.
                not_enum.push(pos);
                continue;
            }
            if t == m {
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
            if let Some(w) = c.wild.get_mut(pos) {
                *w = true;
            }
            if let Some(h) = c.tok_hash.get_mut(pos) {
                *h = token_hash(&c.tokens[pos]);
            }
            let value = param_value(&c.tokens[pos], &old).to_string();
            if enum_on && !c.seeded && !digits_involved {
                c.enum_positions.push(pos);
                c.enum_positions.sort_unstable();
                for v in &mut c.variants {
                    v.key.push((pos, value.clone()));
                    v.key.sort_unstable();
                }
                c.variant_index = c
                    .variants
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.merged_into.is_none())
                    .map(|(i, v)| (v.key.clone(), i))
                    .collect();
            }
            c.params.retain(|p| p.position != pos);
            c.params.push(ParamStats {
                position: pos,
                values: vec![(value, c.count)],
                ..ParamStats::default()
            });
            changed = true;
        }
        if !not_enum.is_empty() {
            retire_positions(c, &not_enum);
        }
        c.count += 1;
        c.last_used = clock;
        self.record_params(idx, message);
        changed
    }

    fn record_params(&mut self, idx: u32, message: &str) {
        let max_values = self.opts.max_param_values;
        let Some(c) = self.clusters[idx as usize].as_mut() else {
            return;
        };
        if !c.wild.iter().any(|&w| w) {
            return;
        }
        for (pos, ((t, raw), &wild)) in c
            .tokens
            .iter()
            .zip(message.split_ascii_whitespace())
            .zip(&c.wild)
            .enumerate()
        {
            if !wild {
                continue;
            }
            let value = param_value(t, raw);
            let ps = match c.params.iter().position(|p| p.position == pos) {
                Some(i) => &mut c.params[i],
                None => {
                    c.params.push(ParamStats {
                        position: pos,
                        ..ParamStats::default()
                    });
                    let last = c.params.len() - 1;
                    &mut c.params[last]
                }
            };
            ps.observe(value, max_values);
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
        for &(_, idx) in order.iter().take(batch) {
            if let Some(c) = self.clusters[idx as usize].take() {
                self.nodes[c.node as usize].clusters.retain(|&i| i != idx);
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

/// Entries of the sequence cache before it is cleared (bounds its memory).
const SEQ_CACHE_MAX: usize = 1 << 18;

/// The hash of the wildcard token.
fn wild_hash() -> u64 {
    token_hash(WILDCARD)
}

/// A hash of a masked token sequence, from its token hashes.
fn sequence_hash(hashes: &[u64]) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ hashes.len() as u64;
    for &t in hashes {
        h = (h.rotate_left(7) ^ t).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    h
}

/// The routing key of a token in the tree: tokens holding a variable share the `<*>` branch.
fn route_key(tok: &str) -> &str {
    // As in Drain, a token with a digit is a likely parameter even when masking is off.
    if has_wildcard(tok) || tok.bytes().any(|b| b.is_ascii_digit()) {
        WILDCARD
    } else {
        tok
    }
}

/// Drain's similarity: the share of positions where the template equals the message, and the number
/// of template parameters (the tie-breaker).
fn similarity<S: AsRef<str>>(
    template: &[String],
    tokens: &[S],
    needed: usize,
) -> Option<(f64, usize)> {
    if template.is_empty() {
        return Some((1.0, 0));
    }
    let mut equal = 0usize;
    let mut params = 0usize;
    let n = template.len();
    for (i, (t, m)) in template.iter().zip(tokens).enumerate() {
        // Give up as soon as the threshold is out of reach.
        if equal + (n - i) < needed {
            return None;
        }
        // A parameter matches a masked value (`<*>`), not an arbitrary word.
        if is_wild(t) {
            params += 1;
        }
        if t == m.as_ref() {
            equal += 1;
        }
    }
    Some((equal as f64 / n as f64, params))
}

/// The template token for two different tokens at one position: `key=<*>` when they share a `key=` or
/// `key:` prefix, `<*>` otherwise.
fn merge_token(a: &str, b: &str) -> String {
    if a == WILDCARD {
        return a.to_string();
    }
    let common = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let prefix = &a[..common];
    if let Some(cut) = prefix.rfind(['=', ':'])
        && cut > 0
    {
        return format!("{}{WILDCARD}", &a[..=cut]);
    }
    WILDCARD.to_string()
}

/// The value a raw token gives to a template token holding `<*>`: the raw text without the template's
/// literal prefix and suffix.
fn param_value<'a>(template_tok: &str, raw: &'a str) -> &'a str {
    if template_tok == WILDCARD {
        return raw;
    }
    let Some(first) = template_tok.find(WILDCARD) else {
        return raw;
    };
    let last = template_tok.rfind(WILDCARD).unwrap_or(first) + WILDCARD.len();
    let prefix = &template_tok[..first];
    let suffix = &template_tok[last..];
    let mut v = raw;
    if let Some(rest) = v.strip_prefix(prefix) {
        v = rest;
    }
    if let Some(rest) = v.strip_suffix(suffix) {
        v = rest;
    }
    v
}

/// A stable id for a template text: `T` and 8 hex digits of its FNV-1a hash, moved on while `taken`.
fn fresh_id(text: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut h = fnv1a(text.as_bytes());
    let mut id = format!("T{:08x}", h as u32);
    while taken(&id) {
        h = h.wrapping_add(1);
        id = format!("T{:08x}", h as u32);
    }
    id
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Reuses a vector's allocation for borrows of another lifetime.
fn recycle<'b>(mut v: Vec<&str>) -> Vec<&'b str> {
    v.clear();
    v.into_iter().map(|_| "").collect()
}

#[cfg(test)]
mod tests;
