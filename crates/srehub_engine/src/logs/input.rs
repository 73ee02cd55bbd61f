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

/// Reads lines of any length with a cap: bytes past `max_line` are skipped (and the line reported as
/// truncated) so that one enormous line cannot exhaust memory.
pub struct LineReader {
    inner: Box<dyn BufRead + Send>,
    buf: Vec<u8>,
    /// Bytes of `inner`'s buffer handed out as the last line, consumed at the next call.
    pending: usize,
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
            buf: Vec::with_capacity(4096),
            pending: 0,
            max_line,
            line_no: 0,
            truncated: 0,
        }
    }

    /// The next line without its terminator (`\n`; a `\r` before it is left for the parser), or
    /// `None` at the end. A read error (such as a truncated gzip) ends the stream with `Err`.
    pub fn next_line(&mut self) -> Option<io::Result<&[u8]>> {
        if self.pending > 0 {
            self.inner.consume(self.pending);
            self.pending = 0;
        }
        // The usual case: the whole line is in the reader's buffer, and is handed out from there.
        let whole = loop {
            match self.inner.fill_buf() {
                Ok(b) => break memchr_newline(b).filter(|&i| i <= self.max_line),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Some(Err(e)),
            }
        };
        if let Some(len) = whole {
            return Some(self.buffered(len));
        }
        self.buf.clear();
        let mut cut = false;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Some(Err(e)),
            };
            if available.is_empty() {
                if self.buf.is_empty() && !cut {
                    return None;
                }
                break;
            }
            let (chunk, used, done) = match memchr_newline(available) {
                Some(i) => (&available[..i], i + 1, true),
                None => (available, available.len(), false),
            };
            let room = self.max_line.saturating_sub(self.buf.len());
            if chunk.len() > room {
                self.buf.extend_from_slice(&chunk[..room]);
                cut = true;
            } else {
                self.buf.extend_from_slice(chunk);
            }
            self.inner.consume(used);
            if done {
                break;
            }
        }
        self.line_no += 1;
        if cut {
            self.truncated += 1;
        }
        Some(Ok(&self.buf))
    }

    /// The line of `len` bytes at the start of the reader's buffer (its newline follows).
    fn buffered(&mut self, len: usize) -> io::Result<&[u8]> {
        let b = self.inner.fill_buf()?;
        self.pending = len + 1;
        self.line_no += 1;
        Ok(b.get(..len).unwrap_or_default())
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
            out.push(l.unwrap().to_vec());
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
                got.push(String::from_utf8(l.unwrap().to_vec()).unwrap());
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
            got.push(l.unwrap().to_vec());
        }
        assert_eq!(got, [b"abcd".to_vec(), b"abcd".to_vec(), b"ab".to_vec()]);
        assert_eq!(r.truncated, 2);
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
