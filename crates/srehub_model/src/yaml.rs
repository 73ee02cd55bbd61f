//! YAML with source positions: every node and every mapping key knows its line and column, so a linter
//! can point at the exact field. Multi-document streams, anchors and aliases (bounded), and the scalar
//! rules Kubernetes applies (`sigs.k8s.io/yaml`, YAML 1.1 booleans such as `yes`/`on`) are supported.
//!
//! Parsing is `saphyr-parser`'s event stream; this module only builds the tree.

use std::borrow::Cow;

use compact_str::CompactString;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// A position in a file. Lines and columns start at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

/// A mapping key: its text (non-string keys as written) and position.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// Inline (no allocation) up to 24 bytes, which covers nearly every key.
    pub text: CompactString,
    pub pos: Pos,
}

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Inline up to 24 bytes.
    Str(CompactString),
    Seq(Vec<Node>),
    /// Keys in document order.
    Map(Vec<(Key, Node)>),
}

impl Value {
    /// The type's name as users know it from error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "object",
        }
    }
}

/// One document of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The position of the document's first content (or of `---`).
    pub start: Pos,
    pub root: Node,
}

/// Why a stream could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pos}: {message}")]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

/// Bounds that keep hostile input (alias bombs, deep nesting) from exhausting memory or the stack.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Nodes per stream, aliases expanded.
    pub max_nodes: usize,
    /// Nesting depth.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_nodes: 5_000_000,
            max_depth: 256,
        }
    }
}

fn pos(span: &Span) -> Pos {
    Pos {
        line: u32::try_from(span.start.line()).unwrap_or(u32::MAX),
        column: u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
    }
}

/// An open collection: its position, where its items start in the shared scratch stack, the pending
/// key (maps) and its anchor. Items are gathered on one scratch stack per collection type and moved into
/// an exactly sized vector when the collection ends: no growth reallocations, no slack.
enum Frame {
    Seq(Pos, usize, usize),
    Map(Pos, usize, Option<Key>, usize),
}

/// Resolves a plain scalar the way Kubernetes' YAML reader does (YAML 1.1 booleans, 1.2 numbers).
fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
            return Value::Bool(true);
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return Value::Str(CompactString::from(s));
    }
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let int = if let Some(h) = digits.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = digits.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        // YAML 1.1 octal (`0644`), as Kubernetes reads file modes.
        i64::from_str_radix(&digits[1..], 8).ok()
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        digits.replace('_', "").parse().ok()
    } else {
        None
    };
    if let Some(i) = int {
        return Value::Int(if neg { -i } else { i });
    }
    let looks_float = digits
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && digits.bytes().any(|b| b.is_ascii_digit());
    if looks_float && let Ok(f) = s.parse::<f64>() {
        return Value::Float(f);
    }
    Value::Str(CompactString::from(s))
}

fn scalar_value(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&str>) -> Value {
    match tag {
        Some("str") => return Value::Str(CompactString::from(text.as_ref())),
        Some("int") => {
            if let Ok(i) = text.parse() {
                return Value::Int(i);
            }
        }
        Some("bool") => match text.as_ref() {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            _ => {}
        },
        _ => {}
    }
    match style {
        ScalarStyle::Plain => resolve_plain(&text),
        _ => Value::Str(CompactString::from(text.as_ref())),
    }
}

/// Parses a YAML stream into documents. Empty documents (a lone `---`) are kept as `Null` roots.
pub fn parse(text: &str) -> Result<Vec<Document>, YamlError> {
    parse_with(text, Limits::default())
}

/// [`parse`] with explicit limits.
pub fn parse_with(text: &str, limits: Limits) -> Result<Vec<Document>, YamlError> {
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut seq_scratch: Vec<Node> = Vec::new();
    let mut map_scratch: Vec<(Key, Node)> = Vec::new();
    let mut anchors: Vec<(usize, Node)> = Vec::new();
    let mut nodes = 0usize;
    let mut doc_start = Pos::default();
    let mut root: Option<Node> = None;
    let parser = Parser::new_from_str(text);
    for item in parser {
        let (event, span) = item.map_err(|e| YamlError {
            pos: Pos {
                line: u32::try_from(e.marker().line()).unwrap_or(u32::MAX),
                column: u32::try_from(e.marker().col() + 1).unwrap_or(u32::MAX),
            },
            message: e.info().to_string(),
        })?;
        let here = pos(&span);
        let finished: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                doc_start = here;
                root = None;
                anchors.clear();
                None
            }
            Event::DocumentEnd => {
                docs.push(Document {
                    start: doc_start,
                    root: root.take().unwrap_or(Node {
                        pos: doc_start,
                        value: Value::Null,
                    }),
                });
                None
            }
            Event::Alias(id) => {
                let Some((_, node)) = anchors.iter().rev().find(|(a, _)| *a == id) else {
                    return Err(YamlError {
                        pos: here,
                        message: "alias to an unknown anchor".into(),
                    });
                };
                nodes += count(node);
                if nodes > limits.max_nodes {
                    return Err(too_many(here, limits));
                }
                Some((
                    Node {
                        pos: here,
                        value: node.value.clone(),
                    },
                    0,
                ))
            }
            Event::Scalar(text, style, anchor, tag) => {
                nodes += 1;
                if nodes > limits.max_nodes {
                    return Err(too_many(here, limits));
                }
                let tag = tag
                    .as_ref()
                    .filter(|t| t.handle == "!!" || t.handle == "tag:yaml.org,2002:")
                    .map(|t| t.suffix.as_str());
                Some((
                    Node {
                        pos: here,
                        value: scalar_value(text, style, tag),
                    },
                    anchor,
                ))
            }
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= limits.max_depth {
                    return Err(too_deep(here, limits));
                }
                stack.push(Frame::Seq(here, seq_scratch.len(), anchor));
                None
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= limits.max_depth {
                    return Err(too_deep(here, limits));
                }
                stack.push(Frame::Map(here, map_scratch.len(), None, anchor));
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(p, start, anchor)) => {
                    nodes += 1;
                    let items: Vec<Node> = seq_scratch.drain(start..).collect();
                    Some((
                        Node {
                            pos: p,
                            value: Value::Seq(items),
                        },
                        anchor,
                    ))
                }
                _ => return Err(unbalanced(here)),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(p, start, _, anchor)) => {
                    nodes += 1;
                    let entries: Vec<(Key, Node)> = map_scratch.drain(start..).collect();
                    Some((
                        Node {
                            pos: p,
                            value: Value::Map(merge_keys(entries)),
                        },
                        anchor,
                    ))
                }
                _ => return Err(unbalanced(here)),
            },
        };
        let Some((node, anchor)) = finished else {
            continue;
        };
        if anchor != 0 {
            anchors.push((anchor, node.clone()));
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq(..)) => seq_scratch.push(node),
            Some(Frame::Map(_, _, key, _)) => match key.take() {
                None => {
                    *key = Some(Key {
                        text: key_text(&node.value),
                        pos: node.pos,
                    });
                }
                Some(k) => map_scratch.push((k, node)),
            },
        }
    }
    Ok(docs)
}

/// Applies `<<` merge keys: the merged mapping's entries come first, explicit keys override them.
fn merge_keys(entries: Vec<(Key, Node)>) -> Vec<(Key, Node)> {
    if !entries.iter().any(|(k, _)| k.text == "<<") {
        return entries;
    }
    let mut out: Vec<(Key, Node)> = Vec::new();
    let mut explicit: Vec<(Key, Node)> = Vec::new();
    for (k, v) in entries {
        if k.text == "<<" {
            let sources = match v.value {
                Value::Seq(items) => items,
                other => vec![Node {
                    pos: v.pos,
                    value: other,
                }],
            };
            for s in sources {
                if let Value::Map(m) = s.value {
                    for (mk, mv) in m {
                        if !out.iter().any(|(o, _)| o.text == mk.text) {
                            out.push((mk, mv));
                        }
                    }
                }
            }
        } else {
            explicit.push((k, v));
        }
    }
    for (k, v) in explicit {
        match out.iter_mut().find(|(o, _)| o.text == k.text) {
            Some(slot) => *slot = (k, v),
            None => out.push((k, v)),
        }
    }
    out
}

fn key_text(v: &Value) -> CompactString {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string().into(),
        Value::Int(i) => i.to_string().into(),
        Value::Float(f) => f.to_string().into(),
        Value::Str(s) => s.clone(),
        Value::Seq(_) | Value::Map(_) => "<complex key>".into(),
    }
}

fn count(n: &Node) -> usize {
    match &n.value {
        Value::Seq(items) => 1 + items.iter().map(count).sum::<usize>(),
        Value::Map(entries) => 1 + entries.iter().map(|(_, v)| 1 + count(v)).sum::<usize>(),
        _ => 1,
    }
}

fn too_many(pos: Pos, limits: Limits) -> YamlError {
    YamlError {
        pos,
        message: format!(
            "more than {} nodes (an alias bomb?); refusing to expand further",
            limits.max_nodes
        ),
    }
}

fn too_deep(pos: Pos, limits: Limits) -> YamlError {
    YamlError {
        pos,
        message: format!("nested deeper than {} levels", limits.max_depth),
    }
}

fn unbalanced(pos: Pos) -> YamlError {
    YamlError {
        pos,
        message: "unbalanced collection end".into(),
    }
}

impl Node {
    /// The value at `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.text == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The key entry (with its position) of a mapping.
    pub fn key(&self, key: &str) -> Option<&Key> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.text == key).map(|(k, _)| k),
            _ => None,
        }
    }

    /// The string value, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The items of a sequence (empty otherwise).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// The entries of a mapping (empty otherwise).
    pub fn entries(&self) -> &[(Key, Node)] {
        match &self.value {
            Value::Map(e) => e,
            _ => &[],
        }
    }

    /// Follows a path of keys and sequence indexes (`"spec"`, `"containers"`, `"0"`).
    pub fn at<'a>(&'a self, path: &[&str]) -> Option<&'a Node> {
        let mut n = self;
        for p in path {
            n = match &n.value {
                Value::Map(_) => n.get(p)?,
                Value::Seq(items) => items.get(p.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(n)
    }

    /// Writes the value as JSON text (what [`Node::to_json`] gives, without building a JSON tree).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match &self.value {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Value::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
            Value::Float(f) => match serde_json::Number::from_f64(*f) {
                Some(n) => out.extend_from_slice(n.to_string().as_bytes()),
                None => out.extend_from_slice(b"null"),
            },
            Value::Str(s) => write_json_str(s, out),
            Value::Seq(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write_json(out);
                }
                out.push(b']');
            }
            Value::Map(entries) => {
                out.push(b'{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_json_str(&k.text, out);
                    out.push(b':');
                    v.write_json(out);
                }
                out.push(b'}');
            }
        }
    }

    /// The value as JSON, the way `kubectl` converts YAML before sending it.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.to_string()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.text.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

fn write_json_str(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&s.as_bytes()[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&s.as_bytes()[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }

    #[test]
    fn positions_of_keys_and_values_are_exact() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: nginx\n";
        let docs = parse(text).unwrap();
        assert_eq!(docs.len(), 1);
        let root = &docs[0].root;
        assert_eq!(root.key("kind").unwrap().pos, p(2, 1));
        assert_eq!(root.get("kind").unwrap().pos, p(2, 7));
        let c = root.at(&["spec", "containers", "0"]).unwrap();
        assert_eq!(c.key("image").unwrap().pos, p(8, 7));
        assert_eq!(c.get("image").unwrap().pos, p(8, 14));
        assert_eq!(c.pos, p(7, 7));
    }

    #[test]
    fn multi_document_streams_keep_document_starts() {
        let text = "a: 1\n---\nb: 2\n---\n# only a comment\n";
        let docs = parse(text).unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[1].start.line, 2);
        assert_eq!(docs[1].root.key("b").unwrap().pos, p(3, 1));
        assert_eq!(docs[2].root.value, Value::Null);
    }

    #[test]
    fn scalars_resolve_as_kubernetes_reads_them() {
        let docs = parse("a: yes\nb: 'yes'\nc: 0644\nd: 1.5\ne: 80\nf: ~\ng: 0x1F\nh: 1e3\ni: 10Gi\nj: !!str 5\n").unwrap();
        let r = &docs[0].root;
        assert_eq!(r.get("a").unwrap().value, Value::Bool(true));
        assert_eq!(r.get("b").unwrap().value, Value::Str("yes".into()));
        assert_eq!(r.get("c").unwrap().value, Value::Int(420));
        assert_eq!(r.get("d").unwrap().value, Value::Float(1.5));
        assert_eq!(r.get("e").unwrap().value, Value::Int(80));
        assert_eq!(r.get("f").unwrap().value, Value::Null);
        assert_eq!(r.get("g").unwrap().value, Value::Int(31));
        assert_eq!(r.get("h").unwrap().value, Value::Float(1000.0));
        assert_eq!(r.get("i").unwrap().value, Value::Str("10Gi".into()));
        assert_eq!(r.get("j").unwrap().value, Value::Str("5".into()));
    }

    #[test]
    fn anchors_aliases_and_merge_keys_expand() {
        let text = "base: &b\n  cpu: 1\n  mem: 2\nother:\n  <<: *b\n  mem: 3\ncopy: *b\n";
        let r = &parse(text).unwrap()[0].root;
        let other = r.get("other").unwrap();
        assert_eq!(other.get("cpu").unwrap().value, Value::Int(1));
        assert_eq!(other.get("mem").unwrap().value, Value::Int(3));
        assert_eq!(
            r.get("copy").unwrap().get("mem").unwrap().value,
            Value::Int(2)
        );
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("alias bomb"), "{e}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let e = parse(&text).unwrap_err();
        assert!(
            e.message.contains("nested deeper") || e.message.contains("recursion limit"),
            "{e}"
        );
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let e = parse("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(e.pos.line >= 2, "{e}");
        let e = parse("a: 1\n  b: 2\n").unwrap_err();
        assert_eq!(e.pos.line, 2, "{e}");
    }

    #[test]
    fn json_text_matches_the_json_tree() {
        let text = "a: \"q\\\"uo\\\\te\\u0001\\ttab\"\nb: [1, 2.5, true, ~, {c: é}]\nd: .nan\n";
        let r = &parse(text).unwrap()[0].root;
        let mut out = Vec::new();
        r.write_json(&mut out);
        let back: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, r.to_json());
    }

    #[test]
    fn json_is_yaml() {
        let r = &parse("{\"kind\": \"Pod\", \"spec\": {\"a\": [1, true, null]}}").unwrap()[0].root;
        assert_eq!(
            r.to_json(),
            serde_json::json!({"kind": "Pod", "spec": {"a": [1, true, null]}})
        );
    }
}
