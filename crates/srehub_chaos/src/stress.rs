//! `srehub chaos stress`: controlled CPU and memory pressure inside a pod, bounded in size and time,
//! in the spirit of stress-ng's `--cpu`/`--vm`: N busy threads at a duty cycle, and a memory block
//! whose every page is written so it is resident. It always stops by itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::Error;

/// What to do.
#[derive(Debug, Clone)]
pub struct StressSpec {
    /// Busy threads.
    pub cpu: usize,
    /// Percent of each 100 ms period a thread is busy (1–100).
    pub cpu_load: u8,
    /// Bytes to allocate and keep resident.
    pub memory: u64,
    pub duration: Duration,
}

/// The longest a stress run may last.
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 3600);

/// What was done.
#[derive(Debug, Clone, Serialize)]
pub struct StressReport {
    pub cpu_workers: usize,
    pub cpu_load_percent: u8,
    /// Busy loop iterations (a measure of work done).
    pub cpu_iterations: u64,
    pub memory_bytes: u64,
    pub duration_s: f64,
    pub stopped_early: bool,
}

/// `512Mi`, `1Gi`, `100M`, `2G`, `4096`.
pub fn parse_size(s: &str) -> Result<u64, Error> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| Error::BadRequest(format!("`{s}` is not a size: write 512Mi or 1Gi")))?;
    let factor: f64 = match unit {
        "" | "B" => 1.0,
        "K" | "k" | "KB" => 1e3,
        "M" | "MB" => 1e6,
        "G" | "GB" => 1e9,
        "Ki" | "KiB" => 1024.0,
        "Mi" | "MiB" => 1024.0 * 1024.0,
        "Gi" | "GiB" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(Error::BadRequest(format!("`{s}`: unknown unit `{unit}`"))),
    };
    Ok((n * factor) as u64)
}

impl StressSpec {
    /// Refuses what is not bounded or not sensible.
    pub fn validate(&self) -> Result<(), Error> {
        if self.cpu == 0 && self.memory == 0 {
            return Err(Error::BadRequest(
                "give --cpu N and/or --memory SIZE".into(),
            ));
        }
        if self.duration.is_zero() || self.duration > MAX_DURATION {
            return Err(Error::BadRequest(
                "--duration must be more than 0 and at most 24h".into(),
            ));
        }
        if !(1..=100).contains(&self.cpu_load) {
            return Err(Error::BadRequest(
                "--cpu-load is a percentage, 1 to 100".into(),
            ));
        }
        if self.cpu > 1024 {
            return Err(Error::BadRequest("--cpu: at most 1024 workers".into()));
        }
        Ok(())
    }
}

/// Runs the stress until its duration ends or `stop` is set.
pub fn run(spec: &StressSpec, stop: &Arc<AtomicBool>) -> Result<StressReport, Error> {
    spec.validate()?;
    let start = Instant::now();
    let deadline = start + spec.duration;
    let workers: Vec<_> = (0..spec.cpu)
        .map(|_| {
            let stop = stop.clone();
            let load = spec.cpu_load;
            std::thread::spawn(move || burn(deadline, load, &stop))
        })
        .collect();
    // Memory: allocate in 64 MiB blocks and write every page, so the kernel must back it.
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    let mut allocated = 0u64;
    const BLOCK: u64 = 64 * 1024 * 1024;
    while allocated < spec.memory && !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        let size = (spec.memory - allocated).min(BLOCK) as usize;
        let mut b = vec![0u8; size];
        for i in (0..size).step_by(4096) {
            b[i] = 1;
        }
        allocated += size as u64;
        blocks.push(b);
    }
    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        std::thread::sleep(
            Duration::from_millis(20).min(deadline.saturating_duration_since(Instant::now())),
        );
    }
    let iterations: u64 = workers.into_iter().map(|w| w.join().unwrap_or(0)).sum();
    let resident = blocks.iter().map(|b| b.len() as u64).sum();
    drop(blocks);
    Ok(StressReport {
        cpu_workers: spec.cpu,
        cpu_load_percent: spec.cpu_load,
        cpu_iterations: iterations,
        memory_bytes: resident,
        duration_s: start.elapsed().as_secs_f64(),
        stopped_early: stop.load(Ordering::Relaxed),
    })
}

fn burn(deadline: Instant, load: u8, stop: &AtomicBool) -> u64 {
    const PERIOD: Duration = Duration::from_millis(100);
    let busy = PERIOD * u32::from(load) / 100;
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        let until = (now + busy).min(deadline);
        while Instant::now() < until {
            for _ in 0..1000 {
                // xorshift: cheap work the optimizer cannot remove.
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
            }
            n += 1;
        }
        let rest = PERIOD - busy;
        if !rest.is_zero() {
            std::thread::sleep(rest.min(deadline.saturating_duration_since(Instant::now())));
        }
    }
    std::hint::black_box(x);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512Mi").unwrap(), 512 * 1024 * 1024);
        assert_eq!(parse_size("1G").unwrap(), 1_000_000_000);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("1Tb").is_err());
    }

    #[test]
    fn stress_is_bounded_and_stops_by_itself() {
        let spec = StressSpec {
            cpu: 2,
            cpu_load: 50,
            memory: 8 * 1024 * 1024,
            duration: Duration::from_millis(300),
        };
        let r = run(&spec, &Arc::new(AtomicBool::new(false))).unwrap();
        assert_eq!(r.memory_bytes, 8 * 1024 * 1024);
        assert!(r.cpu_iterations > 0);
        assert!(!r.stopped_early);
        assert!(r.duration_s < 5.0);
        let bad = StressSpec {
            duration: Duration::from_secs(25 * 3600),
            ..spec.clone()
        };
        assert!(bad.validate().is_err());
        let none = StressSpec {
            cpu: 0,
            memory: 0,
            ..spec
        };
        assert!(none.validate().is_err());
    }
}
