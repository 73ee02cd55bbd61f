//! Firing episodes from raw samples: consecutive samples of a series no further apart than 1.5
//! evaluation intervals belong to one episode. The interval is the median spacing of all samples.

use serde::Serialize;

/// One firing (or pending) period of an alert instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Episode {
    /// First sample, unix milliseconds.
    pub start_ms: i64,
    /// Last sample plus one interval (when it stopped being seen).
    pub end_ms: i64,
    /// Still firing at the end of the window.
    pub open: bool,
}

impl Episode {
    pub fn duration_ms(&self) -> i64 {
        self.end_ms - self.start_ms
    }
}

/// The median spacing of consecutive samples over all series (the rule evaluation interval),
/// at least one second; 60 s when nothing can be measured.
pub fn interval_ms<'a>(series: impl Iterator<Item = &'a [(i64, f64)]>) -> i64 {
    let mut diffs: Vec<i64> = Vec::new();
    for s in series {
        diffs.extend(s.windows(2).map(|w| w[1].0 - w[0].0).filter(|d| *d > 0));
        if diffs.len() > 1_000_000 {
            break;
        }
    }
    if diffs.is_empty() {
        return 60_000;
    }
    let mid = diffs.len() / 2;
    let (_, m, _) = diffs.select_nth_unstable(mid);
    (*m).max(1000)
}

/// Splits samples (time-ordered) into episodes.
pub fn episodes(samples: &[(i64, f64)], interval_ms: i64, window_end_ms: i64) -> Vec<Episode> {
    let gap = interval_ms + interval_ms / 2;
    let mut out = Vec::new();
    let mut it = samples.iter().filter(|(_, v)| *v > 0.0 && !v.is_nan());
    let Some(&(first, _)) = it.next() else {
        return out;
    };
    let (mut start, mut last) = (first, first);
    for &(t, _) in it {
        if t - last > gap {
            out.push(Episode {
                start_ms: start,
                end_ms: last + interval_ms,
                open: false,
            });
            start = t;
        }
        last = t;
    }
    out.push(Episode {
        start_ms: start,
        end_ms: last + interval_ms,
        open: window_end_ms - last <= gap,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: &[i64]) -> Vec<(i64, f64)> {
        minutes.iter().map(|m| (m * 60_000, 1.0)).collect()
    }

    #[test]
    fn gaps_longer_than_one_and_a_half_intervals_split_episodes() {
        let s = at(&[0, 1, 2, 5, 6, 20]);
        assert_eq!(interval_ms([s.as_slice()].into_iter()), 60_000);
        let e = episodes(&s, 60_000, 21 * 60_000);
        assert_eq!(e.len(), 3);
        assert_eq!((e[0].start_ms, e[0].end_ms), (0, 3 * 60_000));
        assert_eq!(e[1].duration_ms(), 2 * 60_000);
        assert!(!e[0].open && e[2].open);
        assert!(episodes(&[], 60_000, 0).is_empty());
    }
}
