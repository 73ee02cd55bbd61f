//! `srehub lint` on Kubernetes manifests, through the real executable.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

mod common;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lint/manifests");

fn srehub(dir: &std::path::Path) -> std::process::Command {
    common::srehub_in(dir)
}

fn findings(stdout: &[u8]) -> Vec<String> {
    common::finding_places(stdout)
}

#[test]
fn manifest_findings_point_at_the_exact_line_and_column() {
    let o = srehub(Path::new(FIXTURES))
        .args(["lint", "app.yaml", "-o", "json", "--kube-version", "1.29"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut got = findings(&o.stdout);
    got.sort();
    let want = [
        "K8S001 app.yaml:18:11", // no liveness probe on container web
        "K8S002 app.yaml:18:11", // no readiness probe
        "K8S003 app.yaml:18:11", // no memory limit
        "K8S012 app.yaml:18:11", // image :latest
        "K8S016 app.yaml:29:1",  // Service selector matches no pods
        "K8S023 app.yaml:41:1",  // extensions/v1beta1 Ingress removed in 1.22
        "K8S300 app.yaml:21:11", // containerPort directly under the container
        "K8S301 app.yaml:24:22", // value: yes is a boolean
        "K8S301 app.yaml:9:13",  // replicas: "3"
        "K8S308 app.yaml:16:27", // ServiceAccount shop not defined
    ];
    for w in want {
        assert!(got.iter().any(|g| g == w), "missing {w} in {got:#?}");
    }
}

#[test]
fn well_written_manifests_are_quiet() {
    let o = srehub(Path::new(FIXTURES))
        .args(["lint", "good.yaml", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(
        findings(&o.stdout),
        Vec::<String>::new(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn stdin_manifests_and_inline_ignores() {
    let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  # srehub:ignore K8S300 kept for an old controller\n  selectr: {app: web}\n  ports:\n    - port: 80\n      targetport: 8080\n";
    let mut child = srehub(Path::new(FIXTURES))
        .args([
            "lint",
            "-",
            "--stdin-kind",
            "manifest",
            "-o",
            "json",
            "--select",
            "manifest",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(findings(&o.stdout), ["K8S300 <stdin>:10:7"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let notes = v["notes"].to_string();
    assert!(notes.contains("1 finding(s) silenced"), "{notes}");
}

#[test]
fn a_baseline_reports_only_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.yaml");
    std::fs::write(
        &m,
        "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {selectr: {}}\n",
    )
    .unwrap();
    let o = srehub(dir.path())
        .args(["lint", "m.yaml", "-o", "json", "--select", "K8S300"])
        .output()
        .unwrap();
    std::fs::write(dir.path().join("baseline.json"), &o.stdout).unwrap();
    // A line added above moves the known finding; a new problem appears below.
    std::fs::write(&m, "# moved\napiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {selectr: {}, tpye: x}\n").unwrap();
    let o = srehub(dir.path())
        .args([
            "lint",
            "m.yaml",
            "-o",
            "json",
            "--select",
            "K8S300",
            "--baseline",
            "baseline.json",
        ])
        .output()
        .unwrap();
    assert_eq!(findings(&o.stdout), ["K8S300 m.yaml:5:21"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn broken_and_foreign_yaml_do_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ok.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("broken.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web: {image: nginx}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("blob.json"), [0xff, 0xfe, 0x00, 0x01]).unwrap();
    let o = srehub(dir.path())
        .args(["lint", ".", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let notes = v["notes"].to_string();
    assert!(notes.contains("broken.yaml:"), "{notes}");
    assert!(notes.contains("not UTF-8"), "{notes}");
    assert!(!notes.contains("compose.yaml"), "{notes}");
    // Only broken input: exit 2 with the file and position.
    let o = srehub(dir.path())
        .args(["lint", "broken.yaml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("broken.yaml:5:1") || err.contains("broken.yaml:4:"),
        "{err}"
    );
}

#[test]
fn a_bad_kube_version_is_a_usage_error() {
    let o = srehub(Path::new(FIXTURES))
        .args(["lint", "good.yaml", "--kube-version", "latest"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--kube-version"));
}

#[test]
fn huge_deeply_nested_and_broken_files_are_named_and_the_rest_is_linted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("ok.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    )
    .unwrap();
    // 50 MB of valid-looking YAML: skipped with a note, not read into memory.
    let mut big = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n");
    while big.len() < 50 << 20 {
        big.push_str(
            "  key: 0123456789012345678901234567890123456789012345678901234567890123456789\n",
        );
    }
    std::fs::write(d.join("big.yaml"), big).unwrap();
    // 100,000 levels of nesting: an error with a position, no stack overflow.
    let deep = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: deep}}\ndata: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    std::fs::write(d.join("deep.yaml"), deep).unwrap();
    std::fs::write(d.join("Dockerfile"), "FROM alpine:3.20\nRUNN echo\n").unwrap();
    let o = srehub(d)
        .args(["lint", ".", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("big.yaml: skipped, larger than 10 MiB"),
        "{notes}"
    );
    assert!(notes.contains("deep.yaml:4:"), "{notes}");
    assert!(notes.contains("Dockerfile:2:"), "{notes}");
    assert!(
        notes.contains("linted 1 Kubernetes manifest file"),
        "{notes}"
    );
}
