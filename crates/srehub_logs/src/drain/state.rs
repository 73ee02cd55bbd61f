//! The miner's saved state (`--state FILE`): its clusters with their ids, counts and parameters.

use serde::{Deserialize, Serialize};

use super::{Cluster, Miner, MinerOptions, family};

/// The miner's saved state (`--state FILE`).
#[derive(Debug, Serialize, Deserialize)]
pub struct MinerState {
    pub version: u32,
    pub clusters: Vec<Cluster>,
}

impl Miner {
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
            c.refresh();
            let idx = m.clusters.len() as u32;
            m.ids.insert(c.id.clone(), idx);
            for (i, v) in c.variants.iter().enumerate() {
                m.variant_ids.insert(v.id.clone(), (idx, i));
                if v.merged_into.is_none() {
                    c.variant_index.insert(&v.key, i);
                }
            }
            m.nodes[node as usize].clusters.push(idx);
            m.nodes[node as usize].version += 1;
            if let Some(first) = family::bucket_key(&c.skeleton) {
                family::remember(m.families.entry(first).or_default(), idx);
            }
            m.clusters.push(Some(c));
            m.live += 1;
        }
        let roots: Vec<u32> = m
            .clusters()
            .filter_map(|(_, c)| m.root_of(c.same_as.as_deref()?))
            .map(|(cluster, _)| cluster)
            .collect();
        for r in roots {
            if let Some(c) = m.clusters[r as usize].as_mut() {
                c.takes_others = true;
            }
        }
        m
    }
}
