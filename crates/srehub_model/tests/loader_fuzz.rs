//! Property tests of the snapshot loader on hostile input (the stable-toolchain counterpart of
//! fuzz/fuzz_targets/snapshot_loader.rs): whatever the bytes, it returns an error or a snapshot, never
//! panics; and a valid dump cut or corrupted anywhere is an error naming a position, not a panic.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use srehub_model::k8s::SnapshotBuilder;

const POD: &str = r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"api-0","namespace":"shop","labels":{"app":"api"},"ownerReferences":[{"kind":"ReplicaSet","name":"api-7d","controller":true}],"creationTimestamp":"2026-11-20T09:00:00Z"},"spec":{"nodeName":"n1","containers":[{"name":"app","image":"api:1.2","resources":{"limits":{"memory":"256Mi","cpu":2}},"livenessProbe":{"httpGet":{"path":"/healthz","port":8080}}}]},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"app","ready":true,"restartCount":3,"state":{"running":{"startedAt":"2026-11-20T09:00:05Z"}},"lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}}]}},{"apiVersion":"v1","kind":"Event","metadata":{"name":"e","namespace":"shop"},"involvedObject":{"kind":"Pod","name":"api-0","namespace":"shop"},"reason":"BackOff","type":"Warning","count":4,"lastTimestamp":"2026-11-20T09:59:00Z"}]}"#;

fn load_both(bytes: &[u8]) {
    let mut whole = SnapshotBuilder::new();
    let _ = whole.add_bytes(bytes, "prop");
    let _ = whole.finish();
    let mut streamed = SnapshotBuilder::new();
    let _ = streamed.add_reader(bytes, "prop", 2);
    let _ = streamed.finish();
}

#[test]
fn the_sample_dump_loads() {
    let mut b = SnapshotBuilder::new();
    b.add_bytes(POD.as_bytes(), "sample").unwrap();
    let s = b.finish();
    assert_eq!((s.pods.len(), s.events.len()), (1, 1));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn loader_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        load_both(&bytes);
    }

    #[test]
    fn loader_never_panics_on_json_like_text(text in "[{}\\[\\]\":,a-z0-9 \n\\\\-]{0,400}") {
        load_both(text.as_bytes());
    }

    #[test]
    fn a_cut_dump_is_an_error(cut in 1usize..POD.len() - 1) {
        let mut b = SnapshotBuilder::new();
        prop_assert!(b.add_bytes(&POD.as_bytes()[..cut], "cut").is_err());
    }

    #[test]
    fn a_corrupted_dump_never_panics(at in 0usize..POD.len(), byte in any::<u8>()) {
        let mut bytes = POD.as_bytes().to_vec();
        bytes[at] = byte;
        load_both(&bytes);
    }
}
