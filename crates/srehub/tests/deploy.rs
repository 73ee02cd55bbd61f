//! The files that ship the hub (deploy/, .github/) are checked by srehub itself and by promtool.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::srehub_in;
use srehub_test_support::{require_binary, workspace_root};

#[test]
fn srehub_lint_finds_nothing_in_the_deploy_files() {
    let root = workspace_root();
    let out = srehub_in(&root)
        .args([
            "lint",
            "deploy/",
            ".github/",
            "-o",
            "json",
            "--fail-on",
            "info",
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"], serde_json::json!([]), "{report:#}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn the_hub_slo_rules_are_current_and_pass_promtool() {
    let root = workspace_root();
    let dir = tempfile::tempdir().unwrap();
    let out = srehub_in(&root)
        .args(["slo", "generate", "deploy/slo/srehub.yml", "-o"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    for f in ["srehub.rules.yml", "srehub.rules.test.yml"] {
        let fresh = std::fs::read_to_string(dir.path().join(f)).unwrap();
        let committed = std::fs::read_to_string(root.join("deploy/prometheus").join(f)).unwrap();
        // The header names the spec path as given; the rest must be identical.
        let body = |s: &str| s.lines().skip(1).collect::<Vec<_>>().join("\n");
        assert_eq!(
            body(&committed),
            body(&fresh),
            "deploy/prometheus/{f} is stale: run `srehub slo generate deploy/slo/srehub.yml -o deploy/prometheus/`"
        );
    }
    let Some(promtool) = require_binary(&["promtool"], &[]) else {
        return;
    };
    let prom = root.join("deploy/prometheus");
    let check = Command::new(&promtool)
        .args(["check", "rules", "srehub.rules.yml", "srehub-hub.rules.yml"])
        .current_dir(&prom)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let test = Command::new(&promtool)
        .args(["test", "rules", "srehub.rules.test.yml"])
        .current_dir(&prom)
        .output()
        .unwrap();
    assert!(
        test.status.success(),
        "{}",
        String::from_utf8_lossy(&test.stdout)
    );
}

#[test]
fn every_alert_has_a_runbook_and_the_dashboards_parse() {
    let root = workspace_root();
    let mut urls = Vec::new();
    for f in ["srehub.rules.yml", "srehub-hub.rules.yml"] {
        let text = std::fs::read_to_string(root.join("deploy/prometheus").join(f)).unwrap();
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
        for g in doc["groups"].as_sequence().unwrap() {
            for r in g["rules"].as_sequence().unwrap() {
                if r.get("alert").is_some() {
                    urls.push(
                        r["annotations"]["runbook_url"]
                            .as_str()
                            .unwrap()
                            .to_string(),
                    );
                }
            }
        }
    }
    assert!(urls.len() >= 7);
    for u in urls {
        let rel = u.split("/blob/main/").nth(1).unwrap();
        assert!(root.join(rel).is_file(), "runbook {rel} is missing");
    }
    for d in ["srehub.json", "srehub-slos.json"] {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(root.join("deploy/grafana").join(d)).unwrap())
                .unwrap();
        assert!(v["panels"].as_array().unwrap().len() >= 5, "{d}");
    }
}
