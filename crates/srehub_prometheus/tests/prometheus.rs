//! Against a real Prometheus (Debian's package) with backfilled history, and a real Alertmanager.

#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::time::Duration;

use jiff::Timestamp;
use srehub_http::HttpOptions;
use srehub_prometheus::{Alertmanager, PromError, Prometheus};

fn opts() -> HttpOptions {
    HttpOptions {
        timeout: Duration::from_secs(10),
        retries: 1,
        backoff_base: Duration::from_millis(10),
        env_proxy: false,
        ..HttpOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_samples_are_read_in_chunks_and_merged_exactly() {
    // Two alert series sampled every minute for 6 hours ending an hour ago, one with a gap.
    let end = Timestamp::now().as_second() / 60 * 60 - 3600;
    let start = end - 6 * 3600;
    let mut om = String::from("# TYPE ALERTS gauge\n");
    let mut expected_b = 0;
    for t in (start..end).step_by(60) {
        writeln!(
            om,
            "ALERTS{{alertname=\"DiskFull\",alertstate=\"firing\",instance=\"a\"}} 1 {t}"
        )
        .unwrap();
        if (t - start) % 7200 < 3600 {
            writeln!(
                om,
                "ALERTS{{alertname=\"Flappy\",alertstate=\"firing\",instance=\"b\"}} 1 {t}"
            )
            .unwrap();
            expected_b += 1;
        }
    }
    let Some(server) = srehub_test_support::prom::prometheus(&om, &[], 15) else {
        return;
    };
    let prom = Prometheus::new(&server.url, opts()).unwrap();
    let from = Timestamp::from_second(start - 600).unwrap();
    let to = Timestamp::from_second(end + 600).unwrap();
    for chunk in [
        Duration::from_secs(1800),
        Duration::from_secs(4 * 3600),
        Duration::from_secs(86400),
    ] {
        let series = prom
            .raw_samples(r#"ALERTS{alertstate="firing"}"#, from, to, chunk, 4)
            .await
            .unwrap();
        assert_eq!(series.len(), 2, "{chunk:?}");
        let a = series
            .iter()
            .find(|s| s.labels["alertname"] == "DiskFull")
            .unwrap();
        assert_eq!(a.samples.len(), 360, "{chunk:?}");
        assert!(a.samples.windows(2).all(|w| w[1].0 - w[0].0 == 60_000));
        let b = series
            .iter()
            .find(|s| s.labels["alertname"] == "Flappy")
            .unwrap();
        assert_eq!(b.samples.len(), expected_b, "{chunk:?}");
    }
    // Prometheus' own error message comes through.
    let e = prom
        .query("sum(rate(ALERTS[5m]) by", Timestamp::now())
        .await
        .unwrap_err();
    assert!(matches!(e, PromError::Api { .. }), "{e}");
    assert!(e.to_string().contains("bad_data"), "{e}");
    assert!(!e.is_unreachable());
    assert!(
        prom.metric_names()
            .await
            .unwrap()
            .contains(&"ALERTS".to_string())
    );
    assert!(prom.rules().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_servers_and_foreign_answers_are_told_apart() {
    let port = srehub_test_support::free_port();
    let prom = Prometheus::new(&format!("http://127.0.0.1:{port}"), opts()).unwrap();
    let e = prom.query("up", Timestamp::now()).await.unwrap_err();
    assert!(e.is_unreachable(), "{e}");
    assert!(e.to_string().contains("prometheus: cannot connect"), "{e}");
    assert!(Prometheus::new("not a url", opts()).is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn alertmanager_alerts_and_silences() {
    let Some(am) = srehub_test_support::prom::alertmanager() else {
        return;
    };
    let client = Alertmanager::new(&am.url, opts()).unwrap();
    let now = Timestamp::now();
    client
        .post_alerts(&serde_json::json!([{
            "labels": {"alertname": "HighLatency", "service": "api", "severity": "page"},
            "annotations": {"summary": "p99 above 1s"},
            "startsAt": now.to_string(),
        }]))
        .await
        .unwrap();
    let mut alerts = Vec::new();
    for _ in 0..50 {
        alerts = client.alerts().await.unwrap();
        if !alerts.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].labels["alertname"], "HighLatency");
    assert_eq!(alerts[0].status.state, "active");
    assert!(client.silences().await.unwrap().is_empty());
}
