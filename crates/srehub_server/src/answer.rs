//! Answering from the cache: the envelope (data plus per-source outcomes), cache headers, ETags
//! and 304, rendered answers kept per variant, and the paged `items` lists shared by the routes.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::Query;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::AppState;
use crate::cache::{Entry, Loaded, SourceOutcome, Status};
use crate::error::AppError;
use crate::routes::{limit_of, registry_error};
use crate::select::page;

/// Serves an entry: 304 when the client has it, else the envelope with cache headers.
pub(crate) fn answer(
    entry: &Entry,
    status: Status,
    headers: &HeaderMap,
    body: impl FnOnce(&Value) -> Result<Value, AppError>,
) -> Result<Response, AppError> {
    answer_memo(entry, status, headers, None, body)
}

/// [`answer`], keeping the rendered answer in the entry under `memo` (which must name everything the
/// body depends on: the request's parameters and the caller's key), so that the same request again
/// costs a copy, not a serialization.
pub(crate) fn answer_memo(
    entry: &Entry,
    status: Status,
    headers: &HeaderMap,
    memo: Option<&str>,
    body: impl FnOnce(&Value) -> Result<Value, AppError>,
) -> Result<Response, AppError> {
    let data = match &entry.value {
        Ok(v) => v,
        Err(e) => return Err(e.clone()),
    };
    let remaining = entry.ttl.saturating_sub(entry.fetched.elapsed()).as_secs();
    let stale = status == Status::Stale;
    // Each variant of an entry (page, fields, key) is its own representation with its own tag:
    // a client revalidating page 1 must not be told page 2 is unchanged.
    let etag = match memo {
        Some(m) => {
            let h = crate::cache::short_hash(m.as_bytes(), 4);
            format!("\"{}.{h}\"", entry.etag.trim_matches('"'))
        }
        None => entry.etag.clone(),
    };
    let hdrs = |r: &mut Response| {
        let h = r.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, v);
        }
        if let Ok(v) = HeaderValue::from_str(&format!("private, max-age={remaining}")) {
            h.insert(header::CACHE_CONTROL, v);
        }
        h.insert("x-cache", HeaderValue::from_static(status.as_str()));
        h.insert(
            header::VARY,
            HeaderValue::from_static("Authorization, X-API-Key"),
        );
    };
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        hdrs(&mut r);
        return Ok(r);
    }
    // The stale flag is part of the body.
    let memo = memo.map(|m| format!("{m}|{}", status.as_str()));
    let respond = |bytes: axum::body::Bytes| {
        let json = HeaderValue::from_static("application/json");
        let mut r = ([(header::CONTENT_TYPE, json)], bytes).into_response();
        hdrs(&mut r);
        r
    };
    if let Some(bytes) = memo.as_deref().and_then(|m| entry.rendered(m)) {
        return Ok(respond(bytes));
    }
    let mut v = body(data)?;
    let sources: Vec<Value> = entry
        .sources
        .iter()
        .map(|s| {
            let mut o = serde_json::to_value(s).unwrap_or(Value::Null);
            o["stale"] = Value::Bool(stale);
            o
        })
        .collect();
    v["sources"] = Value::Array(sources);
    let bytes = axum::body::Bytes::from(
        serde_json::to_vec(&v).map_err(|e| AppError::Internal(e.to_string()))?,
    );
    if let Some(m) = memo {
        entry.keep_rendered(m, bytes.clone());
    }
    Ok(respond(bytes))
}

/// Answers a route from the cache, loading it with one call to the `connector` on a miss; the
/// data is under `wrap` in the envelope (or is the envelope itself when `wrap` is empty).
pub(crate) async fn cached_call<T, F, Fut>(
    s: &Arc<AppState>,
    route: &'static str,
    key: String,
    connector: &'static str,
    headers: &HeaderMap,
    wrap: &'static str,
    call: F,
) -> Result<Response, AppError>
where
    T: serde::Serialize,
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, srehub_registry::RegistryError>> + Send + 'static,
{
    cached_call_in(s, route, key, connector, headers, wrap, None, call).await
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn cached_call_in<T, F, Fut>(
    s: &Arc<AppState>,
    route: &'static str,
    key: String,
    connector: &'static str,
    headers: &HeaderMap,
    wrap: &'static str,
    page: Option<&PageQuery>,
    call: F,
) -> Result<Response, AppError>
where
    T: serde::Serialize,
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, srehub_registry::RegistryError>> + Send + 'static,
{
    let metrics = s.metrics.clone();
    let (entry, st) = s
        .cache
        .get(route, key, s.config.ttl.registry, move || {
            let (call, metrics) = (call.clone(), metrics.clone());
            async move {
                let t = Instant::now();
                let r = call().await;
                metrics.downstream_call(connector, r.is_ok(), t.elapsed().as_secs_f64());
                Loaded {
                    sources: vec![SourceOutcome::timed(connector, t, &r)],
                    value: r.map_err(|e| registry_error(&e)).and_then(|v| {
                        serde_json::to_value(v).map_err(|e| AppError::Internal(e.to_string()))
                    }),
                }
            }
        })
        .await;
    match page {
        // A list: paged when asked, each page rendered once per cursor and limit.
        Some(q) => {
            let version = crate::select::list_version(&entry.etag);
            let memo = format!("{:?}", (&q.limit, &q.cursor));
            answer_memo(&entry, st, headers, Some(&memo), |v| {
                items_page(v, q, &version)
            })
        }
        None => answer(&entry, st, headers, |v| {
            Ok(if wrap.is_empty() {
                v.clone()
            } else {
                json!({ wrap: v })
            })
        }),
    }
}

/// `limit` and `cursor` of a list route (other parameters are ignored, as these routes always did).
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub(crate) struct PageQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// The `items` of a list answer with `total`: the whole list when neither `limit` nor `cursor` is
/// given (as before paging existed), else one page and its `next_cursor`.
pub(crate) fn items_page(list: &Value, q: &PageQuery, version: &str) -> Result<Value, AppError> {
    let all: &[Value] = list.as_array().map_or(&[], Vec::as_slice);
    if q.limit.is_none() && q.cursor.is_none() {
        return Ok(json!({"items": all, "total": all.len()}));
    }
    let limit = limit_of(&q.limit)?;
    let (a, b, next) = page(all.len(), q.cursor.as_deref(), limit, version)?;
    Ok(json!({"items": &all[a..b], "total": all.len(), "next_cursor": next}))
}

/// [`cached_call`] for a list answered as `items`, paged by `limit` and `cursor`.
pub(crate) async fn cached_list<T, F, Fut>(
    s: &Arc<AppState>,
    route: &'static str,
    key: String,
    connector: &'static str,
    headers: &HeaderMap,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
    call: F,
) -> Result<Response, AppError>
where
    T: serde::Serialize,
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, srehub_registry::RegistryError>> + Send + 'static,
{
    let Query(q) = q.map_err(|e| AppError::bad("query", e.body_text()))?;
    cached_call_in(s, route, key, connector, headers, "items", Some(&q), call).await
}
