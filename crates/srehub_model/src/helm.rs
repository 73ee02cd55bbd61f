//! A Helm chart as plain data, for linting without rendering: `Chart.yaml` and `values.yaml` as spanned
//! YAML ([`crate::yaml`]), the templates as text, and a small scanner that finds the `.Values.…`
//! references in Go template actions ([`value_references`]).
//!
//! Nothing here reads files: the engine gathers them and calls [`parse_chart`].

use crate::yaml::{self, Node, Pos, Value};

/// A parsed YAML file of a chart (`Chart.yaml`, `values.yaml`).
#[derive(Debug, Clone, PartialEq)]
pub struct ChartFile {
    /// The path shown in findings.
    pub path: String,
    /// The first document's root (`Null` at 1:1 for an empty file).
    pub root: Node,
    /// The file's text, to quote a scalar as written.
    pub text: String,
}

impl ChartFile {
    /// The text of a plain scalar as written at `pos` (up to a comment or the end of the line), e.g.
    /// `1.10` where the YAML reader produced the number 1.1.
    pub fn raw_scalar(&self, pos: Pos) -> Option<&str> {
        let line = self
            .text
            .lines()
            .nth(usize::try_from(pos.line).ok()?.checked_sub(1)?)?;
        let skip = usize::try_from(pos.column).ok()?.checked_sub(1)?;
        let start = line.char_indices().nth(skip).map(|(i, _)| i)?;
        let rest = &line[start..];
        let end = rest.find(" #").unwrap_or(rest.len());
        let raw = rest[..end].trim_end();
        (!raw.is_empty()).then_some(raw)
    }
}

/// A template file (`templates/*.yaml`, `templates/_helpers.tpl`, …), kept as Go template text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The path shown in findings.
    pub path: String,
    pub text: String,
}

/// A chart directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// The chart's directory as given (its last component is compared with the chart's name).
    pub dir: String,
    pub chart_yaml: ChartFile,
    /// `values.yaml`, when the chart has one.
    pub values: Option<ChartFile>,
    /// Every file under `templates/` except `NOTES.txt`, in the order given.
    pub templates: Vec<Template>,
    /// Whether `values.schema.json` exists.
    pub has_values_schema: bool,
    /// The charts vendored under `charts/`: directory names, or archive names (`child-0.1.0.tgz`).
    pub subcharts: Vec<String>,
}

impl Chart {
    /// Sets the charts found under `charts/` (see [`Chart::subcharts`]).
    #[must_use]
    pub fn with_subcharts(mut self, subcharts: Vec<String>) -> Self {
        self.subcharts = subcharts;
        self
    }

    /// The chart's name from `Chart.yaml`, when it is a non-empty string.
    pub fn name(&self) -> Option<&str> {
        self.chart_yaml
            .root
            .get("name")
            .and_then(Node::as_str)
            .filter(|n| !n.is_empty())
    }

    /// The last component of [`Chart::dir`] (`""` for `.`, `/` or an empty path).
    pub fn dir_name(&self) -> &str {
        let trimmed = self.dir.trim_end_matches(['/', '\\']);
        let base = trimmed.rsplit(['/', '\\']).next().unwrap_or("");
        if base == "." || base == ".." {
            ""
        } else {
            base
        }
    }

    /// The name findings use for the chart: its `name`, else its directory's name, else `chart`.
    pub fn display_name(&self) -> &str {
        match self.name() {
            Some(n) => n,
            None if !self.dir_name().is_empty() => self.dir_name(),
            None => "chart",
        }
    }

    /// The chart's `type`: `application` unless `Chart.yaml` says otherwise.
    pub fn chart_type(&self) -> &str {
        self.chart_yaml
            .root
            .get("type")
            .and_then(Node::as_str)
            .filter(|t| !t.is_empty())
            .unwrap_or("application")
    }

    /// Whether a subchart named `name` is vendored under `charts/` (as a directory `name` or an archive
    /// `name-<version>.tgz`).
    pub fn has_subchart(&self, name: &str) -> bool {
        self.subcharts.iter().any(|s| {
            s == name
                || s.strip_suffix(".tgz")
                    .and_then(|s| s.strip_prefix(name))
                    .is_some_and(|rest| {
                        rest.strip_prefix('-')
                            .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
                    })
        })
    }
}

/// Why a chart could not be read: a YAML syntax error in `Chart.yaml` or `values.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct ChartError {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

fn parse_file(path: &str, text: &str) -> Result<ChartFile, ChartError> {
    let docs = yaml::parse(text).map_err(|e| ChartError {
        path: path.to_string(),
        line: e.pos.line,
        column: e.pos.column,
        message: e.message,
    })?;
    let root = docs.into_iter().next().map_or(
        Node {
            pos: Pos { line: 1, column: 1 },
            value: Value::Null,
        },
        |d| d.root,
    );
    Ok(ChartFile {
        path: path.to_string(),
        root,
        text: text.to_string(),
    })
}

/// Builds a [`Chart`] from files the caller has read: `Chart.yaml` as `(path, text)`, `values.yaml` if
/// any, the files under `templates/` as `(path, text)` (a `NOTES.txt` among them is dropped), and
/// whether `values.schema.json` exists. Set vendored subcharts with [`Chart::with_subcharts`].
pub fn parse_chart(
    dir: &str,
    chart_yaml: (&str, &str),
    values: Option<(&str, &str)>,
    templates: Vec<(String, String)>,
    has_values_schema: bool,
) -> Result<Chart, ChartError> {
    let chart_file = parse_file(chart_yaml.0, chart_yaml.1)?;
    let values = values.map(|(p, t)| parse_file(p, t)).transpose()?;
    let templates = templates
        .into_iter()
        .filter(|(path, _)| {
            let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
            name != "NOTES.txt"
        })
        .map(|(path, text)| Template { path, text })
        .collect();
    Ok(Chart {
        dir: dir.to_string(),
        chart_yaml: chart_file,
        values,
        templates,
        has_values_schema,
        subcharts: Vec::new(),
    })
}

/// A `.Values.a.b.c` (or `$.Values.a.b.c`) reference in a template action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueRef {
    /// The keys after `.Values` (`["a", "b", "c"]`); never empty.
    pub path: Vec<String>,
    /// Where the reference starts (its `.` or `$`); lines and columns (characters) start at 1.
    pub line: u32,
    pub column: u32,
    /// Whether the template tests the value before using it: the reference is part of an
    /// `if`/`with`/`range` condition; or an enclosing `if`/`else if`/`with`/`range` block, or another
    /// test in the same action (`and`, `or`, `not`, `empty`, `hasKey`, …), tests this path or a prefix
    /// of it; or it is an argument of, or piped into, `default`, `required`, `empty`, `hasKey` or
    /// `coalesce`.
    pub guarded: bool,
}

/// Functions whose arguments may be absent: a reference passed to them (or piped into them) is guarded.
const GUARD_FUNCS: &[&str] = &["default", "required", "empty", "hasKey", "coalesce"];
/// Functions that test their arguments: a path tested there guards longer paths in the same action.
const TEST_FUNCS: &[&str] = &[
    "and", "or", "not", "default", "required", "empty", "hasKey", "coalesce",
];
/// How deep parentheses nest before the scanner stops tracking them.
const MAX_PAREN_DEPTH: usize = 64;

/// Byte offsets of line starts, to turn an offset into a line and a column (in characters).
struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Lines { text, starts }
    }

    fn pos(&self, offset: usize) -> (u32, u32) {
        let idx = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(idx).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (
            u32::try_from(idx + 1).unwrap_or(u32::MAX),
            u32::try_from(column + 1).unwrap_or(u32::MAX),
        )
    }
}

/// A token of an action.
#[derive(Debug, Clone, PartialEq)]
enum Tok<'t> {
    /// A field chain: `.Values.a.b` (`var` is `None`), `$.Values.a` (`Some("$")`), `$x.y`.
    Chain {
        var: Option<&'t str>,
        fields: Vec<&'t str>,
        offset: usize,
    },
    /// A bare word: a function name or keyword.
    Word(&'t str),
    /// A string literal's contents (escapes not interpreted).
    Str(&'t str),
    Pipe,
    Open,
    Close,
    /// Anything else: numbers, `:=`, `,`, a lone `.`.
    Other,
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// Reads an identifier at `i`; returns its end.
fn ident_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && is_ident_byte(bytes[i]) {
        i += 1;
    }
    i
}

/// Skips a quoted literal starting at `i` (on its opening quote); returns the offset after it (or the
/// end of the text when it is not closed).
fn skip_quoted(bytes: &[u8], i: usize) -> usize {
    let quote = bytes[i];
    let mut j = i + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' if quote != b'`' => j += 2,
            b'\n' if quote != b'`' => return j,
            b if b == quote => return j + 1,
            _ => j += 1,
        }
    }
    bytes.len()
}

/// One action: its tokens and where its content starts.
struct Action<'t> {
    toks: Vec<Tok<'t>>,
}

/// Scans the action whose content starts at `i`; returns it and the offset after its `}}` (or `None`
/// when the text ends first).
fn scan_action(text: &str, mut i: usize) -> (Action<'_>, Option<usize>) {
    let bytes = text.as_bytes();
    let mut toks = Vec::new();
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                return (Action { toks }, Some(i + 2));
            }
            b'"' | b'`' | b'\'' => {
                let end = skip_quoted(bytes, i);
                let inner_end = if end > i + 1 && bytes.get(end - 1) == Some(&b) {
                    end - 1
                } else {
                    end
                };
                toks.push(if b == b'\'' {
                    Tok::Other
                } else {
                    Tok::Str(text.get(i + 1..inner_end).unwrap_or(""))
                });
                i = end.max(i + 1);
            }
            b'|' => {
                toks.push(Tok::Pipe);
                i += 1;
            }
            b'(' => {
                toks.push(Tok::Open);
                i += 1;
            }
            b')' => {
                toks.push(Tok::Close);
                i += 1;
            }
            b'.' | b'$' => {
                let start = i;
                let mut var = None;
                if b == b'$' {
                    let end = ident_end(bytes, i + 1);
                    var = text.get(i..end);
                    i = end;
                }
                let mut fields = Vec::new();
                while bytes.get(i) == Some(&b'.')
                    && bytes.get(i + 1).is_some_and(|&c| is_ident_start(c))
                {
                    let end = ident_end(bytes, i + 1);
                    if let Some(f) = text.get(i + 1..end) {
                        fields.push(f);
                    }
                    i = end;
                }
                if var.is_none() && fields.is_empty() {
                    // A lone `.` or a number such as `.5`.
                    toks.push(Tok::Other);
                    i = (i + 1).max(start + 1);
                } else {
                    toks.push(Tok::Chain {
                        var,
                        fields,
                        offset: start,
                    });
                }
            }
            _ if is_ident_start(b) => {
                let end = ident_end(bytes, i);
                toks.push(Tok::Word(text.get(i..end).unwrap_or("")));
                i = end;
            }
            _ if b.is_ascii_whitespace() => i += 1,
            _ => {
                // Numbers, `:=`, `=`, `,`, `-` of a trim marker, …: one token per run.
                let start = i;
                let ends_run = |i: usize, b: u8| {
                    b.is_ascii_whitespace()
                        || matches!(b, b'"' | b'`' | b'\'' | b'|' | b'(' | b')' | b'}')
                        || (i > start && matches!(b, b'.' | b'$'))
                };
                while i < bytes.len() && !ends_run(i, bytes[i]) {
                    i += 1;
                }
                toks.push(Tok::Other);
                i = i.max(start + 1);
            }
        }
    }
    (Action { toks }, None)
}

/// The `.Values` path of a chain, if it is one (`.Values.x`, `$.Values.x`; also `.Values` alone, as
/// an empty path).
fn values_path<'a, 't>(tok: &'a Tok<'t>) -> Option<(&'a [&'t str], usize)> {
    match tok {
        Tok::Chain {
            var,
            fields,
            offset,
        } if matches!(var, None | Some("$")) && fields.first() == Some(&"Values") => {
            Some((&fields[1..], *offset))
        }
        _ => None,
    }
}

/// What the pipeline analysis of one action found about each token.
struct ActionInfo {
    /// For each token index: whether it sits in a command guarded by a function.
    func_guarded: Vec<bool>,
    /// Paths the action tests (arguments of test functions, `hasKey` object + key).
    tested: Vec<Vec<String>>,
}

/// Finds, for a token range forming a pipeline, the commands and whether each is guarded.
fn analyze(toks: &[Tok<'_>]) -> ActionInfo {
    let mut info = ActionInfo {
        func_guarded: vec![false; toks.len()],
        tested: Vec::new(),
    };
    // Matching parentheses (bounded depth), so each group is a pipeline of its own.
    let mut close_of = vec![None; toks.len()];
    let mut stack = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Open if stack.len() < MAX_PAREN_DEPTH => stack.push(i),
            Tok::Close => {
                if let Some(o) = stack.pop() {
                    close_of[o] = Some(i);
                }
            }
            _ => {}
        }
    }
    // Work list of (start, end, guarded_by_outer) pipelines.
    let mut work = vec![(0usize, toks.len(), false)];
    let mut steps = 0usize;
    while let Some((start, end, outer)) = work.pop() {
        steps += 1;
        if steps > toks.len() + 1 {
            break;
        }
        // Split into commands at top-level pipes; each command is a list of (item start, item end).
        let mut commands: Vec<Vec<(usize, usize)>> = vec![Vec::new()];
        let mut i = start;
        while i < end {
            match &toks[i] {
                Tok::Pipe => {
                    commands.push(Vec::new());
                    i += 1;
                }
                Tok::Open if close_of[i].is_some_and(|c| c < end) => {
                    let close = close_of[i].unwrap_or(end);
                    if let Some(cmd) = commands.last_mut() {
                        cmd.push((i, close));
                    }
                    i = close + 1;
                }
                _ => {
                    if let Some(cmd) = commands.last_mut() {
                        cmd.push((i, i));
                    }
                    i += 1;
                }
            }
        }
        let head = |cmd: &[(usize, usize)]| match cmd.first() {
            Some(&(s, e)) if s == e => match &toks[s] {
                Tok::Word(w) => Some(*w),
                _ => None,
            },
            _ => None,
        };
        let heads: Vec<Option<&str>> = commands.iter().map(|c| head(c)).collect();
        for (c, cmd) in commands.iter().enumerate() {
            let guarded = outer
                || heads[c..]
                    .iter()
                    .any(|h| h.is_some_and(|h| GUARD_FUNCS.contains(&h)));
            let tests = heads[c].is_some_and(|h| TEST_FUNCS.contains(&h));
            for (k, &(s, e)) in cmd.iter().enumerate() {
                if s == e {
                    info.func_guarded[s] = guarded;
                    if tests && let Some((path, _)) = values_path(&toks[s]) {
                        let mut p: Vec<String> = path.iter().map(|f| f.to_string()).collect();
                        if heads[c] == Some("hasKey")
                            && let Some(&(ks, ke)) = cmd.get(k + 1)
                            && ks == ke
                            && let Tok::Str(key) = &toks[ks]
                        {
                            p.push((*key).to_string());
                        }
                        if !p.is_empty() {
                            info.tested.push(p);
                        }
                    }
                } else {
                    work.push((s + 1, e, guarded));
                }
            }
        }
    }
    info
}

fn is_prefix(prefix: &[String], path: &[String]) -> bool {
    prefix.len() <= path.len() && prefix.iter().zip(path).all(|(a, b)| a == b)
}

/// An open block of the template: the paths its conditions tested.
struct Frame {
    guards: Vec<Vec<String>>,
}

/// Every `.Values.…` reference in the actions of a Go template (`{{ … }}`, including `$.Values.…`),
/// in text order, with whether the template guards it (see [`ValueRef::guarded`]). Comments
/// (`{{/* … */}}`) and text outside actions are skipped; trim markers (`{{-`, `-}}`) are understood.
/// `.Values` alone (as in `toYaml .Values`) is not reported.
///
/// A hand-written scanner, not a template parser: it never fails, and on malformed input it reports
/// what it can.
pub fn value_references(template_text: &str) -> Vec<ValueRef> {
    let text = template_text;
    let bytes = text.as_bytes();
    let lines = Lines::new(text);
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while let Some(found) = memchr::memmem::find(&bytes[i..], b"{{") {
        let mut j = i + found + 2;
        // Left trim marker: `{{-` followed by whitespace.
        if bytes.get(j) == Some(&b'-') && bytes.get(j + 1).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        let mut k = j;
        while bytes.get(k).is_some_and(u8::is_ascii_whitespace) {
            k += 1;
        }
        if bytes.get(k..k + 2) == Some(b"/*") {
            // A comment: up to `*/` then optional ` -` and `}}`.
            let mut search = k + 2;
            let mut next = None;
            while let Some(end) = memchr::memmem::find(&bytes[search..], b"*/") {
                let mut e = search + end + 2;
                while bytes.get(e).is_some_and(u8::is_ascii_whitespace) {
                    e += 1;
                }
                if bytes.get(e) == Some(&b'-') {
                    e += 1;
                }
                if bytes.get(e..e + 2) == Some(b"}}") {
                    next = Some(e + 2);
                    break;
                }
                search = search + end + 2;
            }
            match next {
                Some(n) => {
                    i = n;
                    continue;
                }
                None => break,
            }
        }
        let (action, next) = scan_action(text, j);
        handle_action(&action, &lines, &mut stack, &mut out);
        match next {
            Some(n) => i = n,
            None => break,
        }
    }
    out
}

fn handle_action(
    action: &Action<'_>,
    lines: &Lines<'_>,
    stack: &mut Vec<Frame>,
    out: &mut Vec<ValueRef>,
) {
    let toks = &action.toks;
    let keyword = |n: usize| match toks.get(n) {
        Some(Tok::Word(w)) => Some(*w),
        _ => None,
    };
    let first = keyword(0);
    let (control, opens, extends) = match first {
        Some("if" | "with" | "range") => (true, true, false),
        Some("else") => {
            let cond = matches!(keyword(1), Some("if" | "with"));
            (cond, false, cond)
        }
        Some("define" | "block") => (false, true, false),
        Some("end") => {
            stack.pop();
            return;
        }
        _ => (false, false, false),
    };
    let info = analyze(toks);
    let mut tested = info.tested.clone();
    let refs: Vec<(Vec<String>, usize, bool)> = toks
        .iter()
        .enumerate()
        .filter_map(|(n, t)| {
            let (path, offset) = values_path(t)?;
            Some((
                path.iter().map(|f| f.to_string()).collect(),
                offset,
                info.func_guarded[n],
            ))
        })
        .collect();
    if control {
        tested.extend(
            refs.iter()
                .map(|(p, _, _)| p.clone())
                .filter(|p| !p.is_empty()),
        );
    }
    for (path, offset, func_guarded) in &refs {
        if path.is_empty() {
            continue;
        }
        let guarded = control
            || *func_guarded
            || tested.iter().any(|t| is_prefix(t, path))
            || stack
                .iter()
                .any(|f| f.guards.iter().any(|g| is_prefix(g, path)));
        let (line, column) = lines.pos(*offset);
        out.push(ValueRef {
            path: path.clone(),
            line,
            column,
            guarded,
        });
    }
    if opens {
        let guards = if first == Some("define") || first == Some("block") {
            Vec::new()
        } else {
            tested
        };
        stack.push(Frame { guards });
    } else if extends && let Some(top) = stack.last_mut() {
        top.guards.extend(tested);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(text: &str) -> Vec<(String, u32, u32, bool)> {
        value_references(text)
            .into_iter()
            .map(|r| (r.path.join("."), r.line, r.column, r.guarded))
            .collect()
    }

    fn r(path: &str, line: u32, column: u32, guarded: bool) -> (String, u32, u32, bool) {
        (path.to_string(), line, column, guarded)
    }

    #[test]
    fn plain_references_have_exact_positions() {
        assert_eq!(
            refs("replicas: {{ .Values.replicaCount }}\nimage: {{ $.Values.image.repository }}\n"),
            [
                r("replicaCount", 1, 14, false),
                r("image.repository", 2, 11, false)
            ]
        );
    }

    #[test]
    fn several_actions_per_line_and_trim_markers() {
        assert_eq!(
            refs(
                "image: \"{{ .Values.image.repository }}:{{- .Values.image.tag -}}\"\n{{-.Values.x}}"
            ),
            [
                r("image.repository", 1, 12, false),
                r("image.tag", 1, 44, false),
                r("x", 2, 4, false)
            ]
        );
    }

    #[test]
    fn comments_are_skipped() {
        let text =
            "{{/* .Values.a }} still a comment */}}\n{{- /* .Values.b */ -}}\n{{ .Values.c }}";
        assert_eq!(refs(text), [r("c", 3, 4, false)]);
    }

    #[test]
    fn conditions_and_enclosing_blocks_guard() {
        let text = "\
{{- if .Values.ingress.enabled }}
host: {{ .Values.ingress.enabled.host }}
other: {{ .Values.ingress.tls }}
{{- end }}
after: {{ .Values.ingress.enabled.host }}
{{ with .Values.podAnnotations }}{{ toYaml . }}{{ .Values.podAnnotations.a }}{{ end }}
";
        assert_eq!(
            refs(text),
            [
                r("ingress.enabled", 1, 8, true),
                r("ingress.enabled.host", 2, 10, true),
                r("ingress.tls", 3, 11, false),
                r("ingress.enabled.host", 5, 11, false),
                r("podAnnotations", 6, 9, true),
                r("podAnnotations.a", 6, 51, true),
            ]
        );
    }

    #[test]
    fn else_if_adds_guards_and_define_resets_them() {
        let text = "\
{{ if .Values.a }}{{ else if .Values.b }}{{ .Values.b.c }}{{ .Values.d }}{{ end }}
{{ define \"x\" }}{{ .Values.a.b }}{{ end }}
{{ range $k, $v := .Values.list }}{{ $v }}{{ $.Values.list.x }}{{ end }}
";
        assert_eq!(
            refs(text),
            [
                r("a", 1, 7, true),
                r("b", 1, 30, true),
                r("b.c", 1, 45, true),
                r("d", 1, 62, false),
                r("a.b", 2, 20, false),
                r("list", 3, 20, true),
                r("list.x", 3, 46, true),
            ]
        );
    }

    #[test]
    fn guard_functions_and_pipes() {
        let text = "\
{{ .Values.image.tag | default .Chart.AppVersion }}
{{ default \"x\" .Values.a }}
{{ required \"set b\" .Values.b | quote }}
{{ .Values.c | quote }}
{{ coalesce .Values.d .Values.e \"z\" }}
{{ toYaml (default dict .Values.f) | nindent 4 }}
{{ (.Values.g | quote) | default \"\" }}
{{ and .Values.h .Values.h.i }}
{{ ternary .Values.j.k \"\" (hasKey .Values.j \"k\") }}
{{ printf \"%s\" (.Values.l) }}
";
        let got = refs(text);
        let guarded: Vec<(&str, bool)> = got.iter().map(|(p, _, _, g)| (p.as_str(), *g)).collect();
        assert_eq!(
            guarded,
            [
                ("image.tag", true),
                ("a", true),
                ("b", true),
                ("c", false),
                ("d", true),
                ("e", true),
                ("f", true),
                ("g", true),
                ("h", true),
                ("h.i", true),
                ("j.k", true),
                ("j", true),
                ("l", false),
            ]
        );
    }

    #[test]
    fn multi_line_actions_and_strings_with_braces() {
        let text = "{{- include \"x\" (dict\n    \"a\" \"}}\"\n    \"v\" .Values.multi.line) }}\n{{ `{{ .Values.not }}` }} {{ .Values.after }}";
        assert_eq!(
            refs(text),
            [r("multi.line", 3, 9, false), r("after", 4, 30, false)]
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(refs("é: {{ .Values.ü.x }}"), [r("ü.x", 1, 7, false)]);
    }

    #[test]
    fn odd_input_never_panics() {
        for text in [
            "{{",
            "{{-",
            "{{ .Values.",
            "{{ \"unterminated",
            "{{/* never closed",
            "}}{{ end }}{{ end }}",
            "{{ ((((((( .Values.a }}",
            "{{ ))) .Values.b ((( }}",
            "{{ $ }}{{ $. }}{{ . }}{{ .5 }}{{ - }}",
            "{{ '}' .Values.c }}",
            "{{ \"\\",
            "{{ `",
            "é{{ é.Values }}",
        ] {
            let _ = value_references(text);
        }
        let deep = format!(
            "{{{{ {} .Values.a {} }}}}",
            "(".repeat(10_000),
            ")".repeat(10_000)
        );
        assert_eq!(refs(&deep).len(), 1);
    }

    proptest::proptest! {
        /// Any mix of template punctuation, keywords and multi-byte text scans without a panic, and
        /// every reference points inside the text.
        #[test]
        fn scanner_never_panics(
            text in "(\\{\\{-? |\\{\\{|-?\\}\\}|/\\*|\\*/|\\.Values|\\$|\\.|[a-z]{1,3}|if |end|with |default |hasKey |[|()\"`'\\\\ \n]|é|€){0,120}"
        ) {
            let lines = u32::try_from(text.lines().count() + 1).unwrap();
            for r in value_references(&text) {
                proptest::prop_assert!(r.line >= 1 && r.line <= lines && r.column >= 1);
                proptest::prop_assert!(!r.path.is_empty());
            }
        }
    }

    #[test]
    fn parse_chart_keeps_templates_and_drops_notes() {
        let chart = parse_chart(
            "charts/web/",
            (
                "charts/web/Chart.yaml",
                "apiVersion: v2\nname: web\nversion: 1.10\n",
            ),
            Some(("charts/web/values.yaml", "")),
            vec![
                (
                    "charts/web/templates/_helpers.tpl".into(),
                    "{{/* */}}".into(),
                ),
                ("charts/web/templates/NOTES.txt".into(), "hi".into()),
                (
                    "charts/web/templates/deployment.yaml".into(),
                    "kind: Deployment".into(),
                ),
            ],
            false,
        )
        .unwrap();
        assert_eq!(chart.templates.len(), 2);
        assert_eq!(chart.name(), Some("web"));
        assert_eq!(chart.dir_name(), "web");
        assert_eq!(chart.chart_type(), "application");
        let version = chart.chart_yaml.root.get("version").unwrap();
        assert_eq!(version.value, Value::Float(1.1));
        assert_eq!(chart.chart_yaml.raw_scalar(version.pos), Some("1.10"));
        assert_eq!(chart.values.unwrap().root.value, Value::Null);
    }

    #[test]
    fn yaml_errors_name_the_file_and_position() {
        let e = parse_chart(
            "c",
            ("c/Chart.yaml", "name: c\n"),
            Some(("c/values.yaml", "a: 1\n  b: 2\n")),
            vec![],
            false,
        )
        .unwrap_err();
        assert_eq!(e.path, "c/values.yaml");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn subcharts_match_directories_and_archives() {
        let chart = parse_chart("c", ("c/Chart.yaml", "name: c"), None, vec![], false)
            .unwrap()
            .with_subcharts(vec!["child".into(), "redis-17.3.2.tgz".into()]);
        assert!(chart.has_subchart("child"));
        assert!(chart.has_subchart("redis"));
        assert!(!chart.has_subchart("red"));
        assert!(!chart.has_subchart("postgres"));
    }
}
