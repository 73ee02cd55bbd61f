//! A custom line format (`--pattern`: the Loghub header syntax or a regular expression with named
//! captures) from the first line of the input, then the other lines parsed with it: an invalid pattern
//! is an error, a line that does not match is a plain record; a panic or a hang is neither.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srehub_logs::formats::{FormatChoice, Parser};
use srehub_logs::pattern::Pattern;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (pattern, rest) = text.split_once('\n').unwrap_or((&text, ""));
    // Bounded: regex compilation of a long fuzzed pattern is slow, not wrong.
    if pattern.len() > 256 {
        return;
    }
    let Ok(p) = Pattern::new(pattern) else {
        return;
    };
    let mut parser = Parser::new(FormatChoice::Pattern(p));
    let mut out = Vec::new();
    for (i, line) in rest.split('\n').enumerate() {
        parser.push_line(i as u64 + 1, line.as_bytes(), &mut out);
    }
    parser.finish(&mut out);
    assert_eq!(parser.stats().lines, rest.split('\n').count() as u64);
    assert!(out.len() as u64 <= parser.stats().lines);
});
