//! systemd journal: `journalctl -o json` objects and the export format (`journalctl -o export`:
//! `KEY=value` lines, records separated by a blank line, binary values as `KEY\n<u64 LE length>
//! <bytes>\n`).
//!
//! Both map the same way: `MESSAGE` is the message, `__REALTIME_TIMESTAMP` (microseconds; else
//! `_SOURCE_REALTIME_TIMESTAMP`) the timestamp, `PRIORITY` (syslog severity) the level; every other
//! field is kept as text.

use jiff::Timestamp;

use super::Fields;
use crate::level::parse_level;
use crate::record::{FieldValue, Format, Record};

/// The longest binary value accepted (larger ones are dropped and counted as unparsed).
pub(crate) const MAX_BINARY: u64 = 1 << 20;

/// A record from journal fields (export block or flattened `-o json` object).
pub(crate) fn record(line: u64, fields: Fields, format: Format) -> Record {
    let mut fields = collapse_byte_arrays(fields);
    let mut rec = Record {
        line,
        timestamp: None,
        level: None,
        message: String::new(),
        fields: crate::FieldList::new(),
        format,
    };
    let (mut msg, mut prio, mut rt, mut srt) = (None, None, None, None);
    for (i, (k, v)) in fields.iter().enumerate() {
        match k.as_str() {
            "MESSAGE" => {
                msg.get_or_insert(i);
            }
            "PRIORITY" if prio.is_none() => {
                if let Some(l) = parse_level(&v.to_text()) {
                    rec.level = Some(l);
                    prio = Some(i);
                }
            }
            "__REALTIME_TIMESTAMP" if rt.is_none() => {
                if let Some(t) = micros(v) {
                    rec.timestamp = Some(t);
                    rt = Some(i);
                }
            }
            "_SOURCE_REALTIME_TIMESTAMP" if srt.is_none() => {
                if let Some(t) = micros(v) {
                    srt = Some((i, t));
                }
            }
            _ => {}
        }
    }
    if rt.is_none()
        && let Some((i, t)) = srt
    {
        rec.timestamp = Some(t);
        rt = Some(i);
    }
    let mut taken: Vec<usize> = [msg, prio, rt].into_iter().flatten().collect();
    taken.sort_unstable();
    for &i in taken.iter().rev() {
        let (_, v) = fields.remove(i);
        if Some(i) == msg {
            rec.message = match v {
                FieldValue::Str(s) => s.into_string(),
                other => other.to_text(),
            };
        }
    }
    rec.fields = fields.into();
    rec
}

fn micros(v: &FieldValue) -> Option<Timestamp> {
    let n = match v {
        FieldValue::Str(s) => s.trim().parse::<i64>().ok()?,
        FieldValue::Int(i) => *i,
        _ => return None,
    };
    Timestamp::from_microsecond(n).ok()
}

/// `journalctl -o json` writes values that are not valid UTF-8 as arrays of byte values; flattened
/// they are `KEY.0`, `KEY.1`, …: turn such runs back into text (lossily).
fn collapse_byte_arrays(fields: Fields) -> Fields {
    if !fields.iter().any(|(k, _)| k.ends_with(".0")) {
        return fields;
    }
    let mut out: Fields = Vec::with_capacity(fields.len());
    let mut iter = fields.into_iter().peekable();
    while let Some((k, v)) = iter.next() {
        let Some(base) = k.strip_suffix(".0") else {
            out.push((k, v));
            continue;
        };
        let Some(first) = byte(&v) else {
            out.push((k, v));
            continue;
        };
        let mut bytes = vec![first];
        let mut keys = vec![(k.clone(), v.clone())];
        while let Some((nk, nv)) = iter.peek() {
            let index_ok = nk
                .strip_prefix(base)
                .and_then(|r| r.strip_prefix('.'))
                .and_then(|r| r.parse::<usize>().ok())
                == Some(bytes.len());
            match (index_ok, byte(nv)) {
                (true, Some(b)) => {
                    bytes.push(b);
                    if let Some(kv) = iter.next() {
                        keys.push(kv);
                    }
                }
                (true, None) => {
                    // A mixed array: keep it as it is.
                    bytes.clear();
                    break;
                }
                (false, _) => break,
            }
        }
        if bytes.is_empty() {
            out.extend(keys);
        } else {
            out.push((
                base.into(),
                FieldValue::Str(String::from_utf8_lossy(&bytes).into()),
            ));
        }
    }
    out
}

fn byte(v: &FieldValue) -> Option<u8> {
    match v {
        FieldValue::Int(i) => u8::try_from(*i).ok(),
        _ => None,
    }
}

/// A journal field name: uppercase letters, digits and `_`, not starting with a digit, at most 64
/// bytes.
pub(crate) fn is_field_name(k: &str) -> bool {
    let b = k.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && !b[0].is_ascii_digit()
        && b.iter()
            .all(|&c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
}

/// Whether a field name is typical enough of the journal to detect the export format from one line.
pub(crate) fn is_typical_field(k: &str) -> bool {
    k.starts_with('_')
        || matches!(
            k,
            "MESSAGE"
                | "PRIORITY"
                | "SYSLOG_IDENTIFIER"
                | "SYSLOG_FACILITY"
                | "SYSLOG_PID"
                | "SYSLOG_TIMESTAMP"
                | "MESSAGE_ID"
                | "CODE_FILE"
                | "CODE_LINE"
                | "CODE_FUNC"
                | "ERRNO"
                | "UNIT"
        )
}

/// One line of the export format.
#[derive(Debug, PartialEq)]
pub(crate) enum ExportLine<'a> {
    Field(&'a str, &'a str),
    /// A field name alone: a binary value follows.
    Binary(&'a str),
    Invalid,
}

pub(crate) fn export_line(line: &str) -> ExportLine<'_> {
    match line.split_once('=') {
        Some((k, v)) if is_field_name(k) => ExportLine::Field(k, v),
        Some(_) => ExportLine::Invalid,
        None if is_field_name(line) => ExportLine::Binary(line),
        None => ExportLine::Invalid,
    }
}

/// An export block being read.
#[derive(Debug)]
pub(crate) struct Block {
    pub(crate) line: u64,
    pub(crate) fields: Fields,
    pub(crate) bytes: usize,
    /// A binary value being read: its key and the raw bytes so far (length prefix included).
    pub(crate) binary: Option<(String, Vec<u8>)>,
}

/// What a line did to a binary value being read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BinaryStep {
    /// More lines are needed.
    More,
    /// The value is complete and stored as a field.
    Done,
    /// The length is implausible: the value is dropped.
    Dropped,
}

impl Block {
    pub(crate) fn new(line: u64) -> Block {
        Block {
            line,
            fields: Vec::new(),
            bytes: 0,
            binary: None,
        }
    }

    pub(crate) fn push(&mut self, key: &str, value: &str) {
        self.bytes += key.len() + value.len();
        self.fields
            .push((key.into(), FieldValue::Str(value.into())));
    }

    /// Feeds a raw input line (its terminator removed by the caller's line splitting) to the binary
    /// value being read: the newline the splitting removed belongs to the data when more is needed.
    pub(crate) fn push_binary(&mut self, raw: &[u8]) -> BinaryStep {
        let Some((_, acc)) = self.binary.as_mut() else {
            return BinaryStep::Dropped;
        };
        acc.extend_from_slice(raw);
        if acc.len() >= 8 {
            let mut len_bytes = [0u8; 8];
            len_bytes.copy_from_slice(&acc[..8]);
            let len = u64::from_le_bytes(len_bytes);
            if len > MAX_BINARY {
                self.binary = None;
                return BinaryStep::Dropped;
            }
            let have = (acc.len() - 8) as u64;
            if have >= len {
                let Some((key, acc)) = self.binary.take() else {
                    return BinaryStep::Dropped;
                };
                let data = &acc[8..8 + len as usize];
                let value = String::from_utf8_lossy(data);
                self.bytes += key.len() + value.len();
                self.fields
                    .push((key.into(), FieldValue::Str(value.into())));
                return BinaryStep::Done;
            }
        }
        acc.push(b'\n');
        BinaryStep::More
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::json::flatten_object;
    use crate::record::Level;

    #[test]
    fn journal_json_mapping() {
        let f = flatten_object(
            r#"{"__CURSOR":"s=abc","__REALTIME_TIMESTAMP":"1700000000123456","PRIORITY":"3","_SYSTEMD_UNIT":"nginx.service","SYSLOG_IDENTIFIER":"nginx","MESSAGE":"upstream timed out"}"#,
        )
        .unwrap();
        let r = record(9, f, Format::JournalJson);
        assert_eq!(r.message, "upstream timed out");
        assert_eq!(r.level, Some(Level::Error));
        assert_eq!(
            r.timestamp,
            Some("2023-11-14T22:13:20.123456Z".parse().unwrap())
        );
        let keys: Vec<&str> = r.fields.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["__CURSOR", "_SYSTEMD_UNIT", "SYSLOG_IDENTIFIER"]);
    }

    #[test]
    fn byte_array_messages_are_decoded() {
        let f = flatten_object(
            r#"{"__REALTIME_TIMESTAMP":"1","MESSAGE":[104,105,255],"X":[1,"a"],"Y":["a","b"],"Z.0":7}"#,
        )
        .unwrap();
        let r = record(1, f, Format::JournalJson);
        assert_eq!(r.message, "hi\u{fffd}");
        let keys: Vec<&str> = r.fields.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["X.0", "X.1", "Y.0", "Y.1", "Z"]);
    }

    #[test]
    fn export_lines() {
        assert_eq!(
            export_line("MESSAGE=a=b"),
            ExportLine::Field("MESSAGE", "a=b")
        );
        assert_eq!(export_line("MESSAGE"), ExportLine::Binary("MESSAGE"));
        assert_eq!(export_line("message=x"), ExportLine::Invalid);
        assert_eq!(export_line("\u{1}\0\0garbage"), ExportLine::Invalid);
        assert_eq!(export_line("=x"), ExportLine::Invalid);
    }

    #[test]
    fn binary_values_across_lines() {
        let mut b = Block::new(1);
        b.binary = Some(("MESSAGE".into(), Vec::new()));
        // Length 10 starts with byte 0x0a, the newline: the length itself is split.
        assert_eq!(b.push_binary(b""), BinaryStep::More);
        let mut rest = vec![0u8; 7];
        rest.extend_from_slice(b"ab");
        assert_eq!(b.push_binary(&rest), BinaryStep::More);
        assert_eq!(b.push_binary(b"cdefghi"), BinaryStep::Done);
        assert_eq!(
            b.fields,
            vec![("MESSAGE".into(), FieldValue::Str("ab\ncdefghi".into()))]
        );
        b.binary = Some(("X".into(), Vec::new()));
        assert_eq!(b.push_binary(&[0xff; 8]), BinaryStep::Dropped);
        assert!(b.binary.is_none());
    }
}
