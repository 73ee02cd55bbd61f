//! Renderers: one report, every output format.

mod html;
mod junit;
mod markdown;
mod sarif;
mod table;

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use crate::{Error, Report};

/// The output formats of every report (`-o`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Aligned, coloured table for people (default on a terminal).
    Table,
    /// The `srehub.report/v1` JSON contract (default when stdout is not a terminal).
    Json,
    /// The same document as YAML.
    Yaml,
    /// SARIF 2.1.0 for code-scanning tools.
    Sarif,
    /// JUnit XML: one test case per check, one failure per finding.
    Junit,
    /// GitHub-flavoured Markdown, for PR comments and wikis.
    Markdown,
    /// One self-contained HTML page with a summary chart.
    Html,
}

impl Format {
    /// Every format, in the order shown in `--help`.
    pub const ALL: [Format; 7] = [
        Format::Table,
        Format::Json,
        Format::Yaml,
        Format::Sarif,
        Format::Junit,
        Format::Markdown,
        Format::Html,
    ];

    /// The name used by `-o`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Yaml => "yaml",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Table => "txt",
            Format::Json => "json",
            Format::Yaml => "yaml",
            Format::Sarif => "sarif",
            Format::Junit => "xml",
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| {
                f.as_str() == s
                    || (s == "md" && *f == Format::Markdown)
                    || (s == "yml" && *f == Format::Yaml)
            })
            .ok_or_else(|| {
                let names: Vec<_> = Format::ALL.iter().map(|f| f.as_str()).collect();
                format!(
                    "unknown output format `{s}` (expected one of {})",
                    names.join(", ")
                )
            })
    }
}

/// How to render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// ANSI colour in the table (the caller decides from the terminal and `NO_COLOR`).
    pub color: bool,
    /// Width to fit the table to; `None` does not wrap.
    pub width: Option<u16>,
    /// srehub's version, recorded in SARIF and HTML.
    pub version: String,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            width: None,
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// Writes `report` in `format`.
pub fn render(
    report: &Report,
    format: Format,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> Result<(), Error> {
    match format {
        Format::Table => table::render(report, opts, out)?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report).map_err(|e| Error::Serialize {
                format: "json",
                source: Box::new(e),
            })?;
            out.write_all(b"\n")?;
        }
        Format::Yaml => {
            serde_yaml_ng::to_writer(&mut *out, report).map_err(|e| Error::Serialize {
                format: "yaml",
                source: Box::new(e),
            })?;
        }
        Format::Sarif => sarif::render(report, opts, out)?,
        Format::Junit => junit::render(report, out)?,
        Format::Markdown => markdown::render(report, out)?,
        Format::Html => html::render(report, opts, out)?,
    }
    out.flush()?;
    Ok(())
}

/// Renders to a string (tests, HTTP bodies).
pub fn render_to_string(
    report: &Report,
    format: Format,
    opts: &RenderOptions,
) -> Result<String, Error> {
    let mut buf = Vec::new();
    render(report, format, opts, &mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// The width of the terminal on stdout, if it is one.
pub fn terminal_width() -> Option<u16> {
    comfy_table::Table::new().width()
}

/// The marker shown before a severity in text formats.
pub(crate) fn marker(s: crate::Severity) -> &'static str {
    match s {
        crate::Severity::Critical => "✖",
        crate::Severity::Warning => "▲",
        crate::Severity::Info => "●",
    }
}

/// Where a finding is, for text formats: its location if it has one, else its resource.
pub(crate) fn place(f: &crate::Finding) -> String {
    match (&f.location, &f.resource) {
        (Some(l), _) => l.to_string(),
        (None, Some(r)) => r.to_string(),
        (None, None) => String::new(),
    }
}

/// One line summarising counts, as printed under tables and in Markdown.
pub(crate) fn summary_line(r: &Report) -> String {
    let s = &r.summary;
    let mut line = format!(
        "{} critical, {} warning, {} info from {} checks",
        s.critical, s.warning, s.info, s.checks_run
    );
    if let Some(score) = s.score {
        line.push_str(&format!(", score {score}/100"));
    }
    line
}

#[cfg(test)]
pub(crate) mod sample {
    use crate::{Category, CheckMeta, Finding, Location, Report, Resource, Severity};

    pub const MEM: CheckMeta = CheckMeta {
        code: "K8S003",
        name: "container-without-memory-limit",
        severity: Severity::Warning,
        category: Category::Reliability,
        group: "audit",
        raw_doc: " ## What it checks\n Containers that set no memory limit.\n ## How to fix\n Set `resources.limits.memory`.\n",
    };
    pub const CRASH: CheckMeta = CheckMeta {
        code: "K8S200",
        name: "pod-crash-looping",
        severity: Severity::Critical,
        category: Category::Health,
        group: "diagnose",
        raw_doc: " ## What it checks\n Pods whose containers restart in a loop.\n",
    };
    pub const TAG: CheckMeta = CheckMeta {
        code: "DKR001",
        name: "image-latest-tag",
        severity: Severity::Info,
        category: Category::BestPractice,
        group: "",
        raw_doc: " ## What it checks\n Images without a pinned tag.\n",
    };
    pub const CLEAN: CheckMeta = CheckMeta {
        code: "K8S001",
        name: "container-without-liveness-probe",
        severity: Severity::Warning,
        category: Category::Reliability,
        group: "audit",
        raw_doc: " ## What it checks\n Containers without a liveness probe.\n",
    };

    /// A report with one finding of each severity, one with a file location, and a clean check; the
    /// strings carry characters every format must escape.
    pub fn report() -> Report {
        let findings = vec![
            Finding::new(&MEM, "Container `app` sets no memory limit")
                .resource(
                    Resource::new("Deployment", "api")
                        .in_namespace("payments")
                        .container("app"),
                )
                .hint("Set resources.limits.memory from observed usage"),
            Finding::new(
                &CRASH,
                "Container <worker> & \"sidecar\" restarted 27 times | last exit code 1",
            )
            .resource(Resource::new("Pod", "worker-5f7c9").in_namespace("batch")),
            Finding::new(&TAG, "Image `nginx` has no tag")
                .location(Location {
                    file: "deploy/Dockerfile".into(),
                    line: Some(3),
                    column: Some(6),
                })
                .fix(crate::fix::Fix {
                    description: "pin the tag".into(),
                    edits: vec![crate::fix::Edit::insert(3, 11, ":1.27")],
                }),
        ];
        let mut r = Report::new(
            "doctor",
            "2026-11-20T10:00:00Z".parse().expect("valid timestamp"),
            findings,
            vec![&CLEAN, &MEM, &CRASH, &TAG],
        )
        .with_target("examples/demo-cluster");
        r.summary.score = Some(71);
        r.note(
            crate::NoteLevel::Info,
            "metrics API absent: node load checks skipped",
        );
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_snapshot_is_the_v1_contract() {
        let s =
            render_to_string(&sample::report(), Format::Json, &RenderOptions::default()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["schema"], "srehub.report/v1");
        assert_eq!(v["summary"]["critical"], 1);
        assert_eq!(v["findings"][0]["resource"]["namespace"], "batch");
        assert!(v["findings"][0].get("location").is_none());
        insta::assert_snapshot!(s);
    }

    #[test]
    fn json_round_trips() {
        let s =
            render_to_string(&sample::report(), Format::Json, &RenderOptions::default()).unwrap();
        let back: Report = serde_json::from_str(&s).unwrap();
        assert_eq!(back.findings, sample::report().findings);
        assert_eq!(back.summary, sample::report().summary);
    }

    #[test]
    fn yaml_snapshot() {
        insta::assert_snapshot!(
            render_to_string(&sample::report(), Format::Yaml, &RenderOptions::default()).unwrap()
        );
    }

    #[test]
    fn format_names_parse() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        }
        assert_eq!("md".parse::<Format>(), Ok(Format::Markdown));
        assert!("xml".parse::<Format>().is_err());
    }
}
