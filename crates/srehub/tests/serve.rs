//! `srehub serve` as a process: configuration checks, start, answer, graceful stop on SIGTERM.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use common::srehub_in;
use srehub_test_support::{free_port, workspace_root};

/// Sends a raw HTTP/1.0 request once the hub listens on `port` (within 20 s); the whole answer.
fn ask_when_up(port: u16, request: &str) -> String {
    let start = Instant::now();
    loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            s.write_all(request.as_bytes()).unwrap();
            let mut a = String::new();
            s.read_to_string(&mut a).unwrap();
            return a;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "not listening");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn check_config_start_answer_and_stop() {
    let dir = tempfile::tempdir().unwrap();
    let demo = workspace_root().join("examples/demo-cluster");
    let out = srehub_in(dir.path())
        .args(["serve", "--check-config", "--snapshot"])
        .arg(&demo)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("configuration valid: 1 cluster(s)"));
    std::fs::write(
        dir.path().join("keys.yaml"),
        "keys:\n  - name: x\n    sha256: abc\n    scopes: [clusters]\n",
    )
    .unwrap();
    let out = srehub_in(dir.path())
        .args(["serve", "--check-config", "--api-keys", "keys.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("keys[0] (x): sha256 must be 64 hex digits")
    );
    let out = srehub_in(dir.path())
        .args(["serve", "--check-config", "--cluster", "prod=/nonexistent"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("cluster `prod`: /nonexistent does not exist")
    );
    // Secrets from files (a mounted Secret): a missing or empty one is named; a good one is read.
    let out = srehub_in(dir.path())
        .args([
            "serve",
            "--check-config",
            "--artifactory",
            "http://127.0.0.1:9/artifactory",
        ])
        .env("SREHUB_ARTIFACTORY_API_KEY_FILE", "/nonexistent/key")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("SREHUB_ARTIFACTORY_API_KEY_FILE=/nonexistent/key: cannot read the file"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(dir.path().join("empty"), "\n").unwrap();
    std::fs::write(dir.path().join("token"), "s3cret-token\n").unwrap();
    let out = srehub_in(dir.path())
        .args(["serve", "--check-config", "--aqua", "http://127.0.0.1:9"])
        .env("SREHUB_AQUA_TOKEN_FILE", dir.path().join("empty"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the file is empty"));
    let out = srehub_in(dir.path())
        .args(["serve", "--check-config", "--aqua", "http://127.0.0.1:9"])
        .args(["--trivy-reports"])
        .arg(workspace_root().join("examples/trivy"))
        .env("SREHUB_AQUA_TOKEN_FILE", dir.path().join("token"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cret"));
    let out = srehub_in(dir.path())
        .args([
            "serve",
            "--check-config",
            "--trivy-reports",
            "/nonexistent/reports",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--trivy-reports /nonexistent/reports"));

    let port = free_port();
    let mut child = srehub_in(dir.path())
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--snapshot",
        ])
        .arg(&demo)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let answer = ask_when_up(
        port,
        "GET /api/v1/k8s/demo-cluster/nodes?limit=1 HTTP/1.0\r\nHost: x\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
    assert!(answer.contains("\"next_cursor\":\"o1."), "{answer}");
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn the_hub_reads_srehub_yaml_and_writes_a_json_access_log() {
    let dir = tempfile::tempdir().unwrap();
    let demo = workspace_root().join("examples/demo-cluster");
    let port = free_port();
    std::fs::write(
        dir.path().join("keys.yaml"),
        // sha256("secret-key-123")
        "keys:\n  - name: ci\n    sha256: dc87f94e8f44b5018e54a588eebeaae61eebdb6c256f8f2f61b7c6ba347bca63\n    scopes: [clusters]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("srehub.yaml"),
        format!(
            "log: {{format: json}}\nserve:\n  listen: 127.0.0.1:{port}\n  clusters: {{demo: {}}}\n  api-keys: keys.yaml\n  cache: {{entries: 500, ttl: {{k8s: 30s}}}}\n",
            demo.display()
        ),
    )
    .unwrap();
    // A connector's credential variable is not a setting and must not upset the configuration.
    let mut child = srehub_in(dir.path())
        .arg("serve")
        .env("SREHUB_PROMETHEUS_TOKEN", "not-a-setting")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let answer = ask_when_up(
        port,
        "GET /api/v1/k8s/demo/nodes?limit=1 HTTP/1.0\r\nHost: x\r\nAuthorization: Bearer secret-key-123\r\nX-Request-Id: req-from-test-1\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
    // TTL from the file: 30 s at most (jittered by 10 %).
    let max_age: u64 = answer
        .split("max-age=")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(max_age <= 33, "{answer}");
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0), "{log}");
    let line = log
        .lines()
        .find(|l| l.contains("req-from-test-1"))
        .unwrap_or_else(|| panic!("no access log line: {log}"));
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    let fields = &v;
    assert_eq!(fields["route"], "/api/v1/k8s/{cluster}/{kind}", "{line}");
    assert_eq!(fields["status"], 200, "{line}");
    assert_eq!(fields["key"], "ci", "{line}");
    assert!(!log.contains("secret-key-123"), "{log}");

    // `.env` holds connector variables too (beneath the real environment).
    let envdir = tempfile::tempdir().unwrap();
    std::fs::write(
        envdir.path().join(".env"),
        "SREHUB_TRIVY_REPORTS=/nonexistent/from-dotenv\n",
    )
    .unwrap();
    let out = srehub_in(envdir.path())
        .args(["serve", "--check-config"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/from-dotenv"));
    std::fs::write(
        envdir.path().join(".env"),
        "SREHUB_AQUA_TOKEN_FILE=/nonexistent/token\n",
    )
    .unwrap();
    let out = srehub_in(envdir.path())
        .args(["serve", "--check-config", "--aqua", "http://127.0.0.1:9"])
        .args(["--trivy-reports"])
        .arg(workspace_root().join("examples/trivy"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("SREHUB_AQUA_TOKEN_FILE=/nonexistent/token")
    );

    // A bad value in the file is named.
    std::fs::write(
        dir.path().join("srehub.yaml"),
        "serve:\n  cache:\n    ttl: {k8s: soon}\n",
    )
    .unwrap();
    let out = srehub_in(dir.path())
        .args(["serve", "--check-config"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("serve.cache.ttl.k8s"), "{err}");
}
