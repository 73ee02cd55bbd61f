//! Log analysis checks of `srehub logs analyze` (group `logs`), over a [`LogSummary`]: error patterns,
//! new templates, bursts and drops of a template's rate, traces with errors, unparsed lines.

mod error_pattern;
mod failing_trace;
mod new_template;
mod template_burst;
mod template_drop;
mod unparsed_lines;

pub use error_pattern::ErrorPattern;
pub use failing_trace::FailingTrace;
pub use new_template::NewTemplate;
pub use template_burst::TemplateBurst;
pub use template_drop::TemplateDrop;
pub use unparsed_lines::UnparsedLines;

use srehub_core::{Check, CheckMeta, Finding, Location, Resource};

use srehub_logs::summary::{LogSummary, TemplateSeries};

/// Thresholds of the log analysis (flags of `srehub logs analyze`).
#[derive(Debug, Clone)]
pub struct LogsSettings {
    /// Poisson z-score from which a bucket is a burst (or, negated, a drop).
    pub z_threshold: f64,
    /// Fewest lines in a bucket for a burst.
    pub min_burst: u64,
    /// Smoothing of the EWMA baseline (weight of the newest bucket).
    pub ewma_alpha: f64,
    /// Smallest baseline (lines per bucket) for a drop to count.
    pub min_drop_baseline: f64,
    /// Share of the buckets at the start that form the baseline for "new template".
    pub baseline_fraction: f64,
    /// Findings per check at most (the most significant first).
    pub max_findings: usize,
}

impl Default for LogsSettings {
    fn default() -> Self {
        LogsSettings {
            z_threshold: 4.0,
            min_burst: 10,
            ewma_alpha: 0.3,
            min_drop_baseline: 20.0,
            baseline_fraction: 0.25,
            max_findings: 20,
        }
    }
}

/// What every log check reads.
pub struct LogsInput<'a> {
    pub summary: &'a LogSummary,
    pub settings: &'a LogsSettings,
    /// Input streams in order: name and the global line number they start after.
    pub streams: &'a [(String, u64)],
    /// Lines read and lines that did not parse in their stream's detected format.
    pub lines: u64,
    pub unparsed: u64,
}

impl LogsInput<'_> {
    /// The file and line of a global line number.
    pub fn location(&self, global: u64) -> Option<Location> {
        let (name, offset) = self
            .streams
            .iter()
            .rev()
            .find(|(_, offset)| *offset < global)?;
        Some(Location {
            file: name.clone(),
            line: u32::try_from(global - offset).ok(),
            column: None,
        })
    }

    /// A finding about a template, at its first line.
    pub fn about(&self, meta: &CheckMeta, t: &TemplateSeries, message: String) -> Finding {
        let mut f = Finding::new(meta, message).resource(Resource::new("LogTemplate", &t.id));
        if let Some(l) = self.location(t.first_line) {
            f = f.location(l);
        }
        f
    }

    /// The start of bucket `i`, as text: a time, or a line range.
    pub fn bucket_label(&self, i: usize) -> String {
        let s = self.summary;
        let start = s.origin + s.bucket_width * i as i64;
        if s.time_based {
            jiff::Timestamp::from_second(start)
                .map(|t| t.to_string())
                .unwrap_or_else(|_| start.to_string())
        } else {
            format!("lines {}–{}", start, start + s.bucket_width - 1)
        }
    }

    /// The width of a bucket, as text.
    pub fn bucket_width(&self) -> String {
        let w = self.summary.bucket_width;
        if !self.summary.time_based {
            return format!("{w} lines");
        }
        match w {
            w if w % 3600 == 0 => format!("{} h", w / 3600),
            w if w % 60 == 0 => format!("{} min", w / 60),
            w => format!("{w} s"),
        }
    }
}

/// Words that mark an error message when the log has no levels.
const ERROR_WORDS: &[&str] = &[
    "error",
    "errors",
    "exception",
    "fail",
    "failed",
    "failure",
    "fatal",
    "panic",
    "refused",
    "timeout",
    "denied",
    "unable",
    "cannot",
    "crash",
    "crashed",
    "abort",
    "aborted",
    "killed",
    "oom",
    "unreachable",
    "critical",
    "segfault",
    "traceback",
];

/// Whether a template describes an error: at least half its leveled records are `error` or `fatal`,
/// or, when most records have no level, its text has an error word.
pub fn is_error_like(t: &TemplateSeries) -> bool {
    let leveled = t.count - t.no_level;
    if leveled * 2 >= t.count && leveled > 0 {
        return t.errors() * 2 >= leveled;
    }
    t.template
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| ERROR_WORDS.iter().any(|e| w.eq_ignore_ascii_case(e)))
}

/// `1 line`, `2 lines`.
pub fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The index of the first bucket with a record.
pub fn first_bucket(t: &TemplateSeries) -> Option<usize> {
    t.buckets.iter().position(|&b| b > 0)
}

/// A log check.
pub type LogsCheck = dyn for<'a> Check<LogsInput<'a>>;

/// Every log check, in code order.
pub const CHECKS: &[&LogsCheck] = &[
    &ErrorPattern,
    &NewTemplate,
    &TemplateBurst,
    &TemplateDrop,
    &FailingTrace,
    &UnparsedLines,
];

#[cfg(test)]
pub(crate) mod testing {
    use srehub_core::{Check, Finding, Findings};
    use srehub_logs::summary::{LogSummary, TemplateSeries, TraceSummary};

    use super::{LogsInput, LogsSettings};

    pub fn series(id: &str, template: &str, buckets: &[u32], errors: u64) -> TemplateSeries {
        let count: u64 = buckets.iter().map(|&b| u64::from(b)).sum();
        let mut levels = [0u64; 7];
        levels[2] = count - errors;
        levels[5] = errors;
        TemplateSeries {
            id: id.into(),
            template: template.into(),
            count,
            levels,
            no_level: 0,
            first_line: 1,
            last_line: count,
            example: template.into(),
            buckets: buckets.to_vec(),
        }
    }

    pub fn summary(templates: Vec<TemplateSeries>, traces: Vec<TraceSummary>) -> LogSummary {
        let buckets = templates.iter().map(|t| t.buckets.len()).max().unwrap_or(0);
        LogSummary {
            records: templates.iter().map(|t| t.count).sum(),
            time_based: true,
            bucket_width: 60,
            origin: 1_714_557_600,
            buckets,
            templates,
            traces,
            traces_dropped: 0,
        }
    }

    pub fn run<C: for<'a> Check<LogsInput<'a>>>(check: &C, s: &LogSummary) -> Vec<Finding> {
        let settings = LogsSettings::default();
        let streams = vec![("app.log".to_string(), 0u64)];
        let input = LogsInput {
            summary: s,
            settings: &settings,
            streams: &streams,
            lines: s.records,
            unparsed: 0,
        };
        let mut out = Findings::default();
        check.run(&input, &mut out);
        out.into_vec()
    }
}
