use serde::{Deserialize, Serialize};

use crate::{CheckMeta, ExitCode, Finding, Severity};

/// The value of `schema` in every JSON report: the version of the report contract.
pub const REPORT_SCHEMA: &str = "srehub.report/v1";

/// Counts of a report's findings. Part of the `srehub.report/v1` contract.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
    /// All findings.
    pub total: usize,
    /// How many checks ran.
    pub checks_run: usize,
    /// A 0–100 health score, where the tool computes one (100 is clean).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
}

impl Summary {
    /// The count of one severity.
    pub fn count(&self, s: Severity) -> usize {
        match s {
            Severity::Critical => self.critical,
            Severity::Warning => self.warning,
            Severity::Info => self.info,
        }
    }
}

/// How much a note matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoteLevel {
    Info,
    Warning,
}

/// Something the reader should know that is not a finding: a check skipped because its input was
/// absent, a source that answered partially, an unknown kind that was ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub level: NoteLevel,
    pub message: String,
}

/// A chart of series over a shared x axis, attached to a report: the HTML page draws it, JSON and YAML
/// carry its data (an optional, additive part of `srehub.report/v1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    /// Stable id (`timeline`).
    pub id: String,
    pub title: String,
    pub kind: ChartKind,
    /// What the x axis counts (`time (UTC)`, `input line`).
    pub x_label: String,
    /// What a value is (`records per 60 s`).
    pub y_label: String,
    /// One label per x position (bucket starts).
    pub x: Vec<String>,
    /// Each series has one value per x position.
    pub series: Vec<Series>,
}

/// How a chart is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// One bar per x position, the series stacked (a histogram over time).
    StackedBars,
    /// A grid: one row per series, one cell per x position, shaded by value.
    Heatmap,
    /// One line per series (latency percentiles over time).
    Lines,
}

/// One named series of a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// A tool's result: findings plus summary. Renderers turn it into every output format; its JSON form is
/// the `srehub.report/v1` contract documented in docs/report-format.md.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Always [`REPORT_SCHEMA`].
    pub schema: String,
    /// The tool that made the report (`doctor`, `lint`, …).
    pub tool: String,
    /// What was analyzed: a cluster context, a snapshot path, a set of files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub generated_at: jiff::Timestamp,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// Charts of the analyzed data (the log timeline), when the tool has any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub charts: Vec<Chart>,
    /// The checks that ran, for renderers that list rules (SARIF) or one test per check (JUnit).
    #[serde(skip)]
    pub checks: Vec<&'static CheckMeta>,
}

impl Report {
    /// A report of the findings of the checks that ran; findings are sorted and the summary counted.
    pub fn new(
        tool: impl Into<String>,
        generated_at: jiff::Timestamp,
        mut findings: Vec<Finding>,
        checks: Vec<&'static CheckMeta>,
    ) -> Self {
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let mut r = Report {
            schema: REPORT_SCHEMA.to_string(),
            tool: tool.into(),
            target: None,
            generated_at,
            summary: Summary::default(),
            findings,
            notes: Vec::new(),
            charts: Vec::new(),
            checks,
        };
        r.recount();
        r
    }

    /// Recomputes the summary counts from the findings (the score is kept).
    pub fn recount(&mut self) {
        let mut s = Summary {
            score: self.summary.score,
            checks_run: self.checks.len().max(self.summary.checks_run),
            ..Summary::default()
        };
        for f in &self.findings {
            match f.severity {
                Severity::Critical => s.critical += 1,
                Severity::Warning => s.warning += 1,
                Severity::Info => s.info += 1,
            }
        }
        s.total = self.findings.len();
        self.summary = s;
    }

    /// Sets what was analyzed.
    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Adds a note.
    pub fn note(&mut self, level: NoteLevel, message: impl Into<String>) {
        self.notes.push(Note {
            level,
            message: message.into(),
        });
    }

    /// The exit code for CI: [`ExitCode::Findings`] when any finding is at or above `fail_on`.
    pub fn exit_code(&self, fail_on: Severity) -> ExitCode {
        if self.findings.iter().any(|f| f.severity >= fail_on) {
            ExitCode::Findings
        } else {
            ExitCode::Clean
        }
    }

    /// The metadata of a check that ran, by code.
    pub fn check_meta(&self, code: &str) -> Option<&'static CheckMeta> {
        self.checks.iter().copied().find(|m| m.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Category, Finding};

    const META: CheckMeta = CheckMeta {
        code: "TST001",
        name: "test-thing",
        severity: Severity::Warning,
        category: Category::Correctness,
        group: "",
        raw_doc: " ## What it checks\n A thing.\n",
    };

    #[test]
    fn exit_code_follows_fail_on() {
        let r = Report::new(
            "test",
            jiff::Timestamp::UNIX_EPOCH,
            vec![Finding::new(&META, "x")],
            vec![&META],
        );
        assert_eq!(r.summary.warning, 1);
        assert_eq!(r.summary.checks_run, 1);
        assert_eq!(r.exit_code(Severity::Critical), ExitCode::Clean);
        assert_eq!(r.exit_code(Severity::Warning), ExitCode::Findings);
        assert_eq!(r.exit_code(Severity::Info), ExitCode::Findings);
    }
}
