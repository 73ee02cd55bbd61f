//! Load profiles, as a pure module: a target (an arrival rate, or a number of connections) held
//! constant or ramped linearly through stages, as k6's ramping executors do. For the open model the
//! profile gives each request's intended send time: the i-th request is due when the integral of the
//! rate reaches i, so a ramp from 0 to 100/s over 10 s sends exactly 500 requests at the right moments.

/// One stage: move linearly from the previous stage's target to `target` over `duration_s`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stage {
    pub duration_s: f64,
    pub target: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    t0: f64,
    dur: f64,
    from: f64,
    to: f64,
    /// Requests due before `t0` (the integral of the rate).
    n0: f64,
}

impl Segment {
    fn slope(&self) -> f64 {
        if self.dur.is_finite() && self.dur > 0.0 {
            (self.to - self.from) / self.dur
        } else {
            0.0
        }
    }

    fn count(&self) -> f64 {
        if self.dur.is_finite() {
            (self.from + self.to) / 2.0 * self.dur
        } else if self.from > 0.0 {
            f64::INFINITY
        } else {
            0.0
        }
    }
}

/// A piecewise-linear target over time.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    segments: Vec<Segment>,
}

impl Profile {
    /// A constant target, for `duration_s` or without end.
    pub fn constant(value: f64, duration_s: Option<f64>) -> Profile {
        Profile {
            segments: vec![Segment {
                t0: 0.0,
                dur: duration_s.unwrap_or(f64::INFINITY),
                from: value,
                to: value,
                n0: 0.0,
            }],
        }
    }

    /// Stages starting from `start`.
    pub fn staged(start: f64, stages: &[Stage]) -> Profile {
        let mut segments = Vec::with_capacity(stages.len());
        let (mut t, mut from, mut n) = (0.0, start, 0.0);
        for s in stages {
            let seg = Segment {
                t0: t,
                dur: s.duration_s,
                from,
                to: s.target,
                n0: n,
            };
            n += seg.count();
            t += s.duration_s;
            from = s.target;
            segments.push(seg);
        }
        Profile { segments }
    }

    /// Total length in seconds, if the profile ends.
    pub fn duration_s(&self) -> Option<f64> {
        let last = self.segments.last()?;
        let end = last.t0 + last.dur;
        end.is_finite().then_some(end)
    }

    /// The largest target anywhere in the profile.
    pub fn peak(&self) -> f64 {
        self.segments
            .iter()
            .map(|s| s.from.max(s.to))
            .fold(0.0, f64::max)
    }

    /// The target at `t` seconds (0 after the end).
    pub fn at(&self, t: f64) -> f64 {
        for s in &self.segments {
            if t < s.t0 + s.dur {
                return s.from + s.slope() * (t - s.t0).max(0.0);
            }
        }
        0.0
    }

    /// When the `i`-th request (from 0) is due, in seconds from the start, if the profile has one.
    pub fn time_of(&self, i: u64) -> Option<f64> {
        let i = i as f64;
        // The segment whose requests include the i-th one: the last with n0 <= i and requests left.
        let at = self.segments.partition_point(|s| s.n0 <= i);
        let seg = self.segments[..at]
            .iter()
            .rev()
            .find(|s| s.n0 + s.count() > i)?;
        let c = i - seg.n0;
        let (a, b) = (seg.slope() / 2.0, seg.from);
        // Solve a·x² + b·x = c for the smallest x ≥ 0, in a form stable when a is 0 or negative.
        let disc = (b * b + 4.0 * a * c).max(0.0);
        let denom = b + disc.sqrt();
        let x = if denom > 0.0 { 2.0 * c / denom } else { 0.0 };
        Some(seg.t0 + x.min(seg.dur))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn constant_rate_is_evenly_spaced() {
        let p = Profile::constant(100.0, Some(10.0));
        assert_eq!(p.time_of(0), Some(0.0));
        assert!((p.time_of(50).unwrap() - 0.5).abs() < 1e-9);
        assert!((p.time_of(999).unwrap() - 9.99).abs() < 1e-9);
        assert_eq!(p.time_of(1000), None);
        assert_eq!(p.duration_s(), Some(10.0));
        let unbounded = Profile::constant(4.0, None);
        assert_eq!(unbounded.time_of(1_000_000), Some(250_000.0));
        assert_eq!(unbounded.duration_s(), None);
    }

    #[test]
    fn a_ramp_sends_the_integral_of_its_rate() {
        let p = Profile::staged(
            0.0,
            &[
                Stage {
                    duration_s: 10.0,
                    target: 100.0,
                },
                Stage {
                    duration_s: 10.0,
                    target: 100.0,
                },
                Stage {
                    duration_s: 10.0,
                    target: 0.0,
                },
            ],
        );
        // 500 + 1000 + 500 requests.
        assert!(p.time_of(1999).is_some());
        assert_eq!(p.time_of(2000), None);
        // Ramp: N(t) = 5 t², so request 125 is due at t = 5.
        assert!((p.time_of(125).unwrap() - 5.0).abs() < 1e-9);
        assert!((p.time_of(500).unwrap() - 10.0).abs() < 1e-9);
        assert!((p.time_of(1000).unwrap() - 15.0).abs() < 1e-9);
        assert_eq!(p.at(5.0), 50.0);
        assert_eq!(p.at(25.0), 50.0);
        assert_eq!(p.peak(), 100.0);
    }

    #[test]
    fn a_stage_at_zero_sends_nothing_and_is_skipped() {
        let p = Profile::staged(
            0.0,
            &[
                Stage {
                    duration_s: 5.0,
                    target: 0.0,
                },
                Stage {
                    duration_s: 1.0,
                    target: 10.0,
                },
            ],
        );
        assert!(p.time_of(0).unwrap() >= 5.0);
    }

    proptest! {
        #[test]
        fn due_times_never_go_back(r0 in 0.0f64..500.0, r1 in 0.0f64..500.0, d in 0.1f64..20.0) {
            let p = Profile::staged(r0, &[Stage { duration_s: d, target: r1 }]);
            let mut last = 0.0;
            let mut i = 0;
            while let Some(t) = p.time_of(i) {
                prop_assert!(t >= last - 1e-9, "request {i} at {t} before {last}");
                prop_assert!(t <= d + 1e-9);
                last = t;
                i += 1;
            }
            let expected = (r0 + r1) / 2.0 * d;
            prop_assert!((i as f64 - expected).abs() <= 1.0 + 1e-6, "{i} requests, expected {expected}");
        }
    }
}
