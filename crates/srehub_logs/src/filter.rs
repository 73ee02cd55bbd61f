//! `--where` filters of `srehub logs parse`: `level>=warn`, `status>=500`, `app=api`, `app!=db`,
//! `msg~timeout|refused` (regex), `user!~^svc-` and `has:trace_id`.

use std::borrow::Cow;

use regex::Regex;

use crate::level::parse_level;
use crate::record::{FieldRef, Level, Record};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Match,
    NotMatch,
}

/// One compiled condition.
#[derive(Debug, Clone)]
pub struct Filter {
    field: String,
    op: Op,
    text: String,
    number: Option<f64>,
    level: Option<Level>,
    regex: Option<Regex>,
    has_only: bool,
}

/// A condition that cannot be understood.
#[derive(Debug, thiserror::Error)]
#[error("--where `{expr}`: {reason}")]
pub struct FilterError {
    pub expr: String,
    pub reason: String,
}

impl Filter {
    pub fn parse(expr: &str) -> Result<Filter, FilterError> {
        let err = |reason: &str| FilterError {
            expr: expr.to_string(),
            reason: reason.to_string(),
        };
        if let Some(field) = expr.strip_prefix("has:") {
            return Ok(Filter {
                field: field.trim().to_string(),
                op: Op::Eq,
                text: String::new(),
                number: None,
                level: None,
                regex: None,
                has_only: true,
            });
        }
        // Longest operators first.
        const OPS: &[(&str, Op)] = &[
            ("!~", Op::NotMatch),
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("!=", Op::Ne),
            ("==", Op::Eq),
            ("~", Op::Match),
            ("=", Op::Eq),
            (">", Op::Gt),
            ("<", Op::Lt),
        ];
        let (pos, sym, op) = OPS
            .iter()
            .filter_map(|(s, op)| expr.find(s).map(|p| (p, *s, *op)))
            .min_by_key(|(p, s, _)| (*p, usize::MAX - s.len()))
            .ok_or_else(|| err("expected FIELD OP VALUE with OP one of = != < <= > >= ~ !~"))?;
        let field = expr[..pos].trim().to_string();
        let text = expr[pos + sym.len()..].trim().to_string();
        if field.is_empty() {
            return Err(err("the field name is missing"));
        }
        let is_level = field == "level";
        let level = if is_level {
            Some(parse_level(&text).ok_or_else(|| {
                err("unknown level (trace, debug, info, notice, warn, error, fatal)")
            })?)
        } else {
            None
        };
        let regex = match op {
            Op::Match | Op::NotMatch => Some(
                Regex::new(&text).map_err(|e| err(&format!("invalid regular expression: {e}")))?,
            ),
            _ => None,
        };
        let number = text.parse::<f64>().ok();
        if matches!(op, Op::Lt | Op::Le | Op::Gt | Op::Ge) && number.is_none() && level.is_none() {
            return Err(err("comparisons need a number (or a level for `level`)"));
        }
        Ok(Filter {
            field,
            op,
            text,
            number,
            level,
            regex,
            has_only: false,
        })
    }

    /// The literal text of a `msg~TEXT` condition whose pattern has no regex syntax (a substring
    /// search), for fast paths over plain text.
    pub fn message_literal(&self) -> Option<&str> {
        let plain = |c: char| !r"\.+*?()|[]{}^$".contains(c) && c != '\n';
        (matches!(self.field.as_str(), "msg" | "message")
            && self.op == Op::Match
            && !self.text.is_empty()
            && self.text.chars().all(plain)
            // The record path searches lossily decoded text, where invalid bytes became U+FFFD.
            && !self.text.contains('\u{FFFD}'))
        .then_some(self.text.as_str())
    }

    pub fn matches(&self, r: &Record) -> bool {
        if self.has_only {
            return self.value(r).is_some();
        }
        if let Some(want) = self.level {
            let Some(have) = r.level else {
                return self.op == Op::Ne;
            };
            return compare(have.cmp(&want), self.op);
        }
        let Some(value) = self.value(r) else {
            return matches!(self.op, Op::Ne | Op::NotMatch);
        };
        match self.op {
            Op::Match | Op::NotMatch => {
                let hit = self.regex.as_ref().is_some_and(|re| re.is_match(&value));
                hit == (self.op == Op::Match)
            }
            _ => match (self.number, value.parse::<f64>().ok()) {
                (Some(want), Some(have)) => compare(
                    have.partial_cmp(&want).unwrap_or(std::cmp::Ordering::Less),
                    self.op,
                ),
                _ => compare(value.as_ref().cmp(self.text.as_str()), self.op),
            },
        }
    }

    /// The value a condition looks at, borrowed where the record holds it as text.
    fn value<'r>(&self, r: &'r Record) -> Option<Cow<'r, str>> {
        match self.field.as_str() {
            "msg" | "message" => Some(Cow::Borrowed(r.message.as_str())),
            "level" => r.level.map(|l| Cow::Borrowed(l.as_str())),
            "format" => Some(Cow::Borrowed(r.format.as_str())),
            name => r.field(name).map(|v| match v {
                FieldRef::Str(s) => Cow::Borrowed(s),
                other => Cow::Owned(other.to_text()),
            }),
        }
    }
}

fn compare(ord: std::cmp::Ordering, op: Op) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Eq | Op::Match => ord == Equal,
        Op::Ne | Op::NotMatch => ord != Equal,
        Op::Lt => ord == Less,
        Op::Le => ord != Greater,
        Op::Gt => ord == Greater,
        Op::Ge => ord != Less,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::FieldValue;

    fn rec() -> Record {
        let mut r = Record::plain(1, "upstream timeout after 30s");
        r.level = Some(Level::Warn);
        r.fields.push(("status".into(), FieldValue::Int(503)));
        r.fields.push(("app".into(), FieldValue::Str("api".into())));
        r
    }

    #[test]
    fn conditions_on_levels_numbers_text_and_regexes() {
        let r = rec();
        let t = |e: &str| Filter::parse(e).unwrap().matches(&r);
        assert!(t("level>=warn"));
        assert!(!t("level>=error"));
        assert!(t("status>=500"));
        assert!(!t("status<500"));
        assert!(t("app=api"));
        assert!(t("app!=db"));
        assert!(t("msg~time(out)?"));
        assert!(t("msg!~refused"));
        assert!(t("has:status"));
        assert!(!t("has:trace_id"));
        assert!(!t("missing=1"));
        assert!(t("missing!=1"));
    }

    #[test]
    fn substring_conditions_are_recognized_for_fast_paths() {
        assert_eq!(
            Filter::parse("msg~ERROR").unwrap().message_literal(),
            Some("ERROR")
        );
        assert_eq!(
            Filter::parse("msg~time out").unwrap().message_literal(),
            Some("time out")
        );
        assert_eq!(Filter::parse("msg~ERR.R").unwrap().message_literal(), None);
        assert_eq!(Filter::parse("msg!~ERROR").unwrap().message_literal(), None);
        assert_eq!(Filter::parse("app~ERROR").unwrap().message_literal(), None);
    }

    #[test]
    fn bad_conditions_say_what_is_wrong() {
        assert!(
            Filter::parse("level>=loud")
                .unwrap_err()
                .to_string()
                .contains("unknown level")
        );
        assert!(Filter::parse("status>abc").is_err());
        assert!(Filter::parse("msg~(").is_err());
        assert!(Filter::parse("nothing").is_err());
        assert!(Filter::parse("=x").is_err());
    }
}
