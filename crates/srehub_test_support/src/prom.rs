//! Real Prometheus and Alertmanager servers (Debian's `prometheus` and `prometheus-alertmanager`) on
//! free 127.0.0.1 ports in temporary directories, stopped when dropped. Prometheus starts with history
//! backfilled by `promtool tsdb create-blocks-from openmetrics`, so tests know exactly what happened.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{free_port, require_binary, run_with_timeout};

/// A running server process; killed when dropped.
pub struct Server {
    pub url: String,
    child: Child,
    pub dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Everything the server wrote to its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

/// `GET path` on 127.0.0.1:port; the status code.
fn get_status(port: u16, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(300),
    )
    .ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

fn spawn(bin: &Path, args: &[String], dir: &tempfile::TempDir, port: u16, ready: &str) -> Server {
    spawn_until(bin, args, dir, port, ready, 200)
}

/// [`spawn`], ready when `ready` answers `status`.
fn spawn_until(
    bin: &Path,
    args: &[String],
    dir: &tempfile::TempDir,
    port: u16,
    ready: &str,
    status: u16,
) -> Server {
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let child = Command::new(bin)
        .args(args)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    // The caller moves its directory in; this placeholder is dropped then.
    let mut server = Server {
        url: format!("http://127.0.0.1:{port}"),
        child,
        dir: tempfile::tempdir().unwrap(),
    };
    let start = Instant::now();
    loop {
        if get_status(port, ready) == Some(status) {
            return server;
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!(
                "{} exited ({status}): {}",
                bin.display(),
                std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default()
            );
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{} not ready within 60 s: {}",
            bin.display(),
            std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts Prometheus with `openmetrics` (OpenMetrics text; `# EOF` is added) backfilled and the given
/// rule files (`(name, YAML)`), evaluating rules every `eval` seconds. `None` when Prometheus is not
/// installed outside CI.
pub fn prometheus(openmetrics: &str, rules: &[(&str, &str)], eval_secs: u32) -> Option<Server> {
    let prom = require_binary(&["prometheus"], &[])?;
    let promtool = require_binary(&["promtool"], &[])?;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    if !openmetrics.trim().is_empty() {
        let om = dir.path().join("history.om");
        let mut text = openmetrics.trim_end().to_string();
        if !text.ends_with("# EOF") {
            text.push_str("\n# EOF");
        }
        text.push('\n');
        std::fs::write(&om, text).unwrap();
        run_with_timeout(
            Command::new(&promtool)
                .args(["tsdb", "create-blocks-from", "openmetrics"])
                .arg(&om)
                .arg(&data),
            Duration::from_secs(120),
        );
    }
    let mut rule_paths: Vec<PathBuf> = Vec::new();
    for (name, body) in rules {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        rule_paths.push(p);
    }
    let rule_list = rule_paths
        .iter()
        .map(|p| format!("  - {}\n", p.display()))
        .collect::<String>();
    let config = format!(
        "global:\n  scrape_interval: 15s\n  evaluation_interval: {eval_secs}s\nrule_files:\n{}scrape_configs: []\n",
        if rule_list.is_empty() {
            "  []\n".to_string()
        } else {
            rule_list
        }
    );
    let cfg = dir.path().join("prometheus.yml");
    std::fs::write(&cfg, config).unwrap();
    let port = free_port();
    let args = vec![
        format!("--config.file={}", cfg.display()),
        format!("--storage.tsdb.path={}", data.display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--storage.tsdb.retention.time=3650d".into(),
        "--log.level=warn".into(),
    ];
    let mut s = spawn(&prom, &args, &dir, port, "/-/ready");
    s.dir = dir;
    Some(s)
}

/// Starts Alertmanager with a config that routes everything to a receiver that does nothing.
pub fn alertmanager() -> Option<Server> {
    let am = require_binary(&["prometheus-alertmanager", "alertmanager"], &[])?;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("alertmanager.yml");
    std::fs::write(
        &cfg,
        "route:\n  receiver: blackhole\n  group_by: [alertname]\nreceivers:\n  - name: blackhole\n",
    )
    .unwrap();
    let port = free_port();
    let args = vec![
        format!("--config.file={}", cfg.display()),
        format!("--storage.path={}", dir.path().join("data").display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--cluster.listen-address=".into(),
        "--log.level=warn".into(),
    ];
    let mut s = spawn(&am, &args, &dir, port, "/-/ready");
    s.dir = dir;
    Some(s)
}

/// Starts VictoriaMetrics (single node) and imports `text` (Prometheus exposition lines with
/// millisecond timestamps) through its `/api/v1/import/prometheus` API. `None` when it is not
/// installed outside CI.
pub fn victoria_metrics(text: &str) -> Option<Server> {
    let vm = require_binary(&["victoria-metrics"], &[])?;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let args = vec![
        format!("-storageDataPath={}", dir.path().join("data").display()),
        format!("-httpListenAddr=127.0.0.1:{port}"),
        "-retentionPeriod=100y".into(),
        "-search.disableCache".into(),
        "-loggerLevel=WARN".into(),
    ];
    let mut s = spawn(&vm, &args, &dir, port, "/health");
    s.dir = dir;
    let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        conn,
        "POST /api/v1/import/prometheus HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n{text}",
        text.len()
    )
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.0 204") || answer.starts_with("HTTP/1.1 204"),
        "{answer}"
    );
    // Make the imported data searchable now.
    assert_eq!(get_status(port, "/internal/force_flush"), Some(200));
    Some(s)
}

/// Starts a real `redis-server` on `port` (a free one when `None`), without persistence. `None` when
/// it is not installed outside CI.
pub fn redis(port: Option<u16>) -> Option<Server> {
    let bin = require_binary(&["redis-server"], &[])?;
    let dir = tempfile::tempdir().unwrap();
    let port = port.unwrap_or_else(free_port);
    let args = vec![
        "--port".into(),
        port.to_string(),
        "--bind".into(),
        "127.0.0.1".into(),
        "--save".into(),
        String::new(),
        "--appendonly".into(),
        "no".into(),
        "--dir".into(),
        dir.path().display().to_string(),
    ];
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let child = Command::new(bin)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
            if s.write_all(b"PING\r\n").is_ok() {
                let mut buf = [0u8; 7];
                if s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n" {
                    break;
                }
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "redis-server not ready"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Server {
        url: format!("redis://127.0.0.1:{port}"),
        child,
        dir,
    })
}

/// Starts Debian's `docker-registry` (the CNCF distribution registry) on a free port with filesystem
/// storage in a temporary directory. `None` when it is not installed outside CI.
pub fn docker_registry() -> Option<Server> {
    registry_with("", 200)
}

/// Debian's `docker-registry` requiring bearer tokens of a token service (`realm`), signed by the key
/// of the PEM certificate `cert` with `issuer` and audience `service`: the distribution API's token
/// authentication. Ready when `/v2/` asks for a token (401).
pub fn docker_registry_with_tokens(
    realm: &str,
    service: &str,
    issuer: &str,
    cert: &Path,
) -> Option<Server> {
    let auth = format!(
        "auth:\n  token:\n    realm: {realm}\n    service: {service}\n    issuer: {issuer}\n    rootcertbundle: {}\n",
        cert.display()
    );
    registry_with(&auth, 401)
}

/// The registry with filesystem storage and `extra` configuration, ready when `/v2/` answers `ready`.
fn registry_with(extra: &str, ready: u16) -> Option<Server> {
    let bin = require_binary(&["docker-registry", "registry"], &[])?;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let cfg = dir.path().join("config.yml");
    std::fs::write(
        &cfg,
        format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{extra}",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let mut s = spawn_until(
        &bin,
        &["serve".to_string(), cfg.display().to_string()],
        &dir,
        port,
        "/v2/",
        ready,
    );
    s.dir = dir;
    Some(s)
}
