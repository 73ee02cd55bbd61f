#![allow(clippy::unwrap_used)]
//! Runs the real `srehub` executable: exit codes, errors, output formats and the HTML report in
//! headless Chromium.

use std::process::{Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use srehub_test_support::{chromium_dump_dom, workspace_root};

fn srehub() -> Command {
    let mut c = Command::cargo_bin("srehub").unwrap();
    // Hermetic: no user config, no colour, a fresh working directory.
    c.env_remove("SREHUB_CONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("NO_COLOR", "1")
        .current_dir(tempfile::tempdir().unwrap().keep());
    c
}

fn fixture() -> String {
    workspace_root()
        .join("crates/srehub/tests/fixtures/small-cluster.json")
        .display()
        .to_string()
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(c: &mut Command) -> Out {
    let o = c.output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

#[test]
fn help_and_version_exit_0() {
    let o = run(srehub().arg("--help"));
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("doctor") && o.stdout.contains("Exit codes"));
    let o = run(srehub().arg("version"));
    assert_eq!(o.code, 0);
    assert!(o.stdout.starts_with("srehub 0."), "{}", o.stdout);
    for cmd in [
        &["doctor", "--help"][..],
        &["explain", "--help"],
        &["completions", "--help"],
    ] {
        let o = run(srehub().args(cmd));
        assert!(
            o.stdout.contains("Example"),
            "{cmd:?} --help has no examples"
        );
    }
}

#[test]
fn usage_error_exits_2() {
    let o = run(srehub().args(["doctor", "--frobnicate"]));
    assert_eq!(o.code, 2);
    let o = run(srehub().args(["doctor", "--snapshot", &fixture(), "-o", "pdf"]));
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("pdf"));
}

#[test]
fn doctor_json_follows_the_contract_and_fail_on() {
    let o = run(srehub().args(["doctor", "--snapshot", &fixture(), "-o", "json"]));
    assert_eq!(o.code, 1, "critical findings fail by default: {}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["schema"], "srehub.report/v1");
    assert_eq!(v["tool"], "doctor");
    assert!(v["summary"]["critical"].as_u64().unwrap() >= 2);
    let checks: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert!(
        checks.contains(&"K8S100") && checks.contains(&"K8S200"),
        "{checks:?}"
    );
    let crash = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "K8S200")
        .unwrap();
    assert_eq!(crash["resource"]["kind"], "Pod");
    assert_eq!(crash["resource"]["namespace"], "batch");
    assert_eq!(crash["resource"]["container"], "worker");

    // Ignoring the critical checks leaves only warnings: exit 0 at the default --fail-on critical…
    let o = run(srehub().args([
        "doctor",
        "--snapshot",
        &fixture(),
        "-o",
        "json",
        "--ignore",
        "K8S100,K8S200",
    ]));
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["summary"]["critical"], 0, "{}", o.stdout);
    assert_eq!(o.code, 0);
    // …and 1 at --fail-on info when anything remains.
    let o = run(srehub().args([
        "doctor",
        "--snapshot",
        &fixture(),
        "--select",
        "K8S003",
        "--fail-on",
        "info",
        "-o",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let n = v["summary"]["total"].as_u64().unwrap();
    assert_eq!(o.code, if n > 0 { 1 } else { 0 });
}

#[test]
fn doctor_groups_run_only_their_checks() {
    let o = run(srehub().args(["doctor", "health", "--snapshot", &fixture(), "-o", "json"]));
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    for f in v["findings"].as_array().unwrap() {
        let code = f["check"].as_str().unwrap();
        assert!(code.starts_with("K8S1"), "{code} is not a health check");
    }
}

#[test]
fn unknown_selector_is_a_usage_error() {
    let o = run(srehub().args(["doctor", "--snapshot", &fixture(), "--ignore", "K8S999"]));
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("unknown check `K8S999` in --ignore"),
        "{}",
        o.stderr
    );
}

#[test]
fn bad_config_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("srehub.yaml"),
        "fail-on: warning\ndoctor:\n  restart-warnin: 3\n",
    )
    .unwrap();
    let o = run(srehub()
        .current_dir(dir.path())
        .args(["doctor", "--snapshot", &fixture()]));
    assert_eq!(o.code, 2);
    let line = o.stderr.lines().next().unwrap();
    assert!(
        line.contains("srehub.yaml:3:3") && line.contains("unknown field `restart-warnin`"),
        "{}",
        o.stderr
    );

    std::fs::write(dir.path().join("srehub.yaml"), "fail-on: sometimes\n").unwrap();
    let o = run(srehub().current_dir(dir.path()).args(["config", "show"]));
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("srehub.yaml:1:10") && o.stderr.contains("fail-on"),
        "{}",
        o.stderr
    );

    let o = run(srehub().args(["--config", "/no/such/srehub.yaml", "config", "show"]));
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("/no/such/srehub.yaml"), "{}", o.stderr);
}

#[test]
fn config_show_reports_layers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("srehub.yaml"),
        "doctor: {restart-warning: 7}\n",
    )
    .unwrap();
    let o = run(srehub()
        .current_dir(dir.path())
        .env("SREHUB_FAIL_ON", "warning")
        .args(["config", "show"]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("restart-warning: 7"));
    assert!(o.stdout.contains("fail-on: warning"));
    assert!(o.stdout.contains("#   environment SREHUB_FAIL_ON"));
    let o = run(srehub().args(["config", "schema"]));
    let schema: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(schema["properties"]["doctor"].is_object());
}

#[test]
fn bad_snapshots_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let truncated = dir.path().join("truncated.json");
    std::fs::write(
        &truncated,
        r#"{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"a"}"#,
    )
    .unwrap();
    let o = run(srehub().args(["doctor", "--snapshot", truncated.to_str().unwrap()]));
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("truncated.json:1:"), "{}", o.stderr);

    let o = run(srehub()
        .args(["doctor", "--snapshot", "-"])
        .stdin(Stdio::null()));
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("<stdin>") && o.stderr.contains("empty"),
        "{}",
        o.stderr
    );

    let notk8s = dir.path().join("values.yaml");
    std::fs::write(&notk8s, "replicaCount: 3\nimage: {tag: latest}\n").unwrap();
    let o = run(srehub().args(["doctor", "--snapshot", notk8s.to_str().unwrap()]));
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("values.yaml"), "{}", o.stderr);
}

#[test]
fn every_format_renders() {
    for format in [
        "table", "json", "yaml", "sarif", "junit", "markdown", "html",
    ] {
        let o = run(srehub().args(["doctor", "--snapshot", &fixture(), "-o", format]));
        assert_eq!(o.code, 1, "{format}: {}", o.stderr);
        assert!(
            o.stdout.contains("K8S200"),
            "{format} output lacks the findings"
        );
    }
}

#[test]
fn colour_only_when_asked() {
    let o = run(srehub().args(["doctor", "--snapshot", &fixture(), "-o", "table"]));
    assert!(!o.stdout.contains('\u{1b}'));
    let o = run(srehub().args([
        "--color",
        "always",
        "doctor",
        "--snapshot",
        &fixture(),
        "-o",
        "table",
    ]));
    assert!(o.stdout.contains("\u{1b}["));
}

#[test]
fn closed_pipe_exits_quietly() {
    let mut child = srehub()
        .args(["doctor", "--snapshot", &fixture(), "-o", "html"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?} {stderr}",
        out.status
    );
}

#[test]
fn completions_are_generated() {
    let o = run(srehub().args(["completions", "bash"]));
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("_srehub"));
}

#[test]
fn explain_prints_docs_and_rejects_unknown_codes() {
    let o = run(srehub().args(["explain", "k8s003"]));
    assert_eq!(o.code, 0);
    assert!(
        o.stdout
            .starts_with("K8S003 container-without-memory-limit")
    );
    assert!(o.stdout.contains("## How to fix"));
    let o = run(srehub().args(["explain", "K8S999"]));
    assert_eq!(o.code, 2);
    let o = run(srehub().arg("explain"));
    assert!(o.stdout.lines().count() >= 3);
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let o = run(srehub().args(["doctor", "--snapshot", &fixture(), "-o", "html"]));
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, &o.stdout).unwrap();
    let Some(dom) = chromium_dump_dom(&page) else {
        return;
    };
    assert!(
        dom.contains(r#"id="summary""#),
        "no summary in the rendered page"
    );
    assert!(dom.contains("<svg"), "no chart");
    assert!(
        dom.contains("K8S200") && dom.contains("CrashLoopBackOff"),
        "findings missing from the page"
    );
    assert!(
        dom.contains("worker-2"),
        "node finding missing from the page"
    );
}

#[test]
fn demo_cluster_findings() {
    let demo = workspace_root().join("examples/demo-cluster");
    let o = run(srehub()
        .args(["doctor", "-o", "json", "--snapshot"])
        .arg(&demo));
    assert_eq!(o.code, 1, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let lines: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let r = &f["resource"];
            format!(
                "{} {:<8} {}/{}/{}{}",
                f["check"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                r["kind"].as_str().unwrap_or(""),
                r["namespace"].as_str().unwrap_or(""),
                r["name"].as_str().unwrap_or(""),
                r["container"]
                    .as_str()
                    .map(|c| format!("[{c}]"))
                    .unwrap_or_default()
            )
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
    assert_eq!(v["summary"]["score"], 47);
}

/// `GET path` on 127.0.0.1:port with plain HTTP/1.0; `None` until the server answers.
fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).ok()?;
    Some(body)
}

#[test]
fn watch_mode_exports_findings_as_prometheus_metrics() {
    let port = srehub_test_support::free_port();
    let mut child = srehub()
        .args([
            "doctor",
            "--snapshot",
            &fixture(),
            "-q",
            "--watch",
            "1s",
            "--metrics-addr",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut metrics = String::new();
    while std::time::Instant::now() < deadline {
        if let Some(body) = http_get(port, "/metrics")
            && body.contains("srehub_last_run_timestamp_seconds")
        {
            metrics = body;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        metrics.contains("application/openmetrics-text"),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"srehub_findings{tool="doctor",check="K8S200",name="pod-crash-looping",severity="critical"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains("srehub_build_info{"), "{metrics}");
    assert!(
        metrics.contains("srehub_run_errors_total{tool=\"doctor\"} 0"),
        "{metrics}"
    );
}

#[test]
fn watch_rejects_stdin_and_tiny_intervals() {
    let o = run(srehub()
        .args(["doctor", "--snapshot", "-", "--watch", "1m"])
        .stdin(Stdio::null()));
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("standard input"), "{}", o.stderr);
    let o = run(srehub().args(["doctor", "--snapshot", &fixture(), "--watch", "10ms"]));
    assert_eq!(o.code, 2);
    let o = run(srehub().args([
        "doctor",
        "--snapshot",
        &fixture(),
        "--metrics-addr",
        "127.0.0.1:1",
    ]));
    assert_eq!(o.code, 2, "--metrics-addr needs --watch");
}

#[test]
fn json_logs_are_one_object_a_line() {
    let o = run(srehub().args([
        "--log-level",
        "debug",
        "--log-format",
        "json",
        "doctor",
        "-o",
        "json",
        "--snapshot",
        &fixture(),
    ]));
    assert_eq!(o.code, 1, "{}", o.stderr);
    let lines: Vec<&str> = o.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "debug logging printed nothing");
    for l in lines {
        let v: serde_json::Value =
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
        assert!(
            v["timestamp"].is_string() && v["level"].is_string() && v["target"].is_string(),
            "{l}"
        );
    }
}

#[test]
fn empty_snapshot_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "").unwrap();
    let o = run(srehub().args(["doctor", "--snapshot", empty.to_str().unwrap()]));
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("empty.json") && o.stderr.contains("empty"),
        "{}",
        o.stderr
    );
}

#[test]
fn works_as_a_kubectl_plugin() {
    let Some(kubectl) = srehub_test_support::require_binary(&["kubectl"], &[]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let plugin = dir.path().join("kubectl-srehub");
    std::fs::copy(assert_cmd::cargo::cargo_bin("srehub"), &plugin).unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = run(Command::new(kubectl)
        .args(["srehub", "doctor", "-o", "json", "--snapshot", &fixture()])
        .env("PATH", path));
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stdout.contains("srehub.report/v1"));
}
