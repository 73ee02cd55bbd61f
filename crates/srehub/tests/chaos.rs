//! `srehub chaos` end to end: the proxy binary between `srehub load` and an in-process HTTP server,
//! driven through its toxiproxy-compatible API during the run; and bounded stress.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use common::srehub_in;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn server() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = Router::new().route("/", get(|| async { "ok" }));
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(l.local_addr().unwrap()).unwrap();
            axum::serve(l, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

/// A raw HTTP/1.1 request to the control API; returns the status code.
fn api(addr: &str, method: &str, path: &str) -> Option<u16> {
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.split_whitespace().nth(1)?.parse().ok()
}

/// Starts `srehub chaos proxy` with these arguments and waits until its control API answers.
fn start_proxy(control: &str, args: &[&str]) -> Kill {
    // Killed and waited for on drop, even when the API never answers.
    let child = Kill(
        std::process::Command::new(env!("CARGO_BIN_EXE_srehub"))
            .args(["chaos", "proxy", "--api", control])
            .args(args)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    for _ in 0..100 {
        if api(control, "GET", "/version") == Some(200) {
            return child;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the control API of srehub chaos proxy did not answer");
}

struct Kill(std::process::Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn statuses(dir: &std::path::Path, url: &str) -> serde_json::Value {
    let out = srehub_in(dir)
        .args(["load", url, "-n", "40", "-c", "4", "-o", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["status_codes"].clone()
}

#[test]
fn a_toxic_from_the_command_line_and_removed_through_the_api() {
    let upstream = server();
    let (listen, control) = (free_port(), free_port());
    let control = format!("127.0.0.1:{control}");
    let dir = tempfile::tempdir().unwrap();
    let _proxy = start_proxy(
        &control,
        &[
            "--listen",
            &format!("127.0.0.1:{listen}"),
            "--upstream",
            &upstream.to_string(),
            "--toxic",
            "http_error,status=500,name=boom",
        ],
    );
    let url = format!("http://127.0.0.1:{listen}/");
    assert_eq!(statuses(dir.path(), &url), serde_json::json!({"500": 40}));
    assert_eq!(
        api(&control, "DELETE", "/proxies/main/toxics/boom"),
        Some(204)
    );
    assert_eq!(statuses(dir.path(), &url), serde_json::json!({"200": 40}));
}

#[test]
fn stress_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let out = srehub_in(dir.path())
        .args([
            "chaos",
            "stress",
            "--cpu",
            "1",
            "--memory",
            "16Mi",
            "--duration",
            "500ms",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["memory_bytes"], 16 * 1024 * 1024);
    assert_eq!(v["cpu_workers"], 1);
    for args in [
        vec!["chaos", "stress", "--cpu", "1", "--duration", "48h"],
        vec!["chaos", "stress", "--duration", "1s"],
        vec!["chaos", "stress", "--memory", "lots", "--duration", "1s"],
    ] {
        let out = srehub_in(dir.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

fn fake_cluster() -> srehub_test_support::fake_kube::FakeKube {
    let mut objects = vec![
        serde_json::json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}, "spec": {}}),
    ];
    for i in 1..=3 {
        objects.push(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"namespace": "shop", "name": format!("api-{i}"), "labels": {"app": "api"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "api-1", "uid": "u", "controller": true}]},
            "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "x:1"}]},
            "status": {"phase": "Running"}
        }));
    }
    srehub_test_support::fake_kube::FakeKube::start(objects, Default::default())
}

/// Against the fake Kubernetes API (no real API server can run here).
#[test]
fn kubernetes_faults_journal_what_they_did_and_roll_back() {
    let fake = fake_cluster();
    let dir = tempfile::tempdir().unwrap();
    let kc = fake.kubeconfig.to_str().unwrap().to_string();
    let out = srehub_in(dir.path())
        .args([
            "chaos",
            "pod-kill",
            "--kubeconfig",
            &kc,
            "-n",
            "shop",
            "-l",
            "app=api",
            "--dry-run",
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
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j[0]["action"], "delete-pod");
    assert_eq!(j[0]["outcome"], "dry-run");
    assert_eq!(fake.objects("Pod").len(), 3);

    let out = srehub_in(dir.path())
        .args([
            "chaos",
            "pod-kill",
            "--kubeconfig",
            &kc,
            "-n",
            "shop",
            "-l",
            "app=api",
            "--count",
            "2",
            "--force",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(fake.objects("Pod").len(), 1);

    let out = srehub_in(dir.path())
        .args([
            "chaos",
            "partition",
            "--kubeconfig",
            &kc,
            "-n",
            "shop",
            "-l",
            "app=api",
            "--duration",
            "200ms",
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
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let actions: Vec<&str> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create-networkpolicy", "delete-networkpolicy"]);
    assert!(fake.objects("NetworkPolicy").is_empty(), "rolled back");

    let out = srehub_in(dir.path())
        .args([
            "chaos",
            "drain",
            "node-1",
            "--kubeconfig",
            &kc,
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
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let actions: Vec<&str> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["cordon", "evict-pod", "uncordon"]);

    let out = srehub_in(dir.path())
        .args([
            "chaos",
            "pod-kill",
            "--kubeconfig",
            &kc,
            "-n",
            "shop",
            "-l",
            "app=none",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "nothing matches: a usage error");
}

fn api_body(addr: &str, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.split("\r\n\r\n").nth(1).unwrap_or("").to_string()
}

/// An experiment through the real proxy binary, in front of an in-process HTTP server, with a pod
/// kill on the fake Kubernetes API: the hypothesis fails under 300 ms of latency, holds under 1 ms,
/// and is not tested when the system is unhealthy before; toxics are always rolled back.
#[test]
fn experiments_judge_the_hypothesis_and_roll_back() {
    let upstream = server();
    let (listen, control) = (free_port(), free_port());
    let control = format!("127.0.0.1:{control}");
    let dir = tempfile::tempdir().unwrap();
    let fake = fake_cluster();
    let _proxy = start_proxy(
        &control,
        &[
            "--listen",
            &format!("127.0.0.1:{listen}"),
            "--upstream",
            &upstream.to_string(),
        ],
    );
    let write = |name: &str, latency: u64, expect: u16| {
        let text = format!(
            r#"title: shop survives {latency} ms of latency
kubernetes: {{kubeconfig: "{kc}"}}
steady_state:
  - name: up
    http: {{url: "http://127.0.0.1:{listen}/", status: {expect}}}
  - name: fast
    load: {{url: "http://127.0.0.1:{listen}/", rate: 20, duration: 1s, thresholds: ["p99<150ms"]}}
method:
  - proxy_toxic: {{api: "http://{control}", proxy: main, toxic: {{type: latency, attributes: {{latency: {latency}}}}}}}
  - pod_kill: {{namespace: shop, selector: app=api, count: 1}}
  - wait: 100ms
"#,
            kc = fake.kubeconfig.display()
        );
        std::fs::write(dir.path().join(name), text).unwrap();
    };
    let run = |name: &str| {
        let out = srehub_in(dir.path())
            .args(["chaos", "run", name, "-o", "json"])
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code(), report)
    };
    let codes = |r: &serde_json::Value| -> Vec<String> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["check"].as_str().unwrap().to_string())
            .collect()
    };

    write("slow.yaml", 300, 200);
    let (code, report) = run("slow.yaml");
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(codes(&report), ["CHAOS001"], "{report:#}");
    let notes = report["notes"].to_string();
    assert!(notes.contains("did NOT hold"), "{notes}");
    assert!(notes.contains("[rollback] remove toxic"), "{notes}");
    assert_eq!(
        api_body(&control, "/proxies/main/toxics").trim(),
        "[]",
        "rolled back"
    );
    assert_eq!(fake.objects("Pod").len(), 2, "one pod killed");

    write("fine.yaml", 1, 200);
    let (code, report) = run("fine.yaml");
    assert_eq!(code, Some(0), "{report:#}");
    assert!(codes(&report).is_empty());
    assert!(report["notes"].to_string().contains("hypothesis held"));

    write("sick.yaml", 1, 201);
    let (code, report) = run("sick.yaml");
    assert_eq!(code, Some(1));
    assert_eq!(codes(&report), ["CHAOS002"]);
    assert_eq!(fake.objects("Pod").len(), 1, "the method did not run");
    assert_eq!(api_body(&control, "/proxies/main/toxics").trim(), "[]");

    std::fs::write(
        dir.path().join("bad.yaml"),
        "title: x\nsteady_state: []\nmethod: [{wait: 1s}]\n",
    )
    .unwrap();
    let out = srehub_in(dir.path())
        .args(["chaos", "run", "bad.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.yaml:1:1: steady_state"));
}

/// toxiproxy's own Python client (installed by scripts/install-test-deps) creates a proxy, adds and
/// removes a latency toxic, disables, enables, resets and destroys, against `srehub chaos proxy`.
#[test]
fn toxiproxy_s_python_client_works_unchanged() {
    const CLIENT: &str = "/opt/srehub-test/python";
    if !std::path::Path::new(CLIENT).join("toxiproxy").is_dir() {
        let msg = format!("toxiproxy-python not installed in {CLIENT} (`.ci/run` installs it)");
        assert!(!srehub_test_support::in_ci(), "{msg}");
        eprintln!("SKIPPED: {msg}");
        return;
    }
    let upstream = server();
    let control = free_port();
    let _proxy = start_proxy(&format!("127.0.0.1:{control}"), &[]);
    let script = srehub_test_support::workspace_root()
        .join("crates/srehub/tests/fixtures/chaos/toxiproxy_client.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .args([
            "127.0.0.1",
            &control.to_string(),
            &upstream.to_string(),
            CLIENT,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.trim_end().ends_with("OK"),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The Prometheus probe against a real Prometheus (Debian's package): a query within its bounds
/// holds; one outside them stops the experiment before its method.
#[test]
fn prometheus_probes_judge_an_instant_query() {
    let Some(prom) = srehub_test_support::prom::prometheus("", &[], 60) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (name, bounds, expected) in [
        ("holds.yaml", "below: 2, above: 0", 0),
        ("fails.yaml", "above: 5", 1),
    ] {
        std::fs::write(
            dir.path().join(name),
            format!(
                "title: errors stay low\nsteady_state:\n  - name: one\n    prometheus: {{url: \"{}\", query: \"vector(1)\", {bounds}}}\nmethod:\n  - wait: 10ms\n",
                prom.url
            ),
        )
        .unwrap();
        let out = srehub_in(dir.path())
            .args(["chaos", "run", name, "-o", "json"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(expected),
            "{name}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            report["notes"].to_string().contains("value 1, expected"),
            "{report:#}"
        );
    }
}
