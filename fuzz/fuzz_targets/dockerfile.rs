//! Any text given to the Dockerfile parser: an error is fine, a panic or a hang is not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = srehub_model::dockerfile::parse(text);
    }
});
