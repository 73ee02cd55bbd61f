//! JSON objects, one a line or pretty-printed over several lines.
//!
//! Objects are flattened while they are parsed (a serde visitor writes straight into the field list,
//! no intermediate `serde_json::Value`), so field order is kept and nested keys come out as
//! `http.status`, array elements as `args.0`. Docker json-file and `journalctl -o json` lines are
//! JSON objects too: [`Collector::json_kind`] tells them apart.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use compact_str::CompactString;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

#[cfg(test)]
use super::Fields;
use super::known::Collector;
use super::scan;
use crate::record::{FieldValue, Format, Record};

/// Parses text that is exactly one JSON object (surrounding whitespace allowed) into flattened
/// fields; `None` for anything else (invalid JSON, arrays, scalars, trailing text, nesting deeper
/// than serde_json's limit of 128).
#[cfg(test)]
pub(crate) fn flatten_object(text: &str) -> Option<Fields> {
    let mut c = Collector::new();
    collect_object(text, &mut c).then(|| c.take_fields().to_vec())
}

/// [`flatten_object`] into an empty collector (which sets the well-known keys aside as it goes);
/// `false` (and the collector empty) when the text is not one JSON object.
///
/// A hand-written reader takes the common case: it accepts a subset of JSON (no exponents, at most
/// 18 integer or 15 decimal digits, no surrogate `\u` escapes, nesting up to 64) and reads it exactly
/// as serde_json would. Anything else, valid or not, is read again by serde_json, which has the last
/// word.
pub(crate) fn collect_object<'a>(text: &'a str, out: &mut Collector<'a>) -> bool {
    if fast_collect(text, out) {
        return true;
    }
    out.clear();
    if serde_collect(text, out) {
        return true;
    }
    out.clear();
    false
}

/// The fast reader; `false` when it gives up.
fn fast_collect<'a>(text: &'a str, out: &mut Collector<'a>) -> bool {
    let mut fast = Fast {
        cur: Cursor {
            s: text,
            b: text.as_bytes(),
            i: 0,
        },
        prefix: CompactString::const_new(""),
        out,
    };
    fast.document().is_ok()
}

/// serde_json's reading.
fn serde_collect<'a>(text: &'a str, out: &mut Collector<'a>) -> bool {
    let mut prefix = String::with_capacity(64);
    let mut de = serde_json::Deserializer::from_str(text);
    let read = (&mut de).deserialize_map(Flatten {
        out,
        prefix: &mut prefix,
    });
    read.is_ok() && de.end().is_ok()
}

/// A record from the fields of a plain JSON object: message, level and timestamp are taken from
/// their well-known keys (see [`Collector::finish`]).
pub(crate) fn record(line: u64, fields: &mut Collector<'_>) -> Record {
    let (known, fields) = fields.finish();
    Record {
        line,
        timestamp: known.timestamp,
        level: known.level,
        message: known.message.unwrap_or_default(),
        fields,
        format: Format::Json,
    }
}

/// The fast reader gave up: serde_json decides.
struct Fallback;

/// Deepest nesting the fast reader follows (serde_json allows 127).
const FAST_MAX_DEPTH: u32 = 64;

/// Exact powers of ten as `f64`.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// The fast reader: a cursor over the text, the flattened key of the current value and the fields
/// read so far.
struct Fast<'a, 'c> {
    cur: Cursor<'a>,
    /// Inline up to 24 bytes: most flattened keys never touch the heap.
    prefix: CompactString,
    out: &'c mut Collector<'a>,
}

impl Fast<'_, '_> {
    fn document(&mut self) -> Result<(), Fallback> {
        self.cur.ws();
        self.cur.expect(b'{')?;
        self.members(1)?;
        self.cur.ws();
        if self.cur.i == self.cur.b.len() {
            Ok(())
        } else {
            Err(Fallback)
        }
    }

    /// The members of an object whose `{` has been read, through its `}`.
    fn members(&mut self, depth: u32) -> Result<(), Fallback> {
        let c = &mut self.cur;
        c.ws();
        if c.peek() == Some(b'}') {
            c.i += 1;
            return Ok(());
        }
        loop {
            self.cur.expect(b'"')?;
            let key = self.cur.string()?;
            self.cur.ws();
            self.cur.expect(b':')?;
            self.cur.ws();
            let base = self.prefix.len();
            if base == 0 && !matches!(self.cur.peek(), Some(b'{' | b'[')) {
                // A scalar at the top: its key is the key as written.
                self.cur.scalar(&key, self.out)?;
            } else {
                if base > 0 {
                    self.prefix.push('.');
                }
                self.prefix.push_str(&key);
                self.value(depth)?;
                self.prefix.truncate(base);
            }
            let c = &mut self.cur;
            c.ws();
            match c.peek() {
                Some(b',') => {
                    c.i += 1;
                    c.ws();
                }
                Some(b'}') => {
                    c.i += 1;
                    return Ok(());
                }
                _ => return Err(Fallback),
            }
        }
    }

    /// The elements of an array whose `[` has been read, through its `]`; element `n` is keyed
    /// `prefix.n`.
    fn elements(&mut self, depth: u32) -> Result<(), Fallback> {
        self.cur.ws();
        if self.cur.peek() == Some(b']') {
            self.cur.i += 1;
            return Ok(());
        }
        let base = self.prefix.len();
        let mut n: usize = 0;
        loop {
            if base > 0 {
                self.prefix.push('.');
            }
            // Writing to a String cannot fail.
            let _ = write!(self.prefix, "{n}");
            self.value(depth)?;
            self.prefix.truncate(base);
            let c = &mut self.cur;
            c.ws();
            match c.peek() {
                Some(b',') => {
                    c.i += 1;
                    c.ws();
                    n += 1;
                }
                Some(b']') => {
                    c.i += 1;
                    return Ok(());
                }
                _ => return Err(Fallback),
            }
        }
    }

    /// Any value, keyed by the prefix.
    fn value(&mut self, depth: u32) -> Result<(), Fallback> {
        match self.cur.peek() {
            Some(c @ (b'{' | b'[')) => {
                if depth >= FAST_MAX_DEPTH {
                    return Err(Fallback);
                }
                self.cur.i += 1;
                if c == b'{' {
                    self.members(depth + 1)
                } else {
                    self.elements(depth + 1)
                }
            }
            _ => self.cur.scalar(&self.prefix, self.out),
        }
    }
}

/// A byte cursor over JSON text.
struct Cursor<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    #[inline]
    fn expect(&mut self, c: u8) -> Result<(), Fallback> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(Fallback)
        }
    }

    /// A string, number, boolean or null, added to `out` as `key`.
    #[inline]
    fn scalar(&mut self, key: &str, out: &mut Collector<'a>) -> Result<(), Fallback> {
        let rest = self.b.get(self.i..).unwrap_or_default();
        let (v, len) = match rest.first() {
            Some(b'"') => {
                self.i += 1;
                match self.string()? {
                    Cow::Borrowed(s) => out.push_str(key, s),
                    Cow::Owned(s) => out.push_string(key, s),
                }
                return Ok(());
            }
            Some(b'-' | b'0'..=b'9') => {
                out.push_value(key, self.number()?);
                return Ok(());
            }
            Some(b't') if rest.starts_with(b"true") => (FieldValue::Bool(true), 4),
            Some(b'f') if rest.starts_with(b"false") => (FieldValue::Bool(false), 5),
            Some(b'n') if rest.starts_with(b"null") => (FieldValue::Null, 4),
            _ => return Err(Fallback),
        };
        self.i += len;
        out.push_value(key, v);
        Ok(())
    }

    /// A string whose opening quote has been read, through its closing quote.
    #[inline(always)]
    fn string(&mut self) -> Result<Cow<'a, str>, Fallback> {
        let b = self.b;
        let start = self.i;
        let i = scan::find(
            b,
            start,
            |v| scan::eq_mask(v, b'"') | scan::eq_mask(v, b'\\') | scan::lt_mask(v, 0x20),
            |c| c == b'"' || c == b'\\' || c < 0x20,
        );
        match *b.get(i).ok_or(Fallback)? {
            b'"' => {
                self.i = i + 1;
                // The quote is ASCII: `start..i` lies on character boundaries.
                self.s.get(start..i).map(Cow::Borrowed).ok_or(Fallback)
            }
            b'\\' => self.escaped(start, i).map(Cow::Owned),
            _ => Err(Fallback),
        }
    }

    /// The rest of a string with escapes: `start` is its first byte, `i` its first backslash.
    fn escaped(&mut self, start: usize, mut i: usize) -> Result<String, Fallback> {
        let (s, b) = (self.s, self.b);
        let mut out = String::with_capacity(i - start + 16);
        out.push_str(s.get(start..i).ok_or(Fallback)?);
        loop {
            let run = i;
            while let Some(&c) = b.get(i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                i += 1;
            }
            out.push_str(s.get(run..i).ok_or(Fallback)?);
            match *b.get(i).ok_or(Fallback)? {
                b'"' => {
                    self.i = i + 1;
                    return Ok(out);
                }
                b'\\' => {}
                _ => return Err(Fallback),
            }
            let e = *b.get(i + 1).ok_or(Fallback)?;
            i += 2;
            out.push(match e {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let hex = b.get(i..i + 4).ok_or(Fallback)?;
                    let mut cp: u32 = 0;
                    for &h in hex {
                        let d = char::from(h).to_digit(16).ok_or(Fallback)?;
                        cp = cp * 16 + d;
                    }
                    i += 4;
                    // Surrogates (pairs or lone) are left to serde_json.
                    char::from_u32(cp).ok_or(Fallback)?
                }
                _ => return Err(Fallback),
            });
        }
    }

    /// A number: integers of up to 18 digits and decimals of up to 15 digits without exponent,
    /// converted as serde_json converts them (`-0` is the float `-0.0`; a decimal is its digits
    /// divided by a power of ten, which both of serde_json's float algorithms round the same way
    /// for these sizes).
    fn number(&mut self) -> Result<FieldValue, Fallback> {
        let b = self.b;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        let int_start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let int = &b[int_start..self.i];
        if int.is_empty() || (int.len() > 1 && int[0] == b'0') {
            return Err(Fallback);
        }
        let digits =
            |d: &[u8], from: i64| d.iter().fold(from, |n, &c| n * 10 + i64::from(c - b'0'));
        match self.peek() {
            Some(b'.') => {
                self.i += 1;
                let frac_start = self.i;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
                let frac = &b[frac_start..self.i];
                if frac.is_empty()
                    || int.len() + frac.len() > 15
                    || matches!(self.peek(), Some(b'e' | b'E'))
                {
                    return Err(Fallback);
                }
                let significand = digits(frac, digits(int, 0));
                let f = significand as f64 / POW10[frac.len()];
                Ok(FieldValue::Float(if negative { -f } else { f }))
            }
            Some(b'e' | b'E') => Err(Fallback),
            _ => {
                if int.len() > 18 {
                    return Err(Fallback);
                }
                let n = digits(int, 0);
                Ok(match (negative, n) {
                    (true, 0) => FieldValue::Float(-0.0),
                    (true, n) => FieldValue::Int(-n),
                    (false, n) => FieldValue::Int(n),
                })
            }
        }
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

/// Flattens any JSON value under `prefix` into `out` (the slow path of [`collect_object`]).
struct Flatten<'a, 'de> {
    out: &'a mut Collector<'de>,
    prefix: &'a mut String,
}

impl<'de> DeserializeSeed<'de> for Flatten<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Flatten<'_, 'de> {
    fn push(self, v: FieldValue) {
        self.out.push_value(self.prefix, v);
    }
}

impl<'de> Visitor<'de> for Flatten<'_, 'de> {
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

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        self.out.push_str(self.prefix, v);
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.out.push_string(self.prefix, v.to_owned());
        Ok(())
    }

    fn visit_string<E>(self, v: String) -> Result<(), E> {
        self.out.push_string(self.prefix, v);
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
    use proptest::prelude::*;

    use super::*;
    use crate::record::Level;

    fn s(v: &str) -> FieldValue {
        FieldValue::Str(v.into())
    }

    fn collected(text: &str) -> Collector<'_> {
        let mut c = Collector::new();
        assert!(collect_object(text, &mut c), "{text}");
        c
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
        let text = r#"{"ts":"2024-01-02T03:04:05Z","level":"warn","msg":"disk low","message":"other","free":12}"#;
        let r = record(3, &mut collected(text));
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
            &mut collected(r#"{"level":50,"time":1700000000000,"msg":"x"}"#),
        );
        assert_eq!(r.level, Some(Level::Error));
        assert_eq!(r.timestamp, Some("2023-11-14T22:13:20Z".parse().unwrap()));
        assert!(r.fields.is_empty());
        // A level that does not parse stays a field.
        let r = record(
            1,
            &mut collected(r#"{"level":"chatty","log":{"level":"error"}}"#),
        );
        assert_eq!(r.level, Some(Level::Error));
        assert_eq!(r.fields, vec![("level".into(), s("chatty"))]);
    }

    #[test]
    fn classification() {
        let c = |t: &str| collected(t).json_kind();
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

    /// JSON objects built from tokens that exercise the fast reader's edges (a few of them invalid).
    fn json_like() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec![
            "\"k\"",
            "\"msg\"",
            "\"level\"",
            "\"time\"",
            "\"ts\"",
            "\"log\"",
            "\"stream\"",
            "\"\"",
            "\"a\\\"b\"",
            "\"é\"",
            "\"__CURSOR\"",
            "\"lvl\"",
            "\"message\"",
        ]);
        let valid = prop::sample::select(vec![
            "0",
            "-0",
            "1",
            "-12",
            "1.5",
            "-0.0",
            "0.25",
            "123456789012345678",
            "-123456789012345678",
            "1234567890123456789",
            "18446744073709551616",
            "0.1234567890123456",
            "123456789012.345",
            "169.17",
            "1e3",
            "1E-2",
            "true",
            "false",
            "null",
            "\"\"",
            "\"x y\"",
            "\"\\n\"",
            "\"\\u00e9\"",
            "\"\\ud83d\\ude00\"",
            "\"\\ud83d\"",
            "\"\\/\\b\\f\\r\\t\"",
            "\"é\"",
            "\"2024-05-01T10:00:00Z\"",
            "\"warn\"",
            "50",
            "1700000000000",
            "\"chatty\"",
        ]);
        // serde_json must refuse these too.
        let invalid = prop::sample::select(vec![
            "007",
            "1.",
            ".5",
            "nul",
            "\"\\q\"",
            "\"\t\"",
            "-",
            "\"\\u12\"",
        ]);
        let scalar = prop_oneof![19 => valid, 1 => invalid].prop_map(str::to_string);
        let nested_key = key.clone();
        let value = scalar.prop_recursive(4, 24, 5, move |inner| {
            prop_oneof![
                prop::collection::vec((nested_key.clone(), inner.clone()), 0..5).prop_map(|kv| {
                    let members: Vec<String> = kv.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                    format!("{{{}}}", members.join(","))
                }),
                prop::collection::vec(inner, 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            ]
        });
        let space = prop::sample::select(vec!["", "", "", " ", "\n", "\t ", "\r\n"]);
        let top = prop::collection::vec((key, value), 0..8).prop_map(|kv| {
            let members: Vec<String> = kv.iter().map(|(k, v)| format!("{k}:{v}")).collect();
            format!("{{{}}}", members.join(","))
        });
        (top, space.clone(), space).prop_map(|(v, a, b)| {
            // Some whitespace around tokens.
            format!("{a}{}{b}", v.replace(',', &format!("{a},{b}")))
        })
    }

    proptest! {
        #[test]
        fn the_fast_reader_agrees_with_serde_json(body in json_like(), wrap in any::<bool>()) {
            let text = if wrap { format!("{{{body}}}") } else { body };
            let mut fast = Collector::new();
            if fast_collect(&text, &mut fast) {
                let mut slow = Collector::new();
                prop_assert!(serde_collect(&text, &mut slow), "{}", text);
                prop_assert_eq!(fast.json_kind(), slow.json_kind());
                let (f, s) = (fast.take_fields(), slow.take_fields());
                prop_assert_eq!(format!("{f:?}"), format!("{s:?}"), "{}", text);
            }
        }
    }

    #[test]
    fn the_fast_reader_takes_the_usual_lines() {
        for t in [
            r#"{"time":"2024-05-01T10:00:00.000Z","level":"info","msg":"request served","status":200,"duration_ms":169.17,"user":{"id":3456,"region":"eu"},"tags":["a",1,null,true,-0]}"#,
            r#"{"msg":"say \"hi\"\n\u00e9\/","k":-12,"f":-0.5}"#,
            " { } ",
        ] {
            let mut fast = Collector::new();
            assert!(fast_collect(t, &mut fast), "{t}");
            let mut slow = Collector::new();
            assert!(serde_collect(t, &mut slow), "{t}");
            assert_eq!(
                format!("{:?}", fast.take_fields()),
                format!("{:?}", slow.take_fields())
            );
        }
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
