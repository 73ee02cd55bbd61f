//! srehub's HTTP client for live sources and sinks (Prometheus, Alertmanager, Loki, registries).
//!
//! One [`Client`] per downstream: reqwest with rustls (the ring provider, as kube uses), a total and a
//! connect timeout, retries with exponential backoff and jitter (honouring `Retry-After`), a circuit
//! breaker, a concurrency cap, auth (basic or bearer), extra headers and TLS options. Errors say which
//! downstream and URL failed, and how ([`HttpError::kind`] for metrics).

mod breaker;
mod error;

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use breaker::{Breaker, BreakerState};
pub use error::HttpError;
pub use reqwest::header as reqwest_header;
pub use reqwest::{Method, StatusCode, Url};

tokio::task_local! {
    /// The W3C trace context of the work in progress (`00-<trace id>-<span id>-<flags>`): set by the
    /// hub around each request, sent on every downstream call made within it.
    pub static TRACEPARENT: String;
}

/// How a request authenticates.
#[derive(Clone, Default)]
pub enum Auth {
    #[default]
    None,
    Basic {
        user: String,
        password: String,
    },
    Bearer(String),
    /// A key sent in a header of its own (Artifactory's `X-JFrog-Art-Api`).
    ApiKey {
        header: String,
        key: String,
    },
}

impl std::fmt::Debug for Auth {
    // Never prints secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic { user, .. } => write!(f, "Basic({user}, ***)"),
            Auth::Bearer(_) => f.write_str("Bearer(***)"),
            Auth::ApiKey { header, .. } => write!(f, "ApiKey({header}: ***)"),
        }
    }
}

/// Settings of one downstream client.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Whole request, from connect to the last byte of the body.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Retries after the first attempt (connect errors, timeouts, 408, 429, 5xx).
    pub retries: u32,
    /// First backoff; it doubles per retry up to `backoff_max`, with jitter.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Consecutive failed calls that open the breaker.
    pub breaker_failures: u32,
    /// How long an open breaker refuses calls before letting one probe through.
    pub breaker_open_for: Duration,
    /// Requests in flight at most.
    pub max_concurrency: usize,
    /// Largest response body accepted.
    pub max_body: usize,
    pub auth: Auth,
    pub headers: Vec<(String, String)>,
    /// Skip certificate verification (self-signed test servers only).
    pub insecure: bool,
    /// Extra trusted CA certificates (PEM bundle), added to the platform's.
    pub ca_pem: Option<Vec<u8>>,
    /// Use `HTTP(S)_PROXY`/`NO_PROXY` from the environment.
    pub env_proxy: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            retries: 3,
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(10),
            breaker_failures: 5,
            breaker_open_for: Duration::from_secs(30),
            max_concurrency: 16,
            max_body: 256 << 20,
            auth: Auth::None,
            headers: Vec::new(),
            insecure: false,
            ca_pem: None,
            env_proxy: true,
        }
    }
}

/// A response read in full.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
    /// Attempts made (1 when the first one answered).
    pub attempts: u32,
    pub latency: Duration,
}

impl HttpResponse {
    /// The body as JSON of type `T`; the error names the URL, line and column.
    pub fn json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, HttpError> {
        serde_json::from_slice(&self.body).map_err(|e| HttpError::Decode {
            url: url.to_string(),
            reason: format!("line {} column {}: {e}", e.line(), e.column()),
        })
    }
}

/// One request to send (rebuilt for every attempt).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// Whether a failed attempt may be repeated. GETs are; a POST only when the receiver deduplicates
    /// (Loki does for identical entries).
    pub retry: bool,
    /// Authentication for this request instead of the client's (a registry's bearer token).
    pub auth: Option<Auth>,
}

impl Request {
    pub fn get(url: Url) -> Request {
        Request {
            method: Method::GET,
            url,
            headers: Vec::new(),
            body: None,
            retry: true,
            auth: None,
        }
    }

    pub fn post(url: Url, content_type: &str, body: Vec<u8>) -> Request {
        Request {
            method: Method::POST,
            url,
            headers: vec![("content-type".into(), content_type.into())],
            body: Some(body),
            retry: false,
            auth: None,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Authenticates this request with `auth` instead of the client's credentials.
    pub fn auth(mut self, auth: Auth) -> Request {
        self.auth = Some(auth);
        self
    }

    pub fn retry(mut self, retry: bool) -> Request {
        self.retry = retry;
        self
    }
}

/// A client for one downstream. Cheap to clone (shares the pool, breaker and concurrency cap).
#[derive(Clone, Debug)]
pub struct Client {
    name: Arc<str>,
    http: reqwest::Client,
    opts: Arc<HttpOptions>,
    breaker: Arc<Breaker>,
    limit: Arc<tokio::sync::Semaphore>,
    last: Arc<std::sync::Mutex<LastCall>>,
}

/// How the latest call of a client ended, for health pages.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct LastCall {
    /// Whether it succeeded (`None` before the first call).
    pub ok: Option<bool>,
    pub latency_ms: Option<u64>,
    /// Seconds since the Unix epoch.
    pub at: Option<u64>,
    /// The error of the latest failed call (kept after later successes).
    pub last_error: Option<String>,
    pub last_error_at: Option<u64>,
}

impl Client {
    /// A client named `name` (used in errors, logs and metrics).
    pub fn new(name: &str, opts: HttpOptions) -> Result<Client, HttpError> {
        // reqwest is built without a default crypto provider; use ring, as kube does. Installing
        // twice is harmless (the first one wins).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = |reason: String| HttpError::Config {
            name: name.to_string(),
            reason,
        };
        let mut headers = reqwest::header::HeaderMap::new();
        for (k, v) in &opts.headers {
            let k = reqwest::header::HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| config(format!("header name `{k}`: {e}")))?;
            let v = reqwest::header::HeaderValue::from_str(v)
                .map_err(|e| config(format!("header `{k}`: {e}")))?;
            headers.append(k, v);
        }
        let mut b = reqwest::Client::builder()
            .user_agent(concat!("srehub/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .timeout(opts.timeout)
            .connect_timeout(opts.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .tls_danger_accept_invalid_certs(opts.insecure);
        if !opts.env_proxy {
            b = b.no_proxy();
        }
        if let Some(pem) = &opts.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| config(format!("CA bundle: {e}")))?;
            if certs.is_empty() {
                return Err(config("CA bundle: no PEM certificate in it".into()));
            }
            b = b.tls_certs_merge(certs);
        }
        let http = b.build().map_err(|e| config(e.to_string()))?;
        Ok(Client {
            name: name.into(),
            breaker: Arc::new(Breaker::new(opts.breaker_failures, opts.breaker_open_for)),
            limit: Arc::new(tokio::sync::Semaphore::new(opts.max_concurrency.max(1))),
            last: Default::default(),
            http,
            opts: Arc::new(opts),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn options(&self) -> &HttpOptions {
        &self.opts
    }

    /// The breaker's state now (for status pages and metrics).
    pub fn breaker_state(&self) -> BreakerState {
        self.breaker.state(Instant::now())
    }

    /// How the latest call ended.
    pub fn last_call(&self) -> LastCall {
        self.last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn note(&self, started: Instant, error: Option<&HttpError>) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut l = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        l.ok = Some(error.is_none());
        l.latency_ms = Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
        l.at = Some(now);
        if let Some(e) = error {
            l.last_error = Some(e.to_string());
            l.last_error_at = Some(now);
        }
    }

    /// `base` joined with `path` and `query` (`base` may carry a path prefix, as behind a proxy).
    pub fn url(&self, base: &str, path: &str, query: &[(&str, &str)]) -> Result<Url, HttpError> {
        let mut url = Url::parse(base).map_err(|e| HttpError::BadUrl {
            url: redact(base),
            reason: e.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(HttpError::BadUrl {
                url: redact(base),
                reason: "only http and https URLs are supported".into(),
            });
        }
        let joined = format!(
            "{}/{}",
            url.path().trim_end_matches('/'),
            path.trim_start_matches('/')
        );
        url.set_path(&joined);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// GETs `url` and decodes the JSON body; non-2xx answers are errors.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, url: Url) -> Result<T, HttpError> {
        let shown = redact(url.as_str());
        let resp = self.send(Request::get(url)).await?;
        resp.json(&shown)
    }

    /// Sends `req` with retries, within the breaker and the concurrency cap. A 2xx answer is `Ok`; any
    /// other status ends as [`HttpError::Status`] (after retries when it is retryable).
    pub async fn send(&self, req: Request) -> Result<HttpResponse, HttpError> {
        let _permit = self.limit.acquire().await.map_err(|_| HttpError::Config {
            name: self.name.to_string(),
            reason: "client closed".into(),
        })?;
        let started = Instant::now();
        if let Err(retry_after) = self.breaker.allow(started) {
            return Err(HttpError::BreakerOpen {
                name: self.name.to_string(),
                retry_after,
            });
        }
        let attempts_max = if req.retry { self.opts.retries + 1 } else { 1 };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self.attempt(&req).await;
            let (retryable, retry_after) = match &outcome {
                Ok(_) => (false, None),
                Err((e, ra)) => (e.is_retryable(), *ra),
            };
            if !retryable || attempt >= attempts_max {
                return match outcome {
                    Ok((status, headers, body)) => {
                        self.breaker.record(true, Instant::now());
                        self.note(started, None);
                        Ok(HttpResponse {
                            status,
                            headers,
                            body,
                            attempts: attempt,
                            latency: started.elapsed(),
                        })
                    }
                    Err((e, _)) => {
                        // A 4xx other than 408/429 means the downstream answered: it is up.
                        self.breaker
                            .record(!e.counts_against_breaker(), Instant::now());
                        self.note(started, Some(&e));
                        Err(e)
                    }
                };
            }
            let delay = backoff(&self.opts, attempt, retry_after);
            tracing::debug!(
                downstream = %self.name,
                url = %redact(req.url.as_str()),
                attempt,
                delay_ms = delay.as_millis() as u64,
                "retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt; on failure also the server's `Retry-After`, when given.
    #[allow(clippy::type_complexity)]
    async fn attempt(
        &self,
        req: &Request,
    ) -> Result<(StatusCode, reqwest::header::HeaderMap, Vec<u8>), (HttpError, Option<Duration>)>
    {
        let url = redact(req.url.as_str());
        let mut b = self.http.request(req.method.clone(), req.url.clone());
        match req.auth.as_ref().unwrap_or(&self.opts.auth) {
            Auth::None => {}
            Auth::Basic { user, password } => b = b.basic_auth(user, Some(password)),
            Auth::Bearer(t) => b = b.bearer_auth(t),
            Auth::ApiKey { header, key } => {
                let mut v = reqwest::header::HeaderValue::from_str(key).map_err(|_| {
                    (
                        HttpError::Config {
                            name: self.name.to_string(),
                            reason: format!("the {header} key is not a valid header value"),
                        },
                        None,
                    )
                })?;
                v.set_sensitive(true);
                b = b.header(header.as_str(), v);
            }
        }
        for (k, v) in &req.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        if let Ok(tp) = TRACEPARENT.try_with(Clone::clone) {
            b = b.header("traceparent", tp);
        }
        if let Some(body) = &req.body {
            b = b.body(body.clone());
        }
        let mut resp = b
            .send()
            .await
            .map_err(|e| (HttpError::from_reqwest(&self.name, &url, &e), None))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        if let Some(len) = resp.content_length()
            && len > self.opts.max_body as u64
        {
            return Err((self.too_large(&url), None));
        }
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > self.opts.max_body {
                        return Err((self.too_large(&url), None));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err((HttpError::from_reqwest(&self.name, &url, &e), None)),
            }
        }
        if status.is_success() {
            return Ok((status, headers, body));
        }
        let retry_after = headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let snippet = String::from_utf8_lossy(&body[..body.len().min(512)]).into_owned();
        Err((
            HttpError::Status {
                name: self.name.to_string(),
                url,
                status: status.as_u16(),
                body: snippet.trim().to_string(),
                challenge: (status == StatusCode::UNAUTHORIZED)
                    .then(|| headers.get(reqwest::header::WWW_AUTHENTICATE))
                    .flatten()
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
            },
            retry_after,
        ))
    }

    fn too_large(&self, url: &str) -> HttpError {
        HttpError::Decode {
            url: url.to_string(),
            reason: format!(
                "response larger than {} bytes ({}: max_body)",
                self.opts.max_body, self.name
            ),
        }
    }
}

/// A URL as it may be shown (errors, logs, reports): without user name and password.
pub fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            let userinfo = !u.username().is_empty() || u.password().is_some();
            // Query parameters that carry secrets (presigned URLs' signatures, tokens, keys).
            let secret = |k: &str| {
                let k = k.to_ascii_lowercase();
                [
                    "sig",
                    "token",
                    "key",
                    "secret",
                    "password",
                    "credential",
                    "auth",
                ]
                .iter()
                .any(|w| k.contains(w))
            };
            let hide = u.query_pairs().any(|(k, _)| secret(&k));
            if !userinfo && !hide {
                return url.to_string();
            }
            let _ = u.set_username("");
            let _ = u.set_password(None);
            if hide {
                let pairs: Vec<(String, String)> = u
                    .query_pairs()
                    .map(|(k, v)| {
                        let v = if secret(&k) {
                            "redacted".into()
                        } else {
                            v.into_owned()
                        };
                        (k.into_owned(), v)
                    })
                    .collect();
                u.query_pairs_mut().clear().extend_pairs(pairs);
            }
            u.to_string()
        }
        // Not parseable: drop anything that looks like credentials before an `@`.
        Err(_) => match (url.find("://"), url.rfind('@')) {
            (Some(i), Some(j)) if j > i => format!("{}{}", &url[..i + 3], &url[j + 1..]),
            _ => url.to_string(),
        },
    }
}

/// Exponential backoff with equal jitter: half the step fixed, half random; a server's
/// `Retry-After` is honoured up to four times `backoff_max`.
fn backoff(opts: &HttpOptions, attempt: u32, retry_after: Option<Duration>) -> Duration {
    let step = opts
        .backoff_base
        .saturating_mul(1u32 << (attempt - 1).min(16))
        .min(opts.backoff_max);
    let half = step / 2;
    let jitter = half.mul_f64(fastrand::f64());
    let d = half + jitter;
    match retry_after {
        Some(ra) => d.max(ra.min(opts.backoff_max.saturating_mul(4))),
        None => d,
    }
}

#[cfg(test)]
mod tests;
