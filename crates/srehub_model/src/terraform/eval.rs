//! A small evaluator: what a linter can know about an expression from the module alone.

use std::cell::Cell;
use std::collections::BTreeMap;

use serde::Serialize;

use super::TfModule;
use super::expr::{Expr, Step, TemplatePart};

/// The value of an expression, as far as the module alone tells.
///
/// `Unknown` means "cannot tell without a plan" (a resource attribute, a data source, a variable without a
/// default, a function the evaluator does not model, …); checks stay quiet on it. Lists and objects may
/// hold `Unknown` elements next to known ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Value>),
    /// Keys sorted, as Terraform's maps and objects are.
    Object(BTreeMap<String, Value>),
    Unknown,
}

impl Value {
    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, converting the strings `"true"` and `"false"` as Terraform does.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    /// The number, converting numeric strings as Terraform does.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) if n.is_finite() => Some(*n),
            Value::String(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            _ => None,
        }
    }

    /// The elements, if this is a list.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The value at `key`, if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(map) => map.get(key),
            _ => None,
        }
    }

    /// Whether nothing in the value is `Unknown`.
    pub fn is_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) => items.iter().all(Value::is_known),
            Value::Object(map) => map.values().all(Value::is_known),
            _ => true,
        }
    }

    /// The known strings: the string itself, or the known string elements of a list.
    pub fn strings(&self) -> Vec<&str> {
        match self {
            Value::String(s) => vec![s.as_str()],
            Value::List(items) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// The value as JSON (as `jsonencode` writes it), if fully known.
    pub fn to_json(&self) -> Option<String> {
        serde_json::to_string(&self.to_json_value()?).ok()
    }

    fn to_json_value(&self) -> Option<serde_json::Value> {
        Some(match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_json(*n)?,
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(items) => serde_json::Value::Array(
                items
                    .iter()
                    .map(Value::to_json_value)
                    .collect::<Option<_>>()?,
            ),
            Value::Object(map) => serde_json::Value::Object(
                map.iter()
                    .map(|(k, v)| Some((k.clone(), v.to_json_value()?)))
                    .collect::<Option<_>>()?,
            ),
            Value::Unknown => return None,
        })
    }

    /// A primitive converted to a string as Terraform's `tostring` and templates do.
    fn to_text(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(number_text(*n)?),
            _ => None,
        }
    }
}

fn is_integral(n: f64) -> bool {
    n.is_finite() && n.fract() == 0.0 && n.abs() < 9.0e15
}

fn number_json(n: f64) -> Option<serde_json::Value> {
    if is_integral(n) {
        return Some(serde_json::Value::from(n as i64));
    }
    serde_json::Number::from_f64(n).map(serde_json::Value::Number)
}

fn number_text(n: f64) -> Option<String> {
    if is_integral(n) {
        return Some((n as i64).to_string());
    }
    n.is_finite().then(|| n.to_string())
}

/// How deep evaluation goes (nesting plus `local.` hops) before giving up: stops reference cycles.
const MAX_DEPTH: usize = 128;
/// How many expression nodes one evaluation may visit: stops locals that fan out exponentially.
const MAX_STEPS: u32 = 200_000;
/// How many bytes of strings one evaluation may copy or build.
const MAX_BYTES: usize = 16 << 20;

pub(super) struct Evaluator<'m> {
    module: &'m TfModule,
    steps: Cell<u32>,
    bytes: Cell<usize>,
}

impl<'m> Evaluator<'m> {
    pub(super) fn new(module: &'m TfModule) -> Self {
        Evaluator {
            module,
            steps: Cell::new(0),
            bytes: Cell::new(0),
        }
    }

    /// Charges `n` bytes of string; `false` when the budget is spent.
    fn charge(&self, n: usize) -> bool {
        let used = self.bytes.get().saturating_add(n);
        self.bytes.set(used);
        used <= MAX_BYTES
    }

    fn string(&self, s: String) -> Value {
        if self.charge(s.len()) {
            Value::String(s)
        } else {
            Value::Unknown
        }
    }

    pub(super) fn eval(&self, expr: &Expr, depth: usize) -> Value {
        let steps = self.steps.get().saturating_add(1);
        self.steps.set(steps);
        if depth > MAX_DEPTH || steps > MAX_STEPS {
            return Value::Unknown;
        }
        let d = depth + 1;
        match expr {
            Expr::Null => Value::Null,
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Number(n) => Value::Number(*n),
            Expr::String(s) => self.string(s.clone()),
            Expr::Template(parts) | Expr::Heredoc(parts) => {
                let mut out = String::new();
                for part in parts {
                    match part {
                        TemplatePart::Literal(s) => out.push_str(s),
                        TemplatePart::Interpolation(e) => match self.eval(e, d).to_text() {
                            Some(s) => out.push_str(&s),
                            None => return Value::Unknown,
                        },
                        TemplatePart::Directive => return Value::Unknown,
                    }
                }
                self.string(out)
            }
            Expr::List(items) => Value::List(items.iter().map(|e| self.eval(e, d)).collect()),
            Expr::Object(items) => {
                let mut map = BTreeMap::new();
                for item in items {
                    let Some(key) = self.eval(&item.key, d).to_text() else {
                        return Value::Unknown;
                    };
                    map.insert(key, self.eval(&item.value, d));
                }
                Value::Object(map)
            }
            Expr::Variable(_) | Expr::Opaque { .. } => Value::Unknown,
            Expr::Traversal { base, steps } => self.traversal(base, steps, d),
            Expr::Call {
                name,
                args,
                expand_final,
            } => {
                if *expand_final {
                    return Value::Unknown;
                }
                self.call(name, args, d)
            }
        }
    }

    fn traversal(&self, base: &Expr, steps: &[Step], d: usize) -> Value {
        let (mut value, rest) = match (base, steps) {
            (Expr::Variable(root), [Step::Attr(name), rest @ ..]) if root == "var" => {
                let default = self.module.variable(name).and_then(|b| b.attr("default"));
                match default {
                    Some(a) => (self.eval(&a.expr, d), rest),
                    None => return Value::Unknown,
                }
            }
            (Expr::Variable(root), [Step::Attr(name), rest @ ..]) if root == "local" => {
                match self.module.local(name) {
                    Some(a) => (self.eval(&a.expr, d), rest),
                    None => return Value::Unknown,
                }
            }
            (Expr::Variable(_), _) => return Value::Unknown,
            _ => (self.eval(base, d), steps),
        };
        for step in rest {
            value = match (step, value) {
                (Step::Attr(name), Value::Object(mut map)) => {
                    map.remove(name).unwrap_or(Value::Unknown)
                }
                (Step::Index(e), Value::List(mut items)) => match self.eval(e, d).as_number() {
                    Some(i) if i >= 0.0 && i.fract() == 0.0 && i < items.len() as f64 => {
                        let i = i as usize;
                        items.swap_remove(i)
                    }
                    _ => Value::Unknown,
                },
                (Step::Index(e), Value::Object(mut map)) => match self.eval(e, d).to_text() {
                    Some(k) => map.remove(&k).unwrap_or(Value::Unknown),
                    None => Value::Unknown,
                },
                _ => Value::Unknown,
            };
        }
        value
    }

    fn call(&self, name: &str, args: &[Expr], d: usize) -> Value {
        match (name, args) {
            ("jsonencode", [arg]) => match self.eval(arg, d).to_json() {
                Some(json) => self.string(json),
                None => Value::Unknown,
            },
            ("tostring", [arg]) => match self.eval(arg, d) {
                Value::Null => Value::Null,
                v => v.to_text().map_or(Value::Unknown, |s| self.string(s)),
            },
            ("tolist", [arg]) => match self.eval(arg, d) {
                v @ (Value::List(_) | Value::Null) => v,
                _ => Value::Unknown,
            },
            ("concat", args) => {
                let mut out = Vec::new();
                for a in args {
                    match self.eval(a, d) {
                        Value::List(items) => out.extend(items),
                        _ => return Value::Unknown,
                    }
                }
                Value::List(out)
            }
            _ => Value::Unknown,
        }
    }
}
