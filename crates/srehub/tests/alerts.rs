//! `srehub alerts analyze` against a real Prometheus (Debian's package) started with a week of
//! `ALERTS` history backfilled by promtool, and a real Alertmanager; bad answers come from a small
//! local server.

#![allow(clippy::unwrap_used)]

mod common;

use std::fmt::Write as _;

use common::srehub_in;
use serde_json::Value;

const RULES: &str = r#"groups:
  - name: app
    rules:
      - alert: HighLatency
        expr: histogram_quantile(0.99, rate(http_request_duration_seconds_bucket[5m])) > 1
        for: 1m
        labels: {severity: page}
        annotations: {runbook_url: "https://runbooks.example/high-latency"}
      - alert: DBDown
        expr: up{job="db"} == 0
        labels: {severity: page}
        annotations: {runbook_url: "https://runbooks.example/db-down"}
      - alert: APIErrors
        expr: sum(rate(http_requests_total{code=~"5.."}[5m])) > 1
        labels: {severity: page}
        annotations: {runbook_url: "https://runbooks.example/api-errors"}
      - alert: Flappy
        expr: rate(queue_depth[1m]) > 10
        labels: {severity: ticket}
      - alert: NeverFires
        expr: rate(legacy_jobs_failed_total[5m]) > 0
        labels: {severity: ticket}
        annotations: {runbook: "https://runbooks.example/legacy"}
"#;

/// A week of history ending two hours ago, at one-minute evaluations, and the day it starts (UTC).
fn history() -> (String, i64) {
    let now = jiff::Timestamp::now().as_second();
    let day0 = (now - 8 * 86_400) / 86_400 * 86_400;
    let mut om = String::from("# TYPE ALERTS gauge\n");
    let mut line = |name: &str, extra: &str, minute: i64| {
        writeln!(
            om,
            "ALERTS{{alertname=\"{name}\",alertstate=\"firing\"{extra}}} 1 {}",
            day0 + minute * 60
        )
        .unwrap();
    };
    for k in 0..33 {
        for m in 0..3 {
            line("HighLatency", ",service=\"api\"", k * 300 + m);
        }
    }
    for k in 0..30 {
        for m in 0..2 {
            line("Flappy", ",instance=\"q1\"", 2 * 1440 + k * 4 + m);
        }
    }
    for d in 0..7 {
        for m in 0..40 {
            line("DBDown", ",service=\"db\"", d * 1440 + 600 + m);
        }
        for m in 5..35 {
            line("APIErrors", ",service=\"api\"", d * 1440 + 600 + m);
        }
        for m in 0..20 {
            line("BackupSlow", "", d * 1440 + 120 + m);
        }
    }
    // HighLatency became active a minute before each of its firing episodes.
    om.push_str("# TYPE ALERTS_FOR_STATE gauge\n");
    for k in 0..33 {
        for m in 0..3 {
            writeln!(
                om,
                "ALERTS_FOR_STATE{{alertname=\"HighLatency\",service=\"api\"}} {} {}",
                day0 + (k * 300 - 1) * 60,
                day0 + (k * 300 + m) * 60
            )
            .unwrap();
        }
    }
    om.push_str("# TYPE http_requests_total counter\n");
    for m in 0..10 {
        writeln!(
            om,
            "http_requests_total{{code=\"200\"}} {} {}",
            m * 10,
            day0 + m * 60
        )
        .unwrap();
    }
    (om, day0)
}

fn codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["check"].as_str().unwrap(),
                f["resource"]["name"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

#[test]
fn a_week_of_alerts_is_explained() {
    let (om, _) = history();
    let Some(prom) = srehub_test_support::prom::prometheus(&om, &[("rules.yml", RULES)], 60) else {
        return;
    };
    let Some(am) = srehub_test_support::prom::alertmanager() else {
        return;
    };
    // One alert active in Alertmanager now.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = srehub_prometheus::Alertmanager::new(&am.url, Default::default()).unwrap();
        client
            .post_alerts(&serde_json::json!([{"labels": {"alertname": "DBDown", "service": "db"}}]))
            .await
            .unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let out = srehub_in(dir.path())
        .args([
            "alerts",
            "analyze",
            "--prometheus",
            &prom.url,
            "--alertmanager",
            &am.url,
        ])
        .args([
            "--save-history",
            "history.json",
            "-o",
            "json",
            "--fail-on",
            "warning",
        ])
        .env("NO_PROXY", "*")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}\n{}", prom.log());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = codes(&report);
    for expected in [
        "ALR001 HighLatency",
        "ALR002 Flappy",
        "ALR003 HighLatency",
        "ALR004 APIErrors",
        "ALR005 NeverFires",
        "ALR007 Flappy",
        "ALR008 BackupSlow",
        "ALR008 DBDown",
    ] {
        assert!(
            found.contains(&expected.to_string()),
            "{expected} not in {found:#?}"
        );
    }
    let f = |code: &str, name: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check"] == code && f["resource"]["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(
        f("ALR003", "HighLatency")["message"],
        "`HighLatency`: 33 of 33 episodes resolved by themselves within 10 min (its condition held a median of 1 min before firing)"
    );
    assert_eq!(
        f("ALR003", "HighLatency")["hint"],
        "for: 5m (now 1m) would have suppressed 33 of those 33; 0 other episode(s) would have fired 4 min later"
    );
    assert!(
        f("ALR005", "NeverFires")["message"]
            .as_str()
            .unwrap()
            .ends_with("cannot: `legacy_jobs_failed_total` does not exist")
    );
    assert_eq!(f("ALR005", "NeverFires")["severity"], "warning");
    assert!(
        f("ALR004", "APIErrors")["hint"]
            .as_str()
            .unwrap()
            .contains("inhibit `APIErrors` while `DBDown` fires")
    );
    let notes: Vec<&str> = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("5 alert(s) over 5 instance(s) fired 84 episode(s)")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("Alertmanager now: 1 alert(s)")),
        "{notes:?}"
    );
    let heat = &report["charts"][0];
    assert_eq!(heat["kind"], "heatmap");
    let total: f64 = heat["series"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            s["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
        })
        .sum();
    assert_eq!(total, 84.0);

    // The saved history gives the same findings offline, and renders as HTML with the heatmap.
    let again = srehub_in(dir.path())
        .args([
            "alerts",
            "analyze",
            "--history",
            "history.json",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(codes(&again), found);
    let html = srehub_in(dir.path())
        .args([
            "alerts",
            "analyze",
            "--history",
            "history.json",
            "-o",
            "html",
        ])
        .output()
        .unwrap();
    let html = String::from_utf8(html.stdout).unwrap();
    assert!(html.contains(r#"<section class="chart-box" id="chart-firing-heatmap">"#));
    assert!(html.contains("<table class=\"heatmap\">"));
}

#[test]
fn unreachable_broken_and_foreign_servers_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let port = srehub_test_support::free_port();
    let out = srehub_in(dir.path())
        .args([
            "alerts",
            "analyze",
            "--prometheus",
            &format!("http://127.0.0.1:{port}"),
            "--timeout",
            "2s",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("prometheus: cannot connect to http://127.0.0.1:"),
        "{stderr}"
    );

    // A server answering 500, and one answering HTML.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (broken, foreign) = rt.block_on(async {
        use axum::routing::any;
        let serve = |app: axum::Router| async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let a = l.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
            format!("http://{a}")
        };
        (
            serve(axum::Router::new().fallback(any(|| async {
                (
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "upstream exploded",
                )
            })))
            .await,
            serve(axum::Router::new().fallback(any(|| async { "<html>login page</html>" }))).await,
        )
    });
    let out = srehub_in(dir.path())
        .args(["alerts", "analyze", "--prometheus", &broken])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("answered 500: upstream exploded"),
        "{stderr}"
    );
    let out = srehub_in(dir.path())
        .args(["alerts", "analyze", "--prometheus", &foreign])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unexpected answer: not the Prometheus API's JSON"),
        "{stderr}"
    );

    // Bad files and flags.
    std::fs::write(dir.path().join("h.json"), "{\"start_ms\": \"yesterday\"}").unwrap();
    let out = srehub_in(dir.path())
        .args(["alerts", "analyze", "--history", "h.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("h.json:1:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = srehub_in(dir.path())
        .args([
            "alerts",
            "analyze",
            "--history",
            "h.json",
            "--since",
            "two weeks",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = srehub_in(dir.path())
        .args(["alerts", "analyze"])
        .env_remove("SREHUB_PROMETHEUS_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --prometheus URL"));
}

#[test]
fn victoria_metrics_speaks_the_same_api() {
    // The same week of ALERTS, imported into VictoriaMetrics (Prometheus text with ms timestamps).
    let (om, _) = history();
    let text: String = om
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (head, ts) = l.rsplit_once(' ').unwrap();
            format!("{head} {}000\n", ts)
        })
        .collect();
    let Some(vm) = srehub_test_support::prom::victoria_metrics(&text) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.yml"), RULES).unwrap();
    let out = srehub_in(dir.path())
        .args([
            "alerts",
            "analyze",
            "--prometheus",
            &vm.url,
            "--rules",
            "rules.yml",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}\n{}", vm.log());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes: Vec<&str> = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("5 alert(s) over 5 instance(s) fired 84 episode(s)")),
        "{notes:?}"
    );
    let found = codes(&report);
    assert!(found.contains(&"ALR002 Flappy".to_string()), "{found:?}");
    assert!(
        found.contains(&"ALR005 NeverFires".to_string()),
        "{found:?}"
    );
}
