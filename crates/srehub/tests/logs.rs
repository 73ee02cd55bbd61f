//! `srehub logs`: the real binary on realistic log files (written to a temporary directory).

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::path::Path;

use common::srehub_in;

const SSH: &str = "\
Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186
Dec 10 06:55:46 LabSZ sshd[24200]: input_userauth_request: invalid user webmaster [preauth]
Dec 10 06:55:48 LabSZ sshd[24200]: Connection closed by 173.234.31.186 [preauth]
Dec 10 07:02:47 LabSZ sshd[24203]: Invalid user test9 from 52.80.34.196
Dec 10 07:02:47 LabSZ sshd[24203]: Connection closed by 52.80.34.196 [preauth]
Dec 10 07:07:38 LabSZ sshd[24206]: Invalid user admin from 103.99.0.122
Dec 10 07:08:28 LabSZ sshd[24208]: Invalid user oracle from 103.99.0.122
Dec 10 07:08:29 LabSZ sshd[24208]: Invalid user support from 103.99.0.122
Dec 10 07:09:01 LabSZ sshd[24210]: Location icon should now be in state Active
Dec 10 07:09:02 LabSZ sshd[24210]: Location icon should now be in state Inactive
";
const SSH_PATTERN: &str = r"<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>";

fn write(dir: &Path, name: &str, text: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// Runs srehub in `dir` and asserts that it exited 0 (stderr shown otherwise).
fn run_ok(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = srehub_in(dir).args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

#[test]
fn templates_group_messages_and_report_counts_lines_and_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "auth.log", SSH.as_bytes());
    let out = run_ok(
        dir.path(),
        &[
            "logs",
            "templates",
            &f,
            "--pattern",
            SSH_PATTERN,
            "-o",
            "json",
        ],
    );
    let v = json(&out.stdout);
    assert_eq!(v["schema"], "srehub.logs.templates/v1");
    assert_eq!(v["records"], 10);
    let mut t: Vec<(String, u64)> = v["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["template"].as_str().unwrap().to_string(),
                t["count"].as_u64().unwrap(),
            )
        })
        .collect();
    // Most frequent first; ties in id order, which is a hash: compare them by text.
    t.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    assert_eq!(
        t,
        vec![
            ("Invalid user <*> from <*>".to_string(), 5),
            ("Connection closed by <*> [preauth]".to_string(), 2),
            ("Location icon should now be in state Active".to_string(), 1),
            (
                "Location icon should now be in state Inactive".to_string(),
                1
            ),
            (
                "input_userauth_request: invalid user webmaster [preauth]".to_string(),
                1
            ),
        ]
    );
    let invalid = &v["templates"][0];
    assert_eq!(invalid["first_line"], 1);
    assert_eq!(invalid["last_line"], 8);
    assert_eq!(
        invalid["example"],
        "Invalid user webmaster from 173.234.31.186"
    );
    let users = invalid["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["position"] == 2)
        .unwrap();
    assert_eq!(users["values"].as_array().unwrap().len(), 5);
    let ips = invalid["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["position"] == 4)
        .unwrap();
    assert_eq!(ips["values"][0], serde_json::json!(["103.99.0.122", 3]));
}

#[test]
fn csv_has_one_row_per_input_line_in_the_benchmark_format() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "auth.log", SSH.as_bytes());
    let out = run_ok(
        dir.path(),
        &[
            "logs",
            "templates",
            &f,
            "--pattern",
            SSH_PATTERN,
            "-o",
            "csv",
        ],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.splitn(3, ',').collect()).collect();
    assert_eq!(rows[0], vec!["LineId", "EventId", "EventTemplate"]);
    assert_eq!(rows.len(), 11);
    for (i, r) in rows[1..].iter().enumerate() {
        assert_eq!(r[0], (i + 1).to_string());
        assert!(r[1].starts_with('T') && r[1].len() == 9, "{r:?}");
    }
    // Lines 1, 4, 6, 7, 8 share a template; 3 and 5 another; 9 and 10 differ.
    assert!([4, 6, 7, 8].iter().all(|&i| rows[i][1] == rows[1][1]));
    assert_eq!(rows[3][1], rows[5][1]);
    assert_ne!(rows[9][1], rows[10][1]);
    assert_eq!(rows[1][2], "Invalid user <*> from <*>");
}

#[test]
fn a_state_file_keeps_ids_and_counts_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "auth.log", SSH.as_bytes());
    let state = dir.path().join("state.json").display().to_string();
    let run = || {
        let out = run_ok(
            dir.path(),
            &[
                "logs",
                "templates",
                &f,
                "--pattern",
                SSH_PATTERN,
                "-o",
                "json",
                "--state",
                &state,
            ],
        );
        json(&out.stdout)
    };
    let first = run();
    let second = run();
    assert_eq!(first["templates"][0]["id"], second["templates"][0]["id"]);
    assert_eq!(second["templates"][0]["count"], 10);
    std::fs::write(&state, "{not json").unwrap();
    let out = srehub_in(dir.path())
        .args(["logs", "templates", &f, "--state", &state])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("state.json:1:2"), "{err}");
}

#[test]
fn parse_normalizes_json_logfmt_and_plain_lines_in_one_stream_and_filters_them() {
    let dir = tempfile::tempdir().unwrap();
    let mixed = concat!(
        r#"{"time":"2024-05-01T10:00:00Z","level":"info","msg":"request served","status":200,"http":{"path":"/a"}}"#,
        "\n",
        r#"{"time":"2024-05-01T10:00:01Z","level":"error","msg":"upstream timeout","status":504,"http":{"path":"/b"}}"#,
        "\n",
        "ts=2024-05-01T10:00:02Z level=warn msg=\"slow query\" duration_ms=812 table=orders\n",
        "a plain line in the middle\n",
        r#"{"time":"2024-05-01T10:00:03Z","level":"error","msg":"db down","status":500}"#,
        "\n",
    );
    let f = write(dir.path(), "app.log", mixed.as_bytes());
    let out = run_ok(dir.path(), &["logs", "parse", &f]);
    let recs: Vec<serde_json::Value> = out
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(json)
        .collect();
    assert_eq!(recs.len(), 5);
    assert_eq!(recs[0]["http.path"], "/a");
    assert_eq!(recs[0]["timestamp"], "2024-05-01T10:00:00Z");
    assert_eq!(recs[1]["level"], "error");
    assert_eq!(recs[2]["format"], "logfmt");
    assert_eq!(recs[2]["duration_ms"], 812);
    assert_eq!(recs[3]["message"], "a plain line in the middle");
    assert_eq!(recs[3]["line"], 4);

    let out = run_ok(
        dir.path(),
        &[
            "logs",
            "parse",
            &f,
            "--where",
            "level>=error",
            "--where",
            "status>=500",
            "--output",
            "logfmt",
        ],
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "ts=2024-05-01T10:00:01Z level=error msg=\"upstream timeout\" status=504 http.path=/b\n\
         ts=2024-05-01T10:00:03Z level=error msg=\"db down\" status=500\n"
    );
    let out = srehub_in(dir.path())
        .args([
            "logs",
            "parse",
            &f,
            "--since",
            "2024-05-01T10:00:01Z",
            "--until",
            "2024-05-01T10:00:03Z",
            "-c",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "2\n");
}

#[test]
fn gzip_files_directories_globs_and_stdin_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("logs");
    std::fs::create_dir(&sub).unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(b"one ERROR here\ntwo fine\n").unwrap();
    write(&sub, "a.log.gz", &enc.finish().unwrap());
    write(&sub, "b.log", b"three ERROR\nfour ERROR\n");
    let count = |args: &[&str], stdin: Option<&str>| {
        let mut c = srehub_in(dir.path());
        c.args([
            "logs",
            "parse",
            "--format",
            "plain",
            "--where",
            "msg~ERROR",
            "-c",
        ])
        .args(args);
        let out = match stdin {
            Some(s) => {
                use std::process::Stdio;
                let mut child = c
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap();
                child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
                child.wait_with_output().unwrap()
            }
            None => c.output().unwrap(),
        };
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    assert_eq!(count(&["logs"], None), "3");
    assert_eq!(count(&["logs/*.gz"], None), "1");
    assert_eq!(count(&["-"], Some("x ERROR\ny\n")), "1");
    // The generic path (a regex) gives the same counts as the substring fast path.
    let out = srehub_in(dir.path())
        .args([
            "logs",
            "parse",
            "logs",
            "--format",
            "plain",
            "--where",
            "msg~ERR(OR)",
            "-c",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "3\n");
}

#[test]
fn bad_bytes_truncated_gzip_and_huge_lines_never_stop_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = b"ok line 1\n\xff\xfe binary \x00\x01 garbage\n".to_vec();
    data.extend(std::iter::repeat_n(b'x', 3 << 20));
    data.extend(b"\nok line 4\n");
    let f = write(dir.path(), "bad.log", &data);
    let out = run_ok(
        dir.path(),
        &[
            "logs",
            "templates",
            &f,
            "-o",
            "json",
            "--max-line",
            "1048576",
        ],
    );
    let v = json(&out.stdout);
    assert_eq!(v["records"], 4);
    assert_eq!(v["streams"][0]["cut_lines"], 1);
    assert_eq!(v["streams"][0]["invalid_utf8"], 1);

    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for i in 0..5000 {
        writeln!(enc, "request {i} served in {} ms", i % 97).unwrap();
    }
    let gz = enc.finish().unwrap();
    let g = write(dir.path(), "cut.log.gz", &gz[..gz.len() / 2]);
    let out = run_ok(dir.path(), &["logs", "templates", &g, "-o", "json"]);
    let v = json(&out.stdout);
    assert!(v["records"].as_u64().unwrap() > 100);
    assert!(
        v["streams"][0]["error"]
            .as_str()
            .unwrap()
            .contains("cut.log.gz")
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("read error"));
}

#[test]
fn usage_errors_name_the_flag_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "a.log", b"x\n");
    for (args, needle) in [
        (
            vec!["logs", "templates", f.as_str(), "--pattern", "(?P<x>["],
            "--pattern",
        ),
        (
            vec!["logs", "parse", f.as_str(), "--where", "level>=loud"],
            "unknown level",
        ),
        (
            vec!["logs", "parse", f.as_str(), "--since", "yesterday"],
            "--since",
        ),
        (vec!["logs", "parse", "missing.log"], "missing.log"),
        (
            vec!["logs", "templates", f.as_str(), "--similarity", "2"],
            "--similarity",
        ),
    ] {
        let out = srehub_in(dir.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn openmetrics_counts_per_template() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "auth.log", SSH.as_bytes());
    let out = srehub_in(dir.path())
        .args([
            "logs",
            "templates",
            &f,
            "--pattern",
            SSH_PATTERN,
            "-o",
            "openmetrics",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(r#"template="Invalid user <*> from <*>"} 5"#),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"));
}

#[test]
fn masking_rules_are_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "a.log",
        b"job 1 done by user-ann\njob 2 done by user-bob\n",
    );
    let templates = |extra: &[&str]| {
        let out = srehub_in(dir.path())
            .args(["logs", "templates", &f, "-o", "json", "--enum-values", "0"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        json(&out.stdout)["templates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["template"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(templates(&[]), vec!["job <*> done by <*>"]);
    assert_eq!(
        templates(&["--no-generic-masks", "--mask", "^user-[a-z]+$"]),
        vec!["job <*> done by <*>"]
    );
    // Without any masking the two lines still share a template (Drain generalizes the differences),
    // but the user position is learned, not masked: a one-line input keeps its words.
    let single = write(dir.path(), "b.log", b"job 7 done by user-ann\n");
    let out = srehub_in(dir.path())
        .args([
            "logs",
            "templates",
            &single,
            "-o",
            "json",
            "--no-generic-masks",
        ])
        .output()
        .unwrap();
    assert_eq!(
        json(&out.stdout)["templates"][0]["template"],
        "job 7 done by user-ann"
    );
    let out = srehub_in(dir.path())
        .args([
            "logs",
            "templates",
            &single,
            "-o",
            "json",
            "--mask",
            "^user-[a-z]+$",
        ])
        .output()
        .unwrap();
    assert_eq!(
        json(&out.stdout)["templates"][0]["template"],
        "job <*> done by <*>"
    );
}

#[test]
fn numeric_parameters_become_histograms() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (1..=200)
        .map(|i| format!("request served in {i} ms\n"))
        .collect();
    let f = write(dir.path(), "lat.log", text.as_bytes());
    let out = srehub_in(dir.path())
        .args(["logs", "templates", &f, "-o", "json"])
        .output()
        .unwrap();
    let v = json(&out.stdout);
    let t = &v["templates"][0];
    assert_eq!(t["template"], "request served in <*> <*>");
    let n = &t["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["position"] == 3)
        .unwrap()["numeric"];
    assert_eq!(n["count"], 200);
    assert_eq!(n["min"], 1.0);
    assert_eq!(n["max"], 200.0);
    assert_eq!(n["mean"], 100.5);
    let p90 = n["p90"].as_f64().unwrap();
    assert!((180.0..=214.0).contains(&p90), "{p90}");
    let total: u64 = n["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 200);
    let out = srehub_in(dir.path())
        .args(["logs", "templates", &f, "-o", "openmetrics"])
        .output()
        .unwrap();
    let om = String::from_utf8(out.stdout).unwrap();
    assert!(om.contains("# TYPE srehub_log_parameter histogram"), "{om}");
    assert!(om.contains(r#"position="3",le="+Inf"} 200"#), "{om}");
    assert!(
        om.contains(r#"srehub_log_parameter_sum{template_id="#),
        "{om}"
    );
}

/// Thirty minutes of a service's JSON logs with planted events: a burst of retries at 10:15, a
/// heartbeat that stops at 10:20, a new error from 10:22, and one request failing across services.
fn incident_log() -> String {
    let mut out = String::new();
    let mut line = |ts: String, level: &str, msg: &str, extra: &str| {
        let extra = if extra.is_empty() {
            r#","service":"api""#
        } else {
            extra
        };
        out.push_str(&format!(
            r#"{{"time":"{ts}","level":"{level}","msg":"{msg}"{extra}}}"#
        ));
        out.push('\n');
    };
    for minute in 0..30 {
        for i in 0..50 {
            line(
                format!("2024-05-01T10:{minute:02}:{:02}Z", i % 60),
                "info",
                &format!("request served in {} ms", 10 + i),
                "",
            );
        }
        if minute < 20 {
            for i in 0..30 {
                line(
                    format!("2024-05-01T10:{minute:02}:{:02}Z", i * 2),
                    "debug",
                    "heartbeat ok",
                    "",
                );
            }
        }
        let retries = if minute == 15 { 80 } else { 2 };
        for i in 0..retries {
            line(
                format!("2024-05-01T10:{minute:02}:{:02}Z", i % 60),
                "warn",
                &format!("retrying connection to db-{} attempt {i}", i % 3),
                "",
            );
        }
        if minute >= 22 {
            line(
                format!("2024-05-01T10:{minute:02}:30Z"),
                "error",
                "connection pool exhausted",
                "",
            );
        }
    }
    line(
        "2024-05-01T10:25:00Z".into(),
        "info",
        "GET /orders/42",
        r#","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","service":"gateway""#,
    );
    line(
        "2024-05-01T10:25:01Z".into(),
        "error",
        "order lookup failed: db timeout",
        r#","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","service":"orders""#,
    );
    out
}

#[test]
fn analyze_finds_the_burst_the_drop_the_new_error_and_the_failing_trace() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "api.log", incident_log().as_bytes());
    let out = srehub_in(dir.path())
        .args(["logs", "analyze", &f, "-o", "json", "--fail-on", "warning"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out.stdout);
    assert_eq!(v["tool"], "logs");
    let findings: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |code: &str, needle: &str| {
        findings
            .iter()
            .any(|(c, m)| c == code && m.contains(needle))
    };
    assert!(
        has(
            "LOG003",
            "burst at 2024-05-01T10:15:00Z: 80 lines of `retrying connection to db-<*> attempt <*>`"
        ),
        "{findings:#?}"
    );
    assert!(
        has(
            "LOG004",
            "drop at 2024-05-01T10:20:00Z: `heartbeat ok` fell to 0"
        ),
        "{findings:#?}"
    );
    assert!(
        has(
            "LOG002",
            "new since 2024-05-01T10:22:00Z: `connection pool exhausted`"
        ),
        "{findings:#?}"
    );
    assert!(
        has(
            "LOG001",
            "8 lines (0.4 %) of `connection pool exhausted`; only in the second half"
        ),
        "{findings:#?}"
    );
    // The retries returning to normal after their burst are not a drop.
    assert!(!has("LOG004", "retrying"), "{findings:#?}");
    assert!(
        has(
            "LOG005",
            "trace 4bf92f3577b34da6a3ce929d0e0e4736: 1 error record(s) of 2 across gateway → orders over 1000 ms"
        ),
        "{findings:#?}"
    );
    // The steady request template raises nothing.
    assert!(
        !findings.iter().any(|(_, m)| m.contains("request served")),
        "{findings:#?}"
    );
    // Locations point into the file.
    let burst = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "LOG003")
        .unwrap();
    assert_eq!(burst["location"]["file"], f);
    assert_eq!(burst["resource"]["kind"], "LogTemplate");
    // The timeline: records per minute stacked by level, in JSON and drawn in the HTML report.
    let chart = &v["charts"][0];
    assert_eq!(chart["id"], "timeline");
    assert_eq!(chart["x"].as_array().unwrap().len(), 30);
    assert_eq!(chart["x"][15], "2024-05-01 10:15");
    let series = |name: &str| -> Vec<f64> {
        chart["series"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    assert_eq!(series("warn")[15], 80.0);
    assert_eq!(series("warn")[14], 2.0);
    assert_eq!(series("error").iter().sum::<f64>(), 9.0);
    assert_eq!(series("other")[19], 30.0);
    assert_eq!(series("other")[20], 0.0);
    let html = srehub_in(dir.path())
        .args(["logs", "analyze", &f, "-o", "html"])
        .output()
        .unwrap();
    let html = String::from_utf8(html.stdout).unwrap();
    assert!(html.contains(r#"<section class="chart-box" id="chart-timeline">"#));
    assert!(html.contains("<title>2024-05-01 10:15: 160, warn 80, info 50, other 30</title>"));
}

#[test]
fn analyze_findings_point_at_the_line_of_their_own_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.log", b"ok one\nok two\nok three\n");
    let b = write(dir.path(), "b.log", b"fine\nERROR disk full on sda\n");
    let out = run_ok(dir.path(), &["logs", "analyze", &a, &b, "-o", "json"]);
    let v = json(&out.stdout);
    let f = &v["findings"][0];
    assert_eq!(f["check"], "LOG001");
    assert_eq!(f["location"]["file"], b.as_str());
    assert_eq!(f["location"]["line"], 2);
}
