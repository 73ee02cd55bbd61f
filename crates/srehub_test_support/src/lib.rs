//! Test support: what tests need to use real components instead of mocks.
//!
//! - [`free_port`]: a free loopback port (tests never bind fixed ports).
//! - [`require_binary`]: find a real server or tool; outside CI a missing one skips the test with a
//!   message, under CI (`CI=true`) it fails the test, because `.ci/run` installs it.
//! - [`chromium_dump_dom`] / [`chromium_screenshot`]: headless Chromium (Debian's `chromium`).

#![allow(clippy::unwrap_used)]

pub mod fake_kube;
pub mod fake_loki;
pub mod prom;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether this run is CI (`CI` set to anything but empty/`false`/`0`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Finds an executable on `PATH` (or one of `extra_dirs`). When it is missing: under CI, panics (CI
/// installs it, so its absence is a bug); otherwise prints why the test is skipped and returns `None`.
pub fn require_binary(names: &[&str], extra_dirs: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path)
        .chain(extra_dirs.iter().map(PathBuf::from))
        .collect();
    for name in names {
        for d in &dirs {
            let p = d.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    let msg = format!(
        "{} not installed (`.ci/run` installs it)",
        names.join(" or ")
    );
    assert!(!in_ci(), "{msg}");
    eprintln!("SKIPPED: {msg}");
    None
}

/// Runs a command with a time limit, returning its stdout; panics with its stderr on failure.
fn run_with_timeout(cmd: &mut Command, limit: Duration) -> Vec<u8> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            assert!(
                status.success(),
                "{cmd:?} failed ({status}): {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return out.stdout;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("{cmd:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn chromium(profile: &Path) -> Option<Command> {
    let bin = require_binary(&["chromium", "chromium-browser", "google-chrome"], &[])?;
    let mut c = Command::new(bin);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    Some(c)
}

/// Loads a local HTML file in headless Chromium and returns the DOM after rendering; `None` when
/// Chromium is missing outside CI.
pub fn chromium_dump_dom(html: &Path) -> Option<String> {
    let profile = tempfile::tempdir().unwrap();
    let mut c = chromium(profile.path())?;
    c.arg("--dump-dom")
        .arg(format!("file://{}", html.canonicalize().unwrap().display()));
    Some(String::from_utf8_lossy(&run_with_timeout(&mut c, Duration::from_secs(90))).into_owned())
}

/// Renders a local HTML file to a PNG screenshot.
pub fn chromium_screenshot(html: &Path, png: &Path, width: u32, height: u32) -> Option<()> {
    let profile = tempfile::tempdir().unwrap();
    let mut c = chromium(profile.path())?;
    c.arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={width},{height}"))
        .arg("--hide-scrollbars")
        .arg(format!("file://{}", html.canonicalize().unwrap().display()));
    run_with_timeout(&mut c, Duration::from_secs(90));
    Some(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn free_ports_are_bindable() {
        let p = super::free_port();
        std::net::TcpListener::bind(("127.0.0.1", p)).unwrap();
    }
}
