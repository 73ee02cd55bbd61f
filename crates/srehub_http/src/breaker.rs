//! A circuit breaker: after `failures` consecutive failed calls it opens and refuses calls for
//! `open_for`; then one probe goes through (half-open), and its outcome closes or reopens it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The breaker's state as shown on status pages (`circuit_breaker_state`: 0, 1, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    /// The gauge value: closed 0, open 1, half-open 2.
    pub fn gauge(self) -> i64 {
        match self {
            BreakerState::Closed => 0,
            BreakerState::Open => 1,
            BreakerState::HalfOpen => 2,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { probe_started: Instant },
}

#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    open_for: Duration,
    state: Mutex<State>,
}

impl Breaker {
    pub fn new(threshold: u32, open_for: Duration) -> Breaker {
        Breaker {
            threshold: threshold.max(1),
            open_for,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves a valid state: keep using it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// May a call start now? `Err` carries how long to wait.
    pub fn allow(&self, now: Instant) -> Result<(), Duration> {
        let mut s = self.lock();
        match *s {
            State::Closed { .. } => Ok(()),
            State::Open { until } if now >= until => {
                *s = State::HalfOpen { probe_started: now };
                Ok(())
            }
            State::Open { until } => Err(until - now),
            // A probe is out; a probe that never reported (its caller gave up) is replaced after
            // `open_for`.
            State::HalfOpen { probe_started } if now >= probe_started + self.open_for => {
                *s = State::HalfOpen { probe_started: now };
                Ok(())
            }
            State::HalfOpen { probe_started } => Err(probe_started + self.open_for - now),
        }
    }

    /// The outcome of a call that `allow` let through.
    pub fn record(&self, success: bool, now: Instant) {
        let mut s = self.lock();
        *s = match (*s, success) {
            (State::Closed { .. } | State::HalfOpen { .. }, true) => State::Closed { failures: 0 },
            (State::Closed { failures }, false) if failures + 1 < self.threshold => State::Closed {
                failures: failures + 1,
            },
            (State::Closed { .. } | State::HalfOpen { .. }, false) => State::Open {
                until: now + self.open_for,
            },
            // Calls started before the breaker opened do not change it.
            (open @ State::Open { .. }, _) => open,
        };
    }

    pub fn state(&self, now: Instant) -> BreakerState {
        match *self.lock() {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } if now >= until => BreakerState::HalfOpen,
            State::Open { .. } => BreakerState::Open,
            State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_consecutive_failures_and_probes_once() {
        let b = Breaker::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        for _ in 0..2 {
            assert!(b.allow(t0).is_ok());
            b.record(false, t0);
        }
        assert_eq!(b.state(t0), BreakerState::Closed);
        b.record(true, t0);
        for _ in 0..3 {
            assert!(b.allow(t0).is_ok());
            b.record(false, t0);
        }
        assert_eq!(b.state(t0), BreakerState::Open);
        let wait = b.allow(t0 + Duration::from_secs(4)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(6));
        // After open_for: one probe, the next caller waits.
        let t1 = t0 + Duration::from_secs(10);
        assert!(b.allow(t1).is_ok());
        assert!(b.allow(t1).is_err());
        b.record(false, t1);
        assert_eq!(b.state(t1), BreakerState::Open);
        let t2 = t1 + Duration::from_secs(10);
        assert!(b.allow(t2).is_ok());
        b.record(true, t2);
        assert_eq!(b.state(t2), BreakerState::Closed);
        assert!(b.allow(t2).is_ok());
    }

    #[test]
    fn a_lost_probe_is_replaced() {
        let b = Breaker::new(1, Duration::from_secs(5));
        let t0 = Instant::now();
        b.record(false, t0);
        let t1 = t0 + Duration::from_secs(5);
        assert!(b.allow(t1).is_ok());
        assert!(b.allow(t1 + Duration::from_secs(1)).is_err());
        assert!(b.allow(t1 + Duration::from_secs(5)).is_ok());
    }
}
