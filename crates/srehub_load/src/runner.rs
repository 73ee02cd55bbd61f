//! The run: one task per connection, paced by the plan's model.
//!
//! - **Closed model**: each connection sends its next request as soon as the previous one is answered;
//!   with stages, connections above the current target rest (and close).
//! - **Open model**: request `i` is due at the time the rate profile gives it; a free connection takes
//!   the next due request, waits for its time, and sends it. Latency is measured from the *due* time,
//!   so when the server stalls and every connection is busy, the requests that should have gone out
//!   meanwhile count their waiting time (the coordinated-omission correction of wrk2). The service
//!   time from the actual send is kept as well.
//!
//! When the run's time is up, requests still in flight are cancelled and reported as `unfinished`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Request, Uri, header};
use http_body_util::Full;
use srehub_model::load::{LoadModel, LoadResult};
use tokio::sync::watch;

use crate::client::{Conn, Dialer, Origin, exchange};
use crate::plan::{BodyPlan, LoadPlan, ModelPlan};
use crate::scenario::DataOrder;
use crate::stats::{Aggregate, ErrorKind, Outcome, RunMeta, Sample};

/// Samples a worker buffers before handing them to the aggregate, and the longest it keeps them.
const BATCH: usize = 64;
const BATCH_AGE: Duration = Duration::from_millis(200);
/// An open-model request sent this much after its due time was late: every connection was busy.
const LATE_AFTER: Duration = Duration::from_millis(5);

/// What a run shows while it runs: counters for a live view or `/metrics`, and the aggregate.
pub struct Live {
    pub started: Instant,
    pub requests: AtomicU64,
    /// Failed or 5xx.
    pub errors: AtomicU64,
    pub bytes_received: AtomicU64,
    pub in_flight: AtomicU64,
    pub unfinished: AtomicU64,
    pub aggregate: Mutex<Aggregate>,
    stop: watch::Sender<bool>,
}

impl Live {
    /// Live state for a plan; the run starts counting time when [`run`] is called.
    pub fn new(plan: &LoadPlan) -> Arc<Live> {
        let open = matches!(plan.model, ModelPlan::Open { .. });
        Arc::new(Live {
            started: Instant::now(),
            requests: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            bytes_received: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            unfinished: AtomicU64::new(0),
            aggregate: Mutex::new(Aggregate::new(
                open,
                plan.requests.iter().map(|r| r.name.clone()).collect(),
            )),
            stop: watch::channel(false).0,
        })
    }

    /// Ends the run early (Ctrl-C): no new requests; those in flight are cancelled.
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    fn stopped(&self) -> bool {
        *self.stop.borrow()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Aggregate> {
        self.aggregate.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Requests, failures, p50 and p99 (ms) of the last complete second.
    pub fn last_second(&self) -> Option<(u64, u64, f64, f64)> {
        let s = self.started.elapsed().as_secs().checked_sub(1)?;
        self.lock().second_summary(u32::try_from(s).ok()?)
    }
}

enum Next {
    Go { index: u64, due: Option<Instant> },
    Rest(Instant),
    Stop,
}

struct Pacer {
    start: Instant,
    deadline: Option<Instant>,
    max: Option<u64>,
    issued: AtomicU64,
}

impl Pacer {
    fn next(&self, plan: &LoadPlan, worker: u64) -> Next {
        let now = Instant::now();
        if self.deadline.is_some_and(|d| now >= d) {
            return Next::Stop;
        }
        match &plan.model {
            ModelPlan::Closed { connections } => {
                let target = connections.at((now - self.start).as_secs_f64()).round() as u64;
                if worker >= target {
                    let until = now + Duration::from_millis(20);
                    return Next::Rest(self.deadline.map_or(until, |d| until.min(d)));
                }
                let index = self.issued.fetch_add(1, Ordering::Relaxed);
                if self.max.is_some_and(|m| index >= m) {
                    return Next::Stop;
                }
                Next::Go { index, due: None }
            }
            ModelPlan::Open { rate, .. } => {
                let index = self.issued.fetch_add(1, Ordering::Relaxed);
                if self.max.is_some_and(|m| index >= m) {
                    return Next::Stop;
                }
                let Some(t) = rate.time_of(index) else {
                    return Next::Stop;
                };
                let due = self.start + Duration::from_secs_f64(t);
                if self.deadline.is_some_and(|d| due >= d) {
                    return Next::Stop;
                }
                Next::Go {
                    index,
                    due: Some(due),
                }
            }
        }
    }
}

/// Runs the plan to its end (duration, request count, or [`Live::stop`]).
pub async fn run(plan: Arc<LoadPlan>, live: Arc<Live>) -> (LoadResult, Aggregate) {
    let start = Instant::now();
    let started_at = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
    let pacer = Arc::new(Pacer {
        start,
        deadline: plan.duration.map(|d| start + d),
        max: plan.max_requests,
        issued: AtomicU64::new(0),
    });
    let dialer = Arc::new(Dialer::new(
        plan.http2,
        plan.insecure,
        plan.connect_to.clone(),
    ));
    let workers = plan.max_connections().max(1);
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..workers {
        let (plan, live, pacer, dialer) =
            (plan.clone(), live.clone(), pacer.clone(), dialer.clone());
        tasks.spawn(async move { worker(w, &plan, &live, &pacer, &dialer).await });
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = start.elapsed().as_secs_f64();
    let (model, rate) = match &plan.model {
        ModelPlan::Closed { .. } => (LoadModel::Closed, None),
        ModelPlan::Open { rate, .. } => (LoadModel::Open, Some(rate.peak())),
    };
    let meta = RunMeta {
        target: plan.target.clone(),
        model,
        connections: workers,
        rate,
        started_at,
        duration_s: elapsed,
        unfinished: live.unfinished.load(Ordering::Relaxed),
        workers: 1,
    };
    let agg = live.lock().clone();
    let mut result = agg.result(&meta);
    result.thresholds = plan.thresholds.iter().map(|t| t.judge(&result)).collect();
    (result, agg)
}

struct Buffer {
    samples: Vec<Sample>,
    since: Instant,
}

impl Buffer {
    fn push(&mut self, s: Sample, live: &Live) {
        if self.samples.is_empty() {
            self.since = Instant::now();
        }
        self.samples.push(s);
        if self.samples.len() >= BATCH || self.since.elapsed() >= BATCH_AGE {
            self.flush(live);
        }
    }

    /// Hands the samples to the aggregate, and counts them in the live counters (once per batch, not
    /// per request: the counters are shared by every worker thread).
    fn flush(&mut self, live: &Live) {
        if self.samples.is_empty() {
            return;
        }
        let (mut errors, mut bytes) = (0, 0);
        for s in &self.samples {
            errors += u64::from(match s.outcome {
                Outcome::Status(code) => code >= 500,
                Outcome::Error(_) => true,
            });
            bytes += s.bytes_received;
        }
        live.requests
            .fetch_add(self.samples.len() as u64, Ordering::Relaxed);
        live.errors.fetch_add(errors, Ordering::Relaxed);
        live.bytes_received.fetch_add(bytes, Ordering::Relaxed);
        live.lock().absorb(&self.samples);
        self.samples.clear();
    }
}

async fn worker(id: u64, plan: &LoadPlan, live: &Live, pacer: &Pacer, dialer: &Dialer) {
    let mut stop = live.stop.subscribe();
    let mut conns: Vec<(Origin, Conn)> = Vec::new();
    let mut buf = Buffer {
        samples: Vec::with_capacity(BATCH),
        since: Instant::now(),
    };
    loop {
        if live.stopped() {
            break;
        }
        // A worker that waits long between requests (a low rate, a resting connection) still hands
        // its samples over in time for the live view and /metrics.
        if !buf.samples.is_empty() && buf.since.elapsed() >= BATCH_AGE {
            buf.flush(live);
        }
        let (index, due) = match pacer.next(plan, id) {
            Next::Stop => break,
            Next::Rest(until) => {
                conns.clear();
                tokio::select! {
                    _ = tokio::time::sleep_until(until.into()) => {}
                    _ = stop.wait_for(|s| *s) => break,
                }
                continue;
            }
            Next::Go { index, due } => (index, due),
        };
        // A request whose due time is still ahead is sent on time: any wake-up lag of the timer is
        // the client's, not the server's, so its latency counts from the actual send. One picked up
        // after its due time waited for a busy connection: its latency counts from the due time.
        let on_time = due.is_none_or(|d| d > Instant::now());
        if let Some(due) = due
            && on_time
        {
            tokio::select! {
                _ = tokio::time::sleep_until(due.into()) => {}
                _ = stop.wait_for(|s| *s) => break,
            }
        }
        let sent = Instant::now();
        let late = !on_time && due.is_some_and(|d| sent > d + LATE_AFTER);
        let request = usize::from(plan.cycle[(index % plan.cycle.len() as u64) as usize]);
        let req_deadline = sent + plan.timeout;
        let run_deadline = pacer.deadline;
        let limit = run_deadline.map_or(req_deadline, |d| d.min(req_deadline));
        live.in_flight.fetch_add(1, Ordering::Relaxed);
        let fut = one_request(plan, dialer, &mut conns, request, index);
        let outcome = tokio::select! {
            r = tokio::time::timeout_at(limit.into(), fut) => Some(r),
            _ = stop.wait_for(|s| *s) => None,
        };
        live.in_flight.fetch_sub(1, Ordering::Relaxed);
        let (outcome, received, sent_bytes) = match outcome {
            None => {
                live.unfinished.fetch_add(1, Ordering::Relaxed);
                break;
            }
            Some(Err(_))
                if run_deadline.is_some_and(|d| Instant::now() >= d && d < req_deadline) =>
            {
                // The run's time ran out, not the request's.
                live.unfinished.fetch_add(1, Ordering::Relaxed);
                break;
            }
            Some(Err(_)) => {
                conns.clear();
                (Outcome::Error(ErrorKind::Timeout), 0, 0)
            }
            Some(Ok(Err((kind, sent_bytes)))) => (Outcome::Error(kind), 0, sent_bytes),
            Some(Ok(Ok((status, received, sent_bytes)))) => {
                (Outcome::Status(status), received, sent_bytes)
            }
        };
        if matches!(outcome, Outcome::Error(_)) {
            conns.clear();
        }
        let end = Instant::now();
        let from = if on_time { sent } else { due.unwrap_or(sent) };
        buf.push(
            Sample {
                second: u32::try_from((end - pacer.start).as_secs()).unwrap_or(u32::MAX),
                request: request as u16,
                outcome,
                corrected_us: micros(end.saturating_duration_since(from)),
                uncorrected_us: micros(end - sent),
                bytes_received: received,
                bytes_sent: sent_bytes,
                late,
            },
            live,
        );
    }
    buf.flush(live);
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

type Exchange = Result<(u16, u64, u64), (ErrorKind, u64)>;

/// Sends request `index` of the run, following redirects; returns the final status, bytes received
/// and bytes sent.
async fn one_request(
    plan: &LoadPlan,
    dialer: &Dialer,
    conns: &mut Vec<(Origin, Conn)>,
    request: usize,
    index: u64,
) -> Exchange {
    let rp = &plan.requests[request];
    let row = plan.data.as_ref().map(|d| {
        let i = match d.order {
            DataOrder::Sequential => (index % d.rows.len() as u64) as usize,
            DataOrder::Random => fastrand::usize(..d.rows.len()),
        };
        d.rows[i].as_slice()
    });
    let mut uri = match &rp.fixed_uri {
        Some(u) => u.clone(),
        None => match rp.url.render(row).parse::<Uri>() {
            Ok(u) => u,
            Err(_) => return Err((ErrorKind::Other, 0)),
        },
    };
    let mut method = rp.method.clone();
    let mut body = match &rp.body {
        BodyPlan::Fixed(b) => b.clone(),
        BodyPlan::Template(t) => Bytes::from(t.render(row).into_owned()),
    };
    let mut sent_total = 0u64;
    let mut received_total = 0u64;
    let mut hops = 0;
    // Credentials are not sent on to another origin after a redirect.
    let mut foreign = false;
    let start_origin = rp.origin.clone().or_else(|| Origin::of(&uri));
    loop {
        // The first hop to a fixed URL uses what the plan prepared; redirects work it out.
        let first = hops == 0 && rp.origin.is_some();
        let computed;
        let origin: &Origin = match &rp.origin {
            Some(o) if first => o,
            _ => match Origin::of(&uri) {
                Some(o) => {
                    computed = o;
                    &computed
                }
                None => return Err((ErrorKind::Other, sent_total)),
            },
        };
        let mut slot = conns
            .iter()
            .position(|(o, c)| o == origin && !c.is_closed());
        // A kept-alive connection the server is closing fails `ready`: dial once more rather than
        // count a request that was never sent.
        if let Some(i) = slot
            && crate::client::ready(&mut conns[i].1).await.is_err()
        {
            conns.remove(i);
            slot = None;
        }
        let slot = match slot {
            Some(i) => i,
            None => {
                conns.retain(|(o, _)| o != origin);
                let mut c = dialer.connect(origin).await.map_err(|k| (k, sent_total))?;
                crate::client::ready(&mut c)
                    .await
                    .map_err(|k| (k, sent_total))?;
                conns.push((origin.clone(), c));
                conns.len() - 1
            }
        };
        let h2 = matches!(conns[slot].1, Conn::H2(_));
        let mut builder = Request::builder().method(method.clone());
        builder = if h2 {
            builder.uri(uri.clone())
        } else {
            builder.uri(
                uri.path_and_query()
                    .map_or("/", http::uri::PathAndQuery::as_str),
            )
        };
        let mut req = match builder.body(Full::new(body.clone())) {
            Ok(r) => r,
            Err(_) => return Err((ErrorKind::Other, sent_total)),
        };
        let mut headers = rp.fixed_headers.clone();
        if !h2 && !headers.contains_key(header::HOST) {
            let host = if first {
                rp.host.clone()
            } else {
                crate::plan::host_value(&uri)
            };
            if let Some(v) = host {
                headers.insert(header::HOST, v);
            }
        }
        for (name, value) in &rp.headers {
            if let Ok(v) = HeaderValue::from_str(&value.render(row)) {
                headers.insert(name.clone(), v);
            }
        }
        if foreign {
            headers.remove(header::AUTHORIZATION);
            headers.remove(header::COOKIE);
            headers.remove(header::PROXY_AUTHORIZATION);
        }
        if !plan.keepalive && !h2 {
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        *req.headers_mut() = headers;
        sent_total += wire_size(&req);
        let answer = exchange(&mut conns[slot].1, req)
            .await
            .map_err(|k| (k, sent_total))?;
        received_total += answer.body_bytes;
        if !plan.keepalive {
            conns.remove(slot);
        }
        let redirect = matches!(answer.status, 301 | 302 | 303 | 307 | 308);
        match answer.location {
            Some(loc) if redirect && hops < plan.redirects => {
                hops += 1;
                uri = match resolve(&uri, &loc) {
                    Some(u) => u,
                    None => return Err((ErrorKind::BadResponse, sent_total)),
                };
                foreign |= Origin::of(&uri) != start_origin;
                if answer.status == 303
                    || (matches!(answer.status, 301 | 302) && method == http::Method::POST)
                {
                    method = http::Method::GET;
                    body = Bytes::new();
                }
            }
            _ => return Ok((answer.status, received_total, sent_total)),
        }
    }
}

/// The request's size in HTTP/1.1 framing: request line, headers and body.
fn wire_size(req: &Request<Full<Bytes>>) -> u64 {
    use hyper::body::Body as _;
    let line = req.method().as_str().len()
        + req.uri().path_and_query().map_or(1, |p| p.as_str().len())
        + " HTTP/1.1\r\n".len()
        + 1;
    let headers: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + 2 + v.len() + 2)
        .sum();
    let body = req.body().size_hint().exact().unwrap_or(0);
    (line + headers + 2) as u64 + body
}

/// A `Location` relative to the URI it answered.
fn resolve(base: &Uri, location: &str) -> Option<Uri> {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.parse().ok();
    }
    let mut parts = base.clone().into_parts();
    let path = if location.starts_with('/') {
        location.to_string()
    } else {
        let dir = base.path().rsplit_once('/').map_or("", |(d, _)| d);
        format!("{dir}/{location}")
    };
    parts.path_and_query = Some(path.parse().ok()?);
    Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve_against_the_request() {
        let base: Uri = "http://a:1/x/y?q=1".parse().unwrap();
        assert_eq!(resolve(&base, "/z").unwrap().to_string(), "http://a:1/z");
        assert_eq!(resolve(&base, "w").unwrap().to_string(), "http://a:1/x/w");
        assert_eq!(
            resolve(&base, "https://b/").unwrap().to_string(),
            "https://b/"
        );
    }
}
