//! The fault-injection proxy: each proxy listens on an address and pipes every connection to its
//! upstream through the toxics in force, which can change while connections are open (each pipe looks
//! at the list again for every chunk, and at least every 50 ms while idle).

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::Error;
use crate::framer::{Framer, Piece};
use crate::toxic::{Stream, Toxic, ToxicSpec};

/// A proxy as the API reads and writes it (toxiproxy's shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProxySpec {
    pub name: String,
    /// `127.0.0.1:0` picks a free port; the answer gives the address in use.
    #[serde(default)]
    pub listen: String,
    pub upstream: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub toxics: Vec<ToxicSpec>,
}

fn yes() -> bool {
    true
}

/// One toxic in force.
#[derive(Debug)]
pub struct ToxicEntry {
    pub id: u64,
    pub spec: ToxicSpec,
    pub toxic: Toxic,
}

struct Config {
    listen: String,
    upstream: String,
    enabled: bool,
    bound: Option<SocketAddr>,
}

/// A running proxy.
pub struct Proxy {
    pub name: String,
    config: Mutex<Config>,
    toxics: RwLock<Arc<Vec<Arc<ToxicEntry>>>>,
    /// Bumped to close the listener and every connection.
    generation: watch::Sender<u64>,
    /// The accept task of the listener in use, awaited on stop so its address is free again.
    acceptor: Mutex<Option<tokio::task::JoinHandle<()>>>,
    next_id: AtomicU64,
    /// Connections accepted (for status).
    pub connections: AtomicU64,
}

const TICK: Duration = Duration::from_millis(50);

impl Proxy {
    fn lock(&self) -> std::sync::MutexGuard<'_, Config> {
        self.config.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The toxics in force.
    pub fn toxics(&self) -> Arc<Vec<Arc<ToxicEntry>>> {
        self.toxics
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set_toxics(&self, list: Vec<Arc<ToxicEntry>>) {
        *self.toxics.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(list);
    }

    /// The API's view.
    pub fn spec(&self) -> ProxySpec {
        let c = self.lock();
        ProxySpec {
            name: self.name.clone(),
            listen: c.bound.map_or(c.listen.clone(), |a| a.to_string()),
            upstream: c.upstream.clone(),
            enabled: c.enabled,
            toxics: self.toxics().iter().map(|t| t.spec.clone()).collect(),
        }
    }

    /// Adds a toxic; its name must be new.
    pub fn add_toxic(&self, mut spec: ToxicSpec) -> Result<ToxicSpec, Error> {
        let toxic = spec.resolve()?;
        let mut list: Vec<Arc<ToxicEntry>> = self.toxics().iter().cloned().collect();
        if list.iter().any(|t| t.spec.name == spec.name) {
            return Err(Error::Conflict(format!(
                "toxic `{}` already exists",
                spec.name
            )));
        }
        list.push(Arc::new(ToxicEntry {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            spec: spec.clone(),
            toxic,
        }));
        self.set_toxics(list);
        Ok(spec)
    }

    /// Changes a toxic's attributes or toxicity (toxiproxy's update: given fields replace).
    pub fn update_toxic(&self, name: &str, patch: serde_json::Value) -> Result<ToxicSpec, Error> {
        let mut list: Vec<Arc<ToxicEntry>> = self.toxics().iter().cloned().collect();
        let Some(i) = list.iter().position(|t| t.spec.name == name) else {
            return Err(Error::NotFound("toxic not found".into()));
        };
        let mut spec = list[i].spec.clone();
        if let Some(t) = patch.get("toxicity").and_then(serde_json::Value::as_f64) {
            spec.toxicity = t;
        }
        if let Some(attrs) = patch.get("attributes").and_then(|a| a.as_object()) {
            for (k, v) in attrs {
                spec.attributes.insert(k.clone(), v.clone());
            }
        }
        let toxic = spec.resolve()?;
        list[i] = Arc::new(ToxicEntry {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            spec: spec.clone(),
            toxic,
        });
        self.set_toxics(list);
        Ok(spec)
    }

    /// Removes a toxic.
    pub fn remove_toxic(&self, name: &str) -> Result<(), Error> {
        let list: Vec<Arc<ToxicEntry>> = self.toxics().iter().cloned().collect();
        let before = list.len();
        let kept: Vec<_> = list.into_iter().filter(|t| t.spec.name != name).collect();
        if kept.len() == before {
            return Err(Error::NotFound("toxic not found".into()));
        }
        self.set_toxics(kept);
        Ok(())
    }

    /// Removes every toxic.
    pub fn clear_toxics(&self) {
        self.set_toxics(Vec::new());
    }

    /// Stops listening and closes every connection (the listener closes soon after).
    pub fn stop(&self) {
        self.generation.send_modify(|g| *g += 1);
        let mut c = self.lock();
        c.enabled = false;
    }

    /// Stops, and waits until the listener is closed, so its address can be bound again.
    pub async fn halt(&self) {
        self.stop();
        let task = self
            .acceptor
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(t) = task {
            let _ = t.await;
        }
    }

    /// Applies an update of listen address, upstream or enabled.
    pub async fn update(self: &Arc<Self>, patch: &serde_json::Value) -> Result<ProxySpec, Error> {
        let (listen, upstream, enabled) = {
            let c = self.lock();
            (
                patch
                    .get("listen")
                    .and_then(|v| v.as_str())
                    .map_or(c.listen.clone(), str::to_string),
                patch
                    .get("upstream")
                    .and_then(|v| v.as_str())
                    .map_or(c.upstream.clone(), str::to_string),
                patch
                    .get("enabled")
                    .and_then(serde_json::Value::as_bool)
                    .unwrap_or(c.enabled),
            )
        };
        let restart = {
            let c = self.lock();
            listen != c.listen || upstream != c.upstream || enabled != c.enabled
        };
        if restart {
            let keep_port = {
                let c = self.lock();
                listen == c.listen
            };
            self.halt().await;
            {
                let mut c = self.lock();
                if !keep_port {
                    c.bound = None;
                }
                c.listen = listen;
                c.upstream = upstream;
            }
            if enabled {
                self.start().await?;
            }
        }
        Ok(self.spec())
    }

    /// Creates a proxy and, when enabled, starts listening.
    pub async fn create(spec: ProxySpec) -> Result<Arc<Proxy>, Error> {
        if spec.name.is_empty() {
            return Err(Error::BadRequest("missing required field: name".into()));
        }
        if spec.upstream.is_empty() {
            return Err(Error::BadRequest("missing required field: upstream".into()));
        }
        let proxy = Arc::new(Proxy {
            name: spec.name.clone(),
            config: Mutex::new(Config {
                listen: if spec.listen.is_empty() {
                    "127.0.0.1:0".into()
                } else {
                    spec.listen.clone()
                },
                upstream: spec.upstream.clone(),
                enabled: false,
                bound: None,
            }),
            toxics: RwLock::new(Arc::new(Vec::new())),
            generation: watch::channel(0).0,
            acceptor: Mutex::new(None),
            next_id: AtomicU64::new(1),
            connections: AtomicU64::new(0),
        });
        for t in spec.toxics {
            proxy.add_toxic(t)?;
        }
        if spec.enabled {
            proxy.start().await?;
        }
        Ok(proxy)
    }

    /// Binds (the address it had, when restarted) and accepts connections.
    pub async fn start(self: &Arc<Self>) -> Result<(), Error> {
        let addr = {
            let c = self.lock();
            c.bound.map_or(c.listen.clone(), |a| a.to_string())
        };
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|e| Error::Listen(format!("{addr}: {e}")))?;
        let bound = listener
            .local_addr()
            .map_err(|e| Error::Listen(format!("{addr}: {e}")))?;
        {
            let mut c = self.lock();
            c.bound = Some(bound);
            c.enabled = true;
        }
        let mut gen_rx = self.generation.subscribe();
        gen_rx.mark_unchanged();
        let proxy = self.clone();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((client, _)) = accepted else {
                            // Out of file descriptors, say: do not spin.
                            tokio::time::sleep(TICK).await;
                            continue;
                        };
                        proxy.connections.fetch_add(1, Ordering::Relaxed);
                        let p = proxy.clone();
                        let kill = gen_rx.clone();
                        tokio::spawn(async move { connection(p, client, kill).await });
                    }
                    _ = gen_rx.changed() => break,
                }
            }
        });
        *self.acceptor.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
        Ok(())
    }
}

struct Link {
    client: tokio::sync::Mutex<Option<OwnedWriteHalf>>,
    upstream: tokio::sync::Mutex<Option<OwnedWriteHalf>>,
    end: watch::Sender<bool>,
}

impl Link {
    fn writer(&self, dir: Stream) -> &tokio::sync::Mutex<Option<OwnedWriteHalf>> {
        match dir {
            Stream::Upstream => &self.upstream,
            Stream::Downstream => &self.client,
        }
    }

    /// Closes both sides.
    async fn close(&self) {
        self.end.send_replace(true);
        for w in [&self.client, &self.upstream] {
            if let Some(mut w) = w.lock().await.take() {
                let _ = w.shutdown().await;
            }
        }
    }

    /// Resets the client's connection (TCP RST) and closes the upstream one.
    async fn reset(&self) {
        self.end.send_replace(true);
        if let Some(w) = self.client.lock().await.take() {
            let _ = w.as_ref().set_zero_linger();
            // Not `drop`: that would send a FIN first. The socket closes, with a RST, when its read
            // half goes too.
            w.forget();
        }
        if let Some(mut w) = self.upstream.lock().await.take() {
            let _ = w.shutdown().await;
        }
    }
}

async fn connection(proxy: Arc<Proxy>, client: TcpStream, kill: watch::Receiver<u64>) {
    let upstream_addr = proxy.lock().upstream.clone();
    let upstream = match tokio::time::timeout(
        Duration::from_secs(10),
        TcpStream::connect(&upstream_addr),
    )
    .await
    {
        Ok(Ok(s)) => s,
        _ => {
            tracing::debug!(proxy = %proxy.name, upstream = %upstream_addr, "upstream unreachable");
            return;
        }
    };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let (cr, cw) = client.into_split();
    let (ur, uw) = upstream.into_split();
    let link = Arc::new(Link {
        client: tokio::sync::Mutex::new(Some(cw)),
        upstream: tokio::sync::Mutex::new(Some(uw)),
        end: watch::channel(false).0,
    });
    let up = tokio::spawn(pipe(
        Stream::Upstream,
        cr,
        link.clone(),
        proxy.clone(),
        kill.clone(),
    ));
    let down = tokio::spawn(pipe(Stream::Downstream, ur, link.clone(), proxy, kill));
    let _ = up.await;
    let _ = down.await;
    link.close().await;
}

fn applies(t: &ToxicEntry, dir: Stream) -> bool {
    if t.toxic.is_http() {
        // Request-level faults act on the client's requests, whatever `stream` says.
        false
    } else {
        t.spec.stream == dir
    }
}

async fn pipe(
    dir: Stream,
    mut from: OwnedReadHalf,
    link: Arc<Link>,
    proxy: Arc<Proxy>,
    mut kill: watch::Receiver<u64>,
) {
    let mut end = link.end.subscribe();
    let mut rolled: HashMap<u64, bool> = HashMap::new();
    let mut since: HashMap<u64, Instant> = HashMap::new();
    let mut framer = Framer::default();
    let mut sent: u64 = 0;
    let mut buf = vec![0u8; 32 * 1024];
    // A request chosen to fail, waiting for the end of its head (at most a second), with the bytes of
    // that head held back: released unchanged if it turns out not to be HTTP/1.
    let mut faulting: Option<(Toxic, Instant, Vec<u8>)> = None;
    // One timer for the life of the pipe (not one per read): toxics are looked at again at least this
    // often while the connection is idle.
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if let Some((_, at, _)) = &faulting
            && at.elapsed() > Duration::from_secs(1)
            && let Some((_, _, held)) = faulting.take()
        {
            // No complete head within a second: not a request to fail; pass it on.
            let all = proxy.toxics();
            let active = in_force(&all, dir, &mut rolled);
            if !matches!(
                pass(&held, &active, &link, dir, &mut sent, &mut end, &mut kill).await,
                Passed::Open
            ) {
                link.close().await;
                return;
            }
        }
        let all = proxy.toxics();
        let active = in_force(&all, dir, &mut rolled);
        let now = Instant::now();
        // Faults that stop the data.
        if let Some((id, ms)) = active.iter().find_map(|t| match t.toxic {
            Toxic::ResetPeer { timeout_ms } => Some((t.id, timeout_ms)),
            _ => None,
        }) {
            let at = *since.entry(id).or_insert(now) + Duration::from_millis(ms);
            if now >= at {
                link.reset().await;
                return;
            }
        }
        let held = active.iter().find_map(|t| match t.toxic {
            Toxic::Timeout { timeout_ms } => Some((t.id, timeout_ms)),
            _ => None,
        });
        if let Some((id, ms)) = held {
            let at = *since.entry(id).or_insert(now) + Duration::from_millis(ms);
            if ms > 0 && now >= at {
                link.close().await;
                return;
            }
            // No data passes while it is in force.
            tokio::select! {
                _ = tokio::time::sleep(TICK) => continue,
                _ = end.changed() => return,
                _ = kill.changed() => { link.close().await; return; }
            }
        }
        let n = tokio::select! {
            r = from.read(&mut buf) => r.unwrap_or(0),
            _ = tick.tick() => continue,
            _ = end.changed() => return,
            _ = kill.changed() => { link.close().await; return; }
        };
        if n == 0 {
            if let Some(ms) = active.iter().find_map(|t| match t.toxic {
                Toxic::SlowClose { delay_ms } => Some(delay_ms),
                _ => None,
            }) {
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            link.close().await;
            return;
        }
        // The toxics may have changed while the read waited.
        let all = proxy.toxics();
        let active = in_force(&all, dir, &mut rolled);
        if dir == Stream::Downstream {
            match pass(
                &buf[..n],
                &active,
                &link,
                dir,
                &mut sent,
                &mut end,
                &mut kill,
            )
            .await
            {
                Passed::Open => continue,
                Passed::Ended => return,
                Passed::Close => {
                    link.close().await;
                    return;
                }
            }
        }
        // What to pass on from this chunk, in order: usually one range of `buf`, copied only when
        // held bytes of a request that was not HTTP after all come first.
        let mut range: Option<std::ops::Range<usize>> = None;
        let mut owned: Option<Vec<u8>> = None;
        for piece in framer.feed(&buf[..n]) {
            match piece {
                Piece::Start => {
                    faulting = decide(&all).map(|t| (t, Instant::now(), Vec::new()));
                }
                Piece::Forward(r) => match &mut faulting {
                    Some((_, _, held)) => held.extend_from_slice(&buf[r]),
                    None => match (&mut range, &mut owned) {
                        (_, Some(o)) => o.extend_from_slice(&buf[r]),
                        (Some(cur), None) if cur.end == r.start => cur.end = r.end,
                        (Some(cur), None) => {
                            let mut o = buf[cur.clone()].to_vec();
                            o.extend_from_slice(&buf[r]);
                            owned = Some(o);
                        }
                        (None, None) => range = Some(r),
                    },
                },
                Piece::HeadEnd => {
                    if let Some((fault, _, _)) = faulting.take() {
                        inject(&fault, &link).await;
                        if matches!(fault, Toxic::HttpError { .. }) {
                            // Read what the client still sends (its body) before closing, so it
                            // sees the answer rather than a reset.
                            let until = Instant::now() + Duration::from_secs(1);
                            while let Ok(Ok(k)) =
                                tokio::time::timeout_at(until.into(), from.read(&mut buf)).await
                            {
                                if k == 0 {
                                    break;
                                }
                            }
                        }
                        return;
                    }
                }
                Piece::NotHttp => {
                    if let Some((_, _, held)) = faulting.take() {
                        let mut o = owned
                            .take()
                            .or_else(|| range.take().map(|r| buf[r].to_vec()))
                            .unwrap_or_default();
                        o.extend_from_slice(&held);
                        owned = Some(o);
                    }
                }
            }
        }
        let bytes: &[u8] = match (&owned, &range) {
            (Some(o), _) => o,
            (None, Some(r)) => &buf[r.clone()],
            (None, None) => continue,
        };
        match pass(bytes, &active, &link, dir, &mut sent, &mut end, &mut kill).await {
            Passed::Open => {}
            Passed::Ended => return,
            Passed::Close => {
                link.close().await;
                return;
            }
        }
    }
}

enum Passed {
    Open,
    /// The connection ended meanwhile (the other side, or the proxy was stopped).
    Ended,
    /// The toxics closed it (a data limit) or the write failed.
    Close,
}

/// [`forward`], given up when the connection ends or the proxy stops while a toxic holds the data.
async fn pass(
    bytes: &[u8],
    active: &[&Arc<ToxicEntry>],
    link: &Link,
    dir: Stream,
    sent: &mut u64,
    end: &mut watch::Receiver<bool>,
    kill: &mut watch::Receiver<u64>,
) -> Passed {
    tokio::select! {
        r = forward(bytes, active, link, dir, sent) => match r {
            Ok(true) => Passed::Open,
            _ => Passed::Close,
        },
        _ = end.changed() => Passed::Ended,
        _ = kill.changed() => Passed::Close,
    }
}

/// Fails a request: answers it with the injected status, or resets the connection.
async fn inject(fault: &Toxic, link: &Link) {
    match fault {
        Toxic::HttpError { status, body } => {
            let resp = format!(
                "HTTP/1.1 {status} {}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\nx-srehub-chaos: http_error\r\n\r\n{body}",
                reason(*status),
                body.len()
            );
            if let Some(w) = link.client.lock().await.as_mut() {
                let _ = w.write_all(resp.as_bytes()).await;
                let _ = w.flush().await;
            }
            link.close().await;
        }
        _ => link.reset().await,
    }
}

/// The byte toxics acting on this direction of this connection (toxicity decided once per connection).
fn in_force<'a>(
    all: &'a [Arc<ToxicEntry>],
    dir: Stream,
    rolled: &mut HashMap<u64, bool>,
) -> Vec<&'a Arc<ToxicEntry>> {
    all.iter()
        .filter(|t| applies(t, dir))
        .filter(|t| {
            *rolled
                .entry(t.id)
                .or_insert_with(|| fastrand::f64() < t.spec.toxicity)
        })
        .collect()
}

/// Rolls each HTTP toxic's dice for one request: the first that hits decides.
fn decide(all: &[Arc<ToxicEntry>]) -> Option<Toxic> {
    all.iter()
        .filter(|t| t.toxic.is_http())
        .find(|t| fastrand::f64() < t.spec.toxicity)
        .map(|t| t.toxic.clone())
}

fn reason(status: u16) -> &'static str {
    match status {
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        429 => "Too Many Requests",
        _ => "Injected",
    }
}

/// Writes bytes through the byte toxics; `Ok(false)` when the connection must close (limit reached).
async fn forward(
    bytes: &[u8],
    active: &[&Arc<ToxicEntry>],
    link: &Link,
    dir: Stream,
    sent: &mut u64,
) -> Result<bool, ()> {
    let mut bytes = bytes;
    let mut keep_open = true;
    for t in active {
        match t.toxic {
            Toxic::Latency {
                latency_ms,
                jitter_ms,
            } => {
                let jitter = if jitter_ms > 0 {
                    fastrand::i64(-(jitter_ms as i64)..=jitter_ms as i64)
                } else {
                    0
                };
                let ms = (latency_ms as i64 + jitter).max(0) as u64;
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            Toxic::LimitData { bytes: limit } => {
                let left = limit.saturating_sub(*sent);
                if (bytes.len() as u64) >= left {
                    bytes = &bytes[..left as usize];
                    keep_open = false;
                }
            }
            _ => {}
        }
    }
    let slicer = active.iter().find_map(|t| match t.toxic {
        Toxic::Slicer {
            average_size,
            size_variation,
            delay_us,
        } => Some((average_size.max(1), size_variation, delay_us)),
        _ => None,
    });
    // As in toxiproxy, a rate of 0 is no limit.
    let rate = active.iter().find_map(|t| match t.toxic {
        Toxic::Bandwidth { rate_kb } if rate_kb > 0 => Some(rate_kb),
        _ => None,
    });
    let mut guard = link.writer(dir).lock().await;
    let Some(w) = guard.as_mut() else {
        return Err(());
    };
    let mut rest = bytes;
    while !rest.is_empty() {
        let mut size = match slicer {
            Some((avg, var, _)) => {
                let v = if var > 0 {
                    fastrand::i64(-(var as i64)..=var as i64)
                } else {
                    0
                };
                ((avg as i64 + v).max(1) as usize).min(rest.len())
            }
            None => rest.len(),
        };
        if let Some(kb) = rate {
            // At most a tenth of a second's worth at a time, each piece sent when its time has come.
            size = size.min(((kb * 100) as usize).max(1));
            tokio::time::sleep(Duration::from_secs_f64(size as f64 / (kb as f64 * 1000.0))).await;
        }
        let (piece, tail) = rest.split_at(size);
        w.write_all(piece).await.map_err(|_| ())?;
        *sent += piece.len() as u64;
        rest = tail;
        if let Some((_, _, delay)) = slicer
            && !rest.is_empty()
        {
            tokio::time::sleep(Duration::from_micros(delay)).await;
        }
    }
    Ok(keep_open)
}

/// Every proxy of a server, by name.
#[derive(Default)]
pub struct Proxies {
    map: tokio::sync::Mutex<BTreeMap<String, Arc<Proxy>>>,
}

impl Proxies {
    pub async fn list(&self) -> BTreeMap<String, ProxySpec> {
        self.map
            .lock()
            .await
            .iter()
            .map(|(k, p)| (k.clone(), p.spec()))
            .collect()
    }

    pub async fn get(&self, name: &str) -> Result<Arc<Proxy>, Error> {
        self.map
            .lock()
            .await
            .get(name)
            .cloned()
            .ok_or_else(|| Error::NotFound("proxy not found".into()))
    }

    /// Creates a proxy; `replace` (for `/populate`) replaces one of the same name.
    pub async fn create(&self, spec: ProxySpec, replace: bool) -> Result<ProxySpec, Error> {
        let mut map = self.map.lock().await;
        if let Some(old) = map.get(&spec.name) {
            if !replace {
                return Err(Error::Conflict("proxy already exists".into()));
            }
            old.halt().await;
            map.remove(&spec.name);
        }
        let p = Proxy::create(spec).await?;
        let out = p.spec();
        map.insert(p.name.clone(), p);
        Ok(out)
    }

    pub async fn delete(&self, name: &str) -> Result<(), Error> {
        let p = self
            .map
            .lock()
            .await
            .remove(name)
            .ok_or_else(|| Error::NotFound("proxy not found".into()))?;
        p.halt().await;
        Ok(())
    }

    /// Enables every proxy and removes every toxic (toxiproxy's `/reset`).
    pub async fn reset(&self) -> Result<(), Error> {
        let all: Vec<Arc<Proxy>> = self.map.lock().await.values().cloned().collect();
        for p in all {
            p.clear_toxics();
            if !p.spec().enabled {
                p.start().await?;
            }
        }
        Ok(())
    }

    /// Stops every proxy.
    pub async fn shutdown(&self) {
        for p in self.map.lock().await.values() {
            p.stop();
        }
    }
}
