//! logfmt: `ts=2024-01-01T00:00:00Z level=info msg="hello world" status=200 cached`.
//!
//! Values are strings, except unquoted integers (`Int`), `true`/`false` (`Bool`) and bare keys
//! (`Bool(true)`). Quoted values take Go-style escapes (`\"`, `\\`, `\n`, `\t`, `\r`, `\uXXXX`).
//!
//! Detection is strict, so that prose containing `a=b` stays plain text: at least two pairs, every
//! token a `key=value` pair, keys made of letters, digits and `_ . - @ /` starting with a letter,
//! `_` or `@`, no `"` inside unquoted values. Once a stream is known to be logfmt a line is accepted
//! with at least one pair and no more bare keys than pairs.

use std::borrow::Cow;

#[cfg(test)]
use super::Fields;
use super::Spare;
use super::known::Collector;
use super::scan;
use crate::record::{FieldValue, Format, Record};

/// Parses a logfmt line into a record; `None` when it is not logfmt (by the strict rules when
/// `strict`).
pub(crate) fn parse(line_no: u64, line: &str, strict: bool, spare: &mut Spare) -> Option<Record> {
    let mut c = spare.collector(line);
    if !collect(line, strict, &mut c) {
        c.give_back(spare);
        return None;
    }
    let (known, fields) = c.finish();
    Some(Record {
        line: line_no,
        timestamp: known.timestamp,
        level: known.level,
        message: known.message.unwrap_or_default(),
        fields,
        format: Format::Logfmt,
    })
}

/// The fields of a logfmt line, in order.
#[cfg(test)]
pub(crate) fn parse_fields(line: &str, strict: bool) -> Option<Fields> {
    let mut c = Collector::new();
    collect(line, strict, &mut c).then(|| c.take_fields().to_vec())
}

/// Reads the fields of a logfmt line into an empty collector; `false` (the collector holding what
/// was read before the problem) when it is not logfmt.
pub(crate) fn collect<'a>(line: &'a str, strict: bool, out: &mut Collector<'a>) -> bool {
    read(line, strict, out).is_some()
}

fn read<'a>(line: &'a str, strict: bool, out: &mut Collector<'a>) -> Option<()> {
    let b = line.as_bytes();
    let mut i = 0;
    let (mut pairs, mut bare) = (0usize, 0usize);
    loop {
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        // Bytes up to `"` (space, tab, quote and a few others) or `=`: the others are passed over.
        i = scan::find_exact(
            b,
            i,
            |v| scan::lt_mask(v, b'"' + 1) | scan::eq_mask(v, b'='),
            |c| matches!(c, b' ' | b'\t' | b'=' | b'"'),
        );
        // Slicing at ASCII bytes: always on a character boundary.
        let key = line.get(start..i)?;
        if key.is_empty() || (strict && !is_strict_key(key)) {
            return None;
        }
        match b.get(i) {
            Some(b'=') => {
                i += 1;
                if b.get(i) == Some(&b'"') {
                    let (v, end) = unquote(line, i + 1)?;
                    i = end;
                    if i < b.len() && !is_space(b[i]) {
                        return None;
                    }
                    match v {
                        Cow::Borrowed(v) => out.push_str(key, v),
                        Cow::Owned(v) => out.push_string(key, v),
                    }
                } else {
                    let vstart = i;
                    // Bytes up to the space (control characters are passed over).
                    i = scan::find_exact(b, i, |v| scan::lt_mask(v, b' ' + 1), is_space);
                    let raw = line.get(vstart..i)?;
                    if strict && raw.contains('"') {
                        return None;
                    }
                    match typed(raw) {
                        Some(v) => out.push_value(key, v),
                        None => out.push_str(key, raw),
                    }
                };
                pairs += 1;
            }
            Some(b'"') => return None,
            _ => {
                if strict {
                    return None;
                }
                bare += 1;
                out.push_value(key, FieldValue::Bool(true));
            }
        }
    }
    let ok = if strict {
        pairs >= 2
    } else {
        pairs >= 1 && bare <= pairs
    };
    ok.then_some(())
}

fn is_space(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

fn is_strict_key(k: &str) -> bool {
    let b = k.as_bytes();
    (b[0].is_ascii_alphabetic() || b[0] == b'_' || b[0] == b'@')
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'@' | b'/'))
}

/// An unquoted value: canonical integers and `true`/`false` are typed (`None`: the rest stays text).
#[inline(always)]
fn typed(raw: &str) -> Option<FieldValue> {
    let b = raw.as_bytes();
    match b.first()? {
        b't' => return (raw == "true").then_some(FieldValue::Bool(true)),
        b'f' => return (raw == "false").then_some(FieldValue::Bool(false)),
        b'0'..=b'9' | b'-' => {}
        _ => return None,
    }
    let (negative, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    let canonical = !digits.is_empty()
        && digits.len() <= 19
        && digits.iter().all(u8::is_ascii_digit)
        && (digits == b"0" || digits[0] != b'0')
        && raw != "-0";
    if !canonical {
        return None;
    }
    if digits.len() <= 18 {
        // At most 18 digits: no overflow.
        let n = digits
            .iter()
            .fold(0i64, |n, &c| n * 10 + i64::from(c - b'0'));
        return Some(FieldValue::Int(if negative { -n } else { n }));
    }
    raw.parse::<i64>().ok().map(FieldValue::Int)
}

/// A quoted string starting at `start` (just after the opening quote): its unescaped text and the
/// index after the closing quote; `None` when unterminated.
pub(crate) fn unquote(s: &str, start: usize) -> Option<(Cow<'_, str>, usize)> {
    let b = s.as_bytes();
    let first = start + memchr::memchr2(b'"', b'\\', b.get(start..)?)?;
    if b[first] == b'"' {
        return Some((Cow::Borrowed(&s[start..first]), first + 1));
    }
    let mut out = String::with_capacity(first - start + 16);
    out.push_str(&s[start..first]);
    let mut i = first;
    loop {
        let next = i + memchr::memchr2(b'"', b'\\', &b[i..])?;
        out.push_str(&s[i..next]);
        if b[next] == b'"' {
            return Some((Cow::Owned(out), next + 1));
        }
        // A backslash: decode the escape.
        let &e = b.get(next + 1)?;
        i = next + 2;
        match e {
            b'n' => out.push('\n'),
            b't' => out.push('\t'),
            b'r' => out.push('\r'),
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'u' if b.len() >= i + 4 && b[i..i + 4].iter().all(u8::is_ascii_hexdigit) => {
                match u32::from_str_radix(&s[i..i + 4], 16) {
                    Ok(cp) => {
                        out.push(char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER));
                        i += 4;
                    }
                    Err(_) => out.push_str("\\u"),
                }
            }
            _ => {
                // Unknown escape: keep it as written (the next char may be multi-byte).
                out.push('\\');
                i = next + 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Level;

    fn s(v: &str) -> FieldValue {
        FieldValue::Str(v.into())
    }

    #[test]
    fn go_kit_and_logrus_lines() {
        let r = parse(
            4,
            r#"ts=2024-01-02T03:04:05.123Z level=info caller=main.go:42 msg="listening on \"0.0.0.0:8080\"" port=8080 tls=false debug"#,
            false,
            &mut Spare::default(),
        )
        .unwrap();
        assert_eq!(r.message, r#"listening on "0.0.0.0:8080""#);
        assert_eq!(r.level, Some(Level::Info));
        assert_eq!(
            r.timestamp,
            Some("2024-01-02T03:04:05.123Z".parse().unwrap())
        );
        assert_eq!(
            r.fields,
            vec![
                ("caller".into(), s("main.go:42")),
                ("port".into(), FieldValue::Int(8080)),
                ("tls".into(), FieldValue::Bool(false)),
                ("debug".into(), FieldValue::Bool(true)),
            ]
        );
        assert_eq!(r.line, 4);
        assert_eq!(r.format, Format::Logfmt);
        let r = parse(
            1,
            r#"time="2024-01-02 03:04:05" level=warning msg="a\tb\\c\u00e9" id=007 n=-3 e="""#,
            true,
            &mut Spare::default(),
        )
        .unwrap();
        assert_eq!(r.message, "a\tb\\cé");
        assert_eq!(r.level, Some(Level::Warn));
        assert_eq!(r.field("id").map(|v| v.to_owned_value()), Some(s("007")));
        assert_eq!(
            r.field("n").map(|v| v.to_owned_value()),
            Some(FieldValue::Int(-3))
        );
        assert_eq!(r.field("e").map(|v| v.to_owned_value()), Some(s("")));
    }

    #[test]
    fn strict_detection_refuses_prose() {
        for line in [
            "starting server with port=8080 and tls=true",
            "a=1",
            "x=1, y=2 are the coordinates",
            "1a=2 b=3",
            r#"a="unterminated b=2"#,
            r#"a="x"y b=2"#,
            r#"a=b"c d=e"#,
            "=a b=c",
            "",
        ] {
            assert!(parse_fields(line, true).is_none(), "{line}");
        }
        assert!(parse_fields("a=1 b=2", true).is_some());
        // Lenient: one pair is enough, but prose is still refused.
        assert!(parse_fields("flag a=1", false).is_some());
        assert!(parse_fields("starting server on port=8080", false).is_none());
        assert!(parse_fields("just words", false).is_none());
    }

    #[test]
    fn unquoted_values_are_typed_like_before() {
        // The rules as first written, for comparison.
        fn reference(raw: &str) -> FieldValue {
            match raw {
                "true" => return FieldValue::Bool(true),
                "false" => return FieldValue::Bool(false),
                _ => {}
            }
            let digits = raw.strip_prefix('-').unwrap_or(raw);
            let canonical = !digits.is_empty()
                && digits.len() <= 19
                && digits.bytes().all(|c| c.is_ascii_digit())
                && (digits == "0" || !digits.starts_with('0'))
                && raw != "-0";
            if canonical && let Ok(i) = raw.parse::<i64>() {
                return FieldValue::Int(i);
            }
            s(raw)
        }
        for raw in [
            "-",
            "-0",
            "0",
            "00",
            "7",
            "-7",
            "007",
            "123456789012345678",
            "-123456789012345678",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "99999999999999999999",
            "true",
            "false",
            "tru",
            "truex",
            "falsey",
            "True",
            "+1",
            "1.5",
            "1e3",
            "x",
            "--1",
            "-a",
            "é",
        ] {
            assert_eq!(
                typed(raw).unwrap_or_else(|| s(raw)),
                reference(raw),
                "{raw}"
            );
        }
    }

    #[test]
    fn odd_escapes_do_not_panic() {
        for q in [
            r#""\"#,
            r#""\u12"#,
            r#""\ué""#,
            r#""\é""#,
            r#""\q""#,
            r#""\u00zz""#,
        ] {
            let _ = unquote(q, 1);
        }
        assert_eq!(unquote(r#""\é""#, 1).unwrap().0, "\\é");
        assert_eq!(unquote(r#""\u00zz""#, 1).unwrap().0, "\\u00zz");
    }
}
