//! Reading specs from positioned YAML: every error names the file, line, column and field path, and
//! an unknown field is an error (a typo must not silently drop an alert).

use std::collections::BTreeMap;

use srehub_model::yaml::{Key, Node, Pos, Value};

use crate::ratio::Ratio;

/// A spec that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{}:{}: {path}: {message}", pos.line, pos.column)]
pub struct SpecError {
    pub file: String,
    pub pos: Pos,
    /// The field (`slos[0].objective`).
    pub path: String,
    pub message: String,
}

/// A node with where it is.
#[derive(Clone)]
pub struct At<'a> {
    pub file: &'a str,
    pub node: &'a Node,
    path: String,
}

impl<'a> At<'a> {
    pub fn root(file: &'a str, node: &'a Node) -> At<'a> {
        At {
            file,
            node,
            path: String::new(),
        }
    }

    pub fn pos(&self) -> Pos {
        self.node.pos
    }

    pub fn path(&self) -> &str {
        if self.path.is_empty() {
            "(document)"
        } else {
            &self.path
        }
    }

    pub fn error(&self, message: impl Into<String>) -> SpecError {
        SpecError {
            file: self.file.to_string(),
            pos: self.node.pos,
            path: self.path().to_string(),
            message: message.into(),
        }
    }

    fn expected(&self, what: &str) -> SpecError {
        self.error(format!(
            "expected {what}, found {}",
            self.node.value.type_name()
        ))
    }

    /// The fields of a mapping; [`Fields::done`] rejects the ones nobody asked for.
    pub fn fields(&self) -> Result<Fields<'a>, SpecError> {
        match &self.node.value {
            Value::Map(entries) => Ok(Fields {
                at: self.clone(),
                used: vec![false; entries.len()],
                known: Vec::new(),
            }),
            _ => Err(self.expected("a mapping")),
        }
    }

    pub fn str(&self) -> Result<&'a str, SpecError> {
        match &self.node.value {
            Value::Str(s) => Ok(s.as_str()),
            _ => Err(self.expected("a string")),
        }
    }

    /// A non-empty string, trimmed.
    pub fn text(&self) -> Result<String, SpecError> {
        let s = self.str()?.trim();
        if s.is_empty() {
            return Err(self.error("must not be empty"));
        }
        Ok(s.to_string())
    }

    pub fn bool(&self) -> Result<bool, SpecError> {
        match &self.node.value {
            Value::Bool(b) => Ok(*b),
            _ => Err(self.expected("true or false")),
        }
    }

    /// A number (or a string holding one), exact.
    pub fn number(&self) -> Result<Ratio, SpecError> {
        let r = match &self.node.value {
            Value::Int(i) => Some(Ratio::int(*i)),
            Value::Float(f) => Ratio::from_f64(*f),
            Value::Str(s) => Ratio::parse(s),
            _ => return Err(self.expected("a number")),
        };
        r.ok_or_else(|| self.error("not a usable number"))
    }

    /// The items of a list, each with its path (`slos[2]`).
    pub fn items(&self) -> Result<Vec<At<'a>>, SpecError> {
        match &self.node.value {
            Value::Seq(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, node)| At {
                    file: self.file,
                    node,
                    path: format!("{}[{i}]", self.path),
                })
                .collect()),
            _ => Err(self.expected("a list")),
        }
    }

    /// A mapping of strings to strings (labels, annotations); numbers and booleans are taken as text.
    pub fn string_map(&self) -> Result<BTreeMap<String, String>, SpecError> {
        let Value::Map(entries) = &self.node.value else {
            return Err(self.expected("a mapping of strings"));
        };
        let mut out = BTreeMap::new();
        for (k, v) in entries {
            let text = match &v.value {
                Value::Str(s) => s.to_string(),
                Value::Int(i) => i.to_string(),
                Value::Float(f) => f.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => String::new(),
                other => {
                    return Err(SpecError {
                        file: self.file.to_string(),
                        pos: v.pos,
                        path: format!("{}.{}", self.path(), k.text),
                        message: format!("expected a string, found {}", other.type_name()),
                    });
                }
            };
            out.insert(k.text.to_string(), text);
        }
        Ok(out)
    }
}

/// A mapping being read.
pub struct Fields<'a> {
    at: At<'a>,
    used: Vec<bool>,
    known: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    fn entries(&self) -> &'a [(Key, Node)] {
        self.at.node.entries()
    }

    /// The field `key`, if present (null counts as absent).
    pub fn opt(&mut self, key: &'static str) -> Option<At<'a>> {
        self.known.push(key);
        let entries = self.entries();
        let i = entries.iter().position(|(k, _)| k.text == key)?;
        self.used[i] = true;
        let node = &entries[i].1;
        if matches!(node.value, Value::Null) {
            return None;
        }
        Some(At {
            file: self.at.file,
            node,
            path: if self.at.path.is_empty() {
                key.to_string()
            } else {
                format!("{}.{key}", self.at.path)
            },
        })
    }

    /// The field `key`; its absence is an error at the mapping.
    pub fn req(&mut self, key: &'static str) -> Result<At<'a>, SpecError> {
        if let Some(a) = self.opt(key) {
            return Ok(a);
        }
        // A differently spelled key (`error_query` for `errorQuery`) is the likely cause.
        let norm = |k: &str| k.replace(['_', '-'], "").to_ascii_lowercase();
        let hint = self
            .entries()
            .iter()
            .find(|(k, _)| k.text != key && norm(&k.text) == norm(key))
            .map(|(k, _)| format!(" (found `{}`: did you mean `{key}`?)", k.text))
            .unwrap_or_default();
        Err(self
            .at
            .error(format!("missing required field `{key}`{hint}")))
    }

    /// Marks fields as accepted without reading them (documented as ignored).
    pub fn ignore(&mut self, keys: &[&'static str]) {
        for k in keys {
            let _ = self.opt(k);
        }
    }

    /// Errors on the first field that was not asked for.
    pub fn done(self) -> Result<(), SpecError> {
        for (i, (k, _)) in self.entries().iter().enumerate() {
            if !self.used[i] {
                let mut known = self.known.clone();
                known.sort_unstable();
                known.dedup();
                return Err(SpecError {
                    file: self.at.file.to_string(),
                    pos: k.pos,
                    path: self.at.path().to_string(),
                    message: format!(
                        "unknown field `{}` (expected one of: {})",
                        k.text,
                        known.join(", ")
                    ),
                });
            }
        }
        Ok(())
    }
}
