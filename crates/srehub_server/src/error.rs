//! One error shape for every failure: `{"error": {"code", "message", "request_id"}}`, with the status
//! the failure deserves (400 naming the parameter, 401/403, 404, 503 with `Retry-After` for an open
//! breaker, 504 for a downstream timeout, 502 for other downstream failures).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

tokio::task_local! {
    /// The request id of the request being served (set by the request-id middleware).
    pub static REQUEST_ID: String;
}

pub fn request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    #[error("parameter `{param}`: {message}")]
    BadRequest { param: String, message: String },
    #[error("an API key is required (Authorization: Bearer …)")]
    Unauthorized,
    #[error("this key lacks the scope `{0}`")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("this route does not take that method")]
    MethodNotAllowed,
    /// A page cursor of a list that has changed since (410, as Kubernetes answers an expired
    /// `continue` token).
    #[error("{0}")]
    CursorExpired(String),
    #[error("rate limit of key `{0}` exceeded")]
    RateLimited(String),
    #[error("{name}: circuit breaker open; retry in {retry_after_s} s")]
    BreakerOpen { name: String, retry_after_s: u64 },
    #[error("{0}")]
    Timeout(String),
    #[error("{0}")]
    Downstream(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    pub fn bad(param: &str, message: impl Into<String>) -> AppError {
        AppError::BadRequest {
            param: param.to_string(),
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::CursorExpired(_) => StatusCode::GONE,
            AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::BreakerOpen { .. } | AppError::Unavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            AppError::Downstream(_) => StatusCode::BAD_GATEWAY,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest { .. } => "bad_request",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::PayloadTooLarge(_) => "payload_too_large",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::CursorExpired(_) => "cursor_expired",
            AppError::RateLimited(_) => "rate_limited",
            AppError::BreakerOpen { .. } => "breaker_open",
            AppError::Timeout(_) => "downstream_timeout",
            AppError::Downstream(_) => "downstream_error",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// A downstream failure, classified.
    pub fn from_http(e: &srehub_http::HttpError) -> AppError {
        use srehub_http::HttpError as H;
        match e {
            H::Timeout { .. } => AppError::Timeout(e.to_string()),
            H::BreakerOpen { name, retry_after } => AppError::BreakerOpen {
                name: name.clone(),
                retry_after_s: retry_after.as_secs().max(1),
            },
            _ => AppError::Downstream(e.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = json!({"error": {
            "code": self.code(),
            "message": self.to_string(),
            "request_id": request_id(),
        }});
        let mut resp = (self.status(), axum::Json(body)).into_response();
        let retry = match &self {
            AppError::BreakerOpen { retry_after_s, .. } => Some(*retry_after_s),
            AppError::RateLimited(_) => Some(1),
            _ => None,
        };
        if let Some(r) = retry
            && let Ok(v) = HeaderValue::from_str(&r.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}
