//! Alertmanager's v2 API: alerts, alert groups and silences now; posting alerts (for tests and for
//! `srehub chaos` notifications).

use srehub_http::{Client, HttpOptions, Request, Url};
use srehub_model::metrics::{AmAlert, AmAlertGroup, Silence};

use crate::PromError;

#[derive(Debug, Clone)]
pub struct Alertmanager {
    client: Client,
    base: String,
}

impl Alertmanager {
    pub fn new(base: &str, opts: HttpOptions) -> Result<Alertmanager, PromError> {
        let client = Client::new("alertmanager", opts)?;
        client.url(base, "api/v2/alerts", &[])?;
        Ok(Alertmanager {
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

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, PromError> {
        let url = self.url(path)?;
        let resp = self.client.send(Request::get(url.clone())).await?;
        serde_json::from_slice(&resp.body).map_err(|e| PromError::Shape {
            url: srehub_http::redact(url.as_str()),
            reason: format!("not Alertmanager's v2 JSON: {e}"),
        })
    }

    /// Every alert Alertmanager holds (active, silenced and inhibited).
    pub async fn alerts(&self) -> Result<Vec<AmAlert>, PromError> {
        self.get("api/v2/alerts").await
    }

    /// Notification groups, as routed now.
    pub async fn groups(&self) -> Result<Vec<AmAlertGroup>, PromError> {
        self.get("api/v2/alerts/groups").await
    }

    pub async fn silences(&self) -> Result<Vec<Silence>, PromError> {
        self.get("api/v2/silences").await
    }

    /// Posts alerts (`[{labels, annotations, startsAt, endsAt}]`).
    pub async fn post_alerts(&self, alerts: &serde_json::Value) -> Result<(), PromError> {
        let url = self.url("api/v2/alerts")?;
        let body = serde_json::to_vec(alerts).unwrap_or_default();
        self.client
            .send(Request::post(url, "application/json", body).retry(true))
            .await?;
        Ok(())
    }
}
