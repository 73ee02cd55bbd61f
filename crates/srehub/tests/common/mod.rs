//! Helpers shared by the CLI test binaries.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;

/// The real `srehub` executable, hermetic: no user config, no colour, run in `dir`.
pub fn srehub_in(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("srehub").unwrap();
    c.env_remove("SREHUB_CONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("NO_COLOR", "1")
        .current_dir(dir);
    c
}

/// `CHECK file:line:column` of each finding of a JSON report.
pub fn finding_places(stdout: &[u8]) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}:{}",
                f["check"].as_str().unwrap(),
                f["location"]["file"].as_str().unwrap_or("-"),
                f["location"]["line"],
                f["location"]["column"]
            )
        })
        .collect()
}
