//! JSON objects, one a line or pretty-printed over several lines.
//!
//! Objects are flattened while they are parsed (a serde visitor writes straight into the field list,
//! no intermediate `serde_json::Value`), so field order is kept and nested keys come out as
//! `http.status`, array elements as `args.0`. Docker json-file and `journalctl -o json` lines are
//! JSON objects too: [`classify`] tells them apart.

use std::fmt::{self, Write as _};

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{Fields, take_known};
use crate::record::{FieldValue, Format, Record};

/// Parses text that is exactly one JSON object (surrounding whitespace allowed) into flattened
/// fields; `None` for anything else (invalid JSON, arrays, scalars, trailing text, nesting deeper
/// than serde_json's limit of 128).
pub(crate) fn flatten_object(text: &str) -> Option<Fields> {
    // Most log objects have a handful of fields: one allocation instead of a growth chain.
    let mut out = Vec::with_capacity(16);
    let mut prefix = String::with_capacity(64);
    let mut de = serde_json::Deserializer::from_str(text);
    (&mut de)
        .deserialize_map(Flatten {
            out: &mut out,
            prefix: &mut prefix,
        })
        .ok()?;
    de.end().ok()?;
    Some(out)
}

/// Which JSON-based format flattened fields come from: journald (`__REALTIME_TIMESTAMP`,
/// `__CURSOR`), Docker json-file (string `log`, `stream` and `time`) or plain JSON.
pub(crate) fn classify(fields: &Fields) -> Format {
    let (mut log, mut stream, mut time) = (false, false, false);
    for (k, v) in fields {
        let is_str = matches!(v, FieldValue::Str(_));
        match k.as_str() {
            "__REALTIME_TIMESTAMP" | "__CURSOR" | "__MONOTONIC_TIMESTAMP" => {
                return Format::JournalJson;
            }
            "log" => log = is_str,
            "stream" => stream = is_str,
            "time" => time = is_str,
            _ => {}
        }
    }
    if log && stream && time {
        Format::Docker
    } else {
        Format::Json
    }
}

/// A record from the fields of a plain JSON object: message, level and timestamp are taken from
/// their well-known keys (see [`take_known`]).
pub(crate) fn record(line: u64, mut fields: Fields) -> Record {
    let known = take_known(&mut fields);
    Record {
        line,
        timestamp: known.timestamp,
        level: known.level,
        message: known.message.unwrap_or_default(),
        fields,
        format: Format::Json,
    }
}

/// Whether a line that is not a complete JSON object opens a pretty-printed one: `{` alone, or `{`
/// followed by a key, with braces left open.
pub(crate) fn opens_object(line: &str) -> Option<OpenKind> {
    let t = line.trim();
    if t == "{" {
        return Some(OpenKind::Lone);
    }
    let after = t.strip_prefix('{')?.trim_start();
    if !after.starts_with('"') {
        return None;
    }
    let mut scan = BraceScan::default();
    match scan.feed(t.as_bytes()) {
        Scan::Open => Some(OpenKind::WithKey(scan)),
        Scan::Closed | Scan::Broken => None,
    }
}

/// How a multi-line object starts.
#[derive(Debug)]
pub(crate) enum OpenKind {
    /// `{` alone: the next non-empty line must start with `"` or `}`.
    Lone,
    /// `{"key": …` with the scanner's state after the line.
    WithKey(BraceScan),
}

/// The state of a brace scan after some input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scan {
    /// Inside the object.
    Open,
    /// The outermost brace closed.
    Closed,
    /// More closing than opening brackets.
    Broken,
}

/// Tracks `{}`/`[]` nesting across lines, skipping strings and their escapes.
#[derive(Debug, Default, Clone)]
pub(crate) struct BraceScan {
    depth: u64,
    started: bool,
    in_str: bool,
    escaped: bool,
}

impl BraceScan {
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Scan {
        for &c in bytes {
            if self.in_str {
                if self.escaped {
                    self.escaped = false;
                } else if c == b'\\' {
                    self.escaped = true;
                } else if c == b'"' {
                    self.in_str = false;
                }
                continue;
            }
            match c {
                b'"' => self.in_str = true,
                b'{' | b'[' => {
                    self.depth += 1;
                    self.started = true;
                }
                b'}' | b']' => {
                    if self.depth == 0 {
                        return Scan::Broken;
                    }
                    self.depth -= 1;
                    if self.depth == 0 {
                        return Scan::Closed;
                    }
                }
                _ => {}
            }
        }
        if self.started || self.depth > 0 {
            Scan::Open
        } else {
            Scan::Broken
        }
    }
}

/// Flattens any JSON value under `prefix` into `out`.
struct Flatten<'a> {
    out: &'a mut Fields,
    prefix: &'a mut String,
}

impl<'de> DeserializeSeed<'de> for Flatten<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl Flatten<'_> {
    fn push(self, v: FieldValue) {
        self.out.push((self.prefix.clone(), v));
    }
}

impl<'de> Visitor<'de> for Flatten<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.push(FieldValue::Bool(v));
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.push(FieldValue::Int(v));
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.push(match i64::try_from(v) {
            Ok(i) => FieldValue::Int(i),
            Err(_) => FieldValue::Float(v as f64),
        });
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.push(FieldValue::Float(v));
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.push(FieldValue::Str(v.to_owned()));
        Ok(())
    }

    fn visit_string<E>(self, v: String) -> Result<(), E> {
        self.push(FieldValue::Str(v));
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.push(FieldValue::Null);
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        self.push(FieldValue::Null);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let base = self.prefix.len();
        while map
            .next_key_seed(Key {
                prefix: &mut *self.prefix,
            })?
            .is_some()
        {
            map.next_value_seed(Flatten {
                out: &mut *self.out,
                prefix: &mut *self.prefix,
            })?;
            self.prefix.truncate(base);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let base = self.prefix.len();
        let mut i: usize = 0;
        loop {
            if base > 0 {
                self.prefix.push('.');
            }
            // Writing to a String cannot fail.
            let _ = write!(self.prefix, "{i}");
            let more = seq
                .next_element_seed(Flatten {
                    out: &mut *self.out,
                    prefix: &mut *self.prefix,
                })?
                .is_some();
            self.prefix.truncate(base);
            if !more {
                return Ok(());
            }
            i += 1;
        }
    }
}

/// Appends an object key to the prefix (after a `.` when nested), without allocating a `String`
/// per key.
struct Key<'a> {
    prefix: &'a mut String,
}

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        if !self.prefix.is_empty() {
            self.prefix.push('.');
        }
        self.prefix.push_str(v);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Level;

    fn s(v: &str) -> FieldValue {
        FieldValue::Str(v.to_string())
    }

    #[test]
    fn nested_objects_and_arrays_are_flattened_in_order() {
        let f = flatten_object(
            r#"{"z":1,"http":{"status":200,"req":{"path":"/a"}},"args":["x",{"k":true}],"n":null,"f":1.5,"big":18446744073709551615,"e\"sc":"a\nb","empty":{},"none":[]}"#,
        )
        .unwrap();
        let keys: Vec<&str> = f.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "z",
                "http.status",
                "http.req.path",
                "args.0",
                "args.1.k",
                "n",
                "f",
                "big",
                "e\"sc"
            ]
        );
        assert_eq!(f[1].1, FieldValue::Int(200));
        assert_eq!(f[3].1, s("x"));
        assert_eq!(f[4].1, FieldValue::Bool(true));
        assert_eq!(f[5].1, FieldValue::Null);
        assert_eq!(f[6].1, FieldValue::Float(1.5));
        assert_eq!(f[7].1, FieldValue::Float(18446744073709551615.0));
        assert_eq!(f[8].1, s("a\nb"));
    }

    #[test]
    fn only_whole_objects_are_accepted() {
        for t in [
            "[1,2]",
            "3",
            "\"x\"",
            "{\"a\":1} trailing",
            "{\"a\":1",
            "{a:1}",
            "",
            "{\"a\":1}{\"b\":2}",
        ] {
            assert!(flatten_object(t).is_none(), "{t}");
        }
        assert_eq!(flatten_object("  {}  ").unwrap(), vec![]);
        let deep = format!("{}{}", "{\"a\":".repeat(1000), "}".repeat(1000));
        assert!(flatten_object(&deep).is_none());
    }

    #[test]
    fn well_known_keys_become_message_level_and_time() {
        let f = flatten_object(
            r#"{"ts":"2024-01-02T03:04:05Z","level":"warn","msg":"disk low","message":"other","free":12}"#,
        )
        .unwrap();
        let r = record(3, f);
        assert_eq!(r.message, "disk low");
        assert_eq!(r.level, Some(Level::Warn));
        assert_eq!(r.timestamp, Some("2024-01-02T03:04:05Z".parse().unwrap()));
        assert_eq!(
            r.fields,
            vec![
                ("message".into(), s("other")),
                ("free".into(), FieldValue::Int(12))
            ]
        );
        // pino: numeric level and epoch milliseconds.
        let r = record(
            1,
            flatten_object(r#"{"level":50,"time":1700000000000,"msg":"x"}"#).unwrap(),
        );
        assert_eq!(r.level, Some(Level::Error));
        assert_eq!(r.timestamp, Some("2023-11-14T22:13:20Z".parse().unwrap()));
        assert!(r.fields.is_empty());
        // A level that does not parse stays a field.
        let r = record(
            1,
            flatten_object(r#"{"level":"chatty","log":{"level":"error"}}"#).unwrap(),
        );
        assert_eq!(r.level, Some(Level::Error));
        assert_eq!(r.fields, vec![("level".into(), s("chatty"))]);
    }

    #[test]
    fn classification() {
        let c = |t: &str| classify(&flatten_object(t).unwrap());
        assert_eq!(
            c(r#"{"log":"hi\n","stream":"stdout","time":"2019-01-01T00:00:00Z"}"#),
            Format::Docker
        );
        assert_eq!(
            c(r#"{"__CURSOR":"s=1","MESSAGE":"x"}"#),
            Format::JournalJson
        );
        assert_eq!(c(r#"{"log":"hi","time":"x"}"#), Format::Json);
    }

    #[test]
    fn brace_scan_skips_strings() {
        let mut b = BraceScan::default();
        assert_eq!(b.feed(br#"{"a": "}{\"}", "#), Scan::Open);
        assert_eq!(b.feed(br#""b": [1, {"c": "]"}]"#), Scan::Open);
        assert_eq!(b.feed(b"}"), Scan::Closed);
        assert_eq!(BraceScan::default().feed(b"}"), Scan::Broken);
        assert!(matches!(opens_object("{"), Some(OpenKind::Lone)));
        assert!(matches!(
            opens_object(r#"{"a": ["#),
            Some(OpenKind::WithKey(_))
        ));
        assert!(opens_object("{not json").is_none());
        assert!(opens_object(r#"{"a":1}"#).is_none());
    }
}
