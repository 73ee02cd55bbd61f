//! The JSON envelope of Prometheus' HTTP API (`{"status": "success", "data": …}`) and its results.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use srehub_model::metrics::{Labels, Series};

use crate::PromError;

#[derive(Deserialize)]
struct Envelope<T> {
    status: String,
    data: Option<T>,
    #[serde(rename = "errorType", default)]
    error_type: String,
    #[serde(default)]
    error: String,
}

pub(crate) fn decode<T: DeserializeOwned>(url: &str, body: &[u8]) -> Result<T, PromError> {
    let env: Envelope<T> = serde_json::from_slice(body).map_err(|e| PromError::Shape {
        url: srehub_http::redact(url),
        reason: format!(
            "not the Prometheus API's JSON ({e}); starts with `{}`",
            String::from_utf8_lossy(&body[..body.len().min(80)])
        ),
    })?;
    match (env.status.as_str(), env.data) {
        ("success", Some(d)) => Ok(d),
        ("success", None) => Err(PromError::Shape {
            url: srehub_http::redact(url),
            reason: "success without data".into(),
        }),
        _ => Err(PromError::Api {
            url: srehub_http::redact(url),
            kind: env.error_type,
            message: env.error,
        }),
    }
}

/// The error of a 4xx answer: Prometheus' own message when the body is its JSON.
pub(crate) fn error_of(url: &str, body: &str, status: u16) -> PromError {
    match serde_json::from_str::<Envelope<serde_json::Value>>(body) {
        Ok(env) if env.status == "error" => PromError::Api {
            url: srehub_http::redact(url),
            kind: env.error_type,
            message: env.error,
        },
        _ => PromError::Api {
            url: srehub_http::redact(url),
            kind: format!("HTTP {status}"),
            message: body.chars().take(300).collect(),
        },
    }
}

#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
pub(crate) enum QueryData {
    Vector(Vec<VectorItem>),
    Matrix(Vec<MatrixItem>),
    Scalar((f64, String)),
    String((f64, String)),
}

#[derive(Deserialize)]
pub(crate) struct VectorItem {
    metric: Labels,
    value: (f64, String),
}

#[derive(Deserialize)]
pub(crate) struct MatrixItem {
    metric: Labels,
    values: Vec<(f64, String)>,
}

fn sample(url: &srehub_http::Url, (t, v): (f64, String)) -> Result<(i64, f64), PromError> {
    let value = match v.as_str() {
        "NaN" => f64::NAN,
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        s => s.parse().map_err(|_| PromError::Shape {
            url: srehub_http::redact(url.as_str()),
            reason: format!("sample value `{s}` is not a number"),
        })?,
    };
    Ok(((t * 1000.0).round() as i64, value))
}

pub(crate) fn series_of(url: &srehub_http::Url, data: QueryData) -> Result<Vec<Series>, PromError> {
    match data {
        QueryData::Vector(items) => items
            .into_iter()
            .map(|i| {
                Ok(Series {
                    labels: i.metric,
                    samples: vec![sample(url, i.value)?],
                })
            })
            .collect(),
        QueryData::Matrix(items) => items
            .into_iter()
            .map(|i| {
                Ok(Series {
                    labels: i.metric,
                    samples: i
                        .values
                        .into_iter()
                        .map(|p| sample(url, p))
                        .collect::<Result<_, _>>()?,
                })
            })
            .collect(),
        QueryData::Scalar(p) | QueryData::String(p) => Ok(vec![Series {
            labels: Labels::new(),
            samples: vec![sample(url, p).unwrap_or((0, f64::NAN))],
        }]),
    }
}
