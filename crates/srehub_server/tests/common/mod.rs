//! Helpers of the hub's API tests: start a hub on 127.0.0.1, the demo cluster, a client, GET.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use serde_json::Value;
use srehub_http::{Auth, Client, HttpError, HttpOptions, Request};
use srehub_server::{AppState, ClusterConfig, ServeConfig};
use srehub_test_support::workspace_root;

pub struct Hub {
    pub url: String,
    pub state: Arc<AppState>,
    pub _stop: tokio::sync::oneshot::Sender<()>,
}

pub async fn start(cfg: ServeConfig) -> Hub {
    let state = AppState::new(cfg).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let s = state.clone();
    tokio::spawn(async move {
        srehub_server::serve(listener, s, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    Hub {
        url,
        state,
        _stop: tx,
    }
}

pub fn demo() -> ServeConfig {
    ServeConfig {
        clusters: vec![ClusterConfig::snapshot(
            "demo",
            vec![workspace_root().join("examples/demo-cluster")],
        )],
        ..ServeConfig::default()
    }
}

pub fn client() -> Client {
    Client::new(
        "test",
        HttpOptions {
            retries: 0,
            env_proxy: false,
            breaker_failures: 1000,
            max_concurrency: 256,
            ..HttpOptions::default()
        },
    )
    .unwrap()
}

pub async fn get(
    c: &Client,
    url: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest_headers::Headers, Value) {
    let mut req = Request::get(url.parse().unwrap());
    for (k, v) in headers {
        req = req.header(k, v);
    }
    match c.send(req).await {
        Ok(r) => (
            r.status.as_u16(),
            reqwest_headers::of(&r.headers),
            serde_json::from_slice(&r.body).unwrap_or(Value::Null),
        ),
        Err(HttpError::Status { status, body, .. }) => (
            status,
            Default::default(),
            serde_json::from_str(&body).unwrap_or(Value::Null),
        ),
        Err(e) => panic!("{e}"),
    }
}

pub mod reqwest_headers {
    pub type Headers = std::collections::BTreeMap<String, String>;
    pub fn of(h: &srehub_http::reqwest_header::HeaderMap) -> Headers {
        h.iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect()
    }
}

/// Serves `app` on a free 127.0.0.1 port (a fake downstream); its base URL.
pub async fn serve_router(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// [`start`], as the hub's base URL and the guard that keeps it running.
pub async fn start_url(cfg: ServeConfig) -> (String, Hub) {
    let hub = start(cfg).await;
    (hub.url.clone(), hub)
}

/// Sends a request; the status and the JSON body (`null` when it is not JSON).
pub async fn call(c: &Client, req: Request) -> (u16, Value) {
    match c.send(req).await {
        Ok(r) => (
            r.status.as_u16(),
            serde_json::from_slice(&r.body).unwrap_or(Value::Null),
        ),
        Err(HttpError::Status { status, body, .. }) => {
            (status, serde_json::from_str(&body).unwrap_or(Value::Null))
        }
        Err(e) => panic!("{e}"),
    }
}

pub async fn get_json(c: &Client, url: &str) -> (u16, Value) {
    call(c, Request::get(url.parse().unwrap())).await
}

/// Connector options of the hub under test: one quick retry, no proxy.
pub fn connector_http() -> HttpOptions {
    HttpOptions {
        retries: 1,
        backoff_base: std::time::Duration::from_millis(10),
        env_proxy: false,
        ..HttpOptions::default()
    }
}

/// `cfg` with `auth` as the credentials of `connector`.
pub fn with_credentials(mut cfg: ServeConfig, connector: &str, auth: Auth) -> ServeConfig {
    cfg.credentials.insert(connector.to_string(), auth);
    cfg
}
