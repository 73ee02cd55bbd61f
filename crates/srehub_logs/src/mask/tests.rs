use super::*;

fn m(s: &str) -> String {
    let mut v = Vec::new();
    let mut scratch = MaskScratch::default();
    mask_message(s, &MaskOptions::default(), &mut scratch, &mut v);
    v.join(" ")
}

#[test]
fn numbers_ips_ids_collapse_to_one_wildcard() {
    assert_eq!(
        m(
            "Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010"
        ),
        "Receiving block blk_<*> src: /<*> dest: /<*>"
    );
    assert_eq!(
        m("Invalid user webmaster from 173.234.31.186"),
        "Invalid user webmaster from <*>"
    );
    assert_eq!(m("rhost=218.188.2.4 uid=0"), "rhost=<*> uid=<*>");
    assert_eq!(m("taskID[2019352994] dealloc"), "taskID[<*>] dealloc");
    assert_eq!(
        m("attempt appattempt_1445144423722_0020_000001 id 550e8400-e29b-41d4-a716-446655440000"),
        "attempt appattempt_<*> id <*>"
    );
    assert_eq!(m("keyId: -127633188)"), "keyId: <*>)");
}

#[test]
fn uuids_and_addresses_are_one_variable_whatever_their_groups_look_like() {
    // `eec1` alone would be a name with a number, `bdcc` a word: inside a UUID both are variable.
    for id in [
        "b9000564-fe1a-409b-b8cc-1e88b294cd1d",
        "7c42b1f6-eec1-4b9e-bdcc-0a5d9c2e1f34",
        "A1B2C3D4-BDCC-4ABC-8DEF-0123456789AB",
    ] {
        assert_eq!(
            m(&format!("[instance: {id}] Claim successful")),
            "[instance: <*>] Claim successful",
            "{id}"
        );
        assert_eq!(m(&format!("vm={id},")), "vm=<*>,", "{id}");
    }
    // IPv6 and MAC addresses likewise (`fecd`, `ba` and `FEF5` alone would be words or names).
    for (line, want) in [
        (
            "v6(en0:2607:f140:6000:8:c6b3:1ff:fecd:467f) DNS",
            "<*>(en0:<*>) DNS",
        ),
        ("from fe80::1 port 22", "from <*> port <*>"),
        ("addr 2001:db8::8a2e:370:7334,", "addr <*>,"),
        ("FE80:0000:0000:0000:D8A5:90FF:FEF5:7FFF", "<*>"),
        ("bssid 00:11:43:e3:ba:c3 joined", "bssid <*> joined"),
        ("[5c:50:15:4c:18:13]", "[<*>]"),
        (
            "devices = ( \"84-41-67-32-db-e1\" )",
            "devices = ( \"<*>\" )",
        ),
    ] {
        assert_eq!(m(line), want, "{line}");
    }
    // Not addresses: too few groups, a group too long, no digit, words running on.
    assert_eq!(m("at 12:30:45,123 ok"), "at <*> ok");
    assert_eq!(m("key c6b3:fecd:1"), "key <*>:fecd:<*>");
    assert_eq!(m("x deadbeef12:ab:cd:ef"), "x <*>:ab:cd:ef");
    assert_eq!(m("sts:12_rsn:3"), "sts:<*>_rsn:<*>");
    assert_eq!(m("std::vector2"), "std::vector2");
    assert_eq!(m("84-41-67-32-db-e1-ff"), "<*>-db-<*>-ff");
    // Not a UUID: a group too short, or letters and digits running on.
    assert_eq!(m("b9000564-fe1a-409b-b8cc-1e88b294cd1"), "<*>");
    assert_eq!(m("id-eec1-bdcc"), "id-eec1-bdcc");
    assert_eq!(m("b9000564-fe1a-409b-b8cc-1e88b294cd1dx2"), "<*>");
}

#[test]
fn units_after_numbers_and_paths_are_variables() {
    assert_eq!(
        m("estimated size 384.0 B, free 317.5 MB)"),
        "estimated size <*> <*>, free <*> <*>)"
    );
    assert_eq!(m("took 15 ms"), "took <*> <*>");
    // A number in brackets or after a sign takes its unit too.
    assert_eq!(
        m("sent 1190 bytes (1.16 KB) in <1 sec [5 ms]"),
        "sent <*> <*> (<*> <*>) in <<*> <*> [<*> <*>]"
    );
    // Not after a word holding a number, nor after punctuation with more than the number.
    assert_eq!(m("blk_-42 B"), "blk_<*> B");
    assert_eq!(m("v1.2-beta s"), "<*>-beta s");
    assert_eq!(
        m("opened /var/lib/data/x.db and https://a.example/b"),
        "opened <*> and <*>"
    );
    assert_eq!(m("no digits here"), "no digits here");
    // Names with one digit are words; numbered hosts and ids are variables.
    assert_eq!(
        m("up on eth0 via SOCKS5 (IPV6) to web01 node-D1 a1b2"),
        "up on eth0 via SOCKS5 (IPV6) to <*> node-<*> <*>"
    );
}

#[test]
fn month_and_weekday_names_in_dates_are_variables() {
    assert_eq!(
        m("connection from 1.2.3.4 at Sun Jul 10 03:55:15 2005"),
        "connection from <*> at <*> <*> <*> <*> <*>"
    );
    assert_eq!(m("rotated on 10 Jun, 2005"), "rotated on <*> <*> <*>");
    assert_eq!(m("meeting on Sun at noon"), "meeting on Sun at noon");
    assert_eq!(m("May I help"), "May I help");
}

#[test]
fn extra_masks_apply_per_token() {
    let opts = MaskOptions {
        extra: vec![(
            regex::Regex::new("^user-[a-z]+$").unwrap(),
            WILDCARD.to_string(),
        )],
        ..MaskOptions::default()
    };
    let mut v = Vec::new();
    let mut scratch = MaskScratch::default();
    mask_message("login by user-bob ok", &opts, &mut scratch, &mut v);
    assert_eq!(v.join(" "), "login by <*> ok");
}

#[test]
fn byte_matchers_agree_with_the_word_lists() {
    // The matchers against the plain list lookups they replace.
    let date_ref = |tok: &str| {
        let b = tok.as_bytes();
        if b.len() < 3 || b.len() > 10 || !b[0].is_ascii_uppercase() {
            return false;
        }
        DATE_WORDS.contains(&tok.trim_end_matches([',', '.']))
    };
    let mut words: Vec<String> = Vec::new();
    for w in UNITS.iter().chain(DATE_WORDS) {
        for suffix in ["", ",", ".", ",.", "..", "x", ";"] {
            words.push(format!("{w}{suffix}"));
            words.push(format!("{}{suffix}", w.to_uppercase()));
            words.push(format!("{}{suffix}", &w[..w.len() - 1]));
        }
    }
    words.extend(["", ".", "Bytes", "µ", "Ju", "Jull", "SEP", "Sunday!"].map(String::from));
    for c in 'A'..='Z' {
        words.push(format!("{c}an"));
        words.push(format!("{c}un"));
    }
    for w in &words {
        assert_eq!(is_date_word(w), date_ref(w), "{w:?}");
        assert_eq!(is_unit(w.as_bytes()), UNITS.contains(&w.as_str()), "{w:?}");
    }
}

#[test]
fn raw_tokens_follow_split_ascii_whitespace() {
    let msg = " a\tb\x0cc\r\nd\x0be  é 12 ";
    let mut out = Vec::new();
    let mut raw = Vec::new();
    let mut scratch = MaskScratch::default();
    let mut hashes = Vec::new();
    mask_tokens(
        msg,
        &MaskOptions::default(),
        &mut scratch,
        &mut out,
        &mut raw,
        &mut hashes,
    );
    assert_eq!(raw, msg.split_ascii_whitespace().collect::<Vec<_>>());
    assert_eq!(out.len(), raw.len());
    let expected: Vec<u64> = out.iter().map(|t| token_hash(t)).collect();
    assert_eq!(hashes, expected);
}

#[test]
fn token_hashes_differ_for_nearby_tokens() {
    let mut tokens = std::collections::HashSet::new();
    for len in 0..40 {
        let base: String = (0..len)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        for at in 0..len {
            for c in [b'0', b'9', b'_', b'A'] {
                let mut t = base.clone().into_bytes();
                t[at] = c;
                tokens.insert(String::from_utf8(t).unwrap());
            }
        }
        tokens.insert(base);
    }
    let hashes: std::collections::HashSet<u64> = tokens.iter().map(|t| token_hash(t)).collect();
    assert_eq!(hashes.len(), tokens.len());
}

#[test]
fn fast_paths_agree_with_the_general_rule() {
    // Every token of up to 5 of these: digits, separators, letters, a non-ASCII character.
    let alphabet = [
        "1", "0", ".", ":", "-", "_", "/", ",", "+", "x", "a", "=", "é",
    ];
    let mut tokens = vec![String::new()];
    let mut last = tokens.clone();
    for _ in 0..5 {
        last = last
            .iter()
            .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
            .collect();
        tokens.extend(last.iter().cloned());
    }
    for t in &tokens {
        let only_digits = !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if only_digits || joined_numbers(t.as_bytes()) {
            let mut out = String::new();
            assert_eq!(mask_segments(t, &mut out), Masked::Wild, "{t}");
        }
    }
}

#[test]
fn same_token_is_string_equality() {
    let mut words: Vec<String> = vec![String::new()];
    for n in 1..=20 {
        let w: String = (0..n).map(|i| char::from(b'a' + i as u8)).collect();
        for at in 0..n {
            let mut v = w.clone().into_bytes();
            v[at] = b'Z';
            words.push(String::from_utf8(v).unwrap());
        }
        words.push(w);
    }
    for a in &words {
        for b in &words {
            assert_eq!(same_token(a, b), a == b, "{a} {b}");
        }
    }
}

#[test]
fn token_scan_matches_a_byte_loop() {
    let bytes = [
        b' ', b'\t', b'\n', 0x0b, 0x0c, 0, b'0', b'5', b'9', b'/', b'a', b':', 0xc3, 0xa9,
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = (state % 40) as usize;
        let text: Vec<u8> = (0..len)
            .map(|i| bytes[((state >> (i % 50)) as usize + i * 7) % bytes.len()])
            .collect();
        let mut i = 0;
        while i < text.len() {
            if CLASS[usize::from(text[i])] & SPACE != 0 {
                i += 1;
                continue;
            }
            let (mut end, mut want) = (i, 0u8);
            while end < text.len() && CLASS[usize::from(text[end])] & SPACE == 0 {
                want |= CLASS[usize::from(text[end])];
                end += 1;
            }
            let (got_end, got) = scan_token(&text, i);
            assert_eq!(got_end, end, "{text:?} at {i}");
            let keep = DIGIT | SLASH | OTHER;
            assert_eq!(got & keep, want & keep, "{text:?} at {i}");
            i = end;
        }
    }
}

#[test]
fn non_ascii_text_is_kept() {
    assert_eq!(m("héllo wörld 42é"), "héllo wörld <*>é");
}

#[test]
fn the_shape_key_cuts_tokens_as_split_ascii_whitespace_at_every_length_and_alignment() {
    // Both ways of reading: sixteen bytes at a time (SSE2) and eight (elsewhere).
    check_shape_key(shape_key);
    check_shape_key(shape::swar_shape_key);
}

fn check_shape_key(shape_key: for<'m> fn(&'m str, &mut Vec<&'m str>) -> u64) {
    // Bytes that test every branch: spaces of each kind, control bytes that are not spaces, digits,
    // letters and a two-byte character.
    let alphabet = [
        " ", " ", "\t", "\n", "\r", "\x0c", "\x0b", "\0", "a", "Z", "0", "7", "9", "/", "é", "x",
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let mut raw = Vec::new();
        let len = (next() % 70) as usize;
        let text: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        let key = shape_key(&text, &mut raw);
        let want: Vec<&str> = text.split_ascii_whitespace().collect();
        assert_eq!(raw, want, "{text:?}");
        // Other digits in the same places: the same key.
        let other: String = text
            .chars()
            .map(|c| match c {
                '0'..='8' => char::from(c as u8 + 1),
                '9' => '0',
                c => c,
            })
            .collect();
        assert_eq!(
            shape_key(&other, &mut Vec::new()),
            key,
            "{text:?} / {other:?}"
        );
        // A letter where a digit was: another key.
        if let Some(at) = text.find(|c: char| c.is_ascii_digit()) {
            let mut word = text.clone();
            word.replace_range(at..=at, "a");
            assert_ne!(
                shape_key(&word, &mut Vec::new()),
                key,
                "{text:?} / {word:?}"
            );
        }
    }
}

#[test]
fn messages_whose_digits_differ_share_a_shape_and_mask_alike() {
    let key = |s: &str| {
        let mut raw = Vec::new();
        let k = shape_key(s, &mut raw);
        assert_eq!(raw, s.split_ascii_whitespace().collect::<Vec<_>>());
        k
    };
    let a = "sshd[4242]: Failed password for root from 10.1.2.3 port 22 ssh2";
    let b = "sshd[9977]: Failed password for root from 10.9.8.7 port 61 ssh2";
    assert_eq!(key(a), key(b));
    assert_eq!(m(a), m(b));
    // A word, a digit's place or a token count differs: another shape.
    assert_ne!(
        key(a),
        key("sshd[4242]: Failed password for admin from 10.1.2.3 port 22 ssh2")
    );
    assert_ne!(
        key(a),
        key("sshd[424]: Failed password for root from 10.1.2.3 port 22 ssh2")
    );
    assert_ne!(
        key(a),
        key("sshd[4242]: Failed password for root from 10.1.2.3 port 22")
    );
    assert_ne!(key("eth0 up"), key("eth up"));
    // Words whose masking depends on their neighbours.
    for w in ["Jul", "Sun,", "ms", "KB)", "sec"] {
        assert!(masked_in_context(w), "{w}");
    }
    for w in ["July4", "msg", "secure", "eth0"] {
        assert!(!masked_in_context(w), "{w}");
    }
}
