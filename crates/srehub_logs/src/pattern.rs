//! User-defined line formats: the Loghub header syntax (`<Date> <Time> <Level> <Component>: <Content>`)
//! or a regular expression with named captures.
//!
//! In the header syntax `<Name>` captures a field, the field `Content` is the message, the text between
//! fields is a regular-expression fragment (so `\[<Pid>\]` and `(\[<PID>\])?` work as in the Loghub
//! benchmark's settings), and a space matches a run of whitespace. The whole line must match.

use regex::Regex;

use crate::level::parse_level;
use crate::record::{FieldValue, Format, Record};
use crate::time::parse_timestamp_fields;

/// A compiled user pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    regex: Regex,
    /// Capture group names in order (index 0 is group 1).
    names: Vec<String>,
    message_group: Option<usize>,
}

/// A pattern that cannot be compiled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    #[error("invalid pattern `{pattern}`")]
    Regex {
        pattern: String,
        #[source]
        source: Box<regex::Error>,
    },
    #[error("pattern `{pattern}` has no named capture (`<Name>` or `(?P<name>…)`)")]
    NoField { pattern: String },
}

/// Field names that carry the message, in order of preference.
const MESSAGE_NAMES: &[&str] = &["Content", "content", "message", "msg", "Message"];

impl Pattern {
    /// Compiles a header pattern (`<Date> <Time> <Content>`). A pattern that already contains `(?P<` or
    /// `(?<` is taken as a regular expression as is.
    pub fn new(pattern: &str) -> Result<Pattern, PatternError> {
        if pattern.contains("(?P<") || pattern.contains("(?<") {
            return Self::from_regex(pattern, pattern);
        }
        let mut re = String::from("^");
        let mut rest = pattern;
        while let Some(open) = rest.find('<') {
            let Some(close_rel) = rest[open..].find('>') else {
                break;
            };
            let name = &rest[open + 1..open + close_rel];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                // Not a field: keep it as regex text.
                push_fragment(&mut re, &rest[..open + close_rel + 1]);
                rest = &rest[open + close_rel + 1..];
                continue;
            }
            push_fragment(&mut re, &rest[..open]);
            re.push_str(&format!("(?P<{name}>.*?)"));
            rest = &rest[open + close_rel + 1..];
        }
        push_fragment(&mut re, rest);
        re.push('$');
        Self::from_regex(pattern, &re)
    }

    fn from_regex(original: &str, re: &str) -> Result<Pattern, PatternError> {
        let regex = Regex::new(re).map_err(|e| PatternError::Regex {
            pattern: original.to_string(),
            source: Box::new(e),
        })?;
        let names: Vec<String> = regex
            .capture_names()
            .skip(1)
            .map(|n| n.unwrap_or("").to_string())
            .collect();
        if names.iter().all(String::is_empty) {
            return Err(PatternError::NoField {
                pattern: original.to_string(),
            });
        }
        let message_group = MESSAGE_NAMES
            .iter()
            .find_map(|m| names.iter().position(|n| n == m));
        Ok(Pattern {
            regex,
            names,
            message_group,
        })
    }

    /// Parses one line; `None` when it does not match.
    pub fn parse(&self, line_no: u64, line: &str) -> Option<Record> {
        let caps = self.regex.captures(line)?;
        let mut rec = Record::plain(line_no, "");
        rec.format = Format::Pattern;
        for (i, name) in self.names.iter().enumerate() {
            if name.is_empty() {
                continue;
            }
            let Some(m) = caps.get(i + 1) else { continue };
            if Some(i) == self.message_group {
                rec.message = m.as_str().to_string();
                continue;
            }
            let lower = name.to_ascii_lowercase();
            if rec.level.is_none() && matches!(lower.as_str(), "level" | "severity" | "lvl") {
                rec.level = parse_level(m.as_str());
            }
            rec.fields
                .push((name.as_str().into(), FieldValue::Str(m.as_str().into())));
        }
        if self.message_group.is_none() {
            rec.message = line.to_string();
        }
        rec.timestamp = parse_timestamp_fields(&rec.fields);
        Some(rec)
    }
}

/// Appends literal pattern text as a regex fragment: runs of spaces become `\s+`.
fn push_fragment(re: &mut String, text: &str) {
    let mut in_space = false;
    for c in text.chars() {
        if c == ' ' {
            if !in_space {
                re.push_str(r"\s+");
            }
            in_space = true;
        } else {
            in_space = false;
            re.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loghub_header_patterns_split_header_and_content() {
        let p =
            Pattern::new(r"<Date> <Time> <Level> \[<Process>\] <Component>: <Content>").unwrap();
        let r = p
            .parse(
                7,
                "2015-10-18 18:01:47,978 INFO [main] org.apache.App: Created MRAppMaster for x",
            )
            .unwrap();
        assert_eq!(r.message, "Created MRAppMaster for x");
        assert_eq!(r.line, 7);
        assert_eq!(
            r.field("Process").map(|v| v.to_owned_value()),
            Some(FieldValue::Str("main".into()))
        );
        assert_eq!(r.level, Some(crate::record::Level::Info));
    }

    #[test]
    fn optional_groups_and_whitespace_runs() {
        let p = Pattern::new(r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>")
            .unwrap();
        let r = p
            .parse(1, "Jun  9 06:06:20 combo syslogd 1.4.1: restart.")
            .unwrap();
        assert_eq!(r.message, "restart.");
        let r = p
            .parse(
                2,
                "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown",
            )
            .unwrap();
        assert_eq!(
            r.field("PID").map(|v| v.to_owned_value()),
            Some(FieldValue::Str("19939".into()))
        );
        assert_eq!(r.message, "check pass; user unknown");
        assert!(p.parse(3, "garbage").is_none());
    }

    #[test]
    fn named_capture_regexes_are_taken_as_is() {
        let p = Pattern::new(r"^(?P<ts>\S+) (?P<msg>.*)$").unwrap();
        let r = p.parse(1, "12:00 hello world").unwrap();
        assert_eq!(r.message, "hello world");
        assert!(Pattern::new("no fields").is_err());
        assert!(Pattern::new("(?P<x>[").is_err());
    }
}
