//! Kubernetes CRI container logs: `2016-10-06T00:17:09.669794202Z stdout F message`.
//!
//! The tag is `F` (full line) or `P` (partial: the runtime split a long line; the parser joins
//! consecutive `P` lines of a stream up to the next `F`). The message itself may be JSON or logfmt.

use jiff::Timestamp;

use crate::time::parse_timestamp;

/// One CRI line, split.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CriLine<'a> {
    pub(crate) timestamp: Timestamp,
    pub(crate) stream: &'a str,
    pub(crate) partial: bool,
    pub(crate) message: &'a str,
}

/// Splits a CRI line; `None` when the line is not one.
pub(crate) fn parse_line(line: &str) -> Option<CriLine<'_>> {
    let b = line.as_bytes();
    // The RFC 3339 timestamp: at least `2016-10-06T00:17:09Z`.
    if b.len() < 28 || !b[0].is_ascii_digit() || b[4] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    let sp = memchr::memchr(b' ', b)?;
    let timestamp = parse_timestamp(&line[..sp])?;
    let rest = &line[sp + 1..];
    let stream = if rest.starts_with("stdout ") {
        "stdout"
    } else if rest.starts_with("stderr ") {
        "stderr"
    } else {
        return None;
    };
    let rest = &rest[stream.len() + 1..];
    let (tag, message) = match rest.find(' ') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let partial = match tag.split(':').next() {
        Some("P") => true,
        Some("F") => false,
        _ => return None,
    };
    Some(CriLine {
        timestamp,
        stream: &line[sp + 1..sp + 1 + stream.len()],
        partial,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_and_partial_lines() {
        let l = parse_line("2016-10-06T00:17:09.669794202Z stdout F hello world").unwrap();
        assert_eq!(l.stream, "stdout");
        assert!(!l.partial);
        assert_eq!(l.message, "hello world");
        assert_eq!(
            l.timestamp,
            "2016-10-06T00:17:09.669794202Z".parse().unwrap()
        );
        let l = parse_line("2016-10-06T00:17:09.669794202Z stderr P part one ").unwrap();
        assert!(l.partial);
        assert_eq!(l.message, "part one ");
        let l = parse_line("2016-10-06T00:17:09.669794202Z stdout F").unwrap();
        assert_eq!(l.message, "");
        let l = parse_line("2016-10-06T00:17:09.669794202+02:00 stdout F:x  two spaces").unwrap();
        assert_eq!(l.message, " two spaces");
    }

    #[test]
    fn other_lines_are_refused() {
        for line in [
            "2016-10-06T00:17:09.669794202Z stdin F hello",
            "2016-10-06T00:17:09.669794202Z stdout X hello",
            "2016-10-06 00:17:09.669794202Z stdout F hello",
            "2016-10-06T00:17:09.669794202Z",
            "not a cri line at all, really not",
            "2016-10-06T99:17:09.669794202Z stdout F hello",
        ] {
            assert!(parse_line(line).is_none(), "{line}");
        }
    }
}
