//! `srehub load` end to end: the real binary against an in-process axum server on 127.0.0.1:0 that
//! counts what it receives. Exit codes, output formats, merge and compare, live metrics, bad input.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use common::srehub_in;

/// Starts a server on its own thread; returns its address and its request counter.
fn server() -> (SocketAddr, Arc<AtomicU64>) {
    let count = Arc::new(AtomicU64::new(0));
    let c = count.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = Router::new()
                .route(
                    "/",
                    get(move || {
                        c.fetch_add(1, Ordering::SeqCst);
                        async { "hello" }
                    }),
                )
                .route(
                    "/slow",
                    get(|| async {
                        tokio::time::sleep(Duration::from_millis(30)).await;
                        "slow"
                    }),
                );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    (rx.recv().unwrap(), count)
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}", String::from_utf8_lossy(out));
    })
}

#[test]
fn a_run_prints_the_documented_json_shape() {
    let (addr, count) = server();
    let dir = tempfile::tempdir().unwrap();
    let out = srehub_in(dir.path())
        .args([
            "load",
            &format!("http://{addr}/"),
            "-n",
            "50",
            "-c",
            "5",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out.stdout);
    assert_eq!(v["schema"], "srehub.load/v1");
    assert_eq!(v["requests"], 50);
    assert_eq!(v["status_codes"]["200"], 50);
    for key in [
        "duration_s",
        "requests_per_second",
        "latency_ms",
        "errors",
        "timeline",
        "error_rate",
        "bytes_received",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    for p in ["p50", "p75", "p90", "p95", "p99", "p99.9", "max"] {
        assert!(v["latency_ms"][p].as_f64().unwrap() > 0.0, "{p}");
    }
    assert_eq!(count.load(Ordering::SeqCst), 50);
}

#[test]
fn thresholds_set_the_exit_code_and_say_which_failed() {
    let (addr, _) = server();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://{addr}/slow");
    let out = srehub_in(dir.path())
        .args(["load", &url, "-n", "10", "-c", "2", "-o", "table"])
        .args(["--threshold", "p99<1ms", "--threshold", "error_rate<1%"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL p99<1ms"), "{text}");
    assert!(text.contains("pass error_rate<1%"), "{text}");
    assert!(text.contains("LOAD001"), "{text}");
    let out = srehub_in(dir.path())
        .args([
            "load",
            &url,
            "-n",
            "10",
            "-o",
            "json",
            "--threshold",
            "p99<10s",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out.stdout)["thresholds"][0]["passed"], true);
}

#[test]
fn q_is_the_rate_and_the_open_model_reports_both_latencies() {
    let (addr, count) = server();
    let dir = tempfile::tempdir().unwrap();
    let out = srehub_in(dir.path())
        .args([
            "load",
            &format!("http://{addr}/"),
            "-q",
            "100",
            "-z",
            "1s",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out.stdout);
    assert_eq!(v["model"], "open");
    assert_eq!(v["rate"], 100.0);
    let done = v["requests"].as_u64().unwrap() + v["unfinished"].as_u64().unwrap();
    assert_eq!(done, 100);
    assert_eq!(count.load(Ordering::SeqCst), done);
    assert!(v["latency_uncorrected_ms"]["p99"].as_f64().is_some());
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.yaml"),
        "base_url: http://127.0.0.1:1\nrequests:\n  - path: /\n    weigth: 2\n",
    )
    .unwrap();
    for (args, needle) in [
        (
            vec!["load", "http//nohost"],
            "the URL: `http//nohost` is not a URL",
        ),
        (
            vec!["load", "ftp://127.0.0.1/"],
            "not an http:// or https:// URL",
        ),
        (
            vec!["load", "http://127.0.0.1:1/", "--threshold", "p99<quick"],
            "threshold `p99<quick`",
        ),
        (vec!["load", "http://127.0.0.1:1/", "-q", "0"], "rate 0"),
        (vec!["load", "--scenario", "s.yaml"], "s.yaml:4:"),
        (vec!["load", "http://127.0.0.1:1/", "-z", "soon"], "-z"),
        (vec!["load"], "give a URL"),
    ] {
        let out = srehub_in(dir.path()).args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn an_unreachable_target_exits_3() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let out = srehub_in(dir.path())
        .args([
            "load",
            &format!("http://127.0.0.1:{port}/"),
            "-n",
            "3",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(json(&out.stdout)["errors"]["connect"], 3);
}

#[test]
fn saved_histograms_merge_into_one_report_and_runs_compare() {
    let (addr, _) = server();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("hist")).unwrap();
    for (i, n) in [(1, "40"), (2, "60")] {
        let out = srehub_in(dir.path())
            .args(["load", &format!("http://{addr}/"), "-n", n, "-o", "json"])
            .args(["--save-histogram", &format!("hist/w{i}.json")])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        std::fs::write(dir.path().join(format!("r{i}.json")), &out.stdout).unwrap();
    }
    let out = srehub_in(dir.path())
        .args([
            "load",
            "merge",
            "hist/",
            "-o",
            "json",
            "--threshold",
            "requests>=100",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out.stdout);
    assert_eq!(v["requests"], 100);
    assert_eq!(v["workers"], 2);
    assert_eq!(v["thresholds"][0]["passed"], true);

    let out = srehub_in(dir.path())
        .args([
            "load",
            "merge",
            "hist/w1.json",
            "hist/w2.json",
            "-o",
            "html",
        ])
        .output()
        .unwrap();
    let html = String::from_utf8_lossy(&out.stdout);
    assert!(html.contains("id=\"chart-latency\""), "latency over time");
    assert!(html.contains("<polyline"));
    assert!(html.contains("id=\"chart-histogram\""), "histogram");

    // A worse run: the same result with its p99 tripled and a fifth of the rate.
    let mut worse = json(&std::fs::read(dir.path().join("r2.json")).unwrap());
    let p99 = worse["latency_ms"]["p99"].as_f64().unwrap();
    worse["latency_ms"]["p99"] = (p99 * 3.0 + 5.0).into();
    let rps = worse["requests_per_second"].as_f64().unwrap();
    worse["requests_per_second"] = (rps / 5.0).into();
    std::fs::write(dir.path().join("worse.json"), worse.to_string()).unwrap();
    let out = srehub_in(dir.path())
        .args([
            "load",
            "compare",
            "r2.json",
            "worse.json",
            "-o",
            "table",
            "--fail-on-regression",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("latency p99 (ms)"), "{text}");
    assert!(text.contains("WORSE"), "{text}");
    let out = srehub_in(dir.path())
        .args([
            "load",
            "compare",
            "r2.json",
            "r2.json",
            "--fail-on-regression",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out.stdout)["regressions"], 0);

    let out = srehub_in(dir.path())
        .args(["load", "merge", "r1.json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a result is not a histogram file"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("r1.json"));
}

#[test]
fn csv_prints_the_timeline() {
    let (addr, _) = server();
    let dir = tempfile::tempdir().unwrap();
    let out = srehub_in(dir.path())
        .args(["load", &format!("http://{addr}/"), "-n", "20", "-o", "csv"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("second,requests,errors,bytes_received,p50_ms,p90_ms,p99_ms,max_ms\n")
    );
    let total: u64 = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 20);
}

fn scrape(addr: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).ok()?;
    Some(body)
}

#[test]
fn metrics_are_served_while_the_run_runs() {
    let (addr, _) = server();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let metrics = format!("127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_srehub"))
        .current_dir(dir.path())
        .args([
            "load",
            &format!("http://{addr}/"),
            "-q",
            "50",
            "-z",
            "3s",
            "-o",
            "json",
        ])
        .args(["--metrics-addr", &metrics])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut seen = None;
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        if let Some(text) = scrape(&metrics)
            && text.contains("srehub_load_requests_total ")
            && !text.contains("srehub_load_requests_total 0\n")
        {
            seen = Some(text);
            break;
        }
    }
    let status = child.wait().unwrap();
    let text = seen.expect("metrics with requests counted during the run");
    assert!(text.contains("srehub_load_in_flight_requests"), "{text}");
    assert_eq!(status.code(), Some(0));
}
