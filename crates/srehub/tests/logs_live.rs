//! `srehub logs` live: `--follow` on growing files (the real binary, interrupted with SIGINT as a user
//! would with Ctrl-C) and `--push-loki` against a local fake Loki (no Loki binary is packaged for
//! Debian; the fake validates the push API's JSON as Loki does).

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::srehub_in;
use srehub_test_support::fake_loki::FakeLoki;

const APP: &str = r#"{"ts":"2026-11-29T10:00:00Z","level":"info","msg":"GET /api/users/17 took 12 ms","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}
{"ts":"2026-11-29T10:00:01Z","level":"info","msg":"GET /api/users/18 took 9 ms"}
{"ts":"2026-11-29T10:00:02Z","level":"error","msg":"payment 8812 failed: card declined","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
{"ts":"2026-11-29T10:00:03Z","level":"info","msg":"GET /api/users/19 took 31 ms"}
{"ts":"2026-11-29T10:00:04Z","level":"error","msg":"payment 8813 failed: card declined"}
{"ts":"2026-11-29T10:00:05Z","level":"warn","msg":"cache miss ratio 0.4 above 0.3"}
"#;

#[test]
fn templates_push_every_record_to_loki_with_its_template_id() {
    let loki = FakeLoki::start(1); // the first push gets 503 and is retried
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.log"), APP).unwrap();
    let out = srehub_in(dir.path())
        .args(["logs", "templates", "app.log", "-o", "json", "--push-loki"])
        .arg(loki.url())
        .args(["--loki-label", "env=test", "--loki-tenant", "team-a"])
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("pushed 6 records to Loki"), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = doc["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    let entries = loki.entries();
    assert_eq!(entries.len(), 6);
    assert!(
        loki.pushes()
            .iter()
            .all(|p| p.tenant.as_deref() == Some("team-a"))
    );
    for (labels, ts, line, meta) in &entries {
        assert_eq!(labels["env"], "test");
        assert_eq!(labels["source"], "app.log");
        assert!(
            labels.get("job").is_none(),
            "--loki-label replaces the default"
        );
        assert!(ts.starts_with("17959464"), "{ts}");
        let rec: serde_json::Value = serde_json::from_str(line).unwrap();
        let meta = meta.as_ref().unwrap();
        assert!(
            ids.contains(&meta["template_id"].as_str().unwrap()),
            "{meta}"
        );
        assert_eq!(meta["level"], rec["level"]);
    }
    let by_msg = |needle: &str| {
        entries
            .iter()
            .find(|e| e.2.contains(needle))
            .unwrap()
            .3
            .clone()
            .unwrap()
    };
    assert_eq!(
        by_msg("users/17")["trace_id"],
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(
        by_msg("8812")["trace_id"],
        "0af7651916cd43dd8448eb211c80319c"
    );
    // One template per message shape: the two payment failures share theirs.
    assert_eq!(by_msg("8812")["template_id"], by_msg("8813")["template_id"]);
    assert_ne!(
        by_msg("8812")["template_id"],
        by_msg("users/17")["template_id"]
    );
}

#[test]
fn an_unreachable_loki_is_an_error_after_the_templates_are_printed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.log"), APP).unwrap();
    let port = srehub_test_support::free_port();
    let out = srehub_in(dir.path())
        .args(["logs", "templates", "app.log", "-o", "json", "--push-loki"])
        .arg(format!("http://127.0.0.1:{port}"))
        .args(["--loki-retries", "1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("6 records in 1 batches could not be pushed to Loki: loki: cannot connect"),
        "{stderr}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["records"], 6);
    let out = srehub_in(dir.path())
        .args([
            "logs",
            "templates",
            "app.log",
            "--push-loki",
            "http://x",
            "--loki-label",
            "a b=c",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--loki-label `a b=c`"));
}

/// Lines of the child's stdout, as they come.
fn stdout_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    rx
}

fn interrupt(child: &Child) {
    let ok = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn parse_follow_writes_appended_records_as_they_arrive_until_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    std::fs::write(&path, &APP[..APP.find("\n").unwrap() + 1]).unwrap();
    let mut child = srehub_in(dir.path())
        .args([
            "logs",
            "parse",
            "--follow",
            "app.log",
            "--where",
            "level>=warn",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = stdout_lines(&mut child);
    // Nothing matches yet; then the rest of the log is appended in two writes.
    assert!(lines.recv_timeout(Duration::from_millis(700)).is_err());
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    let rest: Vec<&str> = APP.lines().skip(1).collect();
    writeln!(f, "{}", rest[..2].join("\n")).unwrap();
    let first: serde_json::Value =
        serde_json::from_str(&lines.recv_timeout(Duration::from_secs(10)).unwrap()).unwrap();
    assert_eq!(first["message"], "payment 8812 failed: card declined");
    writeln!(f, "{}", rest[2..].join("\n")).unwrap();
    let mut got = Vec::new();
    while got.len() < 2 {
        got.push(lines.recv_timeout(Duration::from_secs(10)).unwrap());
    }
    assert!(
        got[0].contains("8813") && got[1].contains("cache miss"),
        "{got:?}"
    );
    interrupt(&child);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn templates_follow_without_a_terminal_prints_the_templates_when_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    std::fs::write(&path, APP).unwrap();
    let child = srehub_in(dir.path())
        .args(["logs", "templates", "-f", "app.log", "-o", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(600));
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    writeln!(
        f,
        r#"{{"level":"error","msg":"payment 9001 failed: card declined"}}"#
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["records"], 7);
    let payment = doc["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["template"].as_str().unwrap().starts_with("payment"))
        .unwrap();
    assert_eq!(payment["count"], 3);
}
