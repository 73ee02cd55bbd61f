//! Syslog: RFC 3164 (`<34>Oct 11 22:14:15 mymachine su[42]: 'su root' failed`, the `<PRI>` optional,
//! also with an RFC 3339 timestamp as rsyslog writes files) and RFC 5424
//! (`<165>1 2003-10-11T22:14:15.003Z host app 42 ID47 [id p="v"] message`).
//!
//! RFC 3164 times have no year, and parsers do not read the clock: the timestamp is left empty and
//! the time text kept in the field `syslog_time` (unless the line carries a year).

use super::Fields;
use crate::level::{parse_level, syslog_severity};
use crate::record::{FieldValue, Format, Record};
use crate::time::parse_timestamp;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `<PRI>` if present: its value and the rest; `None` when malformed.
fn pri(line: &str) -> Option<(Option<u8>, &str)> {
    let Some(r) = line.strip_prefix('<') else {
        return Some((None, line));
    };
    let end = r.as_bytes().iter().take(4).position(|&c| c == b'>')?;
    let digits = &r[..end];
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let v: u8 = digits.parse().ok()?;
    (v <= 191).then_some((Some(v), &r[end + 1..]))
}

/// Length of a `Mmm dd hh:mm:ss[.frac]` (or `Mmm dd yyyy hh:mm:ss`) prefix and whether it has a year.
fn month_time(s: &str) -> Option<(usize, bool)> {
    let b = s.as_bytes();
    if b.len() < 15 || b[3] != b' ' || !MONTHS.iter().any(|m| m.as_bytes() == &b[..3]) {
        return None;
    }
    let mut i = 4;
    if b[i] == b' ' {
        i += 1;
    }
    let day_start = i;
    while i < b.len() && b[i].is_ascii_digit() && i - day_start < 2 {
        i += 1;
    }
    if i == day_start || b.get(i) != Some(&b' ') {
        return None;
    }
    i += 1;
    let mut year = false;
    if b.len() > i + 5 && b[i..i + 4].iter().all(u8::is_ascii_digit) && b[i + 4] == b' ' {
        year = true;
        i += 5;
    }
    let t = b.get(i..i + 8)?;
    let shape = t.iter().enumerate().all(|(k, c)| {
        if k == 2 || k == 5 {
            *c == b':'
        } else {
            c.is_ascii_digit()
        }
    });
    if !shape {
        return None;
    }
    i += 8;
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    Some((i, year))
}

/// Parses an RFC 3164 line.
pub(crate) fn parse_3164(line_no: u64, line: &str) -> Option<Record> {
    let (pri, rest) = pri(line)?;
    let mut fields: Fields = Vec::new();
    let mut timestamp = None;
    let (after, rfc3339) = if let Some((end, has_year)) = month_time(rest) {
        let text = &rest[..end];
        if has_year {
            timestamp = parse_timestamp(text);
        }
        if timestamp.is_none() {
            fields.push(("syslog_time".into(), FieldValue::Str(text.into())));
        }
        (&rest[end..], false)
    } else {
        let b = rest.as_bytes();
        if b.len() < 20 || !b[0].is_ascii_digit() || !matches!(b[10], b'T' | b't') {
            return None;
        }
        let sp = rest.find(' ')?;
        timestamp = Some(parse_timestamp(&rest[..sp])?);
        (&rest[sp..], true)
    };
    let after = after.strip_prefix(' ')?.trim_start_matches(' ');
    let (first, tail) = split_token(after);
    if first.is_empty() {
        return None;
    }
    let (host, tag_token, tail) = if first.ends_with(':') {
        (None, first, tail)
    } else {
        let (tag, tail2) = split_token(tail);
        (Some(first), tag, tail2)
    };
    if rfc3339 && host.is_some_and(|h| parse_level(h).is_some()) {
        return None;
    }
    let message;
    let mut app = None;
    let mut pid = None;
    match tag_token.strip_suffix(':') {
        Some(tag) if !tag.is_empty() => {
            match tag.strip_suffix(']').and_then(|t| t.rsplit_once('[')) {
                Some((a, p)) if !a.is_empty() => {
                    app = Some(a);
                    pid = Some(p);
                }
                _ => app = Some(tag),
            }
            message = tail;
        }
        _ => {
            if rfc3339 {
                return None;
            }
            // No tag: everything after the host is the message.
            message = match host {
                Some(h) => after[h.len()..].strip_prefix(' ').unwrap_or(""),
                None => after,
            };
        }
    }
    if let Some(h) = host {
        fields.push(("host".into(), FieldValue::Str(h.into())));
    }
    if let Some(a) = app {
        fields.push(("app".into(), FieldValue::Str(a.into())));
    }
    if let Some(p) = pid {
        fields.push(("pid".into(), pid_value(p)));
    }
    if let Some(p) = pri {
        fields.push(("facility".into(), FieldValue::Int(i64::from(p >> 3))));
    }
    Some(Record {
        line: line_no,
        timestamp,
        level: pri.map(|p| syslog_severity(p & 7)),
        message: message.to_string(),
        fields: fields.into(),
        format: Format::Syslog3164,
    })
}

/// The text up to the first space, and what follows that space.
fn split_token(s: &str) -> (&str, &str) {
    match s.find(' ') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    }
}

fn pid_value(p: &str) -> FieldValue {
    match p.parse::<i64>() {
        Ok(n) if !p.starts_with('+') => FieldValue::Int(n),
        _ => FieldValue::Str(p.into()),
    }
}

/// Parses an RFC 5424 line.
pub(crate) fn parse_5424(line_no: u64, line: &str) -> Option<Record> {
    let (Some(pri), rest) = pri(line)? else {
        return None;
    };
    let rest = rest.strip_prefix("1 ")?;
    let mut parts = rest.splitn(6, ' ');
    let ts = parts.next()?;
    let host = parts.next()?;
    let app = parts.next()?;
    let procid = parts.next()?;
    let msgid = parts.next()?;
    let rest = parts.next()?;
    if [ts, host, app, procid, msgid].iter().any(|t| t.is_empty()) {
        return None;
    }
    let timestamp = if ts == "-" {
        None
    } else {
        Some(parse_timestamp(ts)?)
    };
    let mut fields: Fields = Vec::new();
    for (name, v) in [
        ("host", host),
        ("app", app),
        ("pid", procid),
        ("msgid", msgid),
    ] {
        if v != "-" {
            let value = if name == "pid" {
                pid_value(v)
            } else {
                FieldValue::Str(v.into())
            };
            fields.push((name.into(), value));
        }
    }
    fields.push(("facility".into(), FieldValue::Int(i64::from(pri >> 3))));
    let after_sd = if let Some(r) = rest.strip_prefix('-') {
        r
    } else if rest.starts_with('[') {
        let used = structured_data(rest, &mut fields)?;
        &rest[used..]
    } else {
        return None;
    };
    let message = match after_sd {
        "" => "",
        m => m.strip_prefix(' ')?,
    };
    let message = message.strip_prefix('\u{feff}').unwrap_or(message);
    Some(Record {
        line: line_no,
        timestamp,
        level: Some(syslog_severity(pri & 7)),
        message: message.to_string(),
        fields: fields.into(),
        format: Format::Syslog5424,
    })
}

/// Parses `[id name="value" …]…` into `sd.<id>.<name>` fields; returns the bytes consumed.
fn structured_data(s: &str, fields: &mut Fields) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while b.get(i) == Some(&b'[') {
        i += 1;
        let id_start = i;
        while i < b.len() && !matches!(b[i], b' ' | b']' | b'=' | b'"') {
            i += 1;
        }
        let id = &s[id_start..i];
        if id.is_empty() {
            return None;
        }
        loop {
            match b.get(i)? {
                b']' => {
                    i += 1;
                    break;
                }
                b' ' => i += 1,
                _ => return None,
            }
            let name_start = i;
            while i < b.len() && !matches!(b[i], b' ' | b']' | b'=' | b'"') {
                i += 1;
            }
            let name = &s[name_start..i];
            if name.is_empty() {
                continue;
            }
            if b.get(i..i + 2) != Some(b"=\"") {
                return None;
            }
            i += 2;
            let mut value = String::new();
            loop {
                let next = i + memchr::memchr2(b'"', b'\\', &b[i..])?;
                value.push_str(&s[i..next]);
                if b[next] == b'"' {
                    i = next + 1;
                    break;
                }
                match b.get(next + 1) {
                    Some(c @ (b'"' | b'\\' | b']')) => {
                        value.push(char::from(*c));
                        i = next + 2;
                    }
                    _ => {
                        value.push('\\');
                        i = next + 1;
                    }
                }
            }
            fields.push((
                format!("sd.{id}.{name}").into(),
                FieldValue::Str(value.into()),
            ));
        }
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Level;

    fn s(v: &str) -> FieldValue {
        FieldValue::Str(v.into())
    }

    #[test]
    fn rfc3164_lines() {
        let r = parse_3164(
            1,
            "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick",
        )
        .unwrap();
        assert_eq!(r.message, "'su root' failed for lonvick");
        assert_eq!(r.level, Some(Level::Fatal));
        assert_eq!(r.timestamp, None);
        assert_eq!(
            r.fields,
            vec![
                ("syslog_time".into(), s("Oct 11 22:14:15")),
                ("host".into(), s("mymachine")),
                ("app".into(), s("su")),
                ("facility".into(), FieldValue::Int(4)),
            ]
        );
        let r = parse_3164(
            2,
            "Jun  9 06:06:20 combo sshd(pam_unix)[19939]: check pass; user unknown",
        )
        .unwrap();
        assert_eq!(
            r.field("syslog_time").map(|v| v.to_owned_value()),
            Some(s("Jun  9 06:06:20"))
        );
        assert_eq!(
            r.field("app").map(|v| v.to_owned_value()),
            Some(s("sshd(pam_unix)"))
        );
        assert_eq!(
            r.field("pid").map(|v| v.to_owned_value()),
            Some(FieldValue::Int(19939))
        );
        assert_eq!(r.message, "check pass; user unknown");
        assert_eq!(r.level, None);
        // No tag.
        let r = parse_3164(3, "Jun  9 06:06:20 combo syslogd 1.4.1: restart.").unwrap();
        assert_eq!(r.message, "syslogd 1.4.1: restart.");
        assert_eq!(r.field("app"), None);
        // No host.
        let r = parse_3164(4, "Jun 14 15:16:01 kernel: [ 1.0] boot").unwrap();
        assert_eq!(r.field("host"), None);
        assert_eq!(
            r.field("app").map(|v| v.to_owned_value()),
            Some(s("kernel"))
        );
        assert_eq!(r.message, "[ 1.0] boot");
        // With a year, or an RFC 3339 timestamp (rsyslog file format).
        let r = parse_3164(5, "Jun 14 2017 15:16:01 host app[1]: x").unwrap();
        assert_eq!(r.timestamp, Some("2017-06-14T15:16:01Z".parse().unwrap()));
        assert_eq!(r.field("syslog_time"), None);
        let r = parse_3164(
            6,
            "2024-01-02T03:04:05.123456+01:00 web01 nginx[77]: started",
        )
        .unwrap();
        assert_eq!(
            r.timestamp,
            Some("2024-01-02T02:04:05.123456Z".parse().unwrap())
        );
        assert_eq!(
            r.field("host").map(|v| v.to_owned_value()),
            Some(s("web01"))
        );
        assert_eq!(r.message, "started");
    }

    #[test]
    fn rfc3164_refusals() {
        for line in [
            "Jun 14 15:16:01",
            "Jun 14 15:16:01 ",
            "Foo 14 15:16:01 host app: x",
            "<999>Jun 14 15:16:01 host app: x",
            "<ab>Jun 14 15:16:01 host app: x",
            "2024-01-02T03:04:05Z INFO starting: now",
            "2024-01-02T03:04:05Z host no tag here",
            "June is a month",
        ] {
            assert!(parse_3164(1, line).is_none(), "{line}");
        }
    }

    #[test]
    fn rfc5424_lines() {
        let r = parse_5424(
            1,
            "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \u{feff}'su root' failed",
        )
        .unwrap();
        assert_eq!(r.message, "'su root' failed");
        assert_eq!(r.level, Some(Level::Fatal));
        assert_eq!(
            r.timestamp,
            Some("2003-10-11T22:14:15.003Z".parse().unwrap())
        );
        assert_eq!(r.field("pid"), None);
        assert_eq!(
            r.field("msgid").map(|v| v.to_owned_value()),
            Some(s("ID47"))
        );
        let r = parse_5424(
            2,
            r#"<165>1 2003-10-11T22:14:15.003Z host evntslog 42 - [exampleSDID@32473 iut="3" eventSource="App \"x\" \] y"][meta a="1"] An event"#,
        )
        .unwrap();
        assert_eq!(r.message, "An event");
        assert_eq!(r.level, Some(Level::Notice));
        assert_eq!(
            r.field("pid").map(|v| v.to_owned_value()),
            Some(FieldValue::Int(42))
        );
        assert_eq!(
            r.field("sd.exampleSDID@32473.iut")
                .map(|v| v.to_owned_value()),
            Some(s("3"))
        );
        assert_eq!(
            r.field("sd.exampleSDID@32473.eventSource")
                .map(|v| v.to_owned_value()),
            Some(s(r#"App "x" ] y"#))
        );
        assert_eq!(
            r.field("sd.meta.a").map(|v| v.to_owned_value()),
            Some(s("1"))
        );
        let r = parse_5424(3, "<14>1 - - - - - -").unwrap();
        assert_eq!(r.message, "");
        assert_eq!(r.timestamp, None);
        for line in [
            "<14>1 - - - - -",
            "<14>2 - - - - - -",
            "14>1 - - - - - -",
            "<14>1 bad - - - - -",
            r#"<14>1 - - - - - [x a="1"#,
            r#"<14>1 - - - - - [x a=1]"#,
            "<14>1 - - - - - msg",
        ] {
            assert!(parse_5424(1, line).is_none(), "{line}");
        }
    }
}
