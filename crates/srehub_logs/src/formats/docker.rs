//! Docker json-file: `{"log":"message\n","stream":"stdout","time":"2019-01-01T00:00:00.000000000Z"}`.
//!
//! A `log` that does not end in a newline is a partial line (Docker splits lines at 16 KiB): the
//! parser joins it with the following lines of the same stream until one ends in a newline.

use jiff::Timestamp;

use super::Fields;
use crate::record::FieldValue;
use crate::time::parse_timestamp;

/// A Docker line, split.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DockerLine {
    /// The log text without its line terminator.
    pub(crate) text: String,
    /// Whether the text ended with a newline (the line is complete).
    pub(crate) complete: bool,
    pub(crate) stream: String,
    pub(crate) timestamp: Option<Timestamp>,
    /// The other fields (`attrs.*`).
    pub(crate) rest: Fields,
}

/// Splits flattened fields classified as Docker.
pub(crate) fn split(fields: Fields) -> DockerLine {
    let mut line = DockerLine {
        text: String::new(),
        complete: false,
        stream: String::new(),
        timestamp: None,
        rest: Vec::new(),
    };
    let (mut seen_log, mut seen_stream, mut seen_time) = (false, false, false);
    for (k, v) in fields {
        match (k.as_str(), v) {
            ("log", FieldValue::Str(s)) if !seen_log => {
                seen_log = true;
                line.text = s.into_string();
            }
            ("stream", FieldValue::Str(s)) if !seen_stream => {
                seen_stream = true;
                line.stream = s.into_string();
            }
            ("time", FieldValue::Str(s)) if !seen_time => {
                seen_time = true;
                line.timestamp = parse_timestamp(&s);
                if line.timestamp.is_none() {
                    line.rest.push((k, FieldValue::Str(s)));
                }
            }
            (_, v) => line.rest.push((k, v)),
        }
    }
    if line.text.ends_with('\n') {
        line.complete = true;
        line.text.pop();
        if line.text.ends_with('\r') {
            line.text.pop();
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::json::flatten_object;

    #[test]
    fn splits_log_stream_and_time() {
        let f = flatten_object(
            r#"{"log":"hello\r\n","stream":"stderr","attrs":{"tag":"web"},"time":"2019-01-01T00:00:00.5Z"}"#,
        )
        .unwrap();
        let d = split(f);
        assert_eq!(d.text, "hello");
        assert!(d.complete);
        assert_eq!(d.stream, "stderr");
        assert_eq!(d.timestamp, Some("2019-01-01T00:00:00.5Z".parse().unwrap()));
        assert_eq!(
            d.rest,
            vec![("attrs.tag".into(), FieldValue::Str("web".into()))]
        );
        let d = split(flatten_object(r#"{"log":"part","stream":"stdout","time":"bad"}"#).unwrap());
        assert!(!d.complete);
        assert_eq!(d.timestamp, None);
        assert_eq!(d.rest, vec![("time".into(), FieldValue::Str("bad".into()))]);
    }
}
