//! The normalized log record every format parser produces.

use compact_str::CompactString;
use serde::Serialize;

pub use crate::fields::{FieldList, FieldRef};

/// A normalized severity. Parsers map the many spellings (`WARN`, `warning`, `W`, syslog severities
/// 0–7, journald `PRIORITY`) onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Trace,
    Debug,
    Info,
    Notice,
    Warn,
    Error,
    Fatal,
}

impl Level {
    /// The lowercase name used in JSON output and `--where level>=warn`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Notice => "notice",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }
}

/// The value of a structured field.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FieldValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(CompactString),
}

impl FieldValue {
    /// The value as text (strings without quotes), as used by filters and template parameters.
    pub fn to_text(&self) -> String {
        match self {
            FieldValue::Null => String::new(),
            FieldValue::Bool(b) => b.to_string(),
            FieldValue::Int(i) => i.to_string(),
            FieldValue::Float(f) => f.to_string(),
            FieldValue::Str(s) => s.to_string(),
        }
    }
}

/// The format a record was read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// One JSON object per line (nested objects flattened with `.`, arrays by index), or pretty-printed
    /// multi-line JSON objects.
    Json,
    /// `key=value key2="quoted value"`.
    Logfmt,
    /// Kubernetes CRI container log: `2024-01-01T00:00:00.000000000Z stdout F message`.
    Cri,
    /// Docker json-file: `{"log":"…\n","stream":"stdout","time":"…"}`.
    Docker,
    /// systemd journal export format (`KEY=value` blocks separated by blank lines).
    JournalExport,
    /// `journalctl -o json`.
    JournalJson,
    /// RFC 3164 syslog (`<PRI>Mmm dd hh:mm:ss host tag[pid]: msg`, PRI optional).
    Syslog3164,
    /// RFC 5424 syslog (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`).
    Syslog5424,
    /// Common or combined web access log (Apache/nginx).
    AccessLog,
    /// A user pattern (`--pattern` header syntax or a named-capture regex).
    Pattern,
    /// Plain text: the whole line is the message.
    Plain,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Logfmt => "logfmt",
            Format::Cri => "cri",
            Format::Docker => "docker",
            Format::JournalExport => "journal-export",
            Format::JournalJson => "journal-json",
            Format::Syslog3164 => "syslog3164",
            Format::Syslog5424 => "syslog5424",
            Format::AccessLog => "access-log",
            Format::Pattern => "pattern",
            Format::Plain => "plain",
        }
    }
}

/// One parsed log record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// 1-based number of the first input line of this record in its stream.
    pub line: u64,
    /// When the event happened, if the line says (normalized to UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<jiff::Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// The human message (the part template mining works on).
    pub message: String,
    /// Every other field, in input order, flattened (`http.status`, `args.0`).
    #[serde(skip_serializing_if = "FieldList::is_empty")]
    pub fields: FieldList,
    pub format: Format,
}

impl Record {
    /// A record of a line of plain text.
    pub fn plain(line: u64, message: impl Into<String>) -> Record {
        Record {
            line,
            timestamp: None,
            level: None,
            message: message.into(),
            fields: FieldList::new(),
            format: Format::Plain,
        }
    }

    /// The field named `name`, if present.
    pub fn field(&self, name: &str) -> Option<FieldRef<'_>> {
        self.fields.get(name)
    }
}
