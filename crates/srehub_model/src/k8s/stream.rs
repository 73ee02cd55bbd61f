//! Streaming and parallel reading of large `kubectl get -o json` Lists.
//!
//! A 100,000-pod dump is close to a gigabyte. Reading it whole and parsing it on one core costs a
//! gigabyte of memory before the first object is built, and leaves the second core idle. Instead the
//! input is read in chunks; a small scanner finds each element of the top-level `items` array (it tracks
//! only nesting and strings, so it runs at memory speed), copies complete items into batches, and worker
//! threads parse the batches into typed objects. Objects are added to the snapshot in input order, so
//! the result is exactly what [`SnapshotBuilder::add_bytes`] gives for the same input.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use super::load::{LoadError, Parsed, SnapshotBuilder, parse_item};

/// Bytes read at a time.
const CHUNK: usize = 8 << 20;
/// Bytes of items per batch handed to a worker.
const BATCH: usize = 4 << 20;

const fn byte_table(bytes: &[u8], invert: bool) -> [bool; 256] {
    let mut t = [invert; 256];
    let mut i = 0;
    while i < bytes.len() {
        t[bytes[i] as usize] = !invert;
        i += 1;
    }
    t
}

/// Bytes that matter inside an item: quotes and brackets.
static DEEP: [bool; 256] = byte_table(b"\"{}[]", false);
/// Bytes that matter around items: everything but whitespace.
static SHALLOW: [bool; 256] = byte_table(b" \n\r\t", true);

/// A batch of complete items: their bytes, and where each starts in the input (line, column).
struct Batch {
    seq: usize,
    data: Vec<u8>,
    items: Vec<(usize, usize, usize, usize)>,
    list_kind: Option<String>,
    list_api_version: String,
}

/// What a worker made of a batch: objects, or items it could not place yet (no kind of their own and
/// the list's kind not seen yet), or the first error.
struct Done {
    seq: usize,
    result: Result<Vec<Item>, LoadError>,
}

// Items move into the snapshot as they are; boxing them would cost an allocation per object.
#[allow(clippy::large_enum_variant)]
enum Item {
    Parsed(Parsed),
    /// An item without `kind` in a list whose `kind` comes after its items.
    Pending(Vec<u8>, usize, usize),
}

/// The scanner's state: where it is in the JSON structure.
#[derive(Default)]
struct Scanner {
    depth: u32,
    in_string: bool,
    escape: bool,
    /// Inside the top-level object, after a key's `:` and before its value.
    expecting_value: bool,
    /// The last top-level key.
    key: Vec<u8>,
    key_start: Option<usize>,
    /// Inside the top-level `items` array.
    in_items: bool,
    item_start: Option<usize>,
    /// Start of a top-level string value being captured (`kind`, `apiVersion`).
    value_start: Option<usize>,
    done: bool,
    saw_items: bool,
    /// The open brackets, to reject `[}` and `{]`.
    open: Vec<u8>,
}

fn parse_batch(b: &Batch, origin: &str) -> Result<Vec<Item>, LoadError> {
    let mut out = Vec::with_capacity(b.items.len());
    for &(start, end, line, column) in &b.items {
        let bytes = &b.data[start..end];
        match parse_item(bytes, b.list_kind.as_deref(), &b.list_api_version, origin) {
            Ok(p) => out.push(Item::Parsed(p)),
            Err(LoadError::NotKubernetes { .. }) if b.list_kind.is_none() => {
                out.push(Item::Pending(bytes.to_vec(), line, column));
            }
            Err(e) => return Err(relocate(e, line, column)),
        }
    }
    Ok(out)
}

/// Moves an error's position from the item to the whole input.
fn relocate(e: LoadError, line: usize, column: usize) -> LoadError {
    match e {
        LoadError::Syntax {
            origin,
            line: l,
            column: c,
            message,
        } => LoadError::Syntax {
            origin,
            line: line + l - 1,
            column: if l == 1 { column + c - 1 } else { c },
            message,
        },
        LoadError::NotKubernetes { origin, message } => LoadError::NotKubernetes {
            origin: format!("{origin}:{line}:{column}"),
            message,
        },
        e => e,
    }
}

fn unquote(raw: &[u8]) -> String {
    serde_json::from_slice::<String>(raw).unwrap_or_default()
}

impl SnapshotBuilder {
    /// Reads one input from a reader. Inputs that fit in the first chunk, and YAML, are read whole; a
    /// larger JSON input is streamed and parsed on `threads` worker threads.
    pub fn add_reader(
        &mut self,
        mut reader: impl Read,
        origin: &str,
        threads: usize,
    ) -> Result<(), LoadError> {
        let io = |e: std::io::Error| LoadError::NotKubernetes {
            origin: origin.to_string(),
            message: format!("reading failed: {e}"),
        };
        let mut buf = Vec::with_capacity(CHUNK);
        let eof = fill(&mut reader, &mut buf, CHUNK).map_err(io)?;
        let first = buf.iter().position(|b| !b.is_ascii_whitespace());
        if eof || first.is_none_or(|i| buf[i] != b'{') {
            if !eof {
                reader.read_to_end(&mut buf).map_err(io)?;
            }
            return self.add_bytes(&buf, origin);
        }
        self.stream(reader, buf, origin, threads.max(1))
    }

    fn stream(
        &mut self,
        mut reader: impl Read,
        mut buf: Vec<u8>,
        origin: &str,
        threads: usize,
    ) -> Result<(), LoadError> {
        let (work_tx, work_rx) = mpsc::sync_channel::<Batch>(threads * 2);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = mpsc::channel::<Done>();
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let rx = Arc::clone(&work_rx);
                let tx = done_tx.clone();
                scope.spawn(move || {
                    loop {
                        let next = rx.lock().map(|r| r.recv());
                        let Ok(Ok(batch)) = next else { break };
                        let result = parse_batch(&batch, origin);
                        let failed = result.is_err();
                        if tx
                            .send(Done {
                                seq: batch.seq,
                                result,
                            })
                            .is_err()
                            || failed
                        {
                            break;
                        }
                    }
                });
            }
            drop(done_tx);
            // Only the workers hold the receiver now: when they have all stopped (on an error), sending
            // fails instead of blocking forever.
            drop(work_rx);
            let scanned = self.scan(&mut reader, &mut buf, origin, &work_tx, &done_rx);
            drop(work_tx);
            let mut results: BTreeMap<usize, Result<Vec<Item>, LoadError>> = BTreeMap::new();
            for d in done_rx.iter() {
                results.insert(d.seq, d.result);
            }
            let (list_kind, list_api_version, batches) = scanned?;
            // Add in input order; the first error in input order wins.
            let mut pending = Vec::new();
            for seq in 0..batches {
                let items = results
                    .remove(&seq)
                    .ok_or_else(|| LoadError::NotKubernetes {
                        origin: origin.to_string(),
                        message: "a worker stopped before finishing".into(),
                    })??;
                for item in items {
                    match item {
                        // Once an item waits for the list's kind, later ones wait too, to keep the order.
                        Item::Parsed(p) if pending.is_empty() => {
                            self.push_parsed(p, list_kind.is_some())
                        }
                        item => pending.push(item),
                    }
                }
            }
            for item in pending {
                let p = match item {
                    Item::Parsed(p) => p,
                    Item::Pending(bytes, line, column) => {
                        parse_item(&bytes, list_kind.as_deref(), &list_api_version, origin)
                            .map_err(|e| relocate(e, line, column))?
                    }
                };
                self.push_parsed(p, list_kind.is_some());
            }
            Ok(())
        })
    }

    /// Scans the input, sending batches of items; returns the list's kind, apiVersion and the number of
    /// batches sent.
    fn scan(
        &mut self,
        reader: &mut impl Read,
        buf: &mut Vec<u8>,
        origin: &str,
        work: &mpsc::SyncSender<Batch>,
        done: &mpsc::Receiver<Done>,
    ) -> Result<(Option<String>, String, usize), LoadError> {
        let mut s = Scanner::default();
        let mut list_kind: Option<String> = None;
        let mut api_version = String::new();
        let mut seq = 0;
        let mut batch = Batch {
            seq: 0,
            data: Vec::with_capacity(BATCH + (1 << 20)),
            items: Vec::new(),
            list_kind: None,
            list_api_version: String::new(),
        };
        // Line accounting for error positions: lines before buf[0], and up to `counted`.
        let mut line_base = 1usize;
        let mut counted = 0usize;
        // The column at `counted` (1-based), so a column never needs a scan back to the last newline.
        let mut counted_col = 1usize;
        let mut pos = 0usize;
        let mut eof = false;
        loop {
            while pos < buf.len() && !s.done {
                if !s.in_string {
                    // Skip what cannot change the state: inside an item only brackets and quotes matter.
                    let interesting = if s.depth >= 3 { &DEEP } else { &SHALLOW };
                    match buf[pos..].iter().position(|b| interesting[usize::from(*b)]) {
                        Some(off) => pos += off,
                        None => {
                            pos = buf.len();
                            continue;
                        }
                    }
                }
                let b = buf[pos];
                if s.in_string {
                    // Jump to the next quote or backslash.
                    if s.escape {
                        s.escape = false;
                        pos += 1;
                        continue;
                    }
                    match memchr::memchr2(b'"', b'\\', &buf[pos..]) {
                        None => {
                            pos = buf.len();
                            continue;
                        }
                        Some(off) => {
                            pos += off;
                            if buf[pos] == b'\\' {
                                s.escape = true;
                            } else {
                                s.in_string = false;
                                if s.depth == 1 {
                                    if let Some(k) = s.key_start.take() {
                                        s.key = buf[k + 1..pos].to_vec();
                                    } else if let Some(v) = s.value_start.take() {
                                        let value = unquote(&buf[v..=pos]);
                                        match s.key.as_slice() {
                                            b"kind" => {
                                                list_kind = value
                                                    .strip_suffix("List")
                                                    .filter(|k| !k.is_empty())
                                                    .map(str::to_string)
                                            }
                                            b"apiVersion" => api_version = value,
                                            _ => {}
                                        }
                                    }
                                }
                            }
                            pos += 1;
                            continue;
                        }
                    }
                }
                match b {
                    b'"' if s.depth == 2 && s.in_items => {
                        return Err(not_object(origin, buf, pos, line_base, counted));
                    }
                    b'"' => {
                        s.in_string = true;
                        if s.depth == 1 {
                            if s.expecting_value {
                                s.value_start = Some(pos);
                                s.expecting_value = false;
                            } else {
                                s.key_start = Some(pos);
                            }
                        }
                    }
                    b':' if s.depth == 1 => s.expecting_value = true,
                    b',' if s.depth == 1 => s.expecting_value = false,
                    b'{' | b'[' => {
                        if s.depth == 0 && b == b'[' {
                            return Err(LoadError::NotKubernetes {
                                origin: origin.to_string(),
                                message: "a JSON array is not kubectl output; expected an object or a `List`".into(),
                            });
                        }
                        if s.depth == 1 && s.expecting_value {
                            s.expecting_value = false;
                            if s.key == b"items" && b == b'[' {
                                s.in_items = true;
                                s.saw_items = true;
                            } else {
                                // Another top-level object or array (`serverVersion`, srehub's
                                // collected kinds): kept whole, read when it closes.
                                s.value_start = Some(pos);
                            }
                        } else if s.depth == 2 && s.in_items {
                            if b != b'{' {
                                return Err(not_object(origin, buf, pos, line_base, counted));
                            }
                            s.item_start = Some(pos);
                        }
                        s.depth += 1;
                        s.open.push(b);
                    }
                    b'}' | b']' => {
                        let expected = if b == b'}' { b'{' } else { b'[' };
                        if s.depth == 0 || s.open.pop() != Some(expected) {
                            return Err(unbalanced(origin, buf, pos, line_base, counted));
                        }
                        s.depth -= 1;
                        if s.depth == 2 && s.in_items && b == b'}' {
                            if let Some(start) = s.item_start.take() {
                                let column = advance(
                                    buf,
                                    &mut counted,
                                    &mut counted_col,
                                    &mut line_base,
                                    start,
                                );
                                let from = batch.data.len();
                                batch.data.extend_from_slice(&buf[start..=pos]);
                                batch
                                    .items
                                    .push((from, batch.data.len(), line_base, column));
                                if batch.data.len() >= BATCH {
                                    batch.list_kind = list_kind.clone();
                                    batch.list_api_version = api_version.clone();
                                    let next = Batch {
                                        seq: seq + 1,
                                        data: Vec::with_capacity(BATCH + (1 << 20)),
                                        items: Vec::new(),
                                        list_kind: None,
                                        list_api_version: String::new(),
                                    };
                                    let full = std::mem::replace(&mut batch, next);
                                    if work.send(full).is_err() {
                                        return Err(first_error(done, origin));
                                    }
                                    seq += 1;
                                }
                            }
                        } else if s.depth == 1 && s.in_items && b == b']' {
                            s.in_items = false;
                        } else if s.depth == 1 && s.value_start.is_some() {
                            if let Some(v) = s.value_start.take() {
                                self.top_level_value(&s.key, &buf[v..=pos], origin)?;
                            }
                        } else if s.depth == 0 {
                            s.done = true;
                        }
                    }
                    b' ' | b'\n' | b'\r' | b'\t' | b',' => {}
                    _ if s.depth == 2 && s.in_items => {
                        return Err(not_object(origin, buf, pos, line_base, counted));
                    }
                    _ => {}
                }
                pos += 1;
            }
            if s.done || eof {
                break;
            }
            // Keep what is not consumed yet: the item or top-level value being read.
            let keep = [s.item_start, s.key_start, s.value_start]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(pos);
            let to = keep.max(counted);
            advance(buf, &mut counted, &mut counted_col, &mut line_base, to);
            buf.drain(..keep);
            pos -= keep;
            counted = 0;
            s.item_start = s.item_start.map(|i| i - keep);
            s.key_start = s.key_start.map(|i| i - keep);
            s.value_start = s.value_start.map(|i| i - keep);
            eof = fill(reader, buf, CHUNK).map_err(|e| LoadError::NotKubernetes {
                origin: origin.to_string(),
                message: format!("reading failed: {e}"),
            })?;
        }
        if s.done {
            // Nothing but whitespace may follow the document, as for `add_bytes`.
            let mut rest = buf[pos..].to_vec();
            loop {
                if let Some(off) = rest.iter().position(|b| !b.is_ascii_whitespace()) {
                    let at = pos + off.min(buf.len().saturating_sub(pos));
                    let (line, column) = position(buf, at.min(buf.len()), line_base, counted);
                    return Err(LoadError::Syntax {
                        origin: origin.to_string(),
                        line,
                        column,
                        message: "trailing characters after the JSON document".into(),
                    });
                }
                rest.clear();
                if fill(reader, &mut rest, CHUNK).map_err(|e| LoadError::NotKubernetes {
                    origin: origin.to_string(),
                    message: format!("reading failed: {e}"),
                })? && rest.iter().all(u8::is_ascii_whitespace)
                {
                    break;
                }
            }
        }
        if !s.done {
            let line = line_base + memchr::memchr_iter(b'\n', &buf[counted..]).count();
            return Err(LoadError::Syntax {
                origin: origin.to_string(),
                line,
                column: 1,
                message:
                    "EOF while parsing: the input ends in the middle of an object (truncated?)"
                        .into(),
            });
        }
        if !s.saw_items {
            return Err(LoadError::NotKubernetes {
                origin: origin.to_string(),
                message:
                    "a large JSON document without `items`: expected a `kubectl get … -o json` List"
                        .into(),
            });
        }
        if !batch.items.is_empty() {
            batch.list_kind = list_kind.clone();
            batch.list_api_version = api_version.clone();
            if work.send(batch).is_err() {
                return Err(first_error(done, origin));
            }
            seq += 1;
        }
        if let Some(k) = &list_kind {
            self.mark_collected(k);
        }
        Ok((list_kind, api_version, seq))
    }
}

/// Reads until `buf` has grown by `want` bytes or the input ends; returns whether it ended.
fn fill(r: &mut impl Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    let target = buf.len() + want;
    let mut tmp = vec![0u8; 1 << 20];
    while buf.len() < target {
        let n = match r.read(&mut tmp) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(true);
        }
        buf.extend_from_slice(&tmp[..n]);
    }
    Ok(false)
}

/// Moves the line/column bookkeeping from `counted` forward to `to`; returns the column at `to`.
fn advance(
    buf: &[u8],
    counted: &mut usize,
    counted_col: &mut usize,
    line_base: &mut usize,
    to: usize,
) -> usize {
    let seg = &buf[*counted..to];
    *line_base += memchr::memchr_iter(b'\n', seg).count();
    let column = match memchr::memrchr(b'\n', seg) {
        Some(i) => to - (*counted + i + 1) + 1,
        None => *counted_col + (to - *counted),
    };
    *counted = to;
    *counted_col = column;
    column
}

fn position(buf: &[u8], pos: usize, line_base: usize, counted: usize) -> (usize, usize) {
    let line = line_base + memchr::memchr_iter(b'\n', &buf[counted.min(pos)..pos]).count();
    let column = pos - memchr::memrchr(b'\n', &buf[..pos]).map_or(0, |i| i + 1) + 1;
    (line, column)
}

fn not_object(origin: &str, buf: &[u8], pos: usize, line_base: usize, counted: usize) -> LoadError {
    let (line, column) = position(buf, pos, line_base, counted);
    LoadError::NotKubernetes {
        origin: format!("{origin}:{line}:{column}"),
        message: "an element of `items` is not an object".into(),
    }
}

fn unbalanced(origin: &str, buf: &[u8], pos: usize, line_base: usize, counted: usize) -> LoadError {
    let (line, column) = position(buf, pos, line_base, counted);
    LoadError::Syntax {
        origin: origin.to_string(),
        line,
        column,
        message: "unbalanced closing bracket".into(),
    }
}

/// The error a worker stopped on (workers stop at their first error).
fn first_error(done: &mpsc::Receiver<Done>, origin: &str) -> LoadError {
    done.try_iter()
        .find_map(|d| d.result.err())
        .unwrap_or_else(|| LoadError::NotKubernetes {
            origin: origin.to_string(),
            message: "parsing stopped".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A List big enough to be streamed, with `n` pods and the list's kind after its items.
    fn big_list(n: usize, typed: bool) -> String {
        let mut s = String::from("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n");
        for i in 0..n {
            if i > 0 {
                s.push_str(",\n");
            }
            let kind = if typed {
                String::new()
            } else {
                "\"kind\": \"Pod\", \"apiVersion\": \"v1\", ".to_string()
            };
            s.push_str(&format!(
                "        {{{kind}\"metadata\": {{\"name\": \"pod-{i}\", \"namespace\": \"ns-{}\", \"annotations\": {{\"note\": \"brace }} and quote \\\" inside\"}}}}, \"spec\": {{\"containers\": [{{\"name\": \"app\", \"image\": \"app:{i}\"}}]}}, \"status\": {{\"phase\": \"Running\"}}}}",
                i % 7
            ));
        }
        s.push_str(&format!("\n    ],\n    \"kind\": \"{}\",\n    \"metadata\": {{\"resourceVersion\": \"\"}}\n}}\n", if typed { "PodList" } else { "List" }));
        s
    }

    fn both_ways(text: &str) -> (super::super::ClusterSnapshot, super::super::ClusterSnapshot) {
        let mut whole = SnapshotBuilder::new();
        whole.add_bytes(text.as_bytes(), "t").unwrap();
        let mut streamed = SnapshotBuilder::new();
        streamed.add_reader(text.as_bytes(), "t", 2).unwrap();
        (whole.finish(), streamed.finish())
    }

    #[test]
    fn streaming_gives_the_same_snapshot_as_reading_whole() {
        let text = big_list(90_000, false);
        assert!(
            text.len() > CHUNK * 2,
            "the test input must span several chunks"
        );
        let (whole, streamed) = both_ways(&text);
        assert_eq!(streamed.pods.len(), 90_000);
        assert!(whole.pods == streamed.pods, "streamed pods differ");
        assert_eq!(whole.kinds, streamed.kinds);
    }

    #[test]
    fn typed_list_with_kind_after_items_is_read() {
        let text = big_list(90_000, true);
        let (whole, streamed) = both_ways(&text);
        assert_eq!(streamed.pods.len(), 90_000);
        assert!(whole.pods == streamed.pods, "streamed pods differ");
        assert!(streamed.has("Pod"));
    }

    #[test]
    fn errors_point_into_the_whole_input() {
        let mut text = big_list(90_000, false);
        // Break pod 80,000: a wrong type deep inside it.
        let at = text.find("\"pod-80000\"").unwrap();
        let spec = at + text[at..].find("\"containers\": [").unwrap();
        text.replace_range(
            spec..spec + "\"containers\": [".len(),
            "\"containers\": 7, \"x\": [",
        );
        let mut b = SnapshotBuilder::new();
        let e = b
            .add_reader(text.as_bytes(), "big.json", 2)
            .unwrap_err()
            .to_string();
        // Pod i is on line i + 4 (three header lines, one pod a line).
        assert!(e.starts_with("big.json:80004:"), "{e}");
        assert!(e.contains("invalid type"), "{e}");
    }

    #[test]
    fn every_item_broken_on_one_thread_is_an_error_not_a_hang() {
        let text =
            big_list(90_000, false).replace("\"containers\": [", "\"containers\": 7, \"x\": [");
        let mut b = SnapshotBuilder::new();
        let e = b
            .add_reader(text.as_bytes(), "bad.json", 1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("invalid type"), "{e}");
    }

    #[test]
    fn trailing_data_and_bad_structure_are_errors() {
        let mut text = big_list(90_000, false);
        text.push_str("{\"kind\": \"List\", \"items\": []}\n");
        let mut b = SnapshotBuilder::new();
        let e = b
            .add_reader(text.as_bytes(), "two.json", 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("trailing characters"), "{e}");

        let mut text = big_list(90_000, false);
        let at = text.find("\"pod-5\"").unwrap();
        let line_start = text[..at].rfind('\n').unwrap() + 1;
        text.insert_str(line_start, "        \"a string\",\n");
        let mut b = SnapshotBuilder::new();
        let e = b
            .add_reader(text.as_bytes(), "str.json", 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not an object"), "{e}");

        let text = big_list(90_000, false).replacen("\n    ],", "\n    },", 1);
        let mut b = SnapshotBuilder::new();
        let e = b
            .add_reader(text.as_bytes(), "br.json", 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unbalanced"), "{e}");
    }

    #[test]
    fn compact_single_line_dumps_stream_with_columns() {
        let text: String = big_list(90_000, false).lines().map(str::trim).collect();
        let mut b = SnapshotBuilder::new();
        b.add_reader(text.as_bytes(), "raw.json", 2).unwrap();
        assert_eq!(b.finish().pods.len(), 90_000);
    }

    #[test]
    fn truncated_input_is_an_error() {
        let text = big_list(90_000, false);
        let cut = &text[..text.len() / 2];
        let mut b = SnapshotBuilder::new();
        let e = b
            .add_reader(cut.as_bytes(), "cut.json", 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("cut.json") && e.contains("EOF"), "{e}");
    }

    #[test]
    fn small_inputs_and_yaml_are_read_whole() {
        let mut b = SnapshotBuilder::new();
        b.add_reader(
            &b"kind: Namespace\napiVersion: v1\nmetadata: {name: a}\n"[..],
            "ns.yaml",
            2,
        )
        .unwrap();
        b.add_reader(
            &br#"{"kind":"Node","apiVersion":"v1","metadata":{"name":"n"}}"#[..],
            "n.json",
            2,
        )
        .unwrap();
        let s = b.finish();
        assert_eq!((s.namespaces.len(), s.nodes.len()), (1, 1));
    }
}
