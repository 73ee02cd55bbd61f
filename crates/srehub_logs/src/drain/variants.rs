//! Templates of a cluster ("variants"): one per combination of words at the cluster's enumerated
//! positions, merged when a position turns out to be a parameter.

use serde::{Deserialize, Serialize};

use super::{Change, Cluster, ClusterRef, FastMap, ParamStats};
use crate::mask::WILDCARD;

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
    /// Counts a message of this template seen at `line`.
    pub(super) fn record(&mut self, line: u64, message: &str) {
        self.count += 1;
        if self.count == 1 {
            self.first_line = line;
            self.example = message.to_string();
        }
        self.last_line = line;
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
                let (count, first, last) = {
                    let v = &c.variants[i];
                    (v.count, v.first_line, v.last_line)
                };
                let r = &mut c.variants[rep];
                r.count += count;
                if first != 0 && (r.first_line == 0 || first < r.first_line) {
                    r.first_line = first;
                }
                r.last_line = r.last_line.max(last);
                c.variants[i].merged_into = Some(rep);
            }
            None => {
                index.insert(c.variants[i].key.clone(), i);
            }
        }
    }
    c.variant_index = index;
}
