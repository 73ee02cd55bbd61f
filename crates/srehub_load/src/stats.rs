//! The statistics of a run, as a pure module: samples in, HDR histograms, counts and a per-second
//! timeline out. Workers buffer their samples and hand them over in batches, so the shared aggregate is
//! locked once per batch and its memory does not grow with the number of connections; seconds more than
//! a few seconds old are sealed into the compact HDR V2 encoding, so a long soak test stays small.
//!
//! The same aggregate is what `--save-histogram` writes and `srehub load merge` adds up, so a merged
//! report of many workers is exact: histograms add bucket by bucket.

use std::collections::BTreeMap;

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use serde::{Deserialize, Serialize};
use srehub_model::load::{
    LOAD_SCHEMA, LatencySummary, LoadModel, LoadResult, RequestStats, TimelinePoint,
};

use crate::Error;

/// Why a request got no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The TCP connection could not be made (refused, unreachable, DNS).
    Connect,
    /// The TLS handshake failed.
    Tls,
    /// No complete response within `--timeout`.
    Timeout,
    /// The connection was reset or closed before the response was complete.
    Reset,
    /// The response could not be parsed as HTTP.
    BadResponse,
    Other,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 6] = [
        ErrorKind::Connect,
        ErrorKind::Tls,
        ErrorKind::Timeout,
        ErrorKind::Reset,
        ErrorKind::BadResponse,
        ErrorKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Connect => "connect",
            ErrorKind::Tls => "tls",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Reset => "reset",
            ErrorKind::BadResponse => "bad_response",
            ErrorKind::Other => "other",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Status(u16),
    Error(ErrorKind),
}

/// One finished request.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Second of the run in which it finished.
    pub second: u32,
    /// Index of the scenario request it was.
    pub request: u16,
    pub outcome: Outcome,
    /// From the intended send time (open model) or the actual send (closed model), microseconds.
    pub corrected_us: u64,
    /// From the actual send, microseconds.
    pub uncorrected_us: u64,
    pub bytes_received: u64,
    pub bytes_sent: u64,
    /// The open model could not send it on time: every connection was busy.
    pub late: bool,
}

/// Significant figures of the whole-run histograms (0.1 % resolution), and of the per-second ones.
const SIGFIG: u8 = 3;
const SECOND_SIGFIG: u8 = 2;
/// Seconds older than this (behind the newest sample) are sealed.
const SEAL_AFTER: u32 = 5;

fn histogram(sigfig: u8) -> Histogram<u64> {
    // 1 µs .. 1 h to begin with; auto-resizing covers anything longer.
    let mut h = Histogram::new_with_bounds(1, 3_600_000_000, sigfig)
        .unwrap_or_else(|_| Histogram::new(sigfig).unwrap_or_else(|_| unreachable_histogram()));
    h.auto(true);
    h
}

#[allow(clippy::unwrap_used)]
fn unreachable_histogram() -> Histogram<u64> {
    // Valid constant arguments: cannot fail.
    Histogram::new(3).unwrap()
}

fn record(h: &mut Histogram<u64>, us: u64) {
    // With auto-resize on, recording fails only for values beyond u64 ranges; saturate then.
    if h.record(us.max(1)).is_err() {
        h.saturating_record(us.max(1));
    }
}

#[derive(Debug, Clone)]
enum Slot {
    Open(Box<Histogram<u64>>),
    Sealed(Vec<u8>),
}

#[derive(Debug, Clone)]
struct Second {
    requests: u64,
    errors: u64,
    bytes_received: u64,
    latency: Slot,
}

impl Second {
    fn new() -> Second {
        Second {
            requests: 0,
            errors: 0,
            bytes_received: 0,
            latency: Slot::Open(Box::new(histogram(SECOND_SIGFIG))),
        }
    }

    fn open(&mut self) -> Result<&mut Histogram<u64>, Error> {
        if let Slot::Sealed(bytes) = &self.latency {
            self.latency = Slot::Open(Box::new(decode(bytes)?));
        }
        match &mut self.latency {
            Slot::Open(h) => Ok(h),
            Slot::Sealed(_) => Err(Error::Histogram("unsealing failed".into())),
        }
    }

    fn histogram(&self) -> Result<Histogram<u64>, Error> {
        match &self.latency {
            Slot::Open(h) => Ok((**h).clone()),
            Slot::Sealed(b) => decode(b),
        }
    }

    fn seal(&mut self) {
        if let Slot::Open(h) = &self.latency
            && let Ok(bytes) = encode(h)
        {
            self.latency = Slot::Sealed(bytes);
        }
    }
}

fn encode(h: &Histogram<u64>) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    V2Serializer::new()
        .serialize(h, &mut out)
        .map_err(|e| Error::Histogram(format!("{e:?}")))?;
    Ok(out)
}

fn decode(bytes: &[u8]) -> Result<Histogram<u64>, Error> {
    let mut h: Histogram<u64> = Deserializer::new()
        .deserialize(&mut std::io::Cursor::new(bytes))
        .map_err(|e| Error::Histogram(format!("{e:?}")))?;
    h.auto(true);
    Ok(h)
}

#[derive(Debug, Clone)]
struct PerRequest {
    requests: u64,
    errors: u64,
    latency: Histogram<u64>,
}

/// Everything measured so far, shared by the workers of a run (behind a lock) or rebuilt from saved
/// histogram files.
#[derive(Debug, Clone)]
pub struct Aggregate {
    requests: u64,
    corrected: Histogram<u64>,
    uncorrected: Option<Histogram<u64>>,
    status: BTreeMap<u16, u64>,
    errors: [u64; 6],
    bytes_received: u64,
    bytes_sent: u64,
    late: u64,
    names: Vec<String>,
    by_request: Vec<PerRequest>,
    timeline: Vec<Second>,
    newest: u32,
    /// Seconds below this are sealed, except those a late sample reopened (listed in `reopened`).
    sealed_upto: usize,
    reopened: Vec<u32>,
}

impl Aggregate {
    /// An empty aggregate. `open` keeps a second, uncorrected histogram; `names` are the scenario's
    /// request names (per-request statistics are kept when there is more than one).
    pub fn new(open: bool, names: Vec<String>) -> Aggregate {
        let by_request = if names.len() > 1 {
            names
                .iter()
                .map(|_| PerRequest {
                    requests: 0,
                    errors: 0,
                    latency: histogram(SIGFIG),
                })
                .collect()
        } else {
            Vec::new()
        };
        Aggregate {
            requests: 0,
            corrected: histogram(SIGFIG),
            uncorrected: open.then(|| histogram(SIGFIG)),
            status: BTreeMap::new(),
            errors: [0; 6],
            bytes_received: 0,
            bytes_sent: 0,
            late: 0,
            names,
            by_request,
            timeline: Vec::new(),
            newest: 0,
            sealed_upto: 0,
            reopened: Vec::new(),
        }
    }

    fn second(&mut self, s: u32) -> &mut Second {
        let i = s as usize;
        if self.timeline.len() <= i {
            self.timeline.resize_with(i + 1, Second::new);
        }
        &mut self.timeline[i]
    }

    /// Adds a batch of samples.
    pub fn absorb(&mut self, samples: &[Sample]) {
        for s in samples {
            self.requests += 1;
            self.bytes_received += s.bytes_received;
            self.bytes_sent += s.bytes_sent;
            self.late += u64::from(s.late);
            let failed = match s.outcome {
                Outcome::Status(code) => {
                    *self.status.entry(code).or_default() += 1;
                    record(&mut self.corrected, s.corrected_us);
                    if let Some(u) = &mut self.uncorrected {
                        record(u, s.uncorrected_us);
                    }
                    code >= 500
                }
                Outcome::Error(kind) => {
                    self.errors[kind.index()] += 1;
                    true
                }
            };
            if let Some(r) = self.by_request.get_mut(usize::from(s.request)) {
                r.requests += 1;
                r.errors += u64::from(failed);
                if matches!(s.outcome, Outcome::Status(_)) {
                    record(&mut r.latency, s.corrected_us);
                }
            }
            if (s.second as usize) < self.sealed_upto {
                self.reopened.push(s.second);
            }
            let sec = self.second(s.second);
            sec.requests += 1;
            sec.errors += u64::from(failed);
            sec.bytes_received += s.bytes_received;
            if matches!(s.outcome, Outcome::Status(_))
                && let Ok(h) = sec.open()
            {
                record(h, s.corrected_us);
            }
            self.newest = self.newest.max(s.second);
        }
        self.seal_old();
    }

    /// Seals the seconds that fell behind since the last call, and any a late sample reopened: work in
    /// proportion to what changed, not to the length of the run.
    fn seal_old(&mut self) {
        let upto = (self.newest.saturating_sub(SEAL_AFTER) as usize).min(self.timeline.len());
        for sec in self.timeline.iter_mut().take(upto).skip(self.sealed_upto) {
            sec.seal();
        }
        self.sealed_upto = self.sealed_upto.max(upto);
        for s in std::mem::take(&mut self.reopened) {
            if (s as usize) < self.sealed_upto {
                self.timeline[s as usize].seal();
            }
        }
    }

    /// Requests finished so far.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// Requests, failures (no response or 5xx) and latency percentiles (p50, p99) of one second.
    pub fn second_summary(&self, s: u32) -> Option<(u64, u64, f64, f64)> {
        let sec = self.timeline.get(s as usize)?;
        let h = sec.histogram().ok()?;
        Some((
            sec.requests,
            sec.errors,
            ms(h.value_at_quantile(0.5)),
            ms(h.value_at_quantile(0.99)),
        ))
    }

    /// Answered requests by latency, in about `n` log-spaced buckets from the fastest to the slowest:
    /// `(upper bound in ms, count)`.
    pub fn distribution(&self, n: usize) -> Vec<(f64, u64)> {
        let h = &self.corrected;
        if h.is_empty() || n == 0 {
            return Vec::new();
        }
        let (lo, hi) = (h.min().max(1) as f64, h.max().max(1) as f64);
        let ratio = (hi / lo).max(1.0 + 1e-9);
        let bounds: Vec<f64> = (1..=n)
            .map(|k| lo * ratio.powf(k as f64 / n as f64))
            .collect();
        let mut counts = vec![0u64; n];
        for v in h.iter_recorded() {
            let x = h.highest_equivalent(v.value_iterated_to()) as f64;
            let i = bounds.partition_point(|b| *b < x).min(n - 1);
            counts[i] += v.count_at_value();
        }
        bounds.into_iter().map(|b| b / 1000.0).zip(counts).collect()
    }

    /// Adds another aggregate whose second 0 is `offset` seconds after this one's.
    pub fn merge(&mut self, other: &Aggregate, offset: u32) -> Result<(), Error> {
        self.requests += other.requests;
        add(&mut self.corrected, &other.corrected)?;
        match (&mut self.uncorrected, &other.uncorrected) {
            (Some(a), Some(b)) => add(a, b)?,
            (None, Some(b)) => self.uncorrected = Some(b.clone()),
            _ => {}
        }
        for (code, n) in &other.status {
            *self.status.entry(*code).or_default() += n;
        }
        for (a, b) in self.errors.iter_mut().zip(other.errors) {
            *a += b;
        }
        self.bytes_received += other.bytes_received;
        self.bytes_sent += other.bytes_sent;
        self.late += other.late;
        for (i, r) in other.by_request.iter().enumerate() {
            let name = &other.names[i];
            let at = match self.names.iter().position(|n| n == name) {
                Some(at) if at < self.by_request.len() => at,
                _ => {
                    self.names.push(name.clone());
                    self.by_request.push(PerRequest {
                        requests: 0,
                        errors: 0,
                        latency: histogram(SIGFIG),
                    });
                    self.by_request.len() - 1
                }
            };
            let mine = &mut self.by_request[at];
            mine.requests += r.requests;
            mine.errors += r.errors;
            add(&mut mine.latency, &r.latency)?;
        }
        for (i, sec) in other.timeline.iter().enumerate() {
            let h = sec.histogram()?;
            let Ok(i) = u32::try_from(i) else { break };
            if ((i + offset) as usize) < self.sealed_upto {
                self.reopened.push(i + offset);
            }
            let mine = self.second(i + offset);
            mine.requests += sec.requests;
            mine.errors += sec.errors;
            mine.bytes_received += sec.bytes_received;
            add(mine.open()?, &h)?;
            self.newest = self.newest.max(i + offset);
        }
        self.seal_old();
        Ok(())
    }

    /// The result document of the run.
    pub fn result(&self, meta: &RunMeta) -> LoadResult {
        let failed: u64 = self.errors.iter().sum();
        let server_errors: u64 = self.status.range(500..).map(|(_, n)| n).sum();
        let duration = meta.duration_s.max(1e-9);
        let error_rate = if self.requests == 0 {
            0.0
        } else {
            (failed + server_errors) as f64 / self.requests as f64
        };
        let timeline = self
            .timeline
            .iter()
            .enumerate()
            .map(|(i, sec)| {
                let h = sec.histogram().unwrap_or_else(|_| histogram(SECOND_SIGFIG));
                let q = |q: f64| {
                    if h.is_empty() {
                        0.0
                    } else {
                        ms(h.value_at_quantile(q))
                    }
                };
                TimelinePoint {
                    second: i as u64,
                    requests: sec.requests,
                    errors: sec.errors,
                    bytes_received: sec.bytes_received,
                    p50_ms: q(0.5),
                    p90_ms: q(0.9),
                    p99_ms: q(0.99),
                    max_ms: if h.is_empty() { 0.0 } else { ms(h.max()) },
                }
            })
            .collect();
        let by_request = self
            .by_request
            .iter()
            .zip(&self.names)
            .map(|(r, name)| {
                (
                    name.clone(),
                    RequestStats {
                        requests: r.requests,
                        errors: r.errors,
                        latency_ms: summary(&r.latency),
                    },
                )
            })
            .collect();
        LoadResult {
            schema: LOAD_SCHEMA.to_string(),
            target: meta.target.clone(),
            model: meta.model,
            connections: meta.connections,
            rate: meta.rate,
            started_at: meta.started_at,
            requests: self.requests,
            duration_s: meta.duration_s,
            requests_per_second: self.requests as f64 / duration,
            latency_ms: summary(&self.corrected),
            latency_uncorrected_ms: self.uncorrected.as_ref().map(summary),
            status_codes: self.status.clone(),
            errors: ErrorKind::ALL
                .iter()
                .filter(|k| self.errors[k.index()] > 0)
                .map(|k| (k.as_str().to_string(), self.errors[k.index()]))
                .collect(),
            error_rate,
            bytes_received: self.bytes_received,
            bytes_sent: self.bytes_sent,
            late_starts: self.late,
            unfinished: meta.unfinished,
            by_request,
            timeline,
            thresholds: Vec::new(),
            workers: meta.workers,
        }
    }

    /// The file `--save-histogram` writes: the result plus every histogram, for an exact merge.
    pub fn to_file(&self, result: &LoadResult) -> Result<HistogramFile, Error> {
        let b64 = |h: &Histogram<u64>| encode(h).map(|b| B64.encode(b));
        Ok(HistogramFile {
            schema: HISTOGRAM_SCHEMA.to_string(),
            result: result.clone(),
            latency: b64(&self.corrected)?,
            latency_uncorrected: self.uncorrected.as_ref().map(b64).transpose()?,
            by_request: self
                .names
                .iter()
                .zip(&self.by_request)
                .map(|(n, r)| Ok((n.clone(), b64(&r.latency)?)))
                .collect::<Result<_, Error>>()?,
            timeline: self
                .timeline
                .iter()
                .map(|s| {
                    Ok(SecondFile {
                        requests: s.requests,
                        errors: s.errors,
                        bytes_received: s.bytes_received,
                        latency: B64.encode(match &s.latency {
                            Slot::Sealed(b) => b.clone(),
                            Slot::Open(h) => encode(h)?,
                        }),
                    })
                })
                .collect::<Result<_, Error>>()?,
        })
    }

    /// Rebuilds the aggregate of a saved run.
    pub fn from_file(f: &HistogramFile) -> Result<Aggregate, Error> {
        let h = |s: &str| -> Result<Histogram<u64>, Error> {
            decode(
                &B64.decode(s)
                    .map_err(|e| Error::Histogram(format!("not base64: {e}")))?,
            )
        };
        let r = &f.result;
        let mut errors = [0; 6];
        for k in ErrorKind::ALL {
            errors[k.index()] = r.errors.get(k.as_str()).copied().unwrap_or(0);
        }
        let (names, by_request) = f
            .by_request
            .iter()
            .map(|(name, lat)| {
                let stats = r.by_request.get(name).cloned().unwrap_or_default();
                Ok((
                    name.clone(),
                    PerRequest {
                        requests: stats.requests,
                        errors: stats.errors,
                        latency: h(lat)?,
                    },
                ))
            })
            .collect::<Result<(Vec<_>, Vec<_>), Error>>()?;
        let timeline = f
            .timeline
            .iter()
            .map(|s| {
                Ok(Second {
                    requests: s.requests,
                    errors: s.errors,
                    bytes_received: s.bytes_received,
                    latency: Slot::Sealed(
                        B64.decode(&s.latency)
                            .map_err(|e| Error::Histogram(format!("not base64: {e}")))?,
                    ),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Aggregate {
            requests: r.requests,
            corrected: h(&f.latency)?,
            uncorrected: f.latency_uncorrected.as_deref().map(h).transpose()?,
            status: r.status_codes.clone(),
            errors,
            bytes_received: r.bytes_received,
            bytes_sent: r.bytes_sent,
            late: r.late_starts,
            names,
            by_request,
            newest: timeline.len().saturating_sub(1) as u32,
            sealed_upto: timeline.len(),
            reopened: Vec::new(),
            timeline,
        })
    }
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn add(a: &mut Histogram<u64>, b: &Histogram<u64>) -> Result<(), Error> {
    a.add(b)
        .map_err(|e| Error::Histogram(format!("cannot add histograms: {e:?}")))
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// The latency summary of a histogram, in milliseconds; all zero when it is empty.
pub fn summary(h: &Histogram<u64>) -> LatencySummary {
    if h.is_empty() {
        return LatencySummary::default();
    }
    let q = |q: f64| ms(h.value_at_quantile(q));
    LatencySummary {
        min: ms(h.min()),
        mean: h.mean() / 1000.0,
        stdev: h.stdev() / 1000.0,
        p50: q(0.5),
        p75: q(0.75),
        p90: q(0.9),
        p95: q(0.95),
        p99: q(0.99),
        p99_9: q(0.999),
        max: ms(h.max()),
    }
}

/// What the aggregate does not know about its run.
#[derive(Debug, Clone)]
pub struct RunMeta {
    pub target: String,
    pub model: LoadModel,
    pub connections: u64,
    pub rate: Option<f64>,
    pub started_at: f64,
    pub duration_s: f64,
    pub unfinished: u64,
    pub workers: u64,
}

/// The `schema` of a histogram file.
pub const HISTOGRAM_SCHEMA: &str = "srehub.load-histogram/v1";

/// A saved run: its result, and its histograms in the HDR V2 encoding (base64), whole-run and per
/// second.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistogramFile {
    pub schema: String,
    pub result: LoadResult,
    pub latency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_uncorrected: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_request: BTreeMap<String, String>,
    pub timeline: Vec<SecondFile>,
}

/// One second of a saved run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecondFile {
    pub requests: u64,
    pub errors: u64,
    pub bytes_received: u64,
    pub latency: String,
}

/// Merges saved runs (the workers of one distributed test) into one exact result: histograms and
/// counts add; the timeline is aligned on wall-clock seconds; the duration runs from the first start
/// to the last end.
pub fn merge(files: &[HistogramFile]) -> Result<(LoadResult, Aggregate), Error> {
    let Some(first) = files.first() else {
        return Err(Error::Histogram("no histogram files to merge".into()));
    };
    let start = files
        .iter()
        .map(|f| f.result.started_at)
        .fold(f64::INFINITY, f64::min);
    let end = files
        .iter()
        .map(|f| f.result.started_at + f.result.duration_s)
        .fold(f64::NEG_INFINITY, f64::max);
    let mut agg = Aggregate::new(first.result.model == LoadModel::Open, Vec::<String>::new());
    let mut targets: Vec<&str> = Vec::new();
    for f in files {
        if f.schema != HISTOGRAM_SCHEMA {
            return Err(Error::Histogram(format!(
                "schema `{}`, expected `{HISTOGRAM_SCHEMA}`",
                f.schema
            )));
        }
        let offset = (f.result.started_at - start).floor().max(0.0) as u32;
        agg.merge(&Aggregate::from_file(f)?, offset)?;
        if !targets.contains(&f.result.target.as_str()) {
            targets.push(&f.result.target);
        }
    }
    let rates: Vec<f64> = files.iter().filter_map(|f| f.result.rate).collect();
    let meta = RunMeta {
        target: targets.join(", "),
        model: first.result.model,
        connections: files.iter().map(|f| f.result.connections).sum(),
        rate: (!rates.is_empty()).then(|| rates.iter().sum()),
        started_at: start,
        duration_s: end - start,
        unfinished: files.iter().map(|f| f.result.unfinished).sum(),
        workers: files.iter().map(|f| f.result.workers).sum(),
    };
    Ok((agg.result(&meta), agg))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn sample(second: u32, outcome: Outcome, ms: f64) -> Sample {
        Sample {
            second,
            request: 0,
            outcome,
            corrected_us: (ms * 1000.0) as u64,
            uncorrected_us: (ms * 1000.0) as u64 / 2,
            bytes_received: 100,
            bytes_sent: 10,
            late: false,
        }
    }

    fn meta(duration_s: f64) -> RunMeta {
        RunMeta {
            target: "http://127.0.0.1:1/".into(),
            model: LoadModel::Open,
            connections: 2,
            rate: Some(3.0),
            started_at: 1_000.0,
            duration_s,
            unfinished: 0,
            workers: 1,
        }
    }

    /// A result of answered requests with these latencies (ms), one per second.
    pub(crate) fn result_with(latencies: &[f64]) -> LoadResult {
        let mut a = Aggregate::new(true, vec!["default".into()]);
        let samples: Vec<Sample> = latencies
            .iter()
            .enumerate()
            .map(|(i, l)| sample(i as u32, Outcome::Status(200), *l))
            .collect();
        a.absorb(&samples);
        a.result(&meta(latencies.len() as f64))
    }

    #[test]
    fn counts_statuses_errors_and_latency() {
        let mut a = Aggregate::new(true, vec!["default".into()]);
        a.absorb(&[
            sample(0, Outcome::Status(200), 10.0),
            sample(0, Outcome::Status(503), 30.0),
            sample(1, Outcome::Error(ErrorKind::Timeout), 0.0),
            sample(1, Outcome::Status(200), 20.0),
        ]);
        let r = a.result(&meta(2.0));
        assert_eq!(r.requests, 4);
        assert_eq!(r.status_codes[&200], 2);
        assert_eq!(r.errors["timeout"], 1);
        assert_eq!(r.error_rate, 0.5);
        assert_eq!(r.requests_per_second, 2.0);
        assert!((r.latency_ms.p50 - 20.0).abs() < 0.05, "{:?}", r.latency_ms);
        assert!((r.latency_ms.max - 30.0).abs() < 0.05);
        let u = r.latency_uncorrected_ms.unwrap();
        assert!((u.max - 15.0).abs() < 0.05);
        assert_eq!(r.timeline.len(), 2);
        assert_eq!((r.timeline[0].requests, r.timeline[0].errors), (2, 1));
        assert_eq!((r.timeline[1].requests, r.timeline[1].errors), (2, 1));
        assert_eq!(r.bytes_received, 400);
    }

    #[test]
    fn the_distribution_counts_every_answer_once() {
        let mut a = Aggregate::new(false, vec!["x".into()]);
        let samples: Vec<Sample> = (1..=500)
            .map(|i| sample(0, Outcome::Status(200), f64::from(i) * 0.7))
            .collect();
        a.absorb(&samples);
        let d = a.distribution(20);
        assert_eq!(d.len(), 20);
        assert_eq!(d.iter().map(|(_, n)| n).sum::<u64>(), 500);
        assert!(d.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn old_seconds_are_sealed_and_still_exact() {
        let mut a = Aggregate::new(false, vec!["x".into()]);
        for s in 0..20 {
            a.absorb(&[sample(s, Outcome::Status(200), f64::from(s + 1))]);
        }
        assert!(matches!(a.timeline[0].latency, Slot::Sealed(_)));
        // A late sample for a sealed second reopens it.
        a.absorb(&[sample(0, Outcome::Status(200), 100.0)]);
        let r = a.result(&meta(20.0));
        assert_eq!(r.timeline[0].requests, 2);
        assert!((r.timeline[0].max_ms - 100.0).abs() < 1.0);
        assert!((r.timeline[19].p50_ms - 20.0).abs() < 0.2);
    }

    #[test]
    fn a_merge_of_saved_runs_equals_one_run_of_all_samples() {
        let all: Vec<Sample> = (0..1000u32)
            .map(|i| {
                sample(
                    i % 7,
                    if i % 50 == 0 {
                        Outcome::Error(ErrorKind::Reset)
                    } else {
                        Outcome::Status(200)
                    },
                    f64::from(i % 97) + 0.5,
                )
            })
            .collect();
        let mut whole = Aggregate::new(true, vec!["a".into(), "b".into()]);
        whole.absorb(&all);
        let mut files = Vec::new();
        for part in all.chunks(250) {
            let mut a = Aggregate::new(true, vec!["a".into(), "b".into()]);
            a.absorb(part);
            let r = a.result(&meta(7.0));
            let f = a.to_file(&r).unwrap();
            // Through JSON, as the files travel.
            let text = serde_json::to_string(&f).unwrap();
            files.push(serde_json::from_str::<HistogramFile>(&text).unwrap());
        }
        let (merged, _) = merge(&files).unwrap();
        let expected = whole.result(&meta(7.0));
        assert_eq!(merged.requests, expected.requests);
        assert_eq!(merged.latency_ms, expected.latency_ms);
        assert_eq!(
            merged.latency_uncorrected_ms,
            expected.latency_uncorrected_ms
        );
        assert_eq!(merged.errors, expected.errors);
        assert_eq!(merged.timeline, expected.timeline);
        assert_eq!(merged.workers, 4);
        assert_eq!(merged.by_request, expected.by_request);
    }

    #[test]
    fn merge_aligns_workers_that_started_later() {
        let mut a = Aggregate::new(false, vec!["x".into()]);
        a.absorb(&[sample(0, Outcome::Status(200), 1.0)]);
        let mut m1 = meta(2.0);
        m1.model = LoadModel::Closed;
        let f1 = a.to_file(&a.result(&m1)).unwrap();
        let mut m2 = m1.clone();
        m2.started_at += 3.0;
        let f2 = a.to_file(&a.result(&m2)).unwrap();
        let (r, _) = merge(&[f1, f2]).unwrap();
        assert_eq!(r.duration_s, 5.0);
        assert_eq!(r.timeline.len(), 4);
        assert_eq!(r.timeline[3].requests, 1);
        assert_eq!(r.connections, 4);
    }
}
