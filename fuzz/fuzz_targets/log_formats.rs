//! Any bytes, split into lines, given to the log parser in every format (auto-detection included) and
//! to the template miner: unparsed lines are fine, a panic or a hang is not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srehub_logs::Format;
use srehub_logs::drain::{Miner, MinerOptions};
use srehub_logs::formats::{FormatChoice, Parser};

const FORMATS: &[Option<Format>] = &[
    None,
    Some(Format::Json),
    Some(Format::Logfmt),
    Some(Format::Cri),
    Some(Format::Docker),
    Some(Format::JournalExport),
    Some(Format::JournalJson),
    Some(Format::Syslog3164),
    Some(Format::Syslog5424),
    Some(Format::AccessLog),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let choice = match FORMATS[usize::from(selector) % FORMATS.len()] {
        None => FormatChoice::Auto,
        Some(f) => FormatChoice::Fixed(f),
    };
    let mut parser = Parser::new(choice.clone());
    // The same lines given as text where they are UTF-8 (as the reader hands out lines of a block
    // checked at once): the same records and counts.
    let mut text_parser = Parser::new(choice);
    let mut text_out = Vec::new();
    let mut miner = Miner::new(MinerOptions {
        max_clusters: 64,
        ..MinerOptions::default()
    });
    let mut out = Vec::new();
    let mut added = 0u64;
    for (i, line) in rest.split(|&b| b == b'\n').enumerate() {
        parser.push_line(i as u64 + 1, line, &mut out);
        match std::str::from_utf8(line) {
            Ok(s) => text_parser.push_text(i as u64 + 1, s, &mut text_out),
            Err(_) => text_parser.push_line(i as u64 + 1, line, &mut text_out),
        }
        assert_eq!(format!("{out:?}"), format!("{text_out:?}"));
        text_out.clear();
        for r in out.drain(..) {
            let a = miner.add(r.line, &r.message);
            added += 1;
            let _ = miner.resolve(a.cluster, a.variant).map(|t| t.text());
        }
    }
    parser.finish(&mut out);
    text_parser.finish(&mut text_out);
    assert_eq!(format!("{out:?}"), format!("{text_out:?}"));
    assert_eq!(
        format!("{:?}", parser.stats()),
        format!("{:?}", text_parser.stats())
    );
    // No message is counted twice (templates of one event, evictions), every template is found by its
    // id, and the state round-trips.
    let total: u64 = miner.templates().map(|t| t.variant.count).sum();
    assert!(total <= added, "{total} counted for {added} messages");
    assert!(
        miner
            .templates()
            .all(|t| miner.template_by_id(t.id()).is_some())
    );
    let state = serde_json::to_string(&miner.to_state()).expect("state serializes");
    let resumed = Miner::from_state(
        MinerOptions::default(),
        serde_json::from_str(&state).expect("state reads back"),
    );
    assert_eq!(resumed.templates().count(), miner.templates().count());
    assert_eq!(
        parser.stats().lines,
        rest.split(|&b| b == b'\n').count() as u64
    );
});
