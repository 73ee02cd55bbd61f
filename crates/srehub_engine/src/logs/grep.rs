//! The fast path of `srehub logs parse --format plain --where 'msg~LITERAL' --count`: a plain-text
//! record's message is its line, so counting the records whose message contains a literal is counting
//! the lines that contain it. The search runs over large blocks, the way grep does, instead of line
//! by line; the result is the same number as the record-by-record path, `--max-line` included: a line
//! is searched only up to the cut, and memory stays bounded by the block and the cut.

use std::io::Read;

use memchr::memmem::Finder;

use super::input::{self, Input};
use crate::Error;

const BLOCK: usize = 1 << 20;

/// What a count found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CountOutcome {
    pub matching: u64,
    /// Lines longer than `max_line`, searched only up to it.
    pub cut_lines: u64,
    /// Read errors (a truncated gzip) that ended their input.
    pub errors: Vec<String>,
}

/// Counts the lines of all inputs that contain `needle` (which must not contain a newline) within
/// their first `max_line` bytes.
pub fn count_lines_containing(
    inputs: &[Input],
    needle: &str,
    max_line: usize,
) -> Result<CountOutcome, Error> {
    let finder = Finder::new(needle.as_bytes());
    let max_line = max_line.max(1);
    let mut out = CountOutcome::default();
    // Room for a block, or for a line one byte past the cap (to know it is cut).
    let mut buf = vec![0u8; BLOCK.max(max_line.saturating_add(1))];
    for inp in inputs {
        let mut reader = input::open(inp)?;
        let mut filled = 0usize;
        // Inside a line already cut: skip to its end.
        let mut skipping = false;
        loop {
            let end = (filled + BLOCK).min(buf.len());
            let n = match reader.read(&mut buf[filled..end]) {
                Ok(0) => {
                    if !skipping {
                        out.matching +=
                            count_in(&finder, &buf[..filled], max_line, &mut out.cut_lines);
                    }
                    break;
                }
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    if !skipping {
                        out.matching +=
                            count_in(&finder, &buf[..filled], max_line, &mut out.cut_lines);
                    }
                    out.errors.push(format!("{}: read error: {e}", inp.name()));
                    break;
                }
            };
            let start = filled;
            filled += n;
            if skipping {
                match memchr::memchr(b'\n', &buf[start..filled]) {
                    Some(nl) => {
                        skipping = false;
                        let rest = start + nl + 1;
                        buf.copy_within(rest..filled, 0);
                        filled -= rest;
                    }
                    None => {
                        filled = 0;
                        continue;
                    }
                }
            }
            // Search the complete lines, keep the last partial one for the next read.
            if let Some(last_nl) = memchr::memrchr(b'\n', &buf[..filled]) {
                out.matching += count_in(&finder, &buf[..=last_nl], max_line, &mut out.cut_lines);
                buf.copy_within(last_nl + 1..filled, 0);
                filled -= last_nl + 1;
            }
            if filled > max_line {
                // A partial line at least `max_line` long: search its first `max_line` bytes, as
                // the line reader would keep them, and skip the rest of it.
                let keep = filled.min(max_line);
                if finder.find(&buf[..keep]).is_some() {
                    out.matching += 1;
                }
                out.cut_lines += 1;
                filled = 0;
                skipping = true;
            }
        }
    }
    Ok(out)
}

/// Lines of `block` (complete lines, or the final one) containing the needle within their first
/// `max_line` bytes.
fn count_in(finder: &Finder<'_>, block: &[u8], max_line: usize, cut: &mut u64) -> u64 {
    if block.len() <= max_line {
        // No line here can be cut: jump from match to match, as grep does.
        let mut count = 0;
        let mut pos = 0;
        while let Some(m) = finder.find(&block[pos..]) {
            count += 1;
            match memchr::memchr(b'\n', &block[pos + m..]) {
                Some(nl) => pos += m + nl + 1,
                None => break,
            }
        }
        return count;
    }
    let needle_len = finder.needle().len();
    let mut count = 0;
    let mut pos = 0;
    while pos < block.len() {
        let line_end = memchr::memchr(b'\n', &block[pos..]).map_or(block.len(), |i| pos + i);
        let line = &block[pos..line_end];
        if line.len() > max_line {
            *cut += 1;
        }
        let searched = &line[..line.len().min(max_line)];
        if searched.len() >= needle_len && finder.find(searched).is_some() {
            count += 1;
        }
        pos = line_end + 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &std::path::Path, name: &str, data: &[u8]) -> Input {
        let p = dir.join(name);
        std::fs::write(&p, data).unwrap();
        Input::File(p)
    }

    #[test]
    fn counts_lines_not_occurrences_across_block_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::new();
        let mut expected = 0;
        for i in 0..200_000 {
            if i % 7 == 0 {
                text.push_str("x ERROR y ERROR z\n");
                expected += 1;
            } else {
                text.push_str("all good here, nothing to see\n");
            }
        }
        text.push_str("last ERROR without newline");
        expected += 1;
        let inp = file(dir.path(), "a.log", text.as_bytes());
        let out = count_lines_containing(&[inp], "ERROR", 1 << 20).unwrap();
        assert_eq!(out.matching, expected);
        assert_eq!(out.cut_lines, 0);
        assert!(out.errors.is_empty());
    }

    #[test]
    fn lines_longer_than_the_cap_are_searched_up_to_it_like_the_line_reader() {
        let dir = tempfile::tempdir().unwrap();
        // A 3 MB line with the needle past the cut, then two short lines.
        let mut data = vec![b'x'; 3 << 20];
        data.extend_from_slice(b"ERROR\nERROR short\nfine\n");
        let inp = file(dir.path(), "long.log", &data);
        let out = count_lines_containing(std::slice::from_ref(&inp), "ERROR", 1 << 20).unwrap();
        assert_eq!((out.matching, out.cut_lines), (1, 1));
        // With the needle inside the cut, the long line counts.
        let mut data = b"ERROR".to_vec();
        data.extend(vec![b'x'; 3 << 20]);
        data.extend_from_slice(b"\nno\n");
        let inp = file(dir.path(), "long2.log", &data);
        let out = count_lines_containing(&[inp], "ERROR", 1 << 20).unwrap();
        assert_eq!((out.matching, out.cut_lines), (1, 1));
        // A small cap inside blocks.
        let inp = file(dir.path(), "small.log", b"0123456789ERROR\nERROR\n");
        let out = count_lines_containing(&[inp], "ERROR", 10).unwrap();
        assert_eq!((out.matching, out.cut_lines), (1, 1));
    }
}
