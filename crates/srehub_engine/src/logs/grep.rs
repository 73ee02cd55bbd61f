//! The fast path of `srehub logs parse --format plain --where 'msg~LITERAL' --count`: a plain-text
//! record's message is its line, so counting the records whose message contains a literal is counting
//! the lines that contain it. The search runs over large blocks, the way grep does, instead of line
//! by line; the result is the same number.

use std::io::Read;

use memchr::memmem::Finder;

use super::input::{self, Input};
use crate::Error;

const BLOCK: usize = 1 << 20;

/// Counts the lines of all inputs that contain `needle` (which must not contain a newline). Read
/// errors (a truncated gzip) end their input and are returned as messages.
pub fn count_lines_containing(inputs: &[Input], needle: &str) -> Result<(u64, Vec<String>), Error> {
    let finder = Finder::new(needle.as_bytes());
    let mut total = 0u64;
    let mut errors = Vec::new();
    let mut buf = vec![0u8; BLOCK];
    for inp in inputs {
        let mut reader = input::open(inp)?;
        let mut filled = 0usize;
        loop {
            if filled == buf.len() {
                // One line longer than the block: grow (lines are not cut here, as with grep).
                buf.resize(buf.len() * 2, 0);
            }
            let n = match reader.read(&mut buf[filled..]) {
                Ok(0) => {
                    total += count_in(&finder, &buf[..filled]);
                    break;
                }
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    total += count_in(&finder, &buf[..filled]);
                    errors.push(format!("{}: read error: {e}", inp.name()));
                    break;
                }
            };
            filled += n;
            // Search the complete lines, keep the last partial one for the next read.
            if let Some(last_nl) = memchr::memrchr(b'\n', &buf[..filled]) {
                total += count_in(&finder, &buf[..=last_nl]);
                buf.copy_within(last_nl + 1..filled, 0);
                filled -= last_nl + 1;
            }
        }
    }
    Ok((total, errors))
}

/// Lines of `block` (complete lines, or the final one) containing the needle.
fn count_in(finder: &Finder<'_>, block: &[u8]) -> u64 {
    let mut count = 0;
    let mut pos = 0;
    while let Some(m) = finder.find(&block[pos..]) {
        count += 1;
        let at = pos + m;
        match memchr::memchr(b'\n', &block[at..]) {
            Some(nl) => pos = at + nl + 1,
            None => break,
        }
        if pos >= block.len() {
            break;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_not_occurrences_across_block_boundaries() {
        let dir = std::env::temp_dir().join(format!("srehub-grep-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.log");
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
        std::fs::write(&path, &text).unwrap();
        let (n, errors) = count_lines_containing(&[Input::File(path)], "ERROR").unwrap();
        assert_eq!(n, expected);
        assert!(errors.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
        let f = Finder::new("ab");
        assert_eq!(count_in(&f, b"ab\n\nxab ab\nno\nab"), 3);
    }
}
