//! Sources for Prometheus-compatible servers and Alertmanager: one client each over `srehub_http`
//! (timeouts, retries with backoff, circuit breaker), returning `srehub_model::metrics` models.
//!
//! Queries go as POST forms (long selectors do not hit URL limits). Raw samples over a long window are
//! read as range selectors (`ALERTS[6h]` evaluated at the end of each chunk), never with
//! `query_range`, which resamples: a chunk at a time so no answer is huge, chunks merged per series.

mod alertmanager;
mod api;

use std::collections::BTreeMap;
use std::time::Duration;

pub use alertmanager::Alertmanager;
use jiff::Timestamp;
use serde::Deserialize;
use srehub_http::{Client, HttpError, HttpOptions, Request, Url};
use srehub_model::metrics::{Labels, RuleGroup, Series};

/// Why a Prometheus call failed.
#[derive(Debug, thiserror::Error)]
pub enum PromError {
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The server answered with `status: error` (a bad query, a timeout inside Prometheus).
    #[error("{url}: {kind}: {message}")]
    Api {
        url: String,
        kind: String,
        message: String,
    },
    /// The answer was not the JSON the API documents.
    #[error("{url}: unexpected answer: {reason}")]
    Shape { url: String, reason: String },
}

impl PromError {
    /// Unreachable (connect, timeout, 5xx after retries, breaker) rather than a bad request.
    pub fn is_unreachable(&self) -> bool {
        match self {
            PromError::Http(e) => {
                !matches!(e, HttpError::Status { status, .. } if *status < 500)
                    && !matches!(e, HttpError::BadUrl { .. } | HttpError::Config { .. })
            }
            _ => false,
        }
    }
}

/// A Prometheus-compatible HTTP API.
#[derive(Debug, Clone)]
pub struct Prometheus {
    client: Client,
    base: String,
}

impl Prometheus {
    /// `base` is the server's URL (`http://prometheus:9090`, or a path prefix behind a proxy).
    pub fn new(base: &str, opts: HttpOptions) -> Result<Prometheus, PromError> {
        let client = Client::new("prometheus", opts)?;
        // Checked now, so a typo fails before any query.
        client.url(base, "api/v1/query", &[])?;
        Ok(Prometheus {
            client,
            base: base.to_string(),
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    fn url(&self, path: &str) -> Result<Url, PromError> {
        Ok(self.client.url(&self.base, path, &[])?)
    }

    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        form: &[(&str, String)],
    ) -> Result<T, PromError> {
        let url = self.url(path)?;
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        let req = Request::post(
            url.clone(),
            "application/x-www-form-urlencoded",
            body.into_bytes(),
        )
        .retry(true);
        let resp = match self.client.send(req).await {
            Ok(r) => r,
            // Prometheus answers 400/422 with its JSON error body: report its message.
            Err(HttpError::Status { status, body, .. }) if (400..500).contains(&status) => {
                return Err(api::error_of(url.as_str(), &body, status));
            }
            Err(e) => return Err(e.into()),
        };
        api::decode(url.as_str(), &resp.body)
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, PromError> {
        let url = self.url(path)?;
        let resp = self.client.send(Request::get(url.clone())).await?;
        api::decode(url.as_str(), &resp.body)
    }

    /// An instant query: the series of the result (a vector, or a matrix for a range selector).
    pub async fn query(&self, q: &str, at: Timestamp) -> Result<Vec<Series>, PromError> {
        let data: api::QueryData = self
            .post(
                "api/v1/query",
                &[("query", q.to_string()), ("time", secs(at))],
            )
            .await?;
        api::series_of(&self.url("api/v1/query")?, data)
    }

    /// A range query (resampled at `step`: for graphs and rates, not for raw samples).
    pub async fn query_range(
        &self,
        q: &str,
        start: Timestamp,
        end: Timestamp,
        step: Duration,
    ) -> Result<Vec<Series>, PromError> {
        let data: api::QueryData = self
            .post(
                "api/v1/query_range",
                &[
                    ("query", q.to_string()),
                    ("start", secs(start)),
                    ("end", secs(end)),
                    ("step", format!("{}", step.as_secs_f64())),
                ],
            )
            .await?;
        api::series_of(&self.url("api/v1/query_range")?, data)
    }

    /// The raw samples of `selector` between `start` and `end`, read `chunk` at a time (each chunk is
    /// `selector[chunk]` at the chunk's end) and merged per series, in time order, without
    /// duplicates at chunk edges. At most `concurrency` chunks are in flight.
    pub async fn raw_samples(
        &self,
        selector: &str,
        start: Timestamp,
        end: Timestamp,
        chunk: Duration,
        concurrency: usize,
    ) -> Result<Vec<Series>, PromError> {
        use futures::StreamExt as _;
        let chunk_ms = i64::try_from(chunk.as_millis())
            .unwrap_or(i64::MAX)
            .max(1000);
        let (s, e) = (start.as_millisecond(), end.as_millisecond());
        let mut ends = Vec::new();
        let mut t = s;
        while t < e {
            t = (t + chunk_ms).min(e);
            ends.push(t);
        }
        let results: Vec<Result<(i64, Vec<Series>), PromError>> = futures::stream::iter(ends)
            .map(|end_ms| async move {
                let len = (end_ms - s).min(chunk_ms);
                let q = format!("{selector}[{}ms]", len);
                let at = Timestamp::from_millisecond(end_ms).unwrap_or(Timestamp::UNIX_EPOCH);
                self.query(&q, at).await.map(|r| (end_ms - len, r))
            })
            .buffered(concurrency.max(1))
            .collect()
            .await;
        let mut merged: BTreeMap<Labels, Vec<(i64, f64)>> = BTreeMap::new();
        for r in results {
            let (chunk_start, series) = r?;
            for ser in series {
                let out = merged.entry(ser.labels).or_default();
                // A range selector includes its start: skip what the previous chunk ended with.
                out.extend(
                    ser.samples
                        .into_iter()
                        .filter(|(ts, _)| *ts > chunk_start || *ts == s),
                );
            }
        }
        Ok(merged
            .into_iter()
            .map(|(labels, mut samples)| {
                samples.sort_by_key(|p| p.0);
                samples.dedup_by_key(|p| p.0);
                Series { labels, samples }
            })
            .collect())
    }

    /// Rule groups (`/api/v1/rules`), with each alerting rule's current alerts.
    pub async fn rules(&self) -> Result<Vec<RuleGroup>, PromError> {
        #[derive(Deserialize)]
        struct Data {
            groups: Vec<RuleGroup>,
        }
        let d: Data = self.get("api/v1/rules").await?;
        Ok(d.groups)
    }

    /// Metric names that exist (`/api/v1/label/__name__/values`).
    pub async fn metric_names(&self) -> Result<Vec<String>, PromError> {
        self.get("api/v1/label/__name__/values").await
    }
}

fn secs(t: Timestamp) -> String {
    let ms = t.as_millisecond();
    format!("{}.{:03}", ms.div_euclid(1000), ms.rem_euclid(1000))
}
