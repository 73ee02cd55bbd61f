//! Which alerts fire together: each alert name becomes the set of time buckets in which any of its
//! instances fired; pairs are scored by Jaccard similarity and lift, and pairs above the threshold
//! form clusters (connected components).

use serde::Serialize;

/// A fixed-size bit set over the window's buckets.
#[derive(Debug, Clone)]
pub struct Buckets {
    words: Vec<u64>,
    pub count: u32,
}

impl Buckets {
    pub fn new(n: usize) -> Buckets {
        Buckets {
            words: vec![0; n.div_ceil(64)],
            count: 0,
        }
    }

    /// Marks buckets `from..=to`.
    pub fn set_range(&mut self, from: usize, to: usize) {
        for i in from..=to.min(self.words.len() * 64 - 1) {
            let (w, b) = (i / 64, i % 64);
            if self.words[w] & (1 << b) == 0 {
                self.words[w] |= 1 << b;
                self.count += 1;
            }
        }
    }

    pub fn intersection(&self, o: &Buckets) -> u32 {
        self.words
            .iter()
            .zip(&o.words)
            .map(|(a, b)| (a & b).count_ones())
            .sum()
    }
}

/// Two alerts that fire together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correlation {
    pub a: String,
    pub b: String,
    /// |A∩B| / |A∪B| of their firing buckets.
    pub jaccard: f64,
    /// How much more often they fire together than chance: P(A∩B) / (P(A)·P(B)).
    pub lift: f64,
    /// Buckets in which both fired.
    pub together: u32,
    /// Share of A's buckets in which B fired too, and the reverse.
    pub a_within_b: f64,
    pub b_within_a: f64,
}

/// Scores every pair (names in the same order as `sets`) and returns those with a Jaccard similarity
/// of at least `min_jaccard` and at least `min_together` shared buckets, most similar first.
pub fn correlate(
    names: &[String],
    sets: &[Buckets],
    total: usize,
    min_jaccard: f64,
    min_together: u32,
) -> Vec<Correlation> {
    let mut out = Vec::new();
    let n = total.max(1) as f64;
    for i in 0..sets.len() {
        for j in i + 1..sets.len() {
            let (a, b) = (&sets[i], &sets[j]);
            if a.count == 0 || b.count == 0 {
                continue;
            }
            // Cheap bound first: Jaccard ≤ min/max.
            let (small, large) = (a.count.min(b.count), a.count.max(b.count));
            if f64::from(small) / f64::from(large) < min_jaccard {
                continue;
            }
            let inter = a.intersection(b);
            if inter < min_together {
                continue;
            }
            let union = a.count + b.count - inter;
            let jaccard = f64::from(inter) / f64::from(union);
            if jaccard < min_jaccard {
                continue;
            }
            // Names in order within a pair.
            let (i, j, a, b) = if names[i] <= names[j] {
                (i, j, a, b)
            } else {
                (j, i, b, a)
            };
            out.push(Correlation {
                a: names[i].clone(),
                b: names[j].clone(),
                jaccard,
                lift: f64::from(inter) * n / (f64::from(a.count) * f64::from(b.count)),
                together: inter,
                a_within_b: f64::from(inter) / f64::from(a.count),
                b_within_a: f64::from(inter) / f64::from(b.count),
            });
        }
    }
    out.sort_by(|x, y| {
        y.jaccard
            .total_cmp(&x.jaccard)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    out
}

/// Connected components of the correlation graph (only names in some pair), largest first.
pub fn clusters(pairs: &[Correlation]) -> Vec<Vec<String>> {
    let mut names: Vec<&str> = pairs
        .iter()
        .flat_map(|p| [p.a.as_str(), p.b.as_str()])
        .collect();
    names.sort_unstable();
    names.dedup();
    let idx = |n: &str| names.binary_search(&n).unwrap_or(0);
    let mut parent: Vec<usize> = (0..names.len()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for p in pairs {
        let (a, b) = (find(&mut parent, idx(&p.a)), find(&mut parent, idx(&p.b)));
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
    for (i, n) in names.iter().enumerate() {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push((*n).to_string());
    }
    let mut out: Vec<Vec<String>> = groups.into_values().filter(|g| g.len() > 1).collect();
    out.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_firing_in_the_same_buckets_correlate() {
        let mut a = Buckets::new(100);
        let mut b = Buckets::new(100);
        let mut c = Buckets::new(100);
        a.set_range(10, 19);
        b.set_range(11, 19);
        c.set_range(50, 59);
        let names = ["A".to_string(), "B".to_string(), "C".to_string()];
        let r = correlate(&names, &[a, b, c], 100, 0.5, 3);
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].a.as_str(), r[0].b.as_str(), r[0].together),
            ("A", "B", 9)
        );
        assert!((r[0].jaccard - 0.9).abs() < 1e-9);
        assert!((r[0].lift - 10.0).abs() < 1e-9);
        assert_eq!(r[0].b_within_a, 1.0);
        assert_eq!(clusters(&r), vec![vec!["A".to_string(), "B".to_string()]]);
    }
}
