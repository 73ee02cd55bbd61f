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

/// Flattened fields in input order, as the formats that build them field by field (syslog, access
/// logs, journal, Docker, partial lines) gather them; a record holds them as a [`crate::FieldList`].
pub(crate) type Fields = Vec<(CompactString, FieldValue)>;

/// The most bytes a record spread over several lines may gather (Docker and CRI partial lines,
/// pretty-printed JSON, a journal export block) before it is emitted as it is.
pub const MAX_PENDING_BYTES: usize = 1 << 20;

/// Partial records (per stream) waiting for their end at most.
pub const MAX_PENDING_STREAMS: usize = 8;

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

/// The allocations (field lists, message strings) of records the consumer is done with
/// ([`Parser::recycle`]), reused for the next records: a parsed line then allocates nothing for its
/// record in the usual case.
#[derive(Debug, Default)]
pub(crate) struct Spare {
    lists: Vec<crate::FieldList>,
    strings: Vec<String>,
}

/// Allocations kept for reuse, at most, and the largest kept (memory stays bounded after a huge
/// record).
const SPARE_MAX: usize = 16;
const SPARE_BYTES_MAX: usize = 64 << 10;

impl Spare {
    /// An empty string.
    pub(crate) fn string(&mut self) -> String {
        let mut s = self.strings.pop().unwrap_or_default();
        s.clear();
        s
    }

    /// Keeps a field list and a string for reuse.
    pub(crate) fn put(&mut self, list: crate::FieldList, string: String) {
        if list.capacity_bytes() > 0
            && list.capacity_bytes() <= SPARE_BYTES_MAX
            && self.lists.len() < SPARE_MAX
        {
            self.lists.push(list);
        }
        if string.capacity() > 0
            && string.capacity() <= SPARE_BYTES_MAX
            && self.strings.len() < SPARE_MAX
        {
            self.strings.push(string);
        }
    }

    /// A collector's fields as a list of pairs (for the formats that map them so), its buffers kept
    /// for reuse.
    fn fields_as_vec(&mut self, c: &mut known::Collector<'_>) -> Fields {
        let list = c.take_fields();
        let v = list.to_vec();
        self.put(list, String::new());
        v
    }

    /// A collector over `base` filling reused allocations.
    pub(crate) fn collector<'a>(&mut self, base: &'a str) -> known::Collector<'a> {
        let list = self.lists.pop().unwrap_or_default();
        known::Collector::reusing(base, list, self.string())
    }
}

/// A streaming parser for one stream (one file, one container). See the [module docs](self).
#[derive(Debug)]
pub struct Parser {
    choice: FormatChoice,
    spare: Spare,
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
            spare: Spare::default(),
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
        if let Some(block) = self.journal.as_mut()
            && block.binary.is_some()
        {
            self.stats.lines += 1;
            // Raw bytes of a binary journal value: no `\r` stripping, no UTF-8 check.
            if block.push_binary(line) == journal::BinaryStep::Dropped {
                self.stats.unparsed += 1;
            }
            return;
        }
        // simdutf8 validates with SIMD (chosen at run time), several times as fast as the standard
        // library on long ASCII lines; the same answer.
        match simdutf8::basic::from_utf8(line) {
            Ok(s) => self.push_text(line_no, s, out),
            Err(_) => {
                self.stats.invalid_utf8 += 1;
                let s = String::from_utf8_lossy(line);
                self.push_text(line_no, &s, out);
            }
        }
    }

    /// [`Parser::push_line`] for a line known to be UTF-8 (checked with the block it came in).
    pub fn push_text(&mut self, line_no: u64, line: &str, out: &mut Vec<Record>) {
        if self.journal.as_ref().is_some_and(|b| b.binary.is_some()) {
            return self.push_line(line_no, line.as_bytes(), out);
        }
        self.stats.lines += 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        // A byte order mark (first line of files written by some Windows tools).
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        self.process(line_no, line, out);
    }

    /// Hands back a record the caller is done with: its allocations serve the next records.
    pub fn recycle(&mut self, rec: Record) {
        self.spare.put(rec.fields, rec.message);
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
        if let Some(f) = self.current
            && let Some(g) = self.try_format(f, line_no, s, false, out)
        {
            self.current = Some(g);
            return;
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
            Format::Logfmt => logfmt::parse(line_no, s, sniffing, &mut self.spare),
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
        let mut fields = self.spare.collector(s);
        if json::collect_object(s, &mut fields) {
            return Some(self.dispatch_json(line_no, &mut fields, out));
        }
        fields.give_back(&mut self.spare);
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
            Format::Docker => {
                let v = self.spare.fields_as_vec(fields);
                self.docker_line(line_no, v, out);
            }
            Format::JournalJson => {
                let v = self.spare.fields_as_vec(fields);
                let rec = journal::record(line_no, v, Format::JournalJson);
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
            let mut fields = known::Collector::over(&acc.buf);
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
                    // Streams are few in real logs (stdout, stderr); garbage with a new `stream` on
                    // every line must not pile up: past a few pending ones, the oldest goes out.
                    if self.partials.len() >= MAX_PENDING_STREAMS {
                        self.stats.truncated += 1;
                        let oldest = self.partials.remove(0);
                        self.emit_partial(oldest, out);
                    }
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
        let name = rec.format.as_str();
        // Most streams have one format: its counter is found without comparing names.
        match self.stats.by_format.last_entry() {
            Some(mut e) if std::ptr::eq(*e.key(), name) => *e.get_mut() += 1,
            _ => *self.stats.by_format.entry(name).or_default() += 1,
        }
        out.push(rec);
    }

    fn emit_plain(&mut self, line_no: u64, s: &str, unparsed: bool, out: &mut Vec<Record>) {
        if unparsed {
            self.stats.unparsed += 1;
        }
        let mut message = self.spare.string();
        message.push_str(s);
        self.emit(Record::plain(line_no, message), out);
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
    lead: Fields,
    outer_ts: Option<Timestamp>,
) -> Record {
    // Plain text (no `{`, no `=`) is the common case: nothing to read, nothing to allocate.
    let parsed = if message.trim_start().starts_with('{') {
        let mut c = known::Collector::over(&message);
        json::collect_object(&message, &mut c).then_some(c)
    } else if message.contains('=') {
        let mut c = known::Collector::over(&message);
        logfmt::collect(&message, true, &mut c).then_some(c)
    } else {
        None
    };
    let Some(mut inner) = parsed else {
        return Record {
            line,
            timestamp: outer_ts,
            level: None,
            message,
            fields: lead.into(),
            format,
        };
    };
    let (known, inner) = inner.finish();
    let mut fields: crate::FieldList = lead.into();
    fields.append(&inner);
    Record {
        line,
        timestamp: known.timestamp.or(outer_ts),
        level: known.level,
        message: known.message.unwrap_or_default(),
        fields,
        format,
    }
}

#[cfg(test)]
mod tests;
