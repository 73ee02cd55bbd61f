//! A `--where` condition from the first line of the input, tested against the records of the other
//! lines (formats detected), whose text is also read as a timestamp: a bad condition is an error, a
//! panic is not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srehub_logs::filter::Filter;
use srehub_logs::formats::{FormatChoice, Parser};
use srehub_logs::time::parse_timestamp;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (expr, rest) = text.split_once('\n').unwrap_or((&text, ""));
    if expr.len() > 256 {
        return;
    }
    let filter = Filter::parse(expr).ok();
    let mut parser = Parser::new(FormatChoice::Auto);
    let mut out = Vec::new();
    for (i, line) in rest.split('\n').enumerate() {
        let _ = parse_timestamp(line);
        parser.push_line(i as u64 + 1, line.as_bytes(), &mut out);
        for r in out.drain(..) {
            if let Some(f) = &filter {
                let _ = f.matches(&r);
            }
        }
    }
});
