//! Errors of downstream calls, each naming the downstream and the URL.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{name}: {reason}")]
    Config { name: String, reason: String },
    #[error("`{url}`: not a usable URL: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("{name}: cannot connect to {url}: {reason}")]
    Connect {
        name: String,
        url: String,
        reason: String,
    },
    #[error("{name}: TLS handshake with {url} failed: {reason}")]
    Tls {
        name: String,
        url: String,
        reason: String,
    },
    #[error("{name}: {url} did not answer in time")]
    Timeout { name: String, url: String },
    #[error("{name}: {url} answered {status}{}", if body.is_empty() { String::new() } else { format!(": {body}") })]
    Status {
        name: String,
        url: String,
        status: u16,
        body: String,
        /// The `WWW-Authenticate` header of a 401 (a registry's token challenge).
        challenge: Option<String>,
    },
    #[error("{name}: request to {url} failed: {reason}")]
    Request {
        name: String,
        url: String,
        reason: String,
    },
    #[error("{url}: unexpected response: {reason}")]
    Decode { url: String, reason: String },
    #[error("{name}: circuit breaker open after repeated failures; retry in {}s", retry_after.as_secs().max(1))]
    BreakerOpen { name: String, retry_after: Duration },
}

impl HttpError {
    /// A short label for metrics and JSON (`connect`, `tls`, `timeout`, `status`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            HttpError::Config { .. } => "config",
            HttpError::BadUrl { .. } => "bad_url",
            HttpError::Connect { .. } => "connect",
            HttpError::Tls { .. } => "tls",
            HttpError::Timeout { .. } => "timeout",
            HttpError::Status { .. } => "status",
            HttpError::Request { .. } => "request",
            HttpError::Decode { .. } => "decode",
            HttpError::BreakerOpen { .. } => "breaker_open",
        }
    }

    /// The HTTP status the downstream answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Worth another attempt: the downstream was unreachable, slow or overloaded.
    pub fn is_retryable(&self) -> bool {
        match self {
            HttpError::Connect { .. } | HttpError::Timeout { .. } | HttpError::Request { .. } => {
                true
            }
            HttpError::Status { status, .. } => matches!(status, 408 | 429 | 500 | 502 | 503 | 504),
            _ => false,
        }
    }

    /// Whether this outcome says the downstream is unhealthy (a 404 or 401 does not).
    pub(crate) fn counts_against_breaker(&self) -> bool {
        match self {
            HttpError::Status { status, .. } => *status >= 500 || matches!(status, 408 | 429),
            HttpError::Decode { .. } | HttpError::Config { .. } | HttpError::BadUrl { .. } => false,
            _ => true,
        }
    }

    pub(crate) fn from_reqwest(name: &str, url: &str, e: &reqwest::Error) -> HttpError {
        let mut reason = chain(e);
        // reqwest's messages end with ` for url (…)`: the URL as sent, secrets included.
        if let Some(u) = e.url() {
            reason = reason.replace(u.as_str(), &crate::redact(u.as_str()));
        }
        let (name, url) = (name.to_string(), url.to_string());
        if e.is_timeout() {
            HttpError::Timeout { name, url }
        } else if is_tls(e) {
            HttpError::Tls { name, url, reason }
        } else if e.is_connect() {
            HttpError::Connect { name, url, reason }
        } else {
            HttpError::Request { name, url, reason }
        }
    }
}

/// The error and its causes, deduplicated ("error sending request: connection refused").
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    parts.join(": ")
}

fn is_tls(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        cur = err.source();
    }
    false
}
