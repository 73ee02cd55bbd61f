//! The Terraform model: the blocks and attributes of `.tf` files with their exact positions, expressions
//! as an owned syntax tree, and a small evaluator for what a linter can know without a plan.
//!
//! [`parse_file`] reads one file (HCL native syntax, parsed by `hcl-edit`); a [`TfModule`] holds every
//! `.tf` file of one directory and indexes its `variable` defaults and `locals`, so that
//! [`TfModule::eval`] can resolve `var.x`, `local.y`, string templates, `jsonencode(…)` and a few
//! conversion functions. Everything else (resource attributes, data sources, most functions) evaluates to
//! [`Value::Unknown`], which checks read as "cannot tell".

mod convert;
mod eval;
mod expr;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use eval::Value;
pub use expr::{Expr, ObjectItem, Step, TemplatePart};

/// A 1-based line and column (in characters) in a file.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// An attribute: `name = expr`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attr {
    pub name: String,
    pub expr: Expr,
    /// Where the attribute's name starts.
    pub pos: Pos,
}

/// A block: `kind "label" "label" { attrs and blocks }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    /// The block type: `resource`, `data`, `module`, `provider`, `terraform`, `variable`, `locals`,
    /// `output`, or a nested block's name (`ingress`, `vpc_config`, …).
    pub kind: String,
    pub labels: Vec<String>,
    /// Attributes in file order.
    pub attrs: Vec<Attr>,
    /// Nested blocks in file order.
    pub blocks: Vec<Block>,
    /// Where the block's type keyword starts.
    pub pos: Pos,
    /// The path of the file the block is in.
    pub file: String,
}

impl Block {
    /// The attribute `name`, if set.
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    /// The first nested block of type `kind`.
    pub fn block(&self, kind: &str) -> Option<&Block> {
        self.blocks.iter().find(|b| b.kind == kind)
    }

    /// The nested blocks of type `kind`, in file order.
    pub fn blocks_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }

    /// The label at `index`, or `""`.
    pub fn label(&self, index: usize) -> &str {
        self.labels.get(index).map_or("", String::as_str)
    }

    /// Whether this is a `resource` (`kind == "resource"`) of type `ty` (`aws_s3_bucket`).
    pub fn is_resource(&self, ty: &str) -> bool {
        self.kind == "resource" && self.label(0) == ty
    }

    /// Whether this is a data source (`kind == "data"`) of type `ty`.
    pub fn is_data(&self, ty: &str) -> bool {
        self.kind == "data" && self.label(0) == ty
    }

    /// The address Terraform gives the block: `aws_s3_bucket.b`, `data.x.y`, `module.vpc`, `var.x`,
    /// `provider.aws`, or the kind for unlabelled blocks.
    pub fn address(&self) -> String {
        match (self.kind.as_str(), self.labels.as_slice()) {
            ("resource", [ty, name, ..]) => format!("{ty}.{name}"),
            ("data", [ty, name, ..]) => format!("data.{ty}.{name}"),
            ("module", [name, ..]) => format!("module.{name}"),
            ("variable", [name, ..]) => format!("var.{name}"),
            ("output", [name, ..]) => format!("output.{name}"),
            ("provider", [name, ..]) => format!("provider.{name}"),
            (kind, []) => kind.to_string(),
            (kind, labels) => format!("{kind}.{}", labels.join(".")),
        }
    }
}

/// One parsed `.tf` file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TfFile {
    pub path: String,
    /// Top-level blocks in file order.
    pub blocks: Vec<Block>,
    /// Top-level attributes (none in a valid `.tf` file; `.tfvars` files are all attributes).
    pub attrs: Vec<Attr>,
}

/// Why a file could not be parsed: its path, 1-based line and column, and the parser's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct TfError {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Parses one HCL file. Never panics; syntax errors come back as a [`TfError`] with the position.
pub fn parse_file(text: &str, path: &str) -> Result<TfFile, TfError> {
    let lines = LineIndex::new(text);
    let body = hcl_edit::parser::parse_body(text).map_err(|e| {
        let pos = lines.pos(e.location().offset(), text);
        let message = e.message().trim();
        TfError {
            path: path.to_string(),
            line: pos.line,
            column: pos.column,
            message: if message.is_empty() {
                "invalid HCL".to_string()
            } else {
                message.to_string()
            },
        }
    })?;
    let cx = convert::Cx {
        text,
        lines: &lines,
        file: path,
    };
    let (attrs, blocks) = cx.body(&body, 0);
    Ok(TfFile {
        path: path.to_string(),
        blocks,
        attrs,
    })
}

/// Byte offsets of line starts, to turn byte spans into 1-based lines and character columns.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// The position of a byte offset (clamped to the text; a non-boundary offset counts the characters
    /// that start before it).
    pub(crate) fn pos(&self, offset: usize, text: &str) -> Pos {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = text.as_bytes().get(start..offset).map_or(0, |bytes| {
            bytes.iter().filter(|b| (**b & 0xC0) != 0x80).count()
        });
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }
}

/// All `.tf` files of one directory (a Terraform module), with `variable` and `locals` indexed for
/// evaluation.
#[derive(Debug, Clone, Default)]
pub struct TfModule {
    files: Vec<TfFile>,
    /// Variable name → (file, block).
    variables: BTreeMap<String, (usize, usize)>,
    /// Local name → (file, block, attribute).
    locals: BTreeMap<String, (usize, usize, usize)>,
}

impl TfModule {
    /// A module of these files. When a variable or local is declared twice (invalid Terraform), the first
    /// declaration wins.
    pub fn new(files: Vec<TfFile>) -> TfModule {
        let mut variables = BTreeMap::new();
        let mut locals = BTreeMap::new();
        for (fi, file) in files.iter().enumerate() {
            for (bi, block) in file.blocks.iter().enumerate() {
                match block.kind.as_str() {
                    "variable" if !block.label(0).is_empty() => {
                        variables
                            .entry(block.label(0).to_string())
                            .or_insert((fi, bi));
                    }
                    "locals" => {
                        for (ai, attr) in block.attrs.iter().enumerate() {
                            locals.entry(attr.name.clone()).or_insert((fi, bi, ai));
                        }
                    }
                    _ => {}
                }
            }
        }
        TfModule {
            files,
            variables,
            locals,
        }
    }

    /// The files, in the order given.
    pub fn files(&self) -> &[TfFile] {
        &self.files
    }

    /// Every top-level block of every file.
    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.files.iter().flat_map(|f| f.blocks.iter())
    }

    /// The `resource` blocks of type `ty`.
    pub fn resources<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks().filter(move |b| b.is_resource(ty))
    }

    /// The `data` blocks of type `ty`.
    pub fn data_sources<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks().filter(move |b| b.is_data(ty))
    }

    /// The `variable "name"` block.
    pub fn variable(&self, name: &str) -> Option<&Block> {
        let &(fi, bi) = self.variables.get(name)?;
        self.files.get(fi)?.blocks.get(bi)
    }

    /// The attribute defining `local.name`.
    pub fn local(&self, name: &str) -> Option<&Attr> {
        let &(fi, bi, ai) = self.locals.get(name)?;
        self.files.get(fi)?.blocks.get(bi)?.attrs.get(ai)
    }

    /// Evaluates an expression as far as the module alone allows (see [`Value`]).
    pub fn eval(&self, expr: &Expr) -> Value {
        eval::Evaluator::new(self).eval(expr, 0)
    }

    /// Evaluates a block's attribute; `None` when the attribute is not set.
    pub fn eval_attr(&self, block: &Block, name: &str) -> Option<Value> {
        block.attr(name).map(|a| self.eval(&a.expr))
    }
}

#[cfg(test)]
mod tests;
