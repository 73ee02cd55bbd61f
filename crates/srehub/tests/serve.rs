//! `srehub serve` as a process: configuration checks, start, answer, graceful stop on SIGTERM.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use common::srehub_in;
use srehub_test_support::{free_port, workspace_root};

/// `srehub serve --check-config ARGS` in `dir` with the variables `env`: exit code, stdout, stderr.
fn check_config(
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (Option<i32>, String, String) {
    let out = srehub_in(dir)
        .args(["serve", "--check-config"])
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

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
    let demo_s = demo.display().to_string();
    let (code, out, err) = check_config(dir.path(), &["--snapshot", &demo_s], &[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("configuration valid: 1 cluster(s)"));
    std::fs::write(
        dir.path().join("keys.yaml"),
        "keys:\n  - name: x\n    sha256: abc\n    scopes: [clusters]\n",
    )
    .unwrap();
    let (code, _, err) = check_config(dir.path(), &["--api-keys", "keys.yaml"], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("keys[0] (x): sha256 must be 64 hex digits"));
    let (code, _, err) = check_config(dir.path(), &["--cluster", "prod=/nonexistent"], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("cluster `prod`: /nonexistent does not exist"));
    // Secrets from files (a mounted Secret): a missing or empty one is named; a good one is read.
    let (code, _, err) = check_config(
        dir.path(),
        &["--artifactory", "http://127.0.0.1:9/artifactory"],
        &[("SREHUB_ARTIFACTORY_API_KEY_FILE", "/nonexistent/key")],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("SREHUB_ARTIFACTORY_API_KEY_FILE=/nonexistent/key: cannot read the file"),
        "{err}"
    );
    std::fs::write(dir.path().join("empty"), "\n").unwrap();
    std::fs::write(dir.path().join("token"), "s3cret-token\n").unwrap();
    let empty = dir.path().join("empty").display().to_string();
    let token = dir.path().join("token").display().to_string();
    let aqua = ["--aqua", "http://127.0.0.1:9"];
    let (code, _, err) = check_config(dir.path(), &aqua, &[("SREHUB_AQUA_TOKEN_FILE", &empty)]);
    assert_eq!(code, Some(2));
    assert!(err.contains("the file is empty"));
    let reports = workspace_root()
        .join("examples/trivy")
        .display()
        .to_string();
    let (code, out, err) = check_config(
        dir.path(),
        &[aqua[0], aqua[1], "--trivy-reports", &reports],
        &[("SREHUB_AQUA_TOKEN_FILE", &token)],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(!out.contains("s3cret"));
    let (code, _, err) = check_config(
        dir.path(),
        &["--trivy-reports", "/nonexistent/reports"],
        &[],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("--trivy-reports /nonexistent/reports"));

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
    let (code, _, err) = check_config(envdir.path(), &[], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("/nonexistent/from-dotenv"));
    std::fs::write(
        envdir.path().join(".env"),
        "SREHUB_AQUA_TOKEN_FILE=/nonexistent/token\n",
    )
    .unwrap();
    let reports = workspace_root()
        .join("examples/trivy")
        .display()
        .to_string();
    let (code, _, err) = check_config(
        envdir.path(),
        &["--aqua", "http://127.0.0.1:9", "--trivy-reports", &reports],
        &[],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("SREHUB_AQUA_TOKEN_FILE=/nonexistent/token"));

    // A bad value in the file is named.
    std::fs::write(
        dir.path().join("srehub.yaml"),
        "serve:\n  cache:\n    ttl: {k8s: soon}\n",
    )
    .unwrap();
    let (code, _, err) = check_config(dir.path(), &[], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("serve.cache.ttl.k8s"), "{err}");
}
