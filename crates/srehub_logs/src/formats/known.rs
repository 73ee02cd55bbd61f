//! The well-known keys of structured lines (message, level, time), taken out while a line's fields
//! are parsed rather than searched for and removed afterwards.
//!
//! A [`Collector`] receives a line's fields in input order. Every field goes into the field list,
//! except the current choice for the message, the level and the time: those are held aside (their
//! text still borrowed from the line, so a timestamp or a level is never copied) and go back to their
//! place in the list if a better candidate comes. [`Collector::finish`] gives the result; the rules
//! are those of a pass over the finished list (see there).

use std::borrow::Cow;

use jiff::Timestamp;

use crate::fields::{FieldList, FieldRef};
use crate::level::{level_from_number, parse_level};
use crate::record::{FieldValue, Format, Level};
use crate::time::{parse_timestamp, timestamp_from_value};

/// Message, level and timestamp taken out of structured fields.
#[derive(Debug, Default)]
pub(crate) struct Known {
    pub(crate) message: Option<String>,
    pub(crate) level: Option<Level>,
    pub(crate) timestamp: Option<Timestamp>,
}

/// The well-known names by role (message, level, time), in order of preference.
const NAMES: [[&str; 6]; 3] = [
    ["msg", "message", "MESSAGE", "log", "text", "event"],
    [
        "level",
        "lvl",
        "severity",
        "log.level",
        "levelname",
        "PRIORITY",
    ],
    ["time", "timestamp", "ts", "@timestamp", "t", "datetime"],
];

/// What a key means to the collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    /// A well-known name: its role (0 message, 1 level, 2 time) and rank among its synonyms.
    Known(u8, u8),
    /// `stream` (one of the keys that make a JSON object a Docker line).
    Stream,
    /// A key only journald writes.
    Journal,
    Other,
}

/// `b == lit`, compared as a fixed-size array (no call to `memcmp`).
#[inline(always)]
fn is<const N: usize>(b: &[u8], lit: &[u8; N]) -> bool {
    <&[u8; N]>::try_from(b).is_ok_and(|a| a == lit)
}

/// For each first byte, the lengths (bits) of the interesting keys that start with it.
const CANDIDATES: [u32; 256] = {
    let names: [&str; 22] = [
        "msg",
        "message",
        "MESSAGE",
        "log",
        "text",
        "event",
        "level",
        "lvl",
        "severity",
        "log.level",
        "levelname",
        "PRIORITY",
        "time",
        "timestamp",
        "ts",
        "@timestamp",
        "t",
        "datetime",
        "stream",
        "__REALTIME_TIMESTAMP",
        "__CURSOR",
        "__MONOTONIC_TIMESTAMP",
    ];
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < names.len() {
        let b = names[i].as_bytes();
        table[b[0] as usize] |= 1 << b.len();
        i += 1;
    }
    table
};

/// Whether the key may be one of interest (most keys are ruled out by their length and first byte).
#[inline(always)]
fn maybe_known(b: &[u8]) -> bool {
    match b.first() {
        Some(&c) => b.len() < 32 && CANDIDATES[usize::from(c)] >> b.len() & 1 != 0,
        None => false,
    }
}

fn key_kind(key: &str) -> Key {
    let b = key.as_bytes();
    let Some(&first) = b.first() else {
        return Key::Other;
    };
    // Most keys are ruled out by their length and first byte alone.
    let known = |hit: bool, role: u8, rank: u8| {
        if hit {
            Key::Known(role, rank)
        } else {
            Key::Other
        }
    };
    match (b.len(), first) {
        (1, b't') => Key::Known(2, 4),
        (2, b't') => known(b[1] == b's', 2, 2),
        (3, b'm') => known(is(b, b"msg"), 0, 0),
        (3, b'l') if is(b, b"log") => Key::Known(0, 3),
        (3, b'l') => known(is(b, b"lvl"), 1, 1),
        (4, b't') if is(b, b"text") => Key::Known(0, 4),
        (4, b't') => known(is(b, b"time"), 2, 0),
        (5, b'e') => known(is(b, b"event"), 0, 5),
        (5, b'l') => known(is(b, b"level"), 1, 0),
        (6, b's') if is(b, b"stream") => Key::Stream,
        (7, b'm') => known(is(b, b"message"), 0, 1),
        (7, b'M') => known(is(b, b"MESSAGE"), 0, 2),
        (8, b's') => known(is(b, b"severity"), 1, 2),
        (8, b'P') => known(is(b, b"PRIORITY"), 1, 5),
        (8, b'd') => known(is(b, b"datetime"), 2, 5),
        (9, b'l') if is(b, b"log.level") => Key::Known(1, 3),
        (9, b'l') => known(is(b, b"levelname"), 1, 4),
        (9, b't') => known(is(b, b"timestamp"), 2, 1),
        (10, b'@') => known(is(b, b"@timestamp"), 2, 3),
        (8, b'_') if is(b, b"__CURSOR") => Key::Journal,
        (20, b'_') if is(b, b"__REALTIME_TIMESTAMP") => Key::Journal,
        (21, b'_') if is(b, b"__MONOTONIC_TIMESTAMP") => Key::Journal,
        _ => Key::Other,
    }
}

/// A field value whose text may still be borrowed from the line.
#[derive(Debug)]
enum Val<'a> {
    Str(Cow<'a, str>),
    Other(FieldValue),
}

impl Val<'_> {
    fn as_field_ref(&self) -> FieldRef<'_> {
        match self {
            Val::Str(s) => FieldRef::Str(s),
            Val::Other(v) => v.as_field_ref(),
        }
    }

    /// The value as text, written into `buf` when it is borrowed (reusing its allocation).
    fn into_text_in(self, mut buf: String) -> String {
        match self {
            Val::Str(Cow::Borrowed(s)) => {
                buf.clear();
                buf.push_str(s);
                buf
            }
            other => other.into_text(),
        }
    }

    fn into_text(self) -> String {
        match self {
            Val::Str(s) => s.into_owned(),
            Val::Other(FieldValue::Str(s)) => s.into_string(),
            Val::Other(v) => v.to_text(),
        }
    }
}

/// The field chosen so far for one role.
#[derive(Debug)]
struct Held<'a> {
    rank: u8,
    /// The field's number in the line (0-based).
    seq: u32,
    value: Val<'a>,
}

/// Gathers the fields of one line. See the [module docs](self).
#[derive(Debug)]
pub(crate) struct Collector<'a> {
    /// The text the fields are read from: keys and values that are slices of it are stored as
    /// positions in the field list's copy of it.
    base: &'a str,
    fields: FieldList,
    /// Where a borrowed message is copied to by [`Collector::finish`].
    message_buf: String,
    /// Fields pushed so far.
    seq: u32,
    /// The roles' ranks already seen (bit `role * 6 + rank`): only the first field of a name counts.
    seen: u32,
    held: [Option<Held<'a>>; 3],
    /// The values of the held level and time fields.
    level: Option<Level>,
    timestamp: Option<Timestamp>,
    /// The last `log`, `stream` and `time` fields were strings (bits 0, 1, 2).
    docker: u8,
    journal: bool,
}

impl<'a> Collector<'a> {
    /// A collector for fields of any origin (every key and text value is copied).
    #[cfg(test)]
    pub(crate) fn new() -> Collector<'a> {
        Collector::over("")
    }

    /// A collector for the fields of `base` (a line or a JSON object's text).
    #[inline]
    pub(crate) fn over(base: &'a str) -> Collector<'a> {
        Collector::reusing(base, FieldList::over(base), String::new())
    }

    /// [`Collector::over`] filling the allocations of a record already consumed: `fields` (any
    /// content) and `message_buf` (see [`super::Spare`]).
    #[inline]
    pub(crate) fn reusing(
        base: &'a str,
        mut fields: FieldList,
        message_buf: String,
    ) -> Collector<'a> {
        fields.reuse_over(base);
        Collector {
            base,
            fields,
            message_buf,
            seq: 0,
            seen: 0,
            held: [None, None, None],
            level: None,
            timestamp: None,
            docker: 0,
            journal: false,
        }
    }

    /// Empties the collector for another line.
    pub(crate) fn clear(&mut self) {
        self.fields.reset();
        self.seq = 0;
        self.seen = 0;
        self.held = [None, None, None];
        self.level = None;
        self.timestamp = None;
        self.docker = 0;
        self.journal = false;
    }

    /// Adds a string field whose text is borrowed from the line.
    #[inline]
    pub(crate) fn push_str(&mut self, key: &str, value: &'a str) {
        match self.note(key, true) {
            Key::Other => self.push_text(key, value),
            Key::Known(role, rank) => self.push_known_str(role, rank, key, value),
            k => self.push_known(k, key, Val::Str(Cow::Borrowed(value))),
        }
    }

    /// [`Collector::push_known`] for text borrowed from the line (the usual case), reading it before
    /// anything is built.
    fn push_known_str(&mut self, role: u8, rank: u8, key: &str, value: &'a str) {
        let bit = 1u32 << (u32::from(role) * 6 + u32::from(rank));
        if self.seen & bit != 0 {
            return self.push_text(key, value);
        }
        self.seen |= bit;
        let (mut level, mut timestamp) = (None, None);
        let usable = match role {
            0 => true,
            1 => {
                level = parse_level(value);
                level.is_some()
            }
            _ => {
                timestamp = parse_timestamp(value);
                timestamp.is_some()
            }
        };
        let slot = usize::from(role);
        if !usable || self.held[slot].as_ref().is_some_and(|h| h.rank < rank) {
            return self.push_text(key, value);
        }
        let old = self.held[slot].take();
        self.held[slot] = Some(Held {
            rank,
            seq: self.seq,
            value: Val::Str(Cow::Borrowed(value)),
        });
        match role {
            0 => {}
            1 => self.level = level,
            _ => self.timestamp = timestamp,
        }
        self.seq += 1;
        if let Some(old) = old {
            self.put_back(slot, old);
        }
    }

    /// Adds a string field of decoded text.
    #[inline]
    pub(crate) fn push_string(&mut self, key: &str, value: String) {
        match self.note(key, true) {
            Key::Other => self.push_text(key, &value),
            k => self.push_known(k, key, Val::Str(Cow::Owned(value))),
        }
    }

    /// Adds a field of any type.
    #[inline]
    pub(crate) fn push_value(&mut self, key: &str, value: FieldValue) {
        let is_str = matches!(value, FieldValue::Str(_));
        match self.note(key, is_str) {
            Key::Other => self.push_field(key, value),
            k => self.push_known(k, key, Val::Other(value)),
        }
    }

    /// Notes what the key says about the format; `Key::Other` when the field is an ordinary one.
    #[inline(always)]
    fn note(&mut self, key: &str, is_str: bool) -> Key {
        if !maybe_known(key.as_bytes()) {
            return Key::Other;
        }
        let k = key_kind(key);
        let bit = match k {
            Key::Other => return k,
            Key::Known(0, 3) => 1,
            Key::Stream => 2,
            Key::Known(2, 0) => 4,
            Key::Journal => {
                self.journal = true;
                0
            }
            Key::Known(..) => 0,
        };
        if is_str {
            self.docker |= bit;
        } else {
            self.docker &= !bit;
        }
        k
    }

    /// A field with a key of interest: held aside when it is the best candidate for its role so
    /// far (the one it replaces goes back into the list).
    fn push_known(&mut self, k: Key, key: &str, value: Val<'a>) {
        let seq = self.seq;
        if let Key::Known(role, rank) = k {
            let bit = 1u32 << (u32::from(role) * 6 + u32::from(rank));
            if self.seen & bit == 0 {
                self.seen |= bit;
                let (mut level, mut timestamp) = (None, None);
                let usable = match role {
                    0 => true,
                    1 => {
                        level = level_of(&value);
                        level.is_some()
                    }
                    _ => {
                        timestamp = timestamp_of(&value);
                        timestamp.is_some()
                    }
                };
                let slot = usize::from(role);
                let better = usable && self.held[slot].as_ref().is_none_or(|h| rank < h.rank);
                if better {
                    match role {
                        0 => {}
                        1 => self.level = level,
                        _ => self.timestamp = timestamp,
                    }
                    if let Some(old) = self.held[slot].replace(Held { rank, seq, value }) {
                        self.put_back(slot, old);
                    }
                    self.seq += 1;
                    return;
                }
                // Not used: an ordinary field.
                self.seq += 1;
                self.push_field_val(key, value);
                return;
            }
        }
        self.seq += 1;
        self.push_field_val(key, value);
    }

    /// Puts a field that was held for role `slot` back at its place in the list.
    fn put_back(&mut self, slot: usize, h: Held<'a>) {
        let earlier_held = self
            .held
            .iter()
            .enumerate()
            .filter(|&(i, o)| i != slot && o.as_ref().is_some_and(|o| o.seq < h.seq))
            .count();
        let at = h.seq as usize - earlier_held;
        let role = slot;
        let name = NAMES[role][usize::from(h.rank)];
        self.fields
            .insert_in_base(at, self.base, name, h.value.as_field_ref());
    }

    fn push_field_val(&mut self, key: &str, value: Val<'a>) {
        self.fields
            .push_in_base(self.base, key, value.as_field_ref());
    }

    #[inline]
    fn push_text(&mut self, key: &str, value: &str) {
        self.seq += 1;
        self.fields
            .push_in_base(self.base, key, FieldRef::Str(value));
    }

    #[inline]
    fn push_field(&mut self, key: &str, value: FieldValue) {
        self.seq += 1;
        self.fields
            .push_in_base(self.base, key, value.as_field_ref());
    }

    /// Which JSON-based format the fields are: journald (`__REALTIME_TIMESTAMP`, `__CURSOR`,
    /// `__MONOTONIC_TIMESTAMP`), Docker json-file (string `log`, `stream` and `time`, the last of each
    /// counting) or plain JSON.
    pub(crate) fn json_kind(&self) -> Format {
        if self.journal {
            Format::JournalJson
        } else if self.docker == 7 {
            Format::Docker
        } else {
            Format::Json
        }
    }

    /// All the fields, in input order (the collector is left empty).
    pub(crate) fn take_fields(&mut self) -> FieldList {
        // Earliest first: each goes back after every field that came before it.
        let mut held: Vec<(usize, Held<'a>)> = (0..3)
            .filter_map(|i| self.held[i].take().map(|h| (i, h)))
            .collect();
        held.sort_by_key(|(_, h)| h.seq);
        for (i, h) in held {
            self.put_back(i, h);
        }
        self.clear_taking()
    }

    /// Takes out the message (`msg`, `message`, `MESSAGE`, `log`, `text`, `event`: the first present,
    /// in that order of preference), the level (`level`, `lvl`, `severity`, `log.level`,
    /// `levelname`, `PRIORITY`: the first, in that order, whose value reads as a level) and the
    /// timestamp (`time`, `timestamp`, `ts`, `@timestamp`, `t`, `datetime`: text or epoch numbers,
    /// likewise); returns them with the other fields in input order. Only the first field of a name
    /// is considered; a level or time field whose value does not parse stays a field. The collector
    /// is left empty.
    pub(crate) fn finish(&mut self) -> (Known, FieldList) {
        let known = Known {
            message: self.held[0]
                .take()
                .map(|h| h.value.into_text_in(std::mem::take(&mut self.message_buf))),
            level: self.level,
            timestamp: self.timestamp,
        };
        (known, self.clear_taking())
    }

    /// Returns the collector's allocations to `spare` (a line that was not read in its format).
    pub(crate) fn give_back(mut self, spare: &mut super::Spare) {
        spare.put(
            std::mem::take(&mut self.fields),
            std::mem::take(&mut self.message_buf),
        );
    }

    fn clear_taking(&mut self) -> FieldList {
        let fields = std::mem::take(&mut self.fields);
        self.clear();
        fields
    }
}

fn level_of(v: &Val<'_>) -> Option<Level> {
    match v {
        Val::Str(s) => parse_level(s),
        Val::Other(FieldValue::Str(s)) => parse_level(s),
        Val::Other(FieldValue::Int(i)) => level_from_number(*i),
        Val::Other(_) => None,
    }
}

fn timestamp_of(v: &Val<'_>) -> Option<Timestamp> {
    match v {
        Val::Str(s) => parse_timestamp(s),
        Val::Other(v) => timestamp_from_value(v.as_field_ref()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> FieldValue {
        FieldValue::Str(v.into())
    }

    #[test]
    fn keys_are_told_apart() {
        for (role, names) in NAMES.iter().enumerate() {
            for (rank, name) in names.iter().enumerate() {
                assert_eq!(key_kind(name), Key::Known(role as u8, rank as u8), "{name}");
            }
        }
        for names in NAMES {
            assert!(names.iter().all(|n| maybe_known(n.as_bytes())));
        }
        assert_eq!(key_kind("stream"), Key::Stream);
        for k in ["__REALTIME_TIMESTAMP", "__CURSOR", "__MONOTONIC_TIMESTAMP"] {
            assert_eq!(key_kind(k), Key::Journal, "{k}");
            assert!(maybe_known(k.as_bytes()));
        }
        for k in [
            "",
            "service",
            "status",
            "tz",
            "Msg",
            "levels",
            "__CURSORS",
            "te",
            "tx",
            "lo",
            "strean",
        ] {
            assert_eq!(key_kind(k), Key::Other, "{k}");
        }
        assert!(maybe_known(b"stream"));
        for k in [
            "",
            "service",
            "method",
            "path",
            "duration_ms",
            "trace_id",
            "user.id",
            "x",
        ] {
            assert!(!maybe_known(k.as_bytes()), "{k}");
        }
    }

    #[test]
    fn unused_well_known_fields_keep_their_places() {
        let mut c = Collector::new();
        c.push_str("a", "1");
        c.push_str("text", "fifth choice");
        c.push_str("message", "second choice");
        c.push_value("time", FieldValue::Bool(true));
        c.push_string("msg", "first choice".to_string());
        c.push_str("level", "chatty");
        c.push_str("b", "2");
        c.push_value("msg", FieldValue::Int(3));
        c.push_value("severity", FieldValue::Int(60));
        c.push_value("lvl", FieldValue::Int(40));
        c.push_value("level", FieldValue::Int(40));
        c.push_str("ts", "not a time");
        c.push_value("t", FieldValue::Int(1_700_000_000));
        c.push_str("timestamp", "2023-11-14T22:13:20Z");
        let (known, fields) = c.finish();
        assert_eq!(known.message.as_deref(), Some("first choice"));
        assert_eq!(known.level, Some(Level::Warn));
        assert_eq!(
            known.timestamp,
            Some("2023-11-14T22:13:20Z".parse().unwrap())
        );
        assert_eq!(
            fields,
            vec![
                ("a".into(), s("1")),
                ("text".into(), s("fifth choice")),
                ("message".into(), s("second choice")),
                ("time".into(), FieldValue::Bool(true)),
                ("level".into(), s("chatty")),
                ("b".into(), s("2")),
                ("msg".into(), FieldValue::Int(3)),
                ("severity".into(), FieldValue::Int(60)),
                ("level".into(), FieldValue::Int(40)),
                ("ts".into(), s("not a time")),
                ("t".into(), FieldValue::Int(1_700_000_000)),
            ]
        );
    }

    #[test]
    fn json_kinds_and_all_fields_in_order() {
        let mut c = Collector::new();
        c.push_str("log", "x");
        c.push_str("stream", "stdout");
        c.push_string("time", "t".repeat(40));
        assert_eq!(c.json_kind(), Format::Docker);
        c.push_value("log", FieldValue::Int(1));
        assert_eq!(c.json_kind(), Format::Json);
        c.push_str("level", "warn");
        c.push_str("msg", "m");
        let all = c.take_fields();
        let keys: Vec<&str> = all.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["log", "stream", "time", "log", "level", "msg"]);
        assert_eq!(c.json_kind(), Format::Json);
        c.push_str("__CURSOR", "s=1");
        assert_eq!(c.json_kind(), Format::JournalJson);
    }
}
