//! Flapping the way Nagios detects it: over the last 21 states (one per evaluation interval), the
//! percent of state changes, the 20 transitions weighted from 0.8 (oldest) to 1.2 (newest). An
//! instance starts flapping when that reaches the high threshold and stops when it falls below the
//! low one (hysteresis).

use serde::Serialize;

use crate::episodes::Episode;

/// Flapping of one instance over the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Flapping {
    /// Highest weighted percent state change seen.
    pub max_percent: f64,
    /// Times it started flapping.
    pub periods: u32,
    /// Time spent flapping.
    pub flapping_ms: i64,
}

const STATES: i64 = 21;

fn weight(i: i64) -> f64 {
    // i = 0 for the oldest of the 20 transitions, 19 for the newest.
    0.8 + 0.4 * i as f64 / 19.0
}

/// `episodes` in time order; `low`/`high` in percent.
pub fn flapping(
    episodes: &[Episode],
    start_ms: i64,
    interval_ms: i64,
    low: f64,
    high: f64,
) -> Flapping {
    // Indexes (in intervals from the window start) of the states that differ from the one before.
    let mut changes: Vec<i64> = Vec::with_capacity(episodes.len() * 2);
    for e in episodes {
        let a = (e.start_ms - start_ms).div_euclid(interval_ms);
        let b = (e.end_ms - start_ms).div_euclid(interval_ms);
        if changes.last() == Some(&a) {
            changes.pop();
        } else {
            changes.push(a);
        }
        if !e.open {
            changes.push(b);
        }
    }
    let mut out = Flapping::default();
    let mut flapping = false;
    let mut lo = 0usize;
    let mut p = match changes.first() {
        Some(&c) => c,
        None => return out,
    };
    let last = changes[changes.len() - 1] + STATES - 1;
    while p <= last {
        // Transitions in the window ending at state p: indexes p-19 ..= p.
        while lo < changes.len() && changes[lo] <= p - (STATES - 1) {
            lo += 1;
        }
        if lo == changes.len() || changes[lo] > p {
            // No change within the window: 0 %; jump to the next change.
            if flapping {
                flapping = false;
            }
            match changes.get(lo) {
                Some(&next) => {
                    p = next;
                    continue;
                }
                None => break,
            }
        }
        let mut pct = 0.0;
        let mut k = lo;
        while k < changes.len() && changes[k] <= p {
            pct += weight(changes[k] - (p - (STATES - 2)));
            k += 1;
        }
        pct = pct / (STATES - 1) as f64 * 100.0;
        out.max_percent = out.max_percent.max(pct);
        if flapping {
            if pct < low {
                flapping = false;
            } else {
                out.flapping_ms += interval_ms;
            }
        } else if pct >= high {
            flapping = true;
            out.periods += 1;
            out.flapping_ms += interval_ms;
        }
        p += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(start_min: i64, len_min: i64) -> Episode {
        Episode {
            start_ms: start_min * 60_000,
            end_ms: (start_min + len_min) * 60_000,
            open: false,
        }
    }

    #[test]
    fn an_alert_toggling_every_few_minutes_flaps_and_a_daily_one_does_not() {
        let toggling: Vec<Episode> = (0..20).map(|i| ep(i * 4, 2)).collect();
        let f = flapping(&toggling, 0, 60_000, 5.0, 20.0);
        assert!(f.max_percent > 45.0, "{f:?}");
        assert_eq!(f.periods, 1);
        assert!(f.flapping_ms >= 60 * 60_000, "{f:?}");
        let daily: Vec<Episode> = (0..5).map(|i| ep(i * 1440, 30)).collect();
        let f = flapping(&daily, 0, 60_000, 5.0, 20.0);
        assert_eq!(f.periods, 0, "{f:?}");
        assert!(f.max_percent < 12.0, "{f:?}");
        // Two separate bursts of flapping are two periods.
        let mut two: Vec<Episode> = (0..8).map(|i| ep(i * 2, 1)).collect();
        two.extend((0..8).map(|i| ep(1000 + i * 2, 1)));
        assert_eq!(flapping(&two, 0, 60_000, 5.0, 20.0).periods, 2);
    }
}
