//! From `hcl-edit`'s syntax tree (borrowing the text, with byte spans) to the owned model.

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Body, Structure};
use hcl_edit::template::{Element, Template};

use super::expr::{Expr, ObjectItem, Step, TemplatePart};
use super::{Attr, Block, LineIndex, Pos};

/// Nesting beyond this (the parser already stops at 64 levels) becomes `Opaque { kind: "too-deep" }`.
const MAX_DEPTH: usize = 192;

pub(super) struct Cx<'a> {
    pub(super) text: &'a str,
    pub(super) lines: &'a LineIndex,
    pub(super) file: &'a str,
}

impl Cx<'_> {
    fn pos(&self, span: Option<std::ops::Range<usize>>) -> Pos {
        span.map_or(Pos { line: 1, column: 1 }, |s| {
            self.lines.pos(s.start, self.text)
        })
    }

    pub(super) fn body(&self, body: &Body, depth: usize) -> (Vec<Attr>, Vec<Block>) {
        let mut attrs = Vec::new();
        let mut blocks = Vec::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => attrs.push(Attr {
                    name: a.key.as_str().to_string(),
                    expr: self.expr(&a.value, depth + 1),
                    pos: self.pos(a.span()),
                }),
                Structure::Block(b) => {
                    let (attrs, nested) = if depth >= MAX_DEPTH {
                        (Vec::new(), Vec::new())
                    } else {
                        self.body(&b.body, depth + 1)
                    };
                    blocks.push(Block {
                        kind: b.ident.as_str().to_string(),
                        labels: b.labels.iter().map(|l| l.as_str().to_string()).collect(),
                        attrs,
                        blocks: nested,
                        pos: self.pos(b.span()),
                        file: self.file.to_string(),
                    });
                }
            }
        }
        (attrs, blocks)
    }

    fn template(&self, t: &Template, depth: usize) -> Vec<TemplatePart> {
        t.iter()
            .map(|el| match el {
                Element::Literal(s) => TemplatePart::Literal(s.value().clone()),
                Element::Interpolation(i) => {
                    TemplatePart::Interpolation(self.expr(&i.expr, depth + 1))
                }
                Element::Directive(_) => TemplatePart::Directive,
            })
            .collect()
    }

    pub(super) fn expr(&self, e: &Expression, depth: usize) -> Expr {
        if depth >= MAX_DEPTH {
            return Expr::Opaque {
                kind: "too-deep".into(),
                operands: Vec::new(),
            };
        }
        let d = depth + 1;
        match e {
            Expression::Null(_) => Expr::Null,
            Expression::Bool(b) => Expr::Bool(*b.value()),
            Expression::Number(n) => Expr::Number(n.value().as_f64().unwrap_or(f64::NAN)),
            Expression::String(s) => Expr::String(s.value().clone()),
            Expression::Array(a) => Expr::List(a.iter().map(|e| self.expr(e, d)).collect()),
            Expression::Object(o) => Expr::Object(
                o.iter()
                    .map(|(k, v)| ObjectItem {
                        key: match k {
                            ObjectKey::Ident(i) => Expr::String(i.as_str().to_string()),
                            ObjectKey::Expression(e) => self.expr(e, d),
                        },
                        value: self.expr(v.expr(), d),
                    })
                    .collect(),
            ),
            Expression::StringTemplate(t) => {
                let parts = self.template(t, d);
                // A quoted string whose parts are all literal (e.g. after `$${` escapes) is a string.
                if parts.iter().all(|p| matches!(p, TemplatePart::Literal(_))) {
                    Expr::String(
                        parts
                            .iter()
                            .filter_map(|p| match p {
                                TemplatePart::Literal(s) => Some(s.as_str()),
                                _ => None,
                            })
                            .collect(),
                    )
                } else {
                    Expr::Template(parts)
                }
            }
            Expression::HeredocTemplate(h) => Expr::Heredoc(self.template(&h.template, d)),
            Expression::Parenthesis(p) => self.expr(p.inner(), d),
            Expression::Variable(v) => Expr::Variable(v.as_str().to_string()),
            Expression::Conditional(c) => Expr::Opaque {
                kind: "conditional".into(),
                operands: vec![
                    self.expr(&c.cond_expr, d),
                    self.expr(&c.true_expr, d),
                    self.expr(&c.false_expr, d),
                ],
            },
            Expression::FuncCall(f) => {
                let mut name = String::new();
                for ns in &f.name.namespace {
                    name.push_str(ns.as_str());
                    name.push_str("::");
                }
                name.push_str(f.name.name.as_str());
                Expr::Call {
                    name,
                    args: f.args.iter().map(|e| self.expr(e, d)).collect(),
                    expand_final: f.args.expand_final(),
                }
            }
            Expression::Traversal(t) => Expr::Traversal {
                base: Box::new(self.expr(&t.expr, d)),
                steps: t
                    .operators
                    .iter()
                    .map(|op| match op.value() {
                        TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                            Step::Splat
                        }
                        TraversalOperator::GetAttr(name) => Step::Attr(name.as_str().to_string()),
                        TraversalOperator::Index(e) => Step::Index(self.expr(e, d)),
                        TraversalOperator::LegacyIndex(i) => {
                            Step::Index(Expr::Number(*i.value() as f64))
                        }
                    })
                    .collect(),
            },
            Expression::UnaryOp(u) => Expr::Opaque {
                kind: "operator".into(),
                operands: vec![self.expr(&u.expr, d)],
            },
            Expression::BinaryOp(b) => Expr::Opaque {
                kind: "operator".into(),
                operands: vec![self.expr(&b.lhs_expr, d), self.expr(&b.rhs_expr, d)],
            },
            Expression::ForExpr(f) => {
                let mut operands = vec![self.expr(&f.intro.collection_expr, d)];
                if let Some(k) = &f.key_expr {
                    operands.push(self.expr(k, d));
                }
                operands.push(self.expr(&f.value_expr, d));
                if let Some(c) = &f.cond {
                    operands.push(self.expr(&c.expr, d));
                }
                Expr::Opaque {
                    kind: "for".into(),
                    operands,
                }
            }
        }
    }
}
