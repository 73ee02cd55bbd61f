//! The live path against a fake Kubernetes API server (no real API server can run here: this one serves
//! recorded objects with the real API's discovery, paging and errors; see srehub_test_support::fake_kube).

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;
use srehub_test_support::fake_kube::{FakeKube, FakeOptions};
use srehub_test_support::{require_binary, workspace_root};

const NOW: &str = "2026-11-20T10:00:00Z";

fn fixture() -> std::path::PathBuf {
    workspace_root().join("crates/srehub/tests/fixtures/small-cluster.json")
}

fn srehub() -> Command {
    let mut c = Command::cargo_bin("srehub").unwrap();
    c.env_remove("SREHUB_CONFIG")
        .env_remove("KUBECONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("NO_COLOR", "1")
        .current_dir(tempfile::tempdir().unwrap().keep());
    c
}

fn findings(stdout: &[u8]) -> Vec<Value> {
    let v: Value = serde_json::from_slice(stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(stdout)));
    v["findings"].as_array().unwrap().clone()
}

fn fake(opts: FakeOptions) -> FakeKube {
    FakeKube::start(FakeKube::objects_from_files(&[fixture()]), opts)
}

#[test]
fn live_run_gives_the_same_findings_as_the_snapshot() {
    let server = fake(FakeOptions {
        metrics: true,
        ..FakeOptions::default()
    });
    let live = srehub()
        .args(["doctor", "-o", "json", "--now", NOW, "--kubeconfig"])
        .arg(&server.kubeconfig)
        .env("SREHUB_KUBE__PAGE_SIZE", "2")
        .output()
        .unwrap();
    assert_eq!(
        live.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&live.stderr)
    );
    let snap = srehub()
        .args(["doctor", "-o", "json", "--now", NOW, "--snapshot"])
        .arg(fixture())
        .output()
        .unwrap();
    assert_eq!(findings(&live.stdout), findings(&snap.stdout));
    assert!(!findings(&live.stdout).is_empty());

    // Lists were asked for in pages of the configured size.
    let reqs = server.requests();
    assert!(
        reqs.iter().any(|r| r == "/api/v1/nodes?limit=2"),
        "{reqs:?}"
    );
    assert!(reqs.iter().any(|r| r == "/version"));
}

#[test]
fn live_demo_cluster_matches_its_snapshot() {
    let dir = workspace_root().join("examples/demo-cluster");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.ends_with("version.json"))
        .collect();
    let server = FakeKube::start(
        FakeKube::objects_from_files(&files),
        FakeOptions {
            metrics: true,
            ..FakeOptions::default()
        },
    );
    let live = srehub()
        .args(["doctor", "-o", "json", "--now", NOW, "--kubeconfig"])
        .arg(&server.kubeconfig)
        .env("SREHUB_KUBE__PAGE_SIZE", "50")
        .output()
        .unwrap();
    let snap = srehub()
        .args(["doctor", "-o", "json", "--now", NOW, "--snapshot"])
        .arg(&dir)
        .output()
        .unwrap();
    let (live, snap) = (findings(&live.stdout), findings(&snap.stdout));
    // The snapshot also holds objects at removed API versions (legacy.json) that no API server serves.
    let snap: Vec<Value> = snap
        .into_iter()
        .filter(|f| f["check"] != "K8S023")
        .collect();
    let live: Vec<Value> = live
        .into_iter()
        .filter(|f| f["check"] != "K8S023")
        .collect();
    assert!(live.len() > 50, "{}", live.len());
    assert_eq!(live, snap);
}

#[test]
fn paging_follows_continue_tokens() {
    let server = fake(FakeOptions::default());
    let out = srehub()
        .args([
            "doctor",
            "health",
            "-o",
            "json",
            "--now",
            NOW,
            "--kubeconfig",
        ])
        .arg(&server.kubeconfig)
        .env("SREHUB_KUBE__PAGE_SIZE", "1")
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reqs = server.requests();
    assert!(
        reqs.contains(&"/api/v1/nodes?limit=1".to_string()),
        "{reqs:?}"
    );
    assert!(
        reqs.contains(&"/api/v1/nodes?limit=1&continue=offset-1".to_string()),
        "{reqs:?}"
    );
    // The health group does not need events: they were not fetched.
    assert!(!reqs.iter().any(|r| r.contains("/events")), "{reqs:?}");
    let nodes: BTreeSet<String> = findings(&out.stdout)
        .iter()
        .filter(|f| f["check"] == "K8S100")
        .map(|f| f["resource"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(nodes, BTreeSet::from(["worker-2".to_string()]));
}

#[test]
fn forbidden_and_absent_apis_become_notes() {
    let server = fake(FakeOptions {
        forbidden: BTreeSet::from(["clusterrolebindings".to_string()]),
        metrics: false,
        ..FakeOptions::default()
    });
    let out = srehub()
        .args(["doctor", "-o", "json", "--now", NOW, "--kubeconfig"])
        .arg(&server.kubeconfig)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("forbidden to list clusterrolebindings")),
        "{notes:?}"
    );
    assert!(notes.iter().any(|n| n.contains("metrics API")), "{notes:?}");
}

#[test]
fn unreachable_api_server_exits_3_within_the_timeout() {
    let port = srehub_test_support::free_port();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!("apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster: {{server: 'http://127.0.0.1:{port}'}}\nusers:\n- name: u\n  user: {{token: t}}\ncontexts:\n- name: gone\n  context: {{cluster: gone, user: u}}\ncurrent-context: gone\n"),
    )
    .unwrap();
    let start = Instant::now();
    let out = srehub()
        .args(["doctor", "--kubeconfig"])
        .arg(&kubeconfig)
        .env("SREHUB_KUBE__TIMEOUT_SECONDS", "3")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("could not be reached"), "{stderr}");
    // Bounded by the configured timeout (3 s) plus process start-up; a generous margin for a busy CI box.
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn a_list_slower_than_the_timeout_fails_with_exit_3_naming_it() {
    let server = fake(FakeOptions {
        slow: BTreeMap::from([("events".to_string(), Duration::from_secs(5))]),
        ..FakeOptions::default()
    });
    let out = srehub()
        .args(["doctor", "diagnose", "--kubeconfig"])
        .arg(&server.kubeconfig)
        .env("SREHUB_KUBE__TIMEOUT_SECONDS", "1")
        .env("SREHUB_KUBE__RETRIES", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("/api/v1/events") && stderr.contains("timed out"),
        "{stderr}"
    );
}

#[test]
fn missing_kubeconfig_is_a_usage_error() {
    let out = srehub()
        .args(["doctor", "--kubeconfig", "/no/such/kubeconfig"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/no/such/kubeconfig"), "{stderr}");
}

#[test]
fn doctor_snapshot_writes_what_snapshot_mode_reads() {
    let server = fake(FakeOptions {
        metrics: true,
        ..FakeOptions::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dump.json");
    let out = srehub()
        .args(["doctor", "snapshot", "-o"])
        .arg(&file)
        .arg("--kubeconfig")
        .arg(&server.kubeconfig)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dumped: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(dumped["kind"], "List");
    assert_eq!(dumped["serverVersion"]["gitVersion"], "v1.30.4");
    assert!(
        dumped["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["kind"].is_string() && i["apiVersion"].is_string())
    );
    let from_dump = srehub()
        .args(["doctor", "-o", "json", "--now", NOW, "--snapshot"])
        .arg(&file)
        .output()
        .unwrap();
    let from_fixture = srehub()
        .args(["doctor", "-o", "json", "--now", NOW, "--snapshot"])
        .arg(fixture())
        .output()
        .unwrap();
    assert_eq!(findings(&from_dump.stdout), findings(&from_fixture.stdout));
}

#[test]
fn kubectl_output_from_the_fake_server_reads_as_a_snapshot() {
    let Some(kubectl) = require_binary(&["kubectl"], &[]) else {
        return;
    };
    let server = fake(FakeOptions::default());
    let out = Command::new(kubectl)
        .args([
            "--server",
            &server.url(),
            "--token",
            "t",
            "get",
            "nodes,pods,deployments",
            "-A",
            "-o",
            "json",
        ])
        .env("KUBECONFIG", "/dev/null")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kubectl.json");
    std::fs::write(&file, &out.stdout).unwrap();
    let from_kubectl = srehub()
        .args([
            "doctor",
            "-o",
            "json",
            "--now",
            NOW,
            "--select",
            "K8S100,K8S200,K8S003",
            "--snapshot",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let from_fixture = srehub()
        .args([
            "doctor",
            "-o",
            "json",
            "--now",
            NOW,
            "--select",
            "K8S100,K8S200,K8S003",
            "--snapshot",
        ])
        .arg(fixture())
        .output()
        .unwrap();
    let f = findings(&from_kubectl.stdout);
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(f, findings(&from_fixture.stdout));
}
