//! The control API, compatible with toxiproxy's (v2): existing toxiproxy clients and test suites drive
//! srehub's proxy unchanged.
//!
//! `GET /version`, `GET|POST /proxies`, `POST /populate`, `GET|POST|DELETE /proxies/{proxy}`,
//! `GET|POST /proxies/{proxy}/toxics`, `GET|POST|DELETE /proxies/{proxy}/toxics/{toxic}`, `POST /reset`.
//! Errors are `{"error": "...", "status": N}`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::Error;
use crate::proxy::{Proxies, ProxySpec};
use crate::toxic::ToxicSpec;

/// The version reported at `/version`: toxiproxy's API version this one is compatible with.
pub const API_VERSION: &str = "2.12.0";

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = match &self {
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Listen(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (
            status,
            axum::Json(json!({"error": self.to_string(), "status": status.as_u16()})),
        )
            .into_response()
    }
}

type Shared = State<Arc<Proxies>>;

fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::BadRequest(format!("bad request body: {e}")))
}

async fn list(State(p): Shared) -> impl IntoResponse {
    axum::Json(p.list().await)
}

async fn create(State(p): Shared, raw: axum::body::Bytes) -> Result<Response, Error> {
    let spec: ProxySpec = body(&raw)?;
    let out = p.create(spec, false).await?;
    Ok((StatusCode::CREATED, axum::Json(out)).into_response())
}

async fn populate(State(p): Shared, raw: axum::body::Bytes) -> Result<Response, Error> {
    let specs: Vec<ProxySpec> = body(&raw)?;
    let mut out = Vec::with_capacity(specs.len());
    for s in specs {
        out.push(p.create(s, true).await?);
    }
    Ok((StatusCode::CREATED, axum::Json(json!({"proxies": out}))).into_response())
}

async fn show(State(p): Shared, Path(name): Path<String>) -> Result<Response, Error> {
    Ok(axum::Json(p.get(&name).await?.spec()).into_response())
}

async fn update(
    State(p): Shared,
    Path(name): Path<String>,
    raw: axum::body::Bytes,
) -> Result<Response, Error> {
    let patch: Value = body(&raw)?;
    let proxy = p.get(&name).await?;
    Ok(axum::Json(proxy.update(&patch).await?).into_response())
}

async fn delete(State(p): Shared, Path(name): Path<String>) -> Result<Response, Error> {
    p.delete(&name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn toxics(State(p): Shared, Path(name): Path<String>) -> Result<Response, Error> {
    let proxy = p.get(&name).await?;
    let list: Vec<ToxicSpec> = proxy.toxics().iter().map(|t| t.spec.clone()).collect();
    Ok(axum::Json(list).into_response())
}

async fn add_toxic(
    State(p): Shared,
    Path(name): Path<String>,
    raw: axum::body::Bytes,
) -> Result<Response, Error> {
    let spec: ToxicSpec = body(&raw)?;
    let proxy = p.get(&name).await?;
    Ok(axum::Json(proxy.add_toxic(spec)?).into_response())
}

async fn show_toxic(
    State(p): Shared,
    Path((name, toxic)): Path<(String, String)>,
) -> Result<Response, Error> {
    let proxy = p.get(&name).await?;
    let list = proxy.toxics();
    let t = list
        .iter()
        .find(|t| t.spec.name == toxic)
        .ok_or_else(|| Error::NotFound("toxic not found".into()))?;
    Ok(axum::Json(t.spec.clone()).into_response())
}

async fn update_toxic(
    State(p): Shared,
    Path((name, toxic)): Path<(String, String)>,
    raw: axum::body::Bytes,
) -> Result<Response, Error> {
    let patch: Value = body(&raw)?;
    let proxy = p.get(&name).await?;
    Ok(axum::Json(proxy.update_toxic(&toxic, patch)?).into_response())
}

async fn delete_toxic(
    State(p): Shared,
    Path((name, toxic)): Path<(String, String)>,
) -> Result<Response, Error> {
    p.get(&name).await?.remove_toxic(&toxic)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn reset(State(p): Shared) -> Result<Response, Error> {
    p.reset().await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The control API's router.
pub fn router(proxies: Arc<Proxies>) -> Router {
    Router::new()
        .route(
            "/version",
            get(|| async { axum::Json(json!({"version": API_VERSION})) }),
        )
        .route("/proxies", get(list).post(create))
        .route("/populate", post(populate))
        .route("/reset", post(reset))
        .route(
            "/proxies/{proxy}",
            get(show).post(update).patch(update).delete(delete),
        )
        .route("/proxies/{proxy}/toxics", get(toxics).post(add_toxic))
        .route(
            "/proxies/{proxy}/toxics/{toxic}",
            get(show_toxic)
                .post(update_toxic)
                .patch(update_toxic)
                .delete(delete_toxic),
        )
        .with_state(proxies)
}
