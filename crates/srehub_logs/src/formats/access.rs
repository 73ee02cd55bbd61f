//! Web server access logs, common and combined (Apache, nginx):
//! `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "http://ref/" "Mozilla/5.0"`.
//!
//! Fields: `remote_addr`, `ident` (only when not `-`), `user`, `method`, `path`, `protocol`,
//! `status` (Int), `bytes` (Int), `referer`, `user_agent`, and `extra` for anything after the user
//! agent (nginx variants append timings). `-` is `Null` for `user`, `bytes`, `referer` and
//! `user_agent`. The message is the request line; the level follows the status (5xx error, 4xx warn,
//! else info).

use super::Fields;
use crate::formats::logfmt::unquote;
use crate::record::{FieldValue, Format, Level, Record};
use crate::time::parse_timestamp;

/// Parses an access log line.
pub(crate) fn parse(line_no: u64, line: &str) -> Option<Record> {
    let (remote, rest) = line.split_once(' ')?;
    let (ident, rest) = rest.split_once(' ')?;
    let (user, rest) = rest.split_once(' ')?;
    if remote.is_empty() || ident.is_empty() || user.is_empty() {
        return None;
    }
    let rest = rest.strip_prefix('[')?;
    let close = rest.find(']')?;
    let time_text = &rest[..close];
    let timestamp = parse_timestamp(time_text)?;
    let rest = rest[close + 1..].strip_prefix(" \"")?;
    let (request, end) = unquote(rest, 0)?;
    let rest = rest[end..].strip_prefix(' ')?;
    let (status_text, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    if status_text.len() != 3 || !status_text.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let status: i64 = status_text.parse().ok()?;
    let (bytes_text, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let bytes = match bytes_text {
        "-" => FieldValue::Null,
        t => FieldValue::Int(t.parse::<i64>().ok().filter(|n| *n >= 0)?),
    };
    // Combined format: referer and user agent, quoted.
    let mut quoted = [None, None];
    for slot in &mut quoted {
        let Some(r) = rest.strip_prefix('"') else {
            break;
        };
        let (v, end) = unquote(r, 0)?;
        *slot = Some(v);
        rest = r[end..].strip_prefix(' ').unwrap_or(&r[end..]);
    }
    let mut fields: Fields = Vec::with_capacity(12);
    let text = |s: &str| {
        if s == "-" {
            FieldValue::Null
        } else {
            FieldValue::Str(s.into())
        }
    };
    fields.push(("remote_addr".into(), FieldValue::Str(remote.into())));
    if ident != "-" {
        fields.push(("ident".into(), FieldValue::Str(ident.into())));
    }
    fields.push(("user".into(), text(user)));
    let parts: Vec<&str> = request.split(' ').filter(|p| !p.is_empty()).collect();
    if parts.len() >= 2 {
        fields.push(("method".into(), FieldValue::Str(parts[0].into())));
        let (path_end, protocol) = match parts.last() {
            Some(p) if parts.len() >= 3 && p.starts_with("HTTP/") => (parts.len() - 1, Some(*p)),
            _ => (parts.len(), None),
        };
        fields.push((
            "path".into(),
            FieldValue::Str(parts[1..path_end].join(" ").into()),
        ));
        if let Some(p) = protocol {
            fields.push(("protocol".into(), FieldValue::Str(p.into())));
        }
    }
    fields.push(("status".into(), FieldValue::Int(status)));
    fields.push(("bytes".into(), bytes));
    let [referer, agent] = quoted;
    if let Some(r) = referer {
        fields.push(("referer".into(), text(&r)));
    }
    if let Some(a) = agent {
        fields.push(("user_agent".into(), text(&a)));
    }
    let extra = rest.trim();
    if !extra.is_empty() {
        fields.push(("extra".into(), FieldValue::Str(extra.into())));
    }
    let level = match status {
        500..=599 => Level::Error,
        400..=499 => Level::Warn,
        _ => Level::Info,
    };
    Some(Record {
        line: line_no,
        timestamp: Some(timestamp),
        level: Some(level),
        message: request.into_owned(),
        fields: fields.into(),
        format: Format::AccessLog,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> FieldValue {
        FieldValue::Str(v.into())
    }

    #[test]
    fn common_and_combined() {
        let r = parse(1, r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#)
            .unwrap();
        assert_eq!(r.message, "GET /apache_pb.gif HTTP/1.0");
        assert_eq!(r.level, Some(Level::Info));
        assert_eq!(r.timestamp, Some("2000-10-10T20:55:36Z".parse().unwrap()));
        assert_eq!(
            r.fields,
            vec![
                ("remote_addr".into(), s("127.0.0.1")),
                ("user".into(), s("frank")),
                ("method".into(), s("GET")),
                ("path".into(), s("/apache_pb.gif")),
                ("protocol".into(), s("HTTP/1.0")),
                ("status".into(), FieldValue::Int(200)),
                ("bytes".into(), FieldValue::Int(2326)),
            ]
        );
        let r = parse(
            2,
            r#"::1 - - [10/Oct/2000:13:55:36 +0000] "POST /api/v1/x?q=\"a b\" HTTP/1.1" 503 - "-" "curl/8.0 (x)" rt=0.005 uct="0.001""#,
        )
        .unwrap();
        assert_eq!(r.level, Some(Level::Error));
        assert_eq!(
            r.field("user").map(|v| v.to_owned_value()),
            Some(FieldValue::Null)
        );
        assert_eq!(
            r.field("bytes").map(|v| v.to_owned_value()),
            Some(FieldValue::Null)
        );
        assert_eq!(
            r.field("path").map(|v| v.to_owned_value()),
            Some(s(r#"/api/v1/x?q="a b""#))
        );
        assert_eq!(
            r.field("referer").map(|v| v.to_owned_value()),
            Some(FieldValue::Null)
        );
        assert_eq!(
            r.field("user_agent").map(|v| v.to_owned_value()),
            Some(s("curl/8.0 (x)"))
        );
        assert_eq!(
            r.field("extra").map(|v| v.to_owned_value()),
            Some(s(r#"rt=0.005 uct="0.001""#))
        );
        let r = parse(
            3,
            r#"10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "\x16\x03\x01" 400 0 "-" "-""#,
        )
        .unwrap();
        assert_eq!(r.level, Some(Level::Warn));
        assert_eq!(r.field("method"), None);
    }

    #[test]
    fn other_lines_are_refused() {
        for line in [
            "081109 203615 148 INFO dfs.DataNode: Receiving block",
            r#"1.2.3.4 - - [yesterday] "GET / HTTP/1.1" 200 1"#,
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 2000 1"#,
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1 200 1"#,
            r#"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 x"#,
            "",
        ] {
            assert!(parse(1, line).is_none(), "{line}");
        }
    }
}
