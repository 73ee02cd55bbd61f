//! Expressions as an owned syntax tree.

use serde::{Deserialize, Serialize};

/// An HCL expression. Conditionals, operators and `for` expressions are kept as [`Expr::Opaque`] with
/// their operands, so that a check can still see what they refer to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    Null,
    Bool(bool),
    Number(f64),
    /// A string without interpolations.
    String(String),
    /// A quoted string with `${…}` interpolations or `%{…}` directives.
    Template(Vec<TemplatePart>),
    /// A heredoc (`<<EOF` or `<<-EOF`, the latter already dedented).
    Heredoc(Vec<TemplatePart>),
    List(Vec<Expr>),
    Object(Vec<ObjectItem>),
    /// A bare name: `var`, `local`, `aws_s3_bucket`, `count`, `each`.
    Variable(String),
    /// `base.attr[index].*`: `var.x`, `local.y`, `aws_s3_bucket.b.id`.
    Traversal {
        base: Box<Expr>,
        steps: Vec<Step>,
    },
    /// A function call; `expand_final` is the `...` after the last argument.
    Call {
        name: String,
        args: Vec<Expr>,
        expand_final: bool,
    },
    /// Anything evaluated no further: `conditional`, `operator`, `for`, `too-deep`.
    Opaque {
        kind: String,
        operands: Vec<Expr>,
    },
}

/// One step of a traversal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// `.name`
    Attr(String),
    /// `[expr]` (or the legacy `.0`).
    Index(Expr),
    /// `.*` or `[*]`.
    Splat,
}

/// A part of a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplatePart {
    Literal(String),
    /// `${expr}`
    Interpolation(Expr),
    /// `%{if …}` or `%{for …}`, not evaluated.
    Directive,
}

/// `key = value` in an object; a bare identifier key is a [`Expr::String`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectItem {
    pub key: Expr,
    pub value: Expr,
}

impl Expr {
    /// The string of a plain string literal.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Expr::String(s) => Some(s),
            _ => None,
        }
    }

    /// The dotted path of a reference made of names only: `var.x` → `["var", "x"]`,
    /// `aws_s3_bucket.b.id` → `["aws_s3_bucket", "b", "id"]`. Stops at the first index or splat.
    pub fn reference(&self) -> Option<Vec<&str>> {
        match self {
            Expr::Variable(name) => Some(vec![name.as_str()]),
            Expr::Traversal { base, steps } => {
                let Expr::Variable(root) = base.as_ref() else {
                    return None;
                };
                let mut path = vec![root.as_str()];
                for step in steps {
                    match step {
                        Step::Attr(name) => path.push(name),
                        _ => break,
                    }
                }
                Some(path)
            }
            _ => None,
        }
    }

    /// The root names of every reference anywhere in the expression (`var`, `local`, `data`,
    /// `aws_s3_bucket`, `each`, …), in order of appearance, without duplicates. Function names are not
    /// references.
    pub fn reference_roots(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Variable(name) = e
                && !out.contains(&name.as_str())
            {
                out.push(name.as_str());
            }
        });
        out
    }

    /// Calls `f` on this expression and every expression inside it, depth first.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::String(_) | Expr::Variable(_) => {}
            Expr::Template(parts) | Expr::Heredoc(parts) => {
                for p in parts {
                    if let TemplatePart::Interpolation(e) = p {
                        e.walk(f);
                    }
                }
            }
            Expr::List(items) => items.iter().for_each(|e| e.walk(f)),
            Expr::Object(items) => {
                for item in items {
                    item.key.walk(f);
                    item.value.walk(f);
                }
            }
            Expr::Traversal { base, steps } => {
                base.walk(f);
                for s in steps {
                    if let Step::Index(e) = s {
                        e.walk(f);
                    }
                }
            }
            Expr::Call { args, .. } => args.iter().for_each(|e| e.walk(f)),
            Expr::Opaque { operands, .. } => operands.iter().for_each(|e| e.walk(f)),
        }
    }

    /// Every string literal in the expression: plain strings and the literal parts of templates and
    /// heredocs.
    pub fn string_literals(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.walk(&mut |e| match e {
            Expr::String(s) => out.push(s.as_str()),
            Expr::Template(parts) | Expr::Heredoc(parts) => {
                for p in parts {
                    if let TemplatePart::Literal(s) = p {
                        out.push(s.as_str());
                    }
                }
            }
            _ => {}
        });
        out
    }
}
