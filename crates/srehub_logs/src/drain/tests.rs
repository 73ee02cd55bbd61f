//! Tests of the template miner.
use super::*;
use variants::variant_text;

fn text(m: &Miner, a: Assigned) -> String {
    m.resolve(a.cluster, a.variant).unwrap().text()
}

#[test]
fn messages_of_one_template_share_a_cluster_and_the_template_generalizes() {
    let mut m = Miner::new(MinerOptions::default());
    let a = m.add(1, "Invalid user webmaster from 173.234.31.186");
    assert_eq!(a.change, Change::Created);
    let b = m.add(2, "Invalid user test9 from 52.80.34.196");
    assert_eq!(a.cluster, b.cluster);
    assert_eq!(b.change, Change::Generalized);
    for (i, user) in ["admin", "oracle", "guest"].iter().enumerate() {
        m.add(3 + i as u64, &format!("Invalid user {user} from 10.0.0.1"));
    }
    let cl = m.cluster(a.cluster).unwrap();
    assert_eq!(cl.template(), "Invalid user <*> from <*>");
    assert_eq!(cl.count, 5);
    assert_eq!((cl.first_line(), cl.last_line()), (1, 5));
    let user = cl.params.iter().find(|p| p.position == 2).unwrap();
    assert_eq!(user.values.len(), 5);
    // Five distinct user names: one template, every earlier message in it.
    let live: Vec<_> = m.templates().collect();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].text(), "Invalid user <*> from <*>");
    assert_eq!(live[0].variant.count, 5);
    assert_eq!(text(&m, a), "Invalid user <*> from <*>");
    let d = m.add(9, "Connection closed by 10.0.0.1 [preauth]");
    assert_ne!(a.cluster, d.cluster);
    assert_eq!(d.change, Change::Created);
    assert_eq!(m.len(), 2);
}

#[test]
fn a_few_distinct_words_keep_templates_apart() {
    let mut m = Miner::new(MinerOptions::default());
    let on = m.add(1, "Location icon should now be in state Active");
    let off = m.add(2, "Location icon should now be in state Inactive");
    m.add(3, "Location icon should now be in state Active");
    assert_eq!(on.cluster, off.cluster);
    assert_ne!(on.variant, off.variant);
    assert_eq!(text(&m, on), "Location icon should now be in state Active");
    assert_eq!(
        text(&m, off),
        "Location icon should now be in state Inactive"
    );
    let counts: Vec<u64> = m.templates().map(|t| t.variant.count).collect();
    assert_eq!(counts, vec![2, 1]);
    // A number at that position makes it a parameter at once.
    m.add(4, "Location icon should now be in state 3");
    assert_eq!(m.templates().count(), 1);
    assert_eq!(text(&m, off), "Location icon should now be in state <*>");
    assert_eq!(m.templates().next().unwrap().variant.count, 4);
}

#[test]
fn ids_are_stable_across_runs_and_state_round_trips() {
    let lines = ["a b 1", "c d e", "a b 2", "x y", "c d f"];
    let run = || {
        let mut m = Miner::new(MinerOptions::default());
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let a = m.add(i as u64 + 1, l);
                m.resolve(a.cluster, a.variant).unwrap().id().to_string()
            })
            .collect::<Vec<_>>()
    };
    let first = run();
    assert_eq!(first, run());
    let mut m = Miner::new(MinerOptions::default());
    for (i, l) in lines.iter().enumerate() {
        m.add(i as u64 + 1, l);
    }
    let state = serde_json::to_string(&m.to_state()).unwrap();
    let mut resumed = Miner::from_state(
        MinerOptions::default(),
        serde_json::from_str(&state).unwrap(),
    );
    let a = resumed.add(6, "a b 3");
    assert_eq!(a.change, Change::Matched);
    assert_eq!(
        resumed.resolve(a.cluster, a.variant).unwrap().id(),
        first[0]
    );
    assert_eq!(resumed.cluster(a.cluster).unwrap().count, 3);
    let f = resumed.add(7, "c d f");
    assert_eq!(
        resumed.resolve(f.cluster, f.variant).unwrap().id(),
        first[4]
    );
    assert!(resumed.template_by_id(&first[1]).is_some());
}

#[test]
fn clusters_are_bounded_by_lru_eviction() {
    let opts = MinerOptions {
        max_clusters: 100,
        ..MinerOptions::default()
    };
    let mut m = Miner::new(opts);
    for i in 0..1000u64 {
        let msg = format!(
            "w{} {}",
            "x".repeat(i as usize % 300 + 1),
            "y ".repeat(i as usize % 7)
        );
        m.add(i, &msg);
    }
    assert!(m.len() <= 100, "{}", m.len());
    assert!(m.evicted() > 0);
    assert!(m.templates().all(|t| m.template_by_id(t.id()).is_some()));
}

#[test]
fn seeded_templates_catch_their_messages() {
    let mut m = Miner::new(MinerOptions::default());
    let s = m.seed("User <*> logged in");
    let a = m.add(1, "User alice logged in");
    assert_eq!(a.cluster, s);
    m.add(2, "User bob logged in");
    let c = m.cluster(s).unwrap();
    assert!(c.seeded);
    assert_eq!(c.count, 2);
    assert_eq!(m.templates().count(), 1);
    assert_eq!(text(&m, a), "User <*> logged in");
}

#[test]
fn key_value_tokens_keep_their_key() {
    assert_eq!(merge_token("user=root", "user=guest"), "user=<*>");
    assert_eq!(merge_token("alpha", "beta"), "<*>");
    assert_eq!(param_value("rhost=<*>", "rhost=1.2.3.4"), "1.2.3.4");
    assert_eq!(param_value("[<*>]", "[42]"), "42");
    for (t, raw) in [
        ("[<*>]", "[42]"),
        ("<*>]", "[42]"),
        ("é<*>é", "é1é"),
        ("é<*>é", "é"),
        ("ab<*>ab", "ab"),
        ("<*>", ""),
        ("x=<*>", "y=1"),
    ] {
        let first = t.find(WILDCARD).unwrap();
        let last = t.rfind(WILDCARD).unwrap() + WILDCARD.len();
        assert_eq!(
            strip_affixes(raw, &t[..first], &t[last..]),
            param_value(t, raw)
        );
    }
    assert_eq!(
        variant_text(&["a".into(), "user=<*>".into()], &[(1, "root".into())]),
        "a user=root"
    );
}

#[test]
fn a_repeated_sequence_joins_a_template_whose_token_holds_a_wildcard() {
    let mut m = Miner::new(MinerOptions::default());
    let first = m.add(1, "session opened for user=alice by uid=0");
    m.add(2, "session opened for user=bob by uid=0");
    assert_eq!(
        m.cluster(first.cluster).unwrap().template(),
        "session opened for user=<*> by uid=<*>"
    );
    // `user=carol` differs from the template token `user=<*>` yet is accepted unchanged: the second
    // time its masked sequence comes, it takes the cached way, with the same outcome.
    for line in 3..=5 {
        let a = m.add(line, "session opened for user=carol by uid=0");
        assert_eq!(a.cluster, first.cluster);
        assert_eq!(a.change, Change::Matched);
    }
    let c = m.cluster(first.cluster).unwrap();
    assert_eq!(c.count, 5);
    assert_eq!(c.last_line(), 5);
    let user = c.params.iter().find(|p| p.position == 3).unwrap();
    assert_eq!(user.values.iter().map(|v| v.count).sum::<u64>(), 5);
    assert_eq!(user.values[0], ("carol", 3));
}

/// A line whose cached cluster accepts it only through a token holding `<*>` goes where the tree
/// search would send it once a better cluster has appeared in the same leaf.
#[test]
fn a_cached_sequence_is_searched_again_when_its_leaf_changed() {
    let mut m = Miner::new(MinerOptions::default());
    let a = m.add(1, "job sync user=alice role=admin done");
    m.add(2, "job sync user=bob role=dev done");
    assert_eq!(
        m.cluster(a.cluster).unwrap().template(),
        "job sync user=<*> role=<*> done"
    );
    assert_eq!(
        m.add(3, "job sync user=carol role=admin done").cluster,
        a.cluster
    );
    let b = m.add(4, "job sync user=carol role=admin failed");
    assert_eq!(b.change, Change::Created);
    assert_ne!(b.cluster, a.cluster);
    // Closer to B (four equal tokens) than to A (three): B takes it and generalizes.
    let again = m.add(5, "job sync user=carol role=admin done");
    assert_eq!(again.cluster, b.cluster);
    assert_eq!(again.change, Change::Generalized);
    // The same line once more: cached, B's search still stands, straight to B.
    let third = m.add(6, "job sync user=carol role=admin done");
    assert_eq!((third.cluster, third.change), (b.cluster, Change::Matched));
}

#[test]
fn a_variant_is_found_when_another_holds_its_hash() {
    let variant = |word: &str| Variant {
        id: format!("T{word}"),
        key: vec![(1, word.to_string())],
        count: 1,
        first_line: 1,
        last_line: 1,
        example: String::new(),
        merged_into: None,
    };
    let variants = vec![variant("Active"), variant("Inactive")];
    let index = VariantIndex::of(&variants);
    let word = |w: &'static str| move |_: usize| w;
    assert_eq!(index.find(&variants, &[1], word("Active")), Some(0));
    assert_eq!(index.find(&variants, &[1], word("Inactive")), Some(1));
    assert_eq!(index.find(&variants, &[1], word("Standby")), None);
    // An index whose entry for `Inactive` names another variant (as a hash collision would): the
    // scan finds it.
    let mut collided = VariantIndex::default();
    collided.insert(&variants[1].key, 0);
    assert_eq!(collided.find(&variants, &[1], word("Inactive")), Some(1));
}

/// Proxifier-style lines: one event whose values take a varying number of tokens.
const CLOSE: &[&str] = &[
    "proxy.example.org:5070 close, 0 bytes sent, 0 bytes received, lifetime 00:01",
    "proxy.example.org:5070 close, 451 bytes sent, 18846 bytes (18.4 KB) received, lifetime <1 sec",
    "proxy.example.org:5070 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, lifetime 00:02",
    "proxy.example.org:5070 close, 403 bytes sent, 426 bytes received, lifetime <1 sec",
    "proxy.example.org:5070 close, 1165 bytes (1.13 KB) sent, 815 bytes received, lifetime <1 sec",
    "proxy.example.org:5070 close, 7829 bytes (7.64 KB) sent, 578548 bytes (564 KB) received, lifetime 00:18",
    "proxy.example.org:5070 close, 850 bytes sent, 10547 bytes (10.2 KB) received, lifetime 00:02",
];

#[test]
fn values_of_varying_length_leave_one_template() {
    let mut m = Miner::new(MinerOptions::default());
    let open = m.add(
        1,
        "proxy.example.org:5070 open through proxy proxy.example.org:5070 HTTPS",
    );
    let assigned: Vec<Assigned> = CLOSE
        .iter()
        .enumerate()
        .map(|(i, l)| m.add(i as u64 + 2, l))
        .collect();
    // Drain alone makes a cluster per length; they are one template.
    let clusters: std::collections::BTreeSet<u32> = assigned.iter().map(|a| a.cluster).collect();
    assert!(clusters.len() > 2, "{clusters:?}");
    let first = m.resolve(assigned[0].cluster, assigned[0].variant).unwrap();
    let id = first.id().to_string();
    assert_eq!(
        first.text(),
        "proxy.example.org:<*> close, <*> <*> sent, <*> <*> received, lifetime <*>"
    );
    for a in &assigned {
        assert_eq!(m.resolve(a.cluster, a.variant).unwrap().id(), id);
    }
    let live: Vec<(String, u64, u64, u64)> = m
        .templates()
        .map(|t| {
            let v = t.variant;
            (t.text(), v.count, v.first_line, v.last_line)
        })
        .collect();
    assert_eq!(live.len(), 2, "{live:?}");
    assert_eq!(live[1].1, CLOSE.len() as u64);
    assert_eq!((live[1].2, live[1].3), (2, CLOSE.len() as u64 + 1));
    assert_ne!(text(&m, open), live[1].0);
    // Lines of a forwarding cluster seen again still count once, as the same template.
    let again = m.add(20, CLOSE[2]);
    assert_eq!(m.resolve(again.cluster, again.variant).unwrap().id(), id);
    let counts: Vec<u64> = m.templates().map(|t| t.variant.count).collect();
    assert_eq!(counts, vec![1, CLOSE.len() as u64 + 1]);
    // Saved and resumed, the clusters keep counting as one template.
    let state = serde_json::to_string(&m.to_state()).unwrap();
    let mut resumed = Miner::from_state(
        MinerOptions::default(),
        serde_json::from_str(&state).unwrap(),
    );
    let later = resumed.add(21, CLOSE[5]);
    assert_eq!(
        resumed.resolve(later.cluster, later.variant).unwrap().id(),
        id
    );
    let counts: Vec<u64> = resumed.templates().map(|t| t.variant.count).collect();
    assert_eq!(counts, vec![1, CLOSE.len() as u64 + 2]);
}

#[test]
fn different_words_around_variables_stay_different_templates() {
    let mut m = Miner::new(MinerOptions::default());
    let a = m.add(1, "Failed password for root from 10.0.0.1 port 22 ssh2");
    let b = m.add(
        2,
        "Failed password for invalid user bob from 10.0.0.2 port 23 ssh2",
    );
    let c = m.add(
        3,
        "Failed password for invalid user eve from 10.0.0.3 port 24 ssh2",
    );
    assert_ne!(
        m.resolve(a.cluster, a.variant).unwrap().id(),
        m.resolve(b.cluster, b.variant).unwrap().id()
    );
    assert_eq!(
        text(&m, a),
        "Failed password for root from <*> port <*> ssh2"
    );
    // A few user names are still words of their templates.
    assert_eq!(
        text(&m, c),
        "Failed password for invalid user eve from <*> port <*> ssh2"
    );
    assert_eq!(m.templates().count(), 3);
}

#[test]
fn names_with_a_number_tell_templates_apart() {
    let mut m = Miner::new(MinerOptions::default());
    let mut ids = std::collections::BTreeSet::new();
    for (i, iface) in ["ee0", "alt0", "scip0", "ee0"].iter().enumerate() {
        let a = m.add(
            i as u64 + 1,
            &format!("NIFF: node node-{i} has detected an available network connection on network 10.0.0.{i} via interface {iface}"),
        );
        ids.insert(m.resolve(a.cluster, a.variant).unwrap().id().to_string());
    }
    assert_eq!(ids.len(), 3);
}

#[test]
fn words_told_apart_by_other_words_stay_templates_and_words_that_vary_together_do_not() {
    // Two words after `MDNS:` and two others after `setup_keepalive:`: four words at one position,
    // two per combination of the other enumerated positions. Four templates, as the events are.
    let mut m = Miner::new(MinerOptions::default());
    let lines = [
        "ARPT: 621241.634070: wl0: MDNS: IPV6 Addr: 2607:f140:6000:8:c6b3:1ff:fecd:467f",
        "ARPT: 626126.086246: wl0: MDNS: IPV4 Addr: 10.105.160.95",
        "ARPT: 645957.322055: wl0: setup_keepalive: Local IP: 10.105.163.202",
        "ARPT: 645957.322101: wl0: setup_keepalive: Remote IP: 17.249.60.76",
        "ARPT: 646001.100000: wl0: MDNS: IPV6 Addr: fe80:0:0:0:c6b3:1ff:fecd:467f",
        "ARPT: 646002.100000: wl0: setup_keepalive: Remote IP: 17.249.60.77",
    ];
    let mut ids = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let a = m.add(i as u64 + 1, l);
        ids.push(m.resolve(a.cluster, a.variant).unwrap().id().to_string());
    }
    assert_eq!(ids[0], ids[4]);
    assert_eq!(ids[3], ids[5]);
    let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), 4, "{ids:?}");
    let texts: std::collections::BTreeSet<String> = m.templates().map(|t| t.text()).collect();
    assert!(
        texts.contains("ARPT: <*>: wl0: MDNS: IPV4 Addr: <*>"),
        "{texts:?}"
    );
    assert!(
        texts.contains("ARPT: <*>: wl0: setup_keepalive: Remote IP: <*>"),
        "{texts:?}"
    );
    // Two positions whose words change together are two parameters of one event: as many
    // combinations as words, so they retire at the usual count.
    let mut m = Miner::new(MinerOptions::default());
    for (i, (user, host)) in [
        ("alice", "hosta"),
        ("bob", "hostb"),
        ("carol", "hostc"),
        ("dave", "hostd"),
        ("erin", "hoste"),
    ]
    .iter()
    .enumerate()
    {
        m.add(
            i as u64 + 1,
            &format!("session opened for {user} on {host} by sshd"),
        );
    }
    let live: Vec<String> = m.templates().map(|t| t.text()).collect();
    assert_eq!(live, ["session opened for <*> on <*> by sshd"]);
}

/// A distinct one-line template per `i` (its own first word, so no family and no shared leaf).
fn other(i: u64) -> String {
    let word: String = (0..6)
        .map(|k| char::from(b'a' + ((i >> (4 * k)) & 15) as u8))
        .collect();
    format!("{word} happened here")
}

#[test]
fn a_template_others_count_as_stays_in_use_and_nothing_is_counted_twice() {
    let opts = MinerOptions {
        max_clusters: 3,
        ..MinerOptions::default()
    };
    let mut m = Miner::new(opts);
    let root = m.add(1, CLOSE[0]);
    let id = m
        .resolve(root.cluster, root.variant)
        .unwrap()
        .id()
        .to_string();
    // Lines of another length keep the template they count as from being the least recently used.
    let mut line = 1;
    for i in 0..20 {
        line += 1;
        let a = m.add(line, CLOSE[1]);
        assert_eq!(m.resolve(a.cluster, a.variant).unwrap().id(), id);
        line += 1;
        m.add(line, &other(i));
    }
    let t = m.template_by_id(&id).unwrap();
    assert_eq!(t.variant.count, 21);
    let total: u64 = m.templates().map(|t| t.variant.count).sum();
    assert!(m.evicted() > 0);
    assert_eq!(
        total,
        21 + 1,
        "{:?}",
        m.templates().map(|t| t.text()).collect::<Vec<_>>()
    );
}

#[test]
fn when_the_template_counted_as_is_evicted_the_cluster_counts_again_from_its_next_line() {
    let opts = MinerOptions {
        max_clusters: 2,
        ..MinerOptions::default()
    };
    let mut m = Miner::new(opts);
    m.add(1, CLOSE[0]);
    let fwd = m.add(2, CLOSE[1]);
    assert_eq!(m.templates().count(), 1);
    // Two newer templates: the oldest, the one counted as, goes.
    m.add(3, &other(1));
    m.add(4, &other(2));
    assert!(m.evicted() > 0);
    let counts: Vec<(String, u64)> = m.templates().map(|t| (t.text(), t.variant.count)).collect();
    // The forwarding cluster's earlier line went with the evicted template: not counted twice.
    assert!(
        counts.iter().all(|(t, _)| !t.contains("close,")),
        "{counts:?}"
    );
    let again = m.add(5, CLOSE[1]);
    assert_eq!(again.cluster, fwd.cluster);
    let t = m.resolve(again.cluster, again.variant).unwrap();
    assert_eq!(
        (t.variant.count, t.variant.first_line, t.variant.last_line),
        (1, 5, 5)
    );
    assert!(t.text().contains("close,"));
}

#[test]
fn a_template_others_count_as_enumerates_no_words() {
    let mut m = Miner::new(MinerOptions::default());
    let root = m.add(1, CLOSE[0]);
    m.add(2, CLOSE[1]);
    // A word differs at one position of the template the other length counts as: a parameter, not
    // a second template that lines of the other length could not be told apart for.
    let b = m.add(
        3,
        "proxy.example.org:5070 close, 0 bytes sent, 0 bytes received, duration 00:01",
    );
    assert_eq!(b.cluster, root.cluster);
    let live: Vec<(String, u64)> = m.templates().map(|t| (t.text(), t.variant.count)).collect();
    assert_eq!(
        live,
        vec![(
            "proxy.example.org:<*> close, <*> <*> sent, <*> <*> received, <*> <*>".to_string(),
            3
        )]
    );
}

/// Messages of many kinds: numbers of varying lengths, dates, units, paths, UUIDs, names with a
/// number, tokens holding `<*>` among text, enumerated words, several lengths of one event.
fn varied_lines(n: u64) -> Vec<String> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |m: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % m
    };
    let users = ["root", "admin", "guest", "bob", "alice", "carol"];
    let states = ["Active", "Inactive", "Failed"];
    (0..n)
        .map(|_| {
            let (a, b, c) = (next(100_000), next(300), next(9));
            match next(13) {
                0 => format!(
                    "Accepted password for {} from 10.{}.{}.{} port {a} ssh2",
                    users[(a % 6) as usize],
                    b,
                    c,
                    a % 256
                ),
                1 => format!("sshd[{a}]: Connection closed by 192.168.{c}.{b} [preauth]"),
                2 => format!("kernel: eth{} link up, speed {} Mb/s", c % 2, 10 * (b + 1)),
                3 => format!("Sun Jul {} 03:55:{:02} 2005 job {a} finished in {b} ms", c + 1, b % 60),
                4 => format!("20171223-22:15:{:02}:{b}|Step_LSC|{a}|onStandStepChanged {c}", b % 60),
                5 => format!(
                    "20171223-22:15:{:02}:{b}|Step_ExtSDM|{a}|calculateCaloriesWithCache totalCalories={a}",
                    c
                ),
                6 => format!("unit state {} for {b} s", states[(a % 3) as usize]),
                7 => format!("[instance: b9000564-fe1a-409b-b8cc-{a:012x}] Claim successful"),
                8 => format!("took {b} sec to rotate /var/log/app{c}.log"),
                9 => format!("took {b} secs to rotate file{c} Jul"),
                10 => format!("{} {c} {}", ["Mon", "May", "Dec"][(a % 3) as usize], users[c as usize % 6]),
                11 => format!("proxy.example.org:{a} close, {b} bytes sent, {c} bytes received, lifetime <1 sec"),
                _ => format!(
                    "proxy.example.org:{a} close, {b} bytes ({c}.{b} KB) sent, {c} bytes received, lifetime 00:{c:02}"
                ),
            }
        })
        .collect()
}

/// What mining `lines` gave: the template id of each message, the final state and the shape
/// cache's counters.
struct Mined {
    ids: Vec<String>,
    state: String,
    shape_hits: u64,
    shape_trusted: u64,
}

fn mine_all(opts: MinerOptions, lines: &[String]) -> Mined {
    let mut m = Miner::new(opts);
    let ids = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let a = m.add(i as u64 + 1, l);
            m.resolve(a.cluster, a.variant).unwrap().id().to_string()
        })
        .collect();
    Mined {
        ids,
        state: serde_json::to_string(&m.to_state()).unwrap(),
        shape_hits: m.shape_hits,
        shape_trusted: m.shape_trusted,
    }
}

#[test]
fn shapes_of_few_words_go_where_masking_them_would() {
    // Short messages from a small vocabulary, so that shapes repeat, templates generalize under
    // verified shapes, enumerated words retire and (with few clusters) clusters are evicted: words
    // with digits that stay words (`en0`, `ssh2`), numbers of varying length, ids, paths, addresses,
    // date and unit words. With the shortcut and without it, the same templates of every message.
    const WORDS: [&[&str]; 6] = [
        &["user", "en0", "en1", "Jul"],
        &["alice", "bob", "5", "12", "ssh2"],
        &["ok", "fail", "id=42", "id=7", "x1y"],
        &["ms", "at", "(en0)", "/var/log/a1", "0x1f", "blk_-3", "ssh2"],
        &[
            "user=bob", "user=al", "user=7", "port", "5ms", "12 ms", "eth1", "eth2",
        ],
        &[
            "done",
            "x",
            "10.0.0.1",
            "10.0.0.12",
            "en0:",
            "en1:",
            "B",
            "KB",
        ],
    ];
    let never = regex::Regex::new("^never$").unwrap();
    let mut hits = 0;
    for seed in 1..=40u64 {
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut next = |m: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % m as u64) as usize
        };
        let lines: Vec<String> = (0..1500)
            .map(|_| {
                let n = 2 + next(5);
                WORDS[..n]
                    .iter()
                    .map(|set| set[next(set.len())])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let max_clusters = if seed % 2 == 0 { 15 } else { 50_000 };
        let fast = MinerOptions {
            max_clusters,
            ..MinerOptions::default()
        };
        let mut slow = fast.clone();
        slow.mask.extra.push((never.clone(), "never".to_string()));
        let fast = mine_all(fast, &lines);
        let slow = mine_all(slow, &lines);
        assert_eq!(fast.ids, slow.ids, "seed {seed}");
        assert_eq!(fast.state, slow.state, "seed {seed}");
        hits += fast.shape_hits;
    }
    assert!(hits > 5_000, "{hits} of 60,000 messages took the shortcut");
}

#[test]
fn messages_of_a_known_shape_go_where_masking_them_would() {
    // The same messages with the shortcut and without it (a user mask that matches nothing turns
    // it off): the same templates, counts, parameters and template of every message.
    let lines = varied_lines(3000);
    let fast = mine_all(MinerOptions::default(), &lines);
    let mut opts = MinerOptions::default();
    opts.mask
        .extra
        .push((regex::Regex::new("^never$").unwrap(), "never".to_string()));
    let slow = mine_all(opts, &lines);
    let (fast_ids, fast_state, hits, trusted) =
        (fast.ids, fast.state, fast.shape_hits, fast.shape_trusted);
    let (slow_ids, slow_state, no_hits) = (slow.ids, slow.state, slow.shape_hits);
    assert_eq!(no_hits, 0);
    assert!(hits > 2000, "{hits} of 3000 messages took the shortcut");
    // Most without comparing their steady tokens (`eth0` and `eth1`, steady tokens with digits,
    // are held to the verified message's values by the entry's hash of them).
    assert!(
        trusted > 2000,
        "{trusted} of {hits} shortcuts trusted a verified shape"
    );
    assert_eq!(fast_ids, slow_ids);
    assert_eq!(fast_state, slow_state);
}

#[test]
fn zz_debug_seed1() {
    let lines: Vec<String> = std::fs::read_to_string("/tmp/seed1.txt")
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let run = |opts: MinerOptions| {
        let mut m = Miner::new(opts);
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let a = m.add(i as u64 + 1, l);
                let t = m.resolve(a.cluster, a.variant).unwrap();
                let c = m.cluster(a.cluster).unwrap();
                format!(
                    "{} | {} | {} | cl {} {:?} {:?} {:?}",
                    l,
                    t.id(),
                    t.text(),
                    a.cluster,
                    c.tokens,
                    c.enum_positions,
                    c.same_as
                )
            })
            .collect::<Vec<_>>()
    };
    let mut slow = MinerOptions::default();
    slow.mask
        .extra
        .push((regex::Regex::new("^never$").unwrap(), "never".to_string()));
    let a = run(MinerOptions::default());
    let b = run(slow);
    for (x, y) in a.iter().zip(&b) {
        eprintln!("{}{x}\n   {y}", if x != y { "!! " } else { "   " });
    }
}
