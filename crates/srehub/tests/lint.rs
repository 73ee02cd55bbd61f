//! `srehub lint` on Dockerfiles, through the real executable.

#![allow(clippy::unwrap_used)]

use std::process::Stdio;

mod common;

fn srehub(dir: &std::path::Path) -> std::process::Command {
    common::srehub_in(dir)
}

#[test]
fn lints_every_dockerfile_under_a_directory_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("services/api")).unwrap();
    std::fs::create_dir_all(dir.path().join("node_modules/x")).unwrap();
    std::fs::write(
        dir.path().join("services/api/Dockerfile"),
        "FROM python\nWORKDIR /app\nADD app.py /app/\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("worker.Dockerfile"), "FROM golang:1.23@sha256:0123 AS build\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=build /out /app\n").unwrap();
    std::fs::write(
        dir.path().join("node_modules/x/Dockerfile"),
        "FROM ignored\n",
    )
    .unwrap();
    let o = srehub(dir.path())
        .args(["lint", "-o", "json", "--select", "DKR001,DKR002"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["tool"], "lint");
    let places: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}",
                f["check"].as_str().unwrap(),
                f["location"]["file"].as_str().unwrap(),
                f["location"]["line"]
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            "DKR001 ./services/api/Dockerfile:1",
            "DKR002 ./services/api/Dockerfile:3"
        ]
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "warnings do not fail at the default --fail-on critical"
    );
}

#[test]
fn a_broken_file_is_reported_and_the_others_still_linted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM alpine:3.20\nRUNN echo\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("ok.Dockerfile"), "FROM python\n").unwrap();
    let o = srehub(dir.path())
        .args(["lint", "-o", "json", "--select", "DKR001"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("Dockerfile:2:1: unknown instruction `RUNN`"),
        "{notes}"
    );
    assert_eq!(v["summary"]["total"], 1);

    // Nothing lintable at all: exit 2 with the reason.
    std::fs::remove_file(dir.path().join("ok.Dockerfile")).unwrap();
    let o = srehub(dir.path()).args(["lint"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown instruction"));
}

#[test]
fn stdin_needs_a_kind_and_sarif_has_regions() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = srehub(dir.path())
        .args([
            "lint",
            "-",
            "--stdin-kind",
            "dockerfile",
            "-o",
            "sarif",
            "--select",
            "DKR001",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"# base\nFROM node:latest\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let region = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 2);
    let o = srehub(dir.path())
        .args(["lint", "-"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
