//! Any text given to the YAML-with-positions reader and the manifest loader: an error is fine, a panic,
//! a hang or unbounded memory (alias bombs) is not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(file) = srehub_model::manifest::parse_file(text, "fuzz.yaml") {
            for o in &file.objects {
                let _ = o.node.to_json();
            }
        }
    }
});
