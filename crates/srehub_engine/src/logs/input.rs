//! The source side of `srehub logs`: files, directories, globs, gzip files and stdin, read line by line
//! with bounded memory.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::Error;

/// One input stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    /// How the input is named in notes and errors.
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::File(p) => p.display().to_string(),
        }
    }
}

/// Expands the user's paths: `-` is stdin, a directory is searched recursively (files in name order),
/// a path with `*`, `?` or `[` is a glob. No paths means stdin.
pub fn expand(paths: &[String]) -> Result<Vec<Input>, Error> {
    if paths.is_empty() {
        return Ok(vec![Input::Stdin]);
    }
    let mut out = Vec::new();
    for p in paths {
        if p == "-" {
            out.push(Input::Stdin);
        } else if p.contains(['*', '?', '[']) && !Path::new(p).exists() {
            let before = out.len();
            expand_glob(p, &mut out)?;
            if out.len() == before {
                return Err(Error::Logs(format!("{p}: the pattern matches no file")));
            }
        } else {
            let path = Path::new(p);
            let meta = std::fs::metadata(path)
                .map_err(|e| Error::Logs(format!("{p}: cannot read: {e}")))?;
            if meta.is_dir() {
                walk(path, &mut out).map_err(|e| Error::Logs(format!("{p}: cannot list: {e}")))?;
            } else {
                out.push(Input::File(path.to_path_buf()));
            }
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<Input>) -> io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.is_file() {
            out.push(Input::File(p));
        }
    }
    Ok(())
}

fn expand_glob(pattern: &str, out: &mut Vec<Input>) -> Result<(), Error> {
    let glob = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| Error::Logs(format!("{pattern}: invalid glob: {e}")))?
        .compile_matcher();
    // Walk from the longest directory prefix without glob characters.
    let first_meta = pattern.find(['*', '?', '[']).unwrap_or(pattern.len());
    let base = match pattern[..first_meta].rfind('/') {
        Some(0) => PathBuf::from("/"),
        Some(i) => PathBuf::from(&pattern[..i]),
        None => PathBuf::from("."),
    };
    let mut all = Vec::new();
    walk(&base, &mut all).map_err(|e| Error::Logs(format!("{pattern}: cannot list: {e}")))?;
    for i in all {
        if let Input::File(p) = &i {
            let candidate = if pattern.starts_with("./") || base != Path::new(".") {
                p.clone()
            } else {
                p.strip_prefix("./").unwrap_or(p).to_path_buf()
            };
            if glob.is_match(&candidate) {
                out.push(i);
            }
        }
    }
    Ok(())
}

/// Opens an input for reading, decompressing gzip (detected by its magic bytes, several members
/// allowed).
pub fn open(input: &Input) -> Result<Box<dyn BufRead + Send>, Error> {
    let raw: Box<dyn Read + Send> = match input {
        Input::Stdin => Box::new(io::stdin()),
        Input::File(p) => Box::new(
            File::open(p).map_err(|e| Error::Logs(format!("{}: cannot open: {e}", p.display())))?,
        ),
    };
    open_reader(input, raw)
}

/// Buffers `raw`, decompressing it when it starts with the gzip magic bytes.
pub(crate) fn open_reader(
    input: &Input,
    raw: Box<dyn Read + Send>,
) -> Result<Box<dyn BufRead + Send>, Error> {
    let mut reader = BufReader::with_capacity(1 << 17, raw);
    let head = reader
        .fill_buf()
        .map_err(|e| Error::Logs(format!("{}: cannot read: {e}", input.name())))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            1 << 17,
            flate2::bufread::MultiGzDecoder::new(reader),
        )))
    } else {
        Ok(Box::new(reader))
    }
}

/// Most bytes read at a time, and the longest line read as part of a block of lines (longer ones
/// are gathered on their own).
const BLOCK: usize = 1 << 18;
/// Fewest bytes asked for at a time: at least the buffer of [`open_reader`]'s reader, so that reads
/// go straight into the block.
const MIN_READ: usize = 1 << 17;

/// A line as read: text when the block of lines it came in is valid UTF-8 (checked once for the
/// block), else bytes for the parser to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

impl<'a> Line<'a> {
    pub fn as_bytes(&self) -> &'a [u8] {
        match *self {
            Line::Text(s) => s.as_bytes(),
            Line::Bytes(b) => b,
        }
    }
}

/// What a refill found.
enum Refill {
    /// A block of whole lines.
    Block,
    /// One line in `buf`: longer than a block, or the last one without a newline.
    Single,
    End,
}

/// Reads lines of any length with a cap: bytes past `max_line` are skipped (and the line reported as
/// truncated) so that one enormous line cannot exhaust memory.
///
/// Lines are read a block at a time (up to 256 KiB, straight into the block's storage),
/// cut at the last newline; a block of valid UTF-8 is checked once, as a whole, and its lines are
/// handed out as text, which spares the parser checking each line.
pub struct LineReader {
    inner: Box<dyn BufRead + Send>,
    /// The block of whole lines being handed out: `text` when it is valid UTF-8, else `raw`.
    text: String,
    raw: Vec<u8>,
    is_text: bool,
    /// Where the next line starts in the block.
    at: usize,
    /// Bytes read after the block's last newline: the start of the next block.
    carry: Vec<u8>,
    /// Storage for the next block: bytes past what was read are stale, and it is lengthened (zeroed)
    /// only where it is shorter than the next read, not cleared for each.
    spare: Vec<u8>,
    /// A line read on its own ([`Refill::Single`]), capped at `max_line`.
    buf: Vec<u8>,
    last_read: usize,
    max_line: usize,
    /// Lines read so far (the current line's 1-based number after `next_line`).
    pub line_no: u64,
    /// Lines cut at `max_line`.
    pub truncated: u64,
}

impl LineReader {
    pub fn new(inner: Box<dyn BufRead + Send>, max_line: usize) -> LineReader {
        LineReader {
            inner,
            text: String::new(),
            raw: Vec::new(),
            is_text: true,
            at: 0,
            carry: Vec::new(),
            spare: Vec::new(),
            buf: Vec::new(),
            last_read: BLOCK,
            max_line,
            line_no: 0,
            truncated: 0,
        }
    }

    fn block(&self) -> &[u8] {
        if self.is_text {
            self.text.as_bytes()
        } else {
            &self.raw
        }
    }

    /// The next line without its terminator (`\n`; a `\r` before it is left for the parser), or
    /// `None` at the end. A read error (such as a truncated gzip) ends the stream with `Err`.
    pub fn next_line(&mut self) -> Option<io::Result<Line<'_>>> {
        while self.at >= self.block().len() {
            match self.refill() {
                Ok(Refill::Block) => {}
                Ok(Refill::Single) => {
                    self.line_no += 1;
                    return Some(Ok(Line::Bytes(&self.buf)));
                }
                Ok(Refill::End) => return None,
                Err(e) => return Some(Err(e)),
            }
        }
        let start = self.at;
        let block = self.block();
        // A block ends with a newline.
        let end = memchr_newline(&block[start..]).map_or(block.len(), |i| start + i);
        self.at = end + 1;
        self.line_no += 1;
        if end - start > self.max_line {
            self.truncated += 1;
            return Some(Ok(Line::Bytes(&self.block()[start..start + self.max_line])));
        }
        Some(Ok(if self.is_text {
            // Cut at newlines: character boundaries.
            self.text
                .get(start..end)
                .map_or(Line::Bytes(&self.text.as_bytes()[start..end]), Line::Text)
        } else {
            Line::Bytes(&self.raw[start..end])
        }))
    }

    /// Reads the next block of whole lines (or a line on its own) once the block is used up.
    fn refill(&mut self) -> io::Result<Refill> {
        // The used block's storage serves the next one.
        let old = if self.is_text {
            std::mem::take(&mut self.text).into_bytes()
        } else {
            std::mem::take(&mut self.raw)
        };
        if old.capacity() > self.spare.capacity() {
            self.spare = old;
        }
        self.is_text = true;
        self.at = 0;
        let mut filled = self.carry.len();
        if self.spare.len() < filled {
            self.spare.resize(filled, 0);
        }
        self.spare[..filled].copy_from_slice(&self.carry);
        self.carry.clear();
        // Bytes before `searched` hold no newline.
        let mut searched = 0;
        loop {
            if let Some(i) = memchr::memrchr(b'\n', &self.spare[searched..filled]) {
                let cut = searched + i + 1;
                self.carry.extend_from_slice(&self.spare[cut..filled]);
                let mut block = std::mem::take(&mut self.spare);
                block.truncate(cut);
                match String::from_utf8(block) {
                    Ok(text) => self.text = text,
                    Err(e) => {
                        self.raw = e.into_bytes();
                        self.is_text = false;
                    }
                }
                return Ok(Refill::Block);
            }
            searched = filled;
            if filled >= BLOCK {
                return self.long_line(filled);
            }
            let want = (self.last_read * 2).clamp(MIN_READ, BLOCK);
            if self.spare.len() < filled + want {
                self.spare.resize(filled + want, 0);
            }
            let n = loop {
                match self.inner.read(&mut self.spare[filled..filled + want]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            self.last_read = n;
            if n == 0 {
                // The end: what is left is the last line, without a newline.
                if filled == 0 {
                    return Ok(Refill::End);
                }
                self.buf.clear();
                if self.take_piece(filled) {
                    self.truncated += 1;
                }
                return Ok(Refill::Single);
            }
            filled += n;
        }
    }

    /// Appends `spare[..n]` to `buf`, up to `max_line` bytes; `true` when some were left out.
    fn take_piece(&mut self, n: usize) -> bool {
        let room = self.max_line.saturating_sub(self.buf.len());
        let piece = &self.spare[..n];
        if piece.len() > room {
            self.buf.extend_from_slice(&piece[..room]);
            true
        } else {
            self.buf.extend_from_slice(piece);
            false
        }
    }

    /// A line longer than a block, whose first `filled` bytes are in `spare`: gathered in `buf` up
    /// to `max_line` bytes, the rest read past.
    fn long_line(&mut self, filled: usize) -> io::Result<Refill> {
        self.buf.clear();
        let mut cut = self.take_piece(filled);
        loop {
            let n = match self.inner.read(&mut self.spare[..BLOCK]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                break;
            }
            if let Some(i) = memchr_newline(&self.spare[..n]) {
                cut |= self.take_piece(i);
                self.carry.extend_from_slice(&self.spare[i + 1..n]);
                break;
            }
            cut |= self.take_piece(n);
        }
        if cut {
            self.truncated += 1;
        }
        Ok(Refill::Single)
    }
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(data: &[u8], max: usize) -> (Vec<Vec<u8>>, u64) {
        let mut r = LineReader::new(Box::new(io::Cursor::new(data.to_vec())), max);
        let mut out = Vec::new();
        while let Some(l) = r.next_line() {
            out.push(l.unwrap().as_bytes().to_vec());
        }
        (out, r.truncated)
    }

    #[test]
    fn lines_split_on_newline_and_long_lines_are_capped() {
        let (l, t) = lines(b"a\nbb\r\n\nlast", 100);
        assert_eq!(
            l,
            vec![
                b"a".to_vec(),
                b"bb\r".to_vec(),
                b"".to_vec(),
                b"last".to_vec()
            ]
        );
        assert_eq!(t, 0);
        let big = [vec![b'x'; 10_000], b"\nnext\n".to_vec()].concat();
        let (l, t) = lines(&big, 100);
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].len(), 100);
        assert_eq!(l[1], b"next");
        assert_eq!(t, 1);
    }

    #[test]
    fn lines_across_buffer_refills_are_whole() {
        let data: Vec<u8> = (0..200)
            .map(|i| format!("line {i} {}\n", "x".repeat(i % 13)))
            .collect::<String>()
            .into_bytes();
        for cap in [1, 2, 7, 16, 64, 4096] {
            let reader = BufReader::with_capacity(cap, io::Cursor::new(data.clone()));
            let mut r = LineReader::new(Box::new(reader), 1 << 20);
            let mut got = Vec::new();
            while let Some(l) = r.next_line() {
                got.push(String::from_utf8(l.unwrap().as_bytes().to_vec()).unwrap());
            }
            let want: Vec<String> = (0..200)
                .map(|i| format!("line {i} {}", "x".repeat(i % 13)))
                .collect();
            assert_eq!(got, want, "capacity {cap}");
            assert_eq!(r.line_no, 200);
        }
        let reader =
            BufReader::with_capacity(8, io::Cursor::new(b"abcdef\nabcdefghijkl\nab".to_vec()));
        let mut r = LineReader::new(Box::new(reader), 4);
        let mut got = Vec::new();
        while let Some(l) = r.next_line() {
            got.push(l.unwrap().as_bytes().to_vec());
        }
        assert_eq!(got, [b"abcd".to_vec(), b"abcd".to_vec(), b"ab".to_vec()]);
        assert_eq!(r.truncated, 2);
    }

    /// A reader that hands out at most `step` bytes per read, as a pipe may.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        step: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = out.len().min(self.step).min(self.data.len() - self.at);
            out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn blocks_hand_out_every_line_whatever_the_reads_and_check_utf8_once() {
        // Short lines, lines longer than a block, invalid UTF-8 and a last line without a newline.
        let mut data = Vec::new();
        let mut want: Vec<Vec<u8>> = Vec::new();
        for i in 0..3000 {
            let line = match i % 500 {
                7 => vec![b'L'; BLOCK + 1000 + i],
                // Bad bytes take the block they are in (at most the lines between two long ones).
                8 if i > 2500 => format!("bad {i} ")
                    .into_bytes()
                    .into_iter()
                    .chain([0xff])
                    .collect(),
                _ => format!("line {i} caf\u{e9} {}", "x".repeat(i % 17)).into_bytes(),
            };
            data.extend_from_slice(&line);
            data.push(b'\n');
            want.push(line);
        }
        data.extend_from_slice(b"tail");
        want.push(b"tail".to_vec());
        for step in [usize::MAX, 100_000, 4096, 7] {
            let reader = Trickle {
                data: data.clone(),
                at: 0,
                step,
            };
            let mut r = LineReader::new(Box::new(BufReader::new(reader)), 1 << 24);
            let (mut got, mut text, mut bytes) = (Vec::new(), 0, 0);
            while let Some(l) = r.next_line() {
                let l = l.unwrap();
                match l {
                    Line::Text(_) => text += 1,
                    Line::Bytes(_) => bytes += 1,
                }
                got.push(l.as_bytes().to_vec());
            }
            assert_eq!(got.len(), want.len(), "step {step}");
            assert!(got == want, "step {step}");
            assert_eq!(r.line_no, want.len() as u64);
            assert_eq!(r.truncated, 0);
            // Most lines come as text; the long ones, the tail and the blocks with bad bytes do not.
            assert!(
                text > 2000 && bytes >= 8,
                "step {step}: {text} text, {bytes} bytes"
            );
        }
        // Capped: the long lines are cut and counted.
        let reader = Trickle {
            data,
            at: 0,
            step: 4096,
        };
        let mut r = LineReader::new(Box::new(BufReader::new(reader)), 100);
        let mut n = 0;
        while let Some(l) = r.next_line() {
            assert!(l.unwrap().as_bytes().len() <= 100);
            n += 1;
        }
        assert_eq!(n, want.len());
        assert_eq!(r.truncated, 6);
    }

    #[test]
    fn gzip_inputs_are_decompressed_and_truncation_is_an_error_not_a_panic() {
        use std::io::Write;
        let dir = std::env::temp_dir().join(format!("srehub-logs-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.log.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for i in 0..1000 {
            writeln!(enc, "line {i}").unwrap();
        }
        let gz = enc.finish().unwrap();
        std::fs::write(&path, &gz).unwrap();
        let mut r = LineReader::new(open(&Input::File(path.clone())).unwrap(), 1 << 20);
        let mut n = 0;
        while let Some(l) = r.next_line() {
            l.unwrap();
            n += 1;
        }
        assert_eq!(n, 1000);
        std::fs::write(&path, &gz[..gz.len() / 2]).unwrap();
        let mut r = LineReader::new(open(&Input::File(path.clone())).unwrap(), 1 << 20);
        let mut saw_err = false;
        while let Some(l) = r.next_line() {
            if l.is_err() {
                saw_err = true;
                break;
            }
        }
        assert!(saw_err);
        assert_eq!(expand(&[dir.display().to_string()]).unwrap().len(), 1);
        let glob = format!("{}/*.gz", dir.display());
        assert_eq!(expand(&[glob]).unwrap().len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
