//! Any bytes given to the snapshot loader, read whole or streamed: an error is fine, a panic or a hang
//! is not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srehub_model::k8s::SnapshotBuilder;

fuzz_target!(|data: &[u8]| {
    let mut whole = SnapshotBuilder::new();
    let _ = whole.add_bytes(data, "fuzz");
    let _ = whole.finish();
    let mut streamed = SnapshotBuilder::new();
    let _ = streamed.add_reader(data, "fuzz", 2);
    let _ = streamed.finish();
});
