//! Any text given to the HCL reader, and every attribute of what it reads evaluated: an error or
//! `Unknown` is fine, a panic or a hang is not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srehub_model::terraform::{TfModule, parse_file};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(file) = parse_file(text, "fuzz.tf") {
            let module = TfModule::new(vec![file]);
            for b in module.blocks() {
                for a in &b.attrs {
                    let _ = module.eval(&a.expr);
                }
            }
        }
    }
});
