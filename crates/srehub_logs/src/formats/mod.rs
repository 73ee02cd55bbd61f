//! Line formats: a streaming parser that turns the lines of one stream into [`Record`]s.
//!
//! A [`Parser`] is fed one line at a time ([`Parser::push_line`]) and keeps the state that spans
//! lines: CRI and Docker partial lines (joined per stream), pretty-printed JSON objects, journal
//! export blocks. [`Parser::finish`] flushes what is pending at the end of the stream.
//!
//! With [`FormatChoice::Auto`] the format is sniffed on the first non-empty line and kept while lines
//! parse; a line that does not parse is sniffed again, so mixed streams (JSON with stack traces,
//! several containers in one file) are parsed where possible. Lines nothing parses become plain
//! records. Nothing here panics, whatever the bytes; pending state is capped ([`MAX_PENDING_BYTES`],
//! [`MAX_PENDING_LINES`]) and every step is linear in the input.

mod access;
mod cri;
mod docker;
mod journal;
mod json;
mod known;
mod logfmt;
mod scan;
mod syslog;

use std::collections::BTreeMap;

use compact_str::CompactString;
use jiff::Timestamp;

use crate::pattern::Pattern;
use crate::record::{FieldValue, Format, Record};

/// Flattened fields in input order.
pub(crate) type Fields = Vec<(CompactString, FieldValue)>;

/// The most bytes a record spread over several lines may gather (Docker and CRI partial lines,
/// pretty-printed JSON, a journal export block) before it is emitted as it is.
pub const MAX_PENDING_BYTES: usize = 1 << 20;

/// The most lines a pretty-printed JSON object or a journal export block may span.
pub const MAX_PENDING_LINES: usize = 10_000;

/// How lines are to be read.
#[derive(Debug, Clone)]
pub enum FormatChoice {
    /// Sniff the format, line by line where needed.
    Auto,
    /// One format. `Json`, `Docker` and `JournalJson` all read any JSON object (a Docker or journal
    /// object gets its format's mapping); `Plain` and `Pattern` read every line as plain text.
    Fixed(Format),
    /// A user pattern; lines that do not match are plain records counted as unparsed.
    Pattern(Pattern),
}

/// Counters of one parser.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ParseStats {
    /// Lines pushed.
    pub lines: u64,
    /// Records emitted.
    pub records: u64,
    /// Lines that a structured format (chosen or detected) could not read: emitted as plain
    /// records, or dropped when they were invalid lines inside a journal export block.
    pub unparsed: u64,
    /// Lines that were not valid UTF-8 (read lossily).
    pub invalid_utf8: u64,
    /// Records emitted early because they reached [`MAX_PENDING_BYTES`] or [`MAX_PENDING_LINES`].
    pub truncated: u64,
    /// Records per format name ([`Format::as_str`]).
    pub by_format: BTreeMap<&'static str, u64>,
}

/// A streaming parser for one stream (one file, one container). See the [module docs](self).
#[derive(Debug)]
pub struct Parser {
    choice: FormatChoice,
    stats: ParseStats,
    /// The format of the last structured line (Auto).
    current: Option<Format>,
    json: Option<JsonAcc>,
    journal: Option<journal::Block>,
    partials: Vec<Partial>,
}

/// A pretty-printed JSON object being gathered.
#[derive(Debug)]
struct JsonAcc {
    buf: String,
    /// Line number and start offset in `buf` of each line.
    starts: Vec<(u64, usize)>,
    scan: json::BraceScan,
    /// Opened by `{` alone, and no content line seen yet.
    awaiting_key: bool,
}

/// A CRI or Docker line split into partial lines, being joined.
#[derive(Debug)]
struct Partial {
    format: Format,
    stream: String,
    line: u64,
    timestamp: Option<Timestamp>,
    buf: String,
    fields: Fields,
}

impl Parser {
    pub fn new(choice: FormatChoice) -> Parser {
        Parser {
            choice,
            stats: ParseStats::default(),
            current: None,
            json: None,
            journal: None,
            partials: Vec::new(),
        }
    }

    /// One input line without its line terminator (a trailing `\r` is stripped here); bytes may be
    /// invalid UTF-8 (read lossily and counted). Completed records are appended to `out`.
    pub fn push_line(&mut self, line_no: u64, line: &[u8], out: &mut Vec<Record>) {
        self.stats.lines += 1;
        if let Some(block) = self.journal.as_mut() {
            if block.binary.is_some() {
                // Raw bytes of a binary journal value: no `\r` stripping, no UTF-8 check.
                if block.push_binary(line) == journal::BinaryStep::Dropped {
                    self.stats.unparsed += 1;
                }
                return;
            }
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        // A byte order mark (first line of files written by some Windows tools).
        let line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line);
        match std::str::from_utf8(line) {
            Ok(s) => self.process(line_no, s, out),
            Err(_) => {
                self.stats.invalid_utf8 += 1;
                let s = String::from_utf8_lossy(line);
                self.process(line_no, &s, out);
            }
        }
    }

    /// End of stream: flushes pending records (partial CRI/Docker lines, an unfinished JSON object,
    /// the last journal export block), in order of their first line.
    pub fn finish(&mut self, out: &mut Vec<Record>) {
        let mut pending = Vec::new();
        if let Some(acc) = self.json.take() {
            self.flush_json_plain(acc, &mut pending);
        }
        if let Some(block) = self.journal.take() {
            if block.binary.is_some() {
                self.stats.unparsed += 1;
            }
            self.emit_block(block, &mut pending);
        }
        for p in std::mem::take(&mut self.partials) {
            self.emit_partial(p, &mut pending);
        }
        pending.sort_by_key(|r| r.line);
        out.append(&mut pending);
    }

    pub fn stats(&self) -> &ParseStats {
        &self.stats
    }

    /// The format in use: the chosen one, or with [`FormatChoice::Auto`] the format of the last
    /// structured line (`None` while only plain text was seen).
    pub fn detected(&self) -> Option<Format> {
        match &self.choice {
            FormatChoice::Auto => self.current,
            FormatChoice::Fixed(f) => Some(*f),
            FormatChoice::Pattern(_) => Some(Format::Pattern),
        }
    }

    fn process(&mut self, line_no: u64, s: &str, out: &mut Vec<Record>) {
        if self.json.is_some() {
            self.feed_json(line_no, s, out);
            return;
        }
        if self.journal.is_some() {
            self.feed_journal(s, out);
            return;
        }
        if s.trim().is_empty() {
            return;
        }
        match &self.choice {
            FormatChoice::Pattern(p) => {
                let rec = p.parse(line_no, s);
                match rec {
                    Some(r) => self.emit(r, out),
                    None => self.emit_plain(line_no, s, true, out),
                }
            }
            FormatChoice::Fixed(f) => {
                let f = *f;
                if matches!(f, Format::Plain | Format::Pattern) {
                    self.emit_plain(line_no, s, false, out);
                } else if self.try_format(f, line_no, s, false, out).is_none() {
                    self.emit_plain(line_no, s, true, out);
                }
            }
            FormatChoice::Auto => self.auto(line_no, s, out),
        }
    }

    fn auto(&mut self, line_no: u64, s: &str, out: &mut Vec<Record>) {
        if let Some(f) = self.current {
            if let Some(g) = self.try_format(f, line_no, s, false, out) {
                self.current = Some(g);
                return;
            }
        }
        for cand in candidates(s).into_iter().flatten() {
            if self.current.is_some_and(|c| family(c) == family(cand)) {
                continue;
            }
            if let Some(g) = self.try_format(cand, line_no, s, true, out) {
                self.current = Some(g);
                return;
            }
        }
        let structured = self.current.is_some();
        self.emit_plain(line_no, s, structured, out);
    }

    /// Reads a line in format `f`; returns the format it was read as (a JSON line may turn out to be
    /// Docker), `None` when it is not in that format. `sniffing` applies the strict detection rules.
    fn try_format(
        &mut self,
        f: Format,
        line_no: u64,
        s: &str,
        sniffing: bool,
        out: &mut Vec<Record>,
    ) -> Option<Format> {
        let rec = match f {
            Format::Json | Format::Docker | Format::JournalJson => {
                return self.try_json(line_no, s, out);
            }
            Format::Cri => return self.try_cri(line_no, s, out),
            Format::JournalExport => return self.try_journal_start(line_no, s, sniffing),
            Format::Logfmt => logfmt::parse(line_no, s, sniffing),
            Format::Syslog3164 => syslog::parse_3164(line_no, s),
            Format::Syslog5424 => syslog::parse_5424(line_no, s),
            Format::AccessLog => access::parse(line_no, s),
            Format::Pattern | Format::Plain => None,
        }?;
        self.emit(rec, out);
        Some(f)
    }

    fn try_json(&mut self, line_no: u64, s: &str, out: &mut Vec<Record>) -> Option<Format> {
        if !s.trim_start().starts_with('{') {
            return None;
        }
        let mut fields = known::Collector::new();
        if json::collect_object(s, &mut fields) {
            return Some(self.dispatch_json(line_no, &mut fields, out));
        }
        let kind = json::opens_object(s)?;
        let (scan, awaiting_key) = match kind {
            json::OpenKind::Lone => {
                let mut scan = json::BraceScan::default();
                scan.feed(b"{");
                (scan, true)
            }
            json::OpenKind::WithKey(scan) => (scan, false),
        };
        let mut acc = JsonAcc {
            buf: String::with_capacity(s.len() + 256),
            starts: vec![(line_no, 0)],
            scan,
            awaiting_key,
        };
        acc.buf.push_str(s);
        if acc.buf.len() > MAX_PENDING_BYTES {
            self.stats.truncated += 1;
            self.flush_json_plain(acc, out);
        } else {
            self.json = Some(acc);
        }
        Some(Format::Json)
    }

    /// Emits the record of a complete JSON object, by its kind.
    fn dispatch_json(
        &mut self,
        line_no: u64,
        fields: &mut known::Collector<'_>,
        out: &mut Vec<Record>,
    ) -> Format {
        let kind = fields.json_kind();
        match kind {
            Format::Docker => self.docker_line(line_no, fields.take_fields(), out),
            Format::JournalJson => {
                let rec = journal::record(line_no, fields.take_fields(), Format::JournalJson);
                self.emit(rec, out);
            }
            _ => {
                let rec = json::record(line_no, fields);
                self.emit(rec, out);
            }
        }
        kind
    }

    fn feed_json(&mut self, line_no: u64, s: &str, out: &mut Vec<Record>) {
        let Some(acc) = self.json.as_mut() else {
            return;
        };
        if acc.awaiting_key && !s.trim().is_empty() {
            acc.awaiting_key = false;
            let t = s.trim_start();
            if !(t.starts_with('"') || t.starts_with('}')) {
                // `{` alone, then something that is not a key: not JSON after all.
                if let Some(acc) = self.json.take() {
                    self.flush_json_plain(acc, out);
                }
                self.process(line_no, s, out);
                return;
            }
        }
        acc.buf.push('\n');
        acc.starts.push((line_no, acc.buf.len()));
        acc.buf.push_str(s);
        let state = acc.scan.feed(s.as_bytes());
        let over = acc.buf.len() > MAX_PENDING_BYTES || acc.starts.len() > MAX_PENDING_LINES;
        if state == json::Scan::Open && !over {
            return;
        }
        let Some(acc) = self.json.take() else {
            return;
        };
        if state == json::Scan::Closed {
            let mut fields = known::Collector::new();
            if json::collect_object(&acc.buf, &mut fields) {
                let first = acc.starts.first().map_or(line_no, |(l, _)| *l);
                self.dispatch_json(first, &mut fields, out);
                return;
            }
        } else if over {
            self.stats.truncated += 1;
        }
        self.flush_json_plain(acc, out);
    }

    /// Emits the lines of a JSON object that did not parse as plain, unparsed records.
    fn flush_json_plain(&mut self, acc: JsonAcc, out: &mut Vec<Record>) {
        for (i, &(line_no, start)) in acc.starts.iter().enumerate() {
            let end = acc
                .starts
                .get(i + 1)
                .map_or(acc.buf.len(), |&(_, next)| next - 1);
            let text = acc.buf.get(start..end).unwrap_or("");
            if !text.trim().is_empty() {
                self.emit_plain(line_no, text, true, out);
            }
        }
    }

    fn docker_line(&mut self, line_no: u64, fields: Fields, out: &mut Vec<Record>) {
        let d = docker::split(fields);
        let at = self
            .partials
            .iter()
            .position(|p| p.format == Format::Docker && p.stream == d.stream);
        match at {
            Some(i) => {
                let p = &mut self.partials[i];
                p.buf.push_str(&d.text);
                if d.complete || p.buf.len() > MAX_PENDING_BYTES {
                    if !d.complete {
                        self.stats.truncated += 1;
                    }
                    let p = self.partials.remove(i);
                    self.emit_partial(p, out);
                }
            }
            None => {
                let p = Partial {
                    format: Format::Docker,
                    stream: d.stream,
                    line: line_no,
                    timestamp: d.timestamp,
                    buf: d.text,
                    fields: d.rest,
                };
                if d.complete {
                    self.emit_partial(p, out);
                } else if p.buf.len() > MAX_PENDING_BYTES {
                    self.stats.truncated += 1;
                    self.emit_partial(p, out);
                } else {
                    self.partials.push(p);
                }
            }
        }
    }

    fn try_cri(&mut self, line_no: u64, s: &str, out: &mut Vec<Record>) -> Option<Format> {
        let c = cri::parse_line(s)?;
        let at = self
            .partials
            .iter()
            .position(|p| p.format == Format::Cri && p.stream == c.stream);
        match at {
            Some(i) => {
                let p = &mut self.partials[i];
                p.buf.push_str(c.message);
                if !c.partial || p.buf.len() > MAX_PENDING_BYTES {
                    if c.partial {
                        self.stats.truncated += 1;
                    }
                    let p = self.partials.remove(i);
                    self.emit_partial(p, out);
                }
            }
            None => {
                let p = Partial {
                    format: Format::Cri,
                    stream: c.stream.to_string(),
                    line: line_no,
                    timestamp: Some(c.timestamp),
                    buf: c.message.to_string(),
                    fields: Vec::new(),
                };
                if !c.partial {
                    self.emit_partial(p, out);
                } else if p.buf.len() > MAX_PENDING_BYTES {
                    self.stats.truncated += 1;
                    self.emit_partial(p, out);
                } else {
                    self.partials.push(p);
                }
            }
        }
        Some(Format::Cri)
    }

    /// Emits a joined CRI or Docker line; its message may itself be JSON or logfmt.
    fn emit_partial(&mut self, p: Partial, out: &mut Vec<Record>) {
        let mut lead = Vec::with_capacity(1 + p.fields.len());
        lead.push(("stream".into(), FieldValue::Str(p.stream.into())));
        lead.extend(p.fields);
        let rec = nested(p.line, p.buf, p.format, lead, p.timestamp);
        self.emit(rec, out);
    }

    fn try_journal_start(&mut self, line_no: u64, s: &str, sniffing: bool) -> Option<Format> {
        let mut block = journal::Block::new(line_no);
        match journal::export_line(s) {
            journal::ExportLine::Field(k, v) if !sniffing || journal::is_typical_field(k) => {
                block.push(k, v);
            }
            journal::ExportLine::Binary(k) if !sniffing => {
                block.binary = Some((k.to_string(), Vec::new()));
            }
            _ => return None,
        }
        self.journal = Some(block);
        Some(Format::JournalExport)
    }

    fn feed_journal(&mut self, s: &str, out: &mut Vec<Record>) {
        let Some(block) = self.journal.as_mut() else {
            return;
        };
        if s.trim().is_empty() {
            if let Some(block) = self.journal.take() {
                self.emit_block(block, out);
            }
            return;
        }
        match journal::export_line(s) {
            journal::ExportLine::Field(k, v) => block.push(k, v),
            journal::ExportLine::Binary(k) => block.binary = Some((k.to_string(), Vec::new())),
            journal::ExportLine::Invalid => self.stats.unparsed += 1,
        }
        let over = block.bytes > MAX_PENDING_BYTES || block.fields.len() > MAX_PENDING_LINES;
        if over {
            self.stats.truncated += 1;
            if let Some(block) = self.journal.take() {
                self.emit_block(block, out);
            }
        }
    }

    fn emit_block(&mut self, block: journal::Block, out: &mut Vec<Record>) {
        if !block.fields.is_empty() {
            let rec = journal::record(block.line, block.fields, Format::JournalExport);
            self.emit(rec, out);
        }
    }

    fn emit(&mut self, rec: Record, out: &mut Vec<Record>) {
        self.stats.records += 1;
        *self.stats.by_format.entry(rec.format.as_str()).or_default() += 1;
        out.push(rec);
    }

    fn emit_plain(&mut self, line_no: u64, s: &str, unparsed: bool, out: &mut Vec<Record>) {
        if unparsed {
            self.stats.unparsed += 1;
        }
        self.emit(Record::plain(line_no, s), out);
    }
}

/// The format a line would be read as, were it the first line of a stream (`None`: plain text).
/// `{` alone counts as JSON (the start of a pretty-printed object), a `KEY=value` line with a
/// journal field name as the journal export format.
pub fn detect(line: &str) -> Option<Format> {
    let mut p = Parser::new(FormatChoice::Auto);
    let mut out = Vec::new();
    p.push_line(1, line.as_bytes(), &mut out);
    p.current
}

/// Formats worth trying for a line, by its first byte, most specific first.
fn candidates(s: &str) -> [Option<Format>; 4] {
    let Some(&b0) = s.trim_start().as_bytes().first() else {
        return [None; 4];
    };
    match b0 {
        b'{' => [Some(Format::Json), None, None, None],
        b'<' => [
            Some(Format::Syslog5424),
            Some(Format::Syslog3164),
            None,
            None,
        ],
        b'0'..=b'9' => [
            Some(Format::Cri),
            Some(Format::AccessLog),
            Some(Format::Syslog3164),
            Some(Format::Logfmt),
        ],
        b'A'..=b'Z' | b'_' => [
            Some(Format::JournalExport),
            Some(Format::Syslog3164),
            Some(Format::AccessLog),
            Some(Format::Logfmt),
        ],
        b'a'..=b'z' | b'@' => [Some(Format::AccessLog), Some(Format::Logfmt), None, None],
        b':' => [Some(Format::AccessLog), None, None, None],
        _ => [None; 4],
    }
}

/// Formats read by the same code path.
fn family(f: Format) -> Format {
    match f {
        Format::Docker | Format::JournalJson => Format::Json,
        other => other,
    }
}

/// A container line's record: when the message is a JSON object or (strict) logfmt, its fields,
/// message, level and timestamp are used (`outer_ts` when it has none), after the `lead` fields.
fn nested(
    line: u64,
    message: String,
    format: Format,
    mut lead: Fields,
    outer_ts: Option<Timestamp>,
) -> Record {
    let mut inner = known::Collector::new();
    let parsed = if message.trim_start().starts_with('{') {
        json::collect_object(&message, &mut inner)
    } else if message.contains('=') {
        logfmt::collect(&message, true, &mut inner)
    } else {
        false
    };
    if !parsed {
        drop(inner);
        return Record {
            line,
            timestamp: outer_ts,
            level: None,
            message,
            fields: lead,
            format,
        };
    }
    let (known, mut inner) = inner.finish();
    lead.append(&mut inner);
    Record {
        line,
        timestamp: known.timestamp.or(outer_ts),
        level: known.level,
        message: known.message.unwrap_or_default(),
        fields: lead,
        format,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::record::Level;

    fn run(choice: FormatChoice, input: &[u8]) -> (Vec<Record>, Parser) {
        let mut p = Parser::new(choice);
        let mut out = Vec::new();
        for (i, line) in input.split(|&c| c == b'\n').enumerate() {
            p.push_line(i as u64 + 1, line, &mut out);
        }
        p.finish(&mut out);
        (out, p)
    }

    fn auto(input: &str) -> (Vec<Record>, Parser) {
        run(FormatChoice::Auto, input.as_bytes())
    }

    fn s(v: &str) -> FieldValue {
        FieldValue::Str(v.into())
    }

    #[test]
    fn json_lines_are_detected_and_parsed() {
        let (recs, p) = auto(concat!(
            r#"{"ts":"2024-01-02T03:04:05Z","level":"INFO","msg":"started","http":{"status":200},"args":["a"]}"#,
            "\n\n",
            r#"{"time":1700000000,"severity":"error","message":"failed","code":7}"#,
            "\r\n",
        ));
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].message, "started");
        assert_eq!(recs[0].level, Some(Level::Info));
        assert_eq!(
            recs[0].fields,
            vec![
                ("http.status".into(), FieldValue::Int(200)),
                ("args.0".into(), s("a"))
            ]
        );
        assert_eq!(recs[1].line, 3);
        assert_eq!(recs[1].level, Some(Level::Error));
        assert_eq!(
            recs[1].timestamp,
            Some("2023-11-14T22:13:20Z".parse().unwrap())
        );
        assert_eq!(p.detected(), Some(Format::Json));
        let st = p.stats();
        assert_eq!((st.lines, st.records, st.unparsed), (4, 2, 0));
        assert_eq!(st.by_format.get("json"), Some(&2));
    }

    #[test]
    fn pretty_printed_json_objects_are_joined() {
        let input = "{\n  \"level\": \"warn\",\n  \"msg\": \"a } in a string {\",\n  \"nested\": {\n    \"k\": [1,\n 2]\n  }\n}\n{\"msg\":\"next\"}\n{ \"msg\": \"open\",\n  \"x\": 1 }\n";
        let (recs, p) = auto(input);
        assert_eq!(recs.len(), 3, "{recs:?}");
        assert_eq!(recs[0].line, 1);
        assert_eq!(recs[0].message, "a } in a string {");
        assert_eq!(recs[0].level, Some(Level::Warn));
        assert_eq!(recs[0].field("nested.k.1"), Some(&FieldValue::Int(2)));
        assert_eq!(recs[1].line, 9);
        assert_eq!(recs[2].line, 10);
        assert_eq!(recs[2].field("x"), Some(&FieldValue::Int(1)));
        assert_eq!(p.stats().unparsed, 0);
    }

    #[test]
    fn a_lone_brace_followed_by_prose_is_not_json() {
        let (recs, p) = auto("{\nhello world\nsecond line\n");
        let msgs: Vec<&str> = recs.iter().map(|r| r.message.as_str()).collect();
        assert_eq!(msgs, ["{", "hello world", "second line"]);
        assert_eq!(recs[1].line, 2);
        assert_eq!(p.stats().records, 3);
    }

    #[test]
    fn unfinished_or_invalid_json_objects_become_plain_lines() {
        let (recs, p) = auto("{\n  \"a\": 1,\n");
        let msgs: Vec<&str> = recs.iter().map(|r| r.message.as_str()).collect();
        assert_eq!(msgs, ["{", "  \"a\": 1,"]);
        assert_eq!(p.stats().unparsed, 2);
        let (recs, _) = auto("{\n  \"a\": nope\n}\nafter\n");
        let msgs: Vec<&str> = recs.iter().map(|r| r.message.as_str()).collect();
        assert_eq!(msgs, ["{", "  \"a\": nope", "}", "after"]);
        assert_eq!(recs[3].line, 4);
    }

    #[test]
    fn multi_line_json_is_capped() {
        let mut input = String::from("{\n\"a\": [\n");
        for _ in 0..(MAX_PENDING_LINES + 10) {
            input.push_str("1,\n");
        }
        let (recs, p) = auto(&input);
        assert_eq!(p.stats().truncated, 1);
        assert_eq!(recs.len(), MAX_PENDING_LINES + 12);
        assert!(recs.iter().all(|r| r.format == Format::Plain));
        assert_eq!(p.stats().lines, MAX_PENDING_LINES as u64 + 13);
    }

    #[test]
    fn docker_partial_lines_are_joined_per_stream() {
        let input = concat!(
            r#"{"log":"first half, ","stream":"stdout","time":"2019-01-01T00:00:00.1Z"}"#,
            "\n",
            r#"{"log":"an error\n","stream":"stderr","time":"2019-01-01T00:00:00.2Z"}"#,
            "\n",
            r#"{"log":"second half\n","stream":"stdout","time":"2019-01-01T00:00:00.3Z"}"#,
            "\n",
            r#"{"log":"{\"level\":\"warn\",\"msg\":\"inner\",\"k\":1}\n","stream":"stdout","time":"2019-01-01T00:00:00.4Z"}"#,
            "\n",
            r#"{"log":"dangling","stream":"stdout","time":"2019-01-01T00:00:00.5Z"}"#,
            "\n",
        );
        let (recs, p) = auto(input);
        assert_eq!(p.detected(), Some(Format::Docker));
        let msgs: Vec<&str> = recs.iter().map(|r| r.message.as_str()).collect();
        assert_eq!(
            msgs,
            ["an error", "first half, second half", "inner", "dangling"]
        );
        assert_eq!(recs[1].line, 1);
        assert_eq!(
            recs[1].timestamp,
            Some("2019-01-01T00:00:00.1Z".parse().unwrap())
        );
        assert_eq!(recs[1].fields, vec![("stream".into(), s("stdout"))]);
        assert_eq!(recs[0].field("stream"), Some(&s("stderr")));
        assert_eq!(recs[2].level, Some(Level::Warn));
        assert_eq!(recs[2].field("k"), Some(&FieldValue::Int(1)));
        assert_eq!(
            recs[2].timestamp,
            Some("2019-01-01T00:00:00.4Z".parse().unwrap())
        );
        assert!(recs.iter().all(|r| r.format == Format::Docker));
    }

    #[test]
    fn cri_partial_lines_and_nested_formats() {
        let input = "\
2016-10-06T00:17:09.669794202Z stdout P part one, \n\
2016-10-06T00:17:09.669794203Z stderr F boom\n\
2016-10-06T00:17:09.669794204Z stdout P part two, \n\
2016-10-06T00:17:09.669794205Z stdout F done\n\
2016-10-06T00:17:10Z stdout F {\"level\":\"error\",\"msg\":\"from json\",\"ts\":\"2020-01-01T00:00:00Z\"}\n\
2016-10-06T00:17:11Z stderr F level=warn msg=\"from logfmt\" user=bob\n\
2016-10-06T00:17:12Z stdout F plain x=1 text\n";
        let (recs, p) = auto(input);
        assert_eq!(p.detected(), Some(Format::Cri));
        let msgs: Vec<&str> = recs.iter().map(|r| r.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "boom",
                "part one, part two, done",
                "from json",
                "from logfmt",
                "plain x=1 text"
            ]
        );
        assert_eq!(recs[1].line, 1);
        assert_eq!(
            recs[1].timestamp,
            Some("2016-10-06T00:17:09.669794202Z".parse().unwrap())
        );
        assert_eq!(recs[2].level, Some(Level::Error));
        assert_eq!(
            recs[2].timestamp,
            Some("2020-01-01T00:00:00Z".parse().unwrap())
        );
        assert_eq!(recs[3].level, Some(Level::Warn));
        assert_eq!(
            recs[3].timestamp,
            Some("2016-10-06T00:17:11Z".parse().unwrap())
        );
        assert_eq!(
            recs[3].fields,
            vec![("stream".into(), s("stderr")), ("user".into(), s("bob"))]
        );
        assert_eq!(recs[4].level, None);
        assert!(recs.iter().all(|r| r.format == Format::Cri));
        assert_eq!(p.stats().unparsed, 0);
    }

    #[test]
    fn cri_partials_are_flushed_at_the_end_and_capped() {
        let (recs, _) = auto("2016-10-06T00:17:09Z stdout P never finished\n");
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].message, "never finished");
        let chunk = "x".repeat(300_000);
        let mut input = String::new();
        for _ in 0..5 {
            input.push_str(&format!("2016-10-06T00:17:09Z stdout P {chunk}\n"));
        }
        let (recs, p) = auto(&input);
        assert_eq!(p.stats().truncated, 1);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].message.len(), 4 * 300_000);
        assert_eq!(recs[1].line, 5);
    }

    #[test]
    fn journal_export_blocks() {
        let mut input: Vec<u8> = Vec::new();
        input.extend_from_slice(
            b"__CURSOR=s=1\n__REALTIME_TIMESTAMP=1700000000000000\nPRIORITY=4\n_SYSTEMD_UNIT=a.service\nMESSAGE=low disk\n\n",
        );
        input.extend_from_slice(b"__CURSOR=s=2\n__REALTIME_TIMESTAMP=1700000001000000\nMESSAGE\n");
        let data = b"bin\nary\xff";
        input.extend_from_slice(&(data.len() as u64).to_le_bytes());
        input.extend_from_slice(data);
        input.extend_from_slice(b"\nthis line is not a field\nSYSLOG_IDENTIFIER=app\n\n\n");
        input.extend_from_slice(b"MESSAGE=last, no blank line after");
        let (recs, p) = run(FormatChoice::Auto, &input);
        assert_eq!(p.detected(), Some(Format::JournalExport));
        assert_eq!(recs.len(), 3, "{recs:?}");
        assert_eq!(recs[0].message, "low disk");
        assert_eq!(recs[0].level, Some(Level::Warn));
        assert_eq!(
            recs[0].timestamp,
            Some("2023-11-14T22:13:20Z".parse().unwrap())
        );
        assert_eq!(recs[0].field("_SYSTEMD_UNIT"), Some(&s("a.service")));
        assert_eq!(recs[1].message, "bin\nary\u{fffd}");
        assert_eq!(recs[1].line, 7);
        assert_eq!(recs[1].field("SYSLOG_IDENTIFIER"), Some(&s("app")));
        assert_eq!(recs[2].message, "last, no blank line after");
        assert_eq!(p.stats().unparsed, 1);
        assert_eq!(p.stats().invalid_utf8, 0);
    }

    #[test]
    fn journal_json_lines() {
        let (recs, p) = auto(
            r#"{"__CURSOR":"s=1","__REALTIME_TIMESTAMP":"1700000000000000","PRIORITY":"6","SYSLOG_IDENTIFIER":"sshd","MESSAGE":[104,105]}"#,
        );
        assert_eq!(p.detected(), Some(Format::JournalJson));
        assert_eq!(recs[0].message, "hi");
        assert_eq!(recs[0].level, Some(Level::Info));
        assert_eq!(recs[0].format, Format::JournalJson);
    }

    #[test]
    fn text_formats_are_detected() {
        let cases = [
            (
                "<34>Oct 11 22:14:15 mymachine su: 'su root' failed",
                Format::Syslog3164,
                "'su root' failed",
            ),
            (
                "Jun 14 15:16:01 combo sshd[1]: check pass",
                Format::Syslog3164,
                "check pass",
            ),
            (
                "<165>1 2003-10-11T22:14:15.003Z host app - ID47 - hello",
                Format::Syslog5424,
                "hello",
            ),
            (
                r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "-" "ua""#,
                Format::AccessLog,
                "GET /a.gif HTTP/1.0",
            ),
            (
                r#"ts=2024-01-01T00:00:00Z level=info msg="hello world" k=v"#,
                Format::Logfmt,
                "hello world",
            ),
        ];
        for (line, format, msg) in cases {
            assert_eq!(detect(line), Some(format), "{line}");
            let (recs, p) = auto(line);
            assert_eq!(recs.len(), 1);
            assert_eq!(recs[0].format, format);
            assert_eq!(recs[0].message, msg);
            assert_eq!(p.stats().unparsed, 0);
        }
        for line in [
            "081109 203615 148 INFO dfs.DataNode$PacketResponder: Received block",
            "2015-10-18 18:01:47,978 INFO [main] org.apache.App: Created MRAppMaster",
            "starting server with port=8080",
            "",
            "   ",
            "{not json",
            "[1,2,3]",
            "PATH=/usr/bin",
        ] {
            assert_eq!(detect(line), None, "{line}");
        }
        assert_eq!(detect("{"), Some(Format::Json));
        assert_eq!(detect("MESSAGE=hello"), Some(Format::JournalExport));
        assert_eq!(detect("2016-10-06T00:17:09Z stdout F x"), Some(Format::Cri));
    }

    #[test]
    fn mixed_streams_count_unparsed_only_after_structure() {
        let (recs, p) = auto("plain one\nplain two\n");
        assert_eq!(recs.len(), 2);
        assert_eq!(p.stats().unparsed, 0);
        assert_eq!(p.detected(), None);
        let input = concat!(
            "a plain preamble\n",
            r#"{"level":"error","msg":"exception"}"#,
            "\n",
            "java.lang.RuntimeException: boom\n",
            "\tat com.example.Main.run(Main.java:10)\n",
            "level=info msg=logfmt now=1\n",
            r#"{"msg":"json again"}"#,
            "\n",
        );
        let (recs, p) = auto(input);
        let formats: Vec<Format> = recs.iter().map(|r| r.format).collect();
        assert_eq!(
            formats,
            [
                Format::Plain,
                Format::Json,
                Format::Plain,
                Format::Plain,
                Format::Logfmt,
                Format::Json
            ]
        );
        assert_eq!(recs[3].message, "\tat com.example.Main.run(Main.java:10)");
        assert_eq!(p.stats().unparsed, 2);
        assert_eq!(p.stats().by_format.get("plain"), Some(&3));
    }

    #[test]
    fn fixed_formats_and_patterns() {
        let (recs, p) = run(
            FormatChoice::Fixed(Format::Logfmt),
            b"a=1 b=2\nnot logfmt at all\n",
        );
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].format, Format::Plain);
        assert_eq!(p.stats().unparsed, 1);
        assert_eq!(p.detected(), Some(Format::Logfmt));
        let (recs, p) = run(FormatChoice::Fixed(Format::Plain), b"{\"msg\":\"x\"}\n");
        assert_eq!(recs[0].message, "{\"msg\":\"x\"}");
        assert_eq!(p.stats().unparsed, 0);
        let pat = Pattern::new("<Date> <Time> <Level> <Content>").unwrap();
        let (recs, p) = run(
            FormatChoice::Pattern(pat),
            b"2015-10-18 18:01:47,978 INFO hello there\nno-match\n\n",
        );
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].message, "hello there");
        assert_eq!(recs[0].format, Format::Pattern);
        assert_eq!(
            recs[0].timestamp,
            Some("2015-10-18T18:01:47.978Z".parse().unwrap())
        );
        assert_eq!(recs[1].message, "no-match");
        assert_eq!(recs[1].line, 2);
        assert_eq!(p.stats().unparsed, 1);
        assert_eq!(p.detected(), Some(Format::Pattern));
    }

    #[test]
    fn invalid_utf8_is_read_lossily_and_counted() {
        let (recs, p) = run(
            FormatChoice::Auto,
            b"caf\xe9 ok\n{\"msg\":\"\xff\"}\r\n\xef\xbb\xbf{\"msg\":\"bom\"}",
        );
        assert_eq!(recs[2].message, "bom");
        assert_eq!(recs[2].format, Format::Json);
        assert_eq!(recs[0].message, "caf\u{fffd} ok");
        assert_eq!(recs[1].message, "\u{fffd}");
        assert_eq!(p.stats().invalid_utf8, 2);
    }

    #[test]
    fn five_megabyte_lines() {
        let big = "word ".repeat(1_000_000);
        let (recs, _) = auto(&big);
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].message.len(), big.len());
        let json = format!(r#"{{"msg":"{}","level":"info"}}"#, "y".repeat(5_000_000));
        let (recs, _) = auto(&json);
        assert_eq!(recs[0].message.len(), 5_000_000);
        assert_eq!(recs[0].format, Format::Json);
        let logfmt = format!("level=info msg={}", "z".repeat(5_000_000));
        let (recs, _) = auto(&logfmt);
        assert_eq!(recs[0].format, Format::Logfmt);
        // An unbalanced 5 MB object opener is emitted at once, as it is.
        let open = format!(r#"{{"a": ["{}""#, "q".repeat(5_000_000));
        let (recs, p) = auto(&open);
        assert_eq!(recs.len(), 1);
        assert_eq!(p.stats().truncated, 1);
        let (recs, _) = auto(&"{".repeat(5_000_000));
        assert_eq!(recs.len(), 1);
    }

    #[test]
    fn garbage_bytes_do_not_panic() {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut bytes = Vec::with_capacity(200_000);
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes.push((state >> 24) as u8);
        }
        let lines = bytes.split(|&c| c == b'\n').count() as u64;
        for choice in [
            FormatChoice::Auto,
            FormatChoice::Fixed(Format::JournalExport),
            FormatChoice::Fixed(Format::Json),
            FormatChoice::Fixed(Format::Cri),
        ] {
            let (_, p) = run(choice, &bytes);
            assert_eq!(p.stats().lines, lines);
        }
    }

    /// Input built from fragments of real formats, so that the parsers get past their first checks.
    fn fragment() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..12),
            prop::sample::select(vec![
                "{",
                "}",
                "[",
                "]",
                "\"",
                "\\",
                "\n",
                "\r",
                " ",
                "=",
                ":",
                "<34>",
                "<165>1 ",
                "MESSAGE",
                "MESSAGE=",
                "__CURSOR=",
                "2016-10-06T00:17:09Z ",
                "stdout ",
                "P ",
                "F ",
                "Jun 14 15:16:01 ",
                "host ",
                "app[1]: ",
                "\"log\":\"",
                "\"stream\":\"stdout\"",
                "\"time\":\"2019-01-01T00:00:00Z\"",
                "\\n\"",
                "level=info ",
                "msg=\"",
                "[10/Oct/2000:13:55:36 -0700] ",
                "\"GET / HTTP/1.1\" 200 1 ",
                "- - ",
                "\x08\0\0\0\0\0\0\0",
                "\u{feff}",
                "é",
            ])
            .prop_map(|s| s.as_bytes().to_vec()),
        ]
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(parts in prop::collection::vec(fragment(), 0..80)) {
            let input: Vec<u8> = parts.concat();
            let lines: Vec<&[u8]> = input.split(|&c| c == b'\n').collect();
            let mut p = Parser::new(FormatChoice::Auto);
            let mut out = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                p.push_line(i as u64 + 1, l, &mut out);
            }
            p.finish(&mut out);
            prop_assert_eq!(p.stats().lines, lines.len() as u64);
            prop_assert_eq!(p.stats().records, out.len() as u64);
            prop_assert!(out.iter().all(|r| r.line >= 1 && r.line <= lines.len() as u64));
        }

        #[test]
        fn random_lines_never_panic(lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..40)) {
            let mut p = Parser::new(FormatChoice::Auto);
            let mut out = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                p.push_line(i as u64 + 1, l, &mut out);
            }
            p.finish(&mut out);
            prop_assert_eq!(p.stats().lines, lines.len() as u64);
        }
    }
}
