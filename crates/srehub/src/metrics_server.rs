//! The small HTTP server of `--metrics-addr`: `/metrics` (OpenMetrics text) and `/healthz`.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

async fn metrics() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        srehub_core::metrics::encode(),
    )
}

/// Serves until the process ends.
pub async fn serve(listener: tokio::net::TcpListener) {
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }));
    if let Err(e) = axum::serve(listener, app).await {
        tracing::error!("metrics server stopped: {e}");
    }
}
