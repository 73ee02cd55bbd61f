//! `srehub slo`: the real binary on the bundled example specs, with the real `promtool` (Debian's
//! `prometheus` package, installed by `scripts/install-test-deps`) checking the generated rules and
//! running the generated unit tests.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::srehub_in;
use srehub_test_support::{require_binary, workspace_root};

fn examples() -> PathBuf {
    workspace_root().join("examples/slo")
}

fn promtool(dir: &Path, args: &[&str]) -> (bool, String) {
    let bin = require_binary(&["promtool"], &[]).unwrap();
    let out = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn generated_rules_pass_promtool_and_their_tests_prove_the_alerts() {
    if require_binary(&["promtool"], &[]).is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = srehub_in(dir.path())
        .args(["slo", "generate"])
        .arg(examples())
        .args(["-o", "gen"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let gen_dir = dir.path().join("gen");
    for service in ["myservice", "k8s-apiserver", "checkout"] {
        let rules = format!("{service}.rules.yml");
        let (ok, log) = promtool(&gen_dir, &["check", "rules", &rules]);
        assert!(ok, "{rules}: {log}");
        let (ok, log) = promtool(
            &gen_dir,
            &["test", "rules", &format!("{service}.rules.test.yml")],
        );
        assert!(ok, "{service}: {log}");
        let dash: serde_json::Value = serde_json::from_slice(
            &std::fs::read(gen_dir.join(format!("{service}.dashboard.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(dash["title"], format!("SLOs: {service}"));
        assert!(dash["panels"].as_array().unwrap().len() >= 5);
    }
    let rules = std::fs::read_to_string(gen_dir.join("myservice.rules.yml")).unwrap();
    // Exact decimals, and the period ratio from recorded counts, not an average of ratios.
    assert!(rules.contains(">= 0.0144)"), "{rules}");
    assert!(rules.contains(">= 0.006)"));
    assert!(!rules.contains("0.000999"));
    assert!(rules.contains(
        "sum_over_time(slo:sli_error_events:rate5m{sloth_id=\"myservice-requests-availability\""
    ));
    // The 99.95 % latency SLO: budget 0.0005, page threshold 14.4 × 0.0005.
    assert!(rules.contains(">= 0.0072)"));
    assert!(rules.contains("vector(0.9995)"));

    // The suite can fail: a page threshold made twice as lenient no longer fires at 14.4×.
    let broken = rules.replace(">= 0.0144)", ">= 0.0288)");
    std::fs::write(gen_dir.join("myservice.rules.yml"), broken).unwrap();
    let (ok, log) = promtool(&gen_dir, &["test", "rules", "myservice.rules.test.yml"]);
    assert!(!ok, "a broken rule passed: {log}");
    // And an alert that fires too easily (at 0.99× burn) is caught too.
    let eager = rules.replace(">= 0.001)", ">= 0.0009)");
    std::fs::write(gen_dir.join("myservice.rules.yml"), eager).unwrap();
    let (ok, log) = promtool(&gen_dir, &["test", "rules", "myservice.rules.test.yml"]);
    assert!(!ok, "an eager rule passed: {log}");
}

#[test]
fn rules_on_stdout_are_one_rule_file_for_all_services() {
    if require_binary(&["promtool"], &[]).is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = srehub_in(dir.path())
        .args(["slo", "generate"])
        .arg(examples())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    std::fs::write(dir.path().join("all.yml"), &out.stdout).unwrap();
    let (ok, log) = promtool(dir.path(), &["check", "rules", "all.yml"]);
    assert!(ok, "{log}");
    assert!(log.contains("SUCCESS: 72 rules found"), "{log}");
    // A 1-day SLO: its period is one of the alerting windows, recorded once.
    std::fs::write(
        dir.path().join("daily.yml"),
        std::fs::read_to_string(examples().join("checkout-openslo.yml"))
            .unwrap()
            .replace("duration: 28d", "duration: 1d"),
    )
    .unwrap();
    let out = srehub_in(dir.path())
        .args(["slo", "generate", "daily.yml", "-o", "d"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rules = std::fs::read_to_string(dir.path().join("d/checkout.rules.yml")).unwrap();
    assert_eq!(
        rules.matches("record: slo:sli_error:ratio_rate1d").count(),
        1
    );
    let (ok, log) = promtool(
        &dir.path().join("d"),
        &["test", "rules", "checkout.rules.test.yml"],
    );
    assert!(ok, "{log}");
}

#[test]
fn prometheus_rule_resources_carry_the_spec_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let out = srehub_in(dir.path())
        .args(["slo", "generate", "--format", "prometheusrule"])
        .arg(examples().join("k8s-apiserver-crd.yml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["kind"], "PrometheusRule");
    assert_eq!(doc["metadata"]["namespace"], "monitoring");
    assert_eq!(doc["metadata"]["labels"]["prometheus"], "main");
    assert_eq!(doc["spec"]["groups"].as_sequence().unwrap().len(), 3);
    // With -o, the plain rule file is written too, for promtool.
    let out = srehub_in(dir.path())
        .args(["slo", "generate", "--format", "prometheusrule", "-o", "g"])
        .arg(examples().join("k8s-apiserver-crd.yml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    for f in [
        "k8s-apiserver.prometheusrule.yml",
        "k8s-apiserver.rules.yml",
        "k8s-apiserver.rules.test.yml",
    ] {
        assert!(dir.path().join("g").join(f).exists(), "{f}");
    }
}

#[test]
fn bad_specs_exit_2_with_every_problem_located() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(examples().join("myservice.yml")).unwrap();
    std::fs::write(
        dir.path().join("bad.yml"),
        good.replace("objective: 99.9\n", "objective: 120\n")
            .replace(
                "  - name: \"latency\"\n    objective: 99.95",
                "  - name: \"latency\"\n    objectiv: 99.95",
            ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("other.yml"),
        "apiVersion: openslo/v1\nkind: Nope\nmetadata: {name: x}\nspec: {}\n",
    )
    .unwrap();
    let out = srehub_in(dir.path())
        .args(["slo", "validate", "bad.yml", "other.yml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("bad.yml:8:16: slos[0].objective: objective 120 is not a percentage"),
        "{stderr}"
    );
    assert!(
        stderr.contains("other.yml:2:7: kind: unsupported OpenSLO kind `Nope`"),
        "{stderr}"
    );
    let out = srehub_in(dir.path())
        .args(["slo", "generate", "bad.yml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let out = srehub_in(dir.path())
        .args(["slo", "validate"])
        .arg(examples())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "4 SLO(s) of 3 service(s): valid"
    );
}

#[test]
fn report_measures_slos_against_a_real_prometheus() {
    use std::fmt::Write as _;
    // 30 days of the example service's requests: 100 a minute, 0.05 % errors, then 5 % errors over
    // the last three hours.
    // One sample every 5 minutes (500 requests each).
    let now = jiff::Timestamp::now().as_second() / 60 * 60 - 120;
    let steps = 30 * 288 + 2;
    let mut om = String::from("# TYPE http_request_duration_seconds_count counter\n");
    let (mut ok, mut bad) = (0u64, 0u64);
    for k in 0..=steps {
        let t = now - (steps - k) * 300;
        let late = steps - k < 36;
        // 0.05 % = one error every 20 minutes.
        let e = if late {
            25
        } else if k % 4 == 0 {
            1
        } else {
            0
        };
        bad += e;
        ok += 500 - e;
        writeln!(
            om,
            "http_request_duration_seconds_count{{job=\"myservice\",code=\"200\"}} {ok} {t}"
        )
        .unwrap();
        writeln!(
            om,
            "http_request_duration_seconds_count{{job=\"myservice\",code=\"500\"}} {bad} {t}"
        )
        .unwrap();
    }
    let Some(prom) = srehub_test_support::prom::prometheus(&om, &[], 60) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = srehub_in(dir.path())
        .args(["slo", "report", "--prometheus", &prom.url, "-o", "json"])
        .arg(examples().join("myservice.yml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let burn = findings.iter().find(|f| f.0 == "SLO002").unwrap();
    assert_eq!(burn.1, "critical");
    assert!(
        burn.2.starts_with(
            "myservice requests-availability: burning its error budget at 50.0× over 1h"
        ),
        "{findings:#?}"
    );
    let no_data = findings.iter().find(|f| f.0 == "SLO004").unwrap();
    assert!(
        no_data.2.starts_with("myservice latency: no data over 30d"),
        "{findings:#?}"
    );
    let notes: Vec<&str> = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    // About 2,150 + 900 errors of 4,320,000 requests over 30 days: 0.071 % of a 0.1 % budget.
    let avail = notes
        .iter()
        .find(|n| n.starts_with("myservice requests-availability"))
        .unwrap();
    assert!(avail.contains("SLI 99.929 % over rolling 30d"), "{avail}");
    assert!(avail.contains("budget left 29 %"), "{avail}");
    assert!(avail.contains("1h 50.00×"), "{avail}");
    assert!(avail.contains("exhausted in 4 h"), "{avail}");
    // The hub serves the same report at /api/v1/slo.
    let port = srehub_test_support::free_port();
    let mut hub = srehub_in(dir.path())
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--prometheus",
            &prom.url,
            "--slo-specs",
        ])
        .arg(examples().join("myservice.yml"))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let body = loop {
        use std::io::{Read as _, Write as _};
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            write!(s, "GET /api/v1/slo HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
            let mut a = String::new();
            s.read_to_string(&mut a).unwrap();
            break a;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "hub not listening"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let _ = hub.kill();
    let _ = hub.wait();
    assert!(body.starts_with("HTTP/1.0 200"), "{body}");
    let json: serde_json::Value =
        serde_json::from_str(body.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    let checks: Vec<&str> = json["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert!(checks.contains(&"SLO002"), "{checks:?}");
    assert_eq!(json["sources"][0]["name"], "prometheus");
    // Unreachable Prometheus: exit 3.
    let port = srehub_test_support::free_port();
    let out = srehub_in(dir.path())
        .args([
            "slo",
            "report",
            "--prometheus",
            &format!("http://127.0.0.1:{port}"),
        ])
        .arg(examples().join("myservice.yml"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
