//! Property tests of the YAML-with-positions reader and the manifest loader on hostile input (the
//! stable-toolchain counterpart of fuzz/fuzz_targets/manifest_yaml.rs): whatever the text, an error or
//! objects, never a panic; a valid manifest cut or corrupted anywhere gives an error with a position
//! inside the text, or objects.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use srehub_model::manifest::parse_file;

const MANIFEST: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: &l {app: web, tier: \"front\"}\nspec:\n  replicas: 2\n  selector: {matchLabels: *l}\n  template:\n    metadata: {labels: *l}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n          args: [\"--port=8080\", '--x']\n          env:\n            - {name: A, value: yes}\n          command:\n            - |\n              echo start\n              exec nginx\n---\napiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {k: >-\n      folded text}}\n";

fn check(text: &str) {
    let lines = u32::try_from(text.lines().count() + 2).unwrap();
    match parse_file(text, "prop.yaml") {
        Ok(f) => {
            for o in &f.objects {
                let _ = o.node.to_json();
                assert!(o.pos().line <= lines);
            }
        }
        Err(e) => assert!(e.pos.line <= lines, "{e} beyond {lines} lines"),
    }
}

#[test]
fn the_sample_manifest_loads() {
    let f = parse_file(MANIFEST, "m.yaml").unwrap();
    assert_eq!(f.objects.len(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn reader_never_panics_on_arbitrary_text(text in "\\PC{0,600}") {
        check(&text);
    }

    #[test]
    fn reader_never_panics_on_yaml_like_text(text in "[-:&*!|>{}\\[\\],#'\" \n\ta-z0-9.]{0,500}") {
        check(&text);
    }

    #[test]
    fn a_cut_manifest_is_an_error_or_objects(cut in 0usize..MANIFEST.len()) {
        if MANIFEST.is_char_boundary(cut) {
            check(&MANIFEST[..cut]);
        }
    }

    #[test]
    fn a_corrupted_manifest_is_an_error_or_objects(at in 0usize..MANIFEST.len(), b in "[-:&*!|>{}\\[\\],#'\" \n\t]") {
        if MANIFEST.is_char_boundary(at) {
            let mut t = MANIFEST.to_string();
            t.insert_str(at, &b);
            check(&t);
        }
    }
}
