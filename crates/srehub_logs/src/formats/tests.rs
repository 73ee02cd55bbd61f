//! Tests of the stream parser: detection, mixed streams, reassembly, bad bytes.

use proptest::prelude::*;

use super::*;
use crate::record::Level;

fn run(choice: FormatChoice, input: &[u8]) -> (Vec<Record>, Parser) {
    let mut p = Parser::new(choice);
    let mut out = Vec::new();
    for (i, line) in input.split(|&c| c == b'\n').enumerate() {
        p.push_line(i as u64 + 1, line, &mut out);
    }
    p.finish(&mut out);
    (out, p)
}

fn auto(input: &str) -> (Vec<Record>, Parser) {
    run(FormatChoice::Auto, input.as_bytes())
}

fn s(v: &str) -> FieldValue {
    FieldValue::Str(v.into())
}

/// Records handed back with `recycle` lend their allocations to the next records: what those hold
/// is theirs alone, whatever the format, and the same as without recycling.
#[test]
fn recycled_records_do_not_leak_into_the_next_ones() {
    let input = concat!(
        "{\"msg\":\"first json\",\"level\":\"warn\",\"a\":1,\"b\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n",
        "{\"msg\":\"second\",\"c\":true}\n",
        "{\"c\":true}\n",
        "a plain line\n",
        "ts=2024-01-02T03:04:05Z level=info msg=\"logfmt line\" k=v n=3\n",
        "level=error k=v\n",
        "{not json\n",
        "x\n",
        "{\"log\":\"{\\\"msg\\\":\\\"inner\\\",\\\"k\\\":2}\\n\",\"stream\":\"stdout\",\"time\":\"2024-01-02T03:04:05Z\"}\n",
    );
    let (expected, _) = auto(input);
    let mut p = Parser::new(FormatChoice::Auto);
    let mut got = Vec::new();
    let mut batch = Vec::new();
    for (i, line) in input.lines().enumerate() {
        p.push_line(i as u64 + 1, line.as_bytes(), &mut batch);
        for rec in batch.drain(..) {
            got.push(rec.clone());
            p.recycle(rec);
        }
    }
    p.finish(&mut batch);
    got.append(&mut batch);
    assert_eq!(got, expected);
    assert_eq!(got.len(), 9);
    assert_eq!(got[2].message, "");
    assert_eq!(got[5].message, "");
    assert_eq!(got[5].fields, vec![("k".into(), s("v"))]);
    assert_eq!(got[8].message, "inner");
}

#[test]
fn json_lines_are_detected_and_parsed() {
    let (recs, p) = auto(concat!(
        r#"{"ts":"2024-01-02T03:04:05Z","level":"INFO","msg":"started","http":{"status":200},"args":["a"]}"#,
        "\n\n",
        r#"{"time":1700000000,"severity":"error","message":"failed","code":7}"#,
        "\r\n",
    ));
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].message, "started");
    assert_eq!(recs[0].level, Some(Level::Info));
    assert_eq!(
        recs[0].fields,
        vec![
            ("http.status".into(), FieldValue::Int(200)),
            ("args.0".into(), s("a"))
        ]
    );
    assert_eq!(recs[1].line, 3);
    assert_eq!(recs[1].level, Some(Level::Error));
    assert_eq!(
        recs[1].timestamp,
        Some("2023-11-14T22:13:20Z".parse().unwrap())
    );
    assert_eq!(p.detected(), Some(Format::Json));
    let st = p.stats();
    assert_eq!((st.lines, st.records, st.unparsed), (4, 2, 0));
    assert_eq!(st.by_format.get("json"), Some(&2));
}

#[test]
fn pretty_printed_json_objects_are_joined() {
    let input = "{\n  \"level\": \"warn\",\n  \"msg\": \"a } in a string {\",\n  \"nested\": {\n    \"k\": [1,\n 2]\n  }\n}\n{\"msg\":\"next\"}\n{ \"msg\": \"open\",\n  \"x\": 1 }\n";
    let (recs, p) = auto(input);
    assert_eq!(recs.len(), 3, "{recs:?}");
    assert_eq!(recs[0].line, 1);
    assert_eq!(recs[0].message, "a } in a string {");
    assert_eq!(recs[0].level, Some(Level::Warn));
    assert_eq!(
        recs[0].field("nested.k.1").map(|v| v.to_owned_value()),
        Some(FieldValue::Int(2))
    );
    assert_eq!(recs[1].line, 9);
    assert_eq!(recs[2].line, 10);
    assert_eq!(
        recs[2].field("x").map(|v| v.to_owned_value()),
        Some(FieldValue::Int(1))
    );
    assert_eq!(p.stats().unparsed, 0);
}

#[test]
fn a_lone_brace_followed_by_prose_is_not_json() {
    let (recs, p) = auto("{\nhello world\nsecond line\n");
    let msgs: Vec<&str> = recs.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(msgs, ["{", "hello world", "second line"]);
    assert_eq!(recs[1].line, 2);
    assert_eq!(p.stats().records, 3);
}

#[test]
fn unfinished_or_invalid_json_objects_become_plain_lines() {
    let (recs, p) = auto("{\n  \"a\": 1,\n");
    let msgs: Vec<&str> = recs.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(msgs, ["{", "  \"a\": 1,"]);
    assert_eq!(p.stats().unparsed, 2);
    let (recs, _) = auto("{\n  \"a\": nope\n}\nafter\n");
    let msgs: Vec<&str> = recs.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(msgs, ["{", "  \"a\": nope", "}", "after"]);
    assert_eq!(recs[3].line, 4);
}

#[test]
fn multi_line_json_is_capped() {
    let mut input = String::from("{\n\"a\": [\n");
    for _ in 0..(MAX_PENDING_LINES + 10) {
        input.push_str("1,\n");
    }
    let (recs, p) = auto(&input);
    assert_eq!(p.stats().truncated, 1);
    assert_eq!(recs.len(), MAX_PENDING_LINES + 12);
    assert!(recs.iter().all(|r| r.format == Format::Plain));
    assert_eq!(p.stats().lines, MAX_PENDING_LINES as u64 + 13);
}

#[test]
fn docker_partial_lines_are_joined_per_stream() {
    let input = concat!(
        r#"{"log":"first half, ","stream":"stdout","time":"2019-01-01T00:00:00.1Z"}"#,
        "\n",
        r#"{"log":"an error\n","stream":"stderr","time":"2019-01-01T00:00:00.2Z"}"#,
        "\n",
        r#"{"log":"second half\n","stream":"stdout","time":"2019-01-01T00:00:00.3Z"}"#,
        "\n",
        r#"{"log":"{\"level\":\"warn\",\"msg\":\"inner\",\"k\":1}\n","stream":"stdout","time":"2019-01-01T00:00:00.4Z"}"#,
        "\n",
        r#"{"log":"dangling","stream":"stdout","time":"2019-01-01T00:00:00.5Z"}"#,
        "\n",
    );
    let (recs, p) = auto(input);
    assert_eq!(p.detected(), Some(Format::Docker));
    let msgs: Vec<&str> = recs.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(
        msgs,
        ["an error", "first half, second half", "inner", "dangling"]
    );
    assert_eq!(recs[1].line, 1);
    assert_eq!(
        recs[1].timestamp,
        Some("2019-01-01T00:00:00.1Z".parse().unwrap())
    );
    assert_eq!(recs[1].fields, vec![("stream".into(), s("stdout"))]);
    assert_eq!(
        recs[0].field("stream").map(|v| v.to_owned_value()),
        Some(s("stderr"))
    );
    assert_eq!(recs[2].level, Some(Level::Warn));
    assert_eq!(
        recs[2].field("k").map(|v| v.to_owned_value()),
        Some(FieldValue::Int(1))
    );
    assert_eq!(
        recs[2].timestamp,
        Some("2019-01-01T00:00:00.4Z".parse().unwrap())
    );
    assert!(recs.iter().all(|r| r.format == Format::Docker));
}

#[test]
fn cri_partial_lines_and_nested_formats() {
    let input = "\
2016-10-06T00:17:09.669794202Z stdout P part one, \n\
2016-10-06T00:17:09.669794203Z stderr F boom\n\
2016-10-06T00:17:09.669794204Z stdout P part two, \n\
2016-10-06T00:17:09.669794205Z stdout F done\n\
2016-10-06T00:17:10Z stdout F {\"level\":\"error\",\"msg\":\"from json\",\"ts\":\"2020-01-01T00:00:00Z\"}\n\
2016-10-06T00:17:11Z stderr F level=warn msg=\"from logfmt\" user=bob\n\
2016-10-06T00:17:12Z stdout F plain x=1 text\n";
    let (recs, p) = auto(input);
    assert_eq!(p.detected(), Some(Format::Cri));
    let msgs: Vec<&str> = recs.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "boom",
            "part one, part two, done",
            "from json",
            "from logfmt",
            "plain x=1 text"
        ]
    );
    assert_eq!(recs[1].line, 1);
    assert_eq!(
        recs[1].timestamp,
        Some("2016-10-06T00:17:09.669794202Z".parse().unwrap())
    );
    assert_eq!(recs[2].level, Some(Level::Error));
    assert_eq!(
        recs[2].timestamp,
        Some("2020-01-01T00:00:00Z".parse().unwrap())
    );
    assert_eq!(recs[3].level, Some(Level::Warn));
    assert_eq!(
        recs[3].timestamp,
        Some("2016-10-06T00:17:11Z".parse().unwrap())
    );
    assert_eq!(
        recs[3].fields,
        vec![("stream".into(), s("stderr")), ("user".into(), s("bob"))]
    );
    assert_eq!(recs[4].level, None);
    assert!(recs.iter().all(|r| r.format == Format::Cri));
    assert_eq!(p.stats().unparsed, 0);
}

#[test]
fn cri_partials_are_flushed_at_the_end_and_capped() {
    let (recs, _) = auto("2016-10-06T00:17:09Z stdout P never finished\n");
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].message, "never finished");
    let chunk = "x".repeat(300_000);
    let mut input = String::new();
    for _ in 0..5 {
        input.push_str(&format!("2016-10-06T00:17:09Z stdout P {chunk}\n"));
    }
    let (recs, p) = auto(&input);
    assert_eq!(p.stats().truncated, 1);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].message.len(), 4 * 300_000);
    assert_eq!(recs[1].line, 5);
}

#[test]
fn journal_export_blocks() {
    let mut input: Vec<u8> = Vec::new();
    input.extend_from_slice(
        b"__CURSOR=s=1\n__REALTIME_TIMESTAMP=1700000000000000\nPRIORITY=4\n_SYSTEMD_UNIT=a.service\nMESSAGE=low disk\n\n",
    );
    input.extend_from_slice(b"__CURSOR=s=2\n__REALTIME_TIMESTAMP=1700000001000000\nMESSAGE\n");
    let data = b"bin\nary\xff";
    input.extend_from_slice(&(data.len() as u64).to_le_bytes());
    input.extend_from_slice(data);
    input.extend_from_slice(b"\nthis line is not a field\nSYSLOG_IDENTIFIER=app\n\n\n");
    input.extend_from_slice(b"MESSAGE=last, no blank line after");
    let (recs, p) = run(FormatChoice::Auto, &input);
    assert_eq!(p.detected(), Some(Format::JournalExport));
    assert_eq!(recs.len(), 3, "{recs:?}");
    assert_eq!(recs[0].message, "low disk");
    assert_eq!(recs[0].level, Some(Level::Warn));
    assert_eq!(
        recs[0].timestamp,
        Some("2023-11-14T22:13:20Z".parse().unwrap())
    );
    assert_eq!(
        recs[0].field("_SYSTEMD_UNIT").map(|v| v.to_owned_value()),
        Some(s("a.service"))
    );
    assert_eq!(recs[1].message, "bin\nary\u{fffd}");
    assert_eq!(recs[1].line, 7);
    assert_eq!(
        recs[1]
            .field("SYSLOG_IDENTIFIER")
            .map(|v| v.to_owned_value()),
        Some(s("app"))
    );
    assert_eq!(recs[2].message, "last, no blank line after");
    assert_eq!(p.stats().unparsed, 1);
    assert_eq!(p.stats().invalid_utf8, 0);
}

#[test]
fn journal_json_lines() {
    let (recs, p) = auto(
        r#"{"__CURSOR":"s=1","__REALTIME_TIMESTAMP":"1700000000000000","PRIORITY":"6","SYSLOG_IDENTIFIER":"sshd","MESSAGE":[104,105]}"#,
    );
    assert_eq!(p.detected(), Some(Format::JournalJson));
    assert_eq!(recs[0].message, "hi");
    assert_eq!(recs[0].level, Some(Level::Info));
    assert_eq!(recs[0].format, Format::JournalJson);
}

#[test]
fn text_formats_are_detected() {
    let cases = [
        (
            "<34>Oct 11 22:14:15 mymachine su: 'su root' failed",
            Format::Syslog3164,
            "'su root' failed",
        ),
        (
            "Jun 14 15:16:01 combo sshd[1]: check pass",
            Format::Syslog3164,
            "check pass",
        ),
        (
            "<165>1 2003-10-11T22:14:15.003Z host app - ID47 - hello",
            Format::Syslog5424,
            "hello",
        ),
        (
            r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "-" "ua""#,
            Format::AccessLog,
            "GET /a.gif HTTP/1.0",
        ),
        (
            r#"ts=2024-01-01T00:00:00Z level=info msg="hello world" k=v"#,
            Format::Logfmt,
            "hello world",
        ),
    ];
    for (line, format, msg) in cases {
        assert_eq!(detect(line), Some(format), "{line}");
        let (recs, p) = auto(line);
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].format, format);
        assert_eq!(recs[0].message, msg);
        assert_eq!(p.stats().unparsed, 0);
    }
    for line in [
        "081109 203615 148 INFO dfs.DataNode$PacketResponder: Received block",
        "2015-10-18 18:01:47,978 INFO [main] org.apache.App: Created MRAppMaster",
        "starting server with port=8080",
        "",
        "   ",
        "{not json",
        "[1,2,3]",
        "PATH=/usr/bin",
    ] {
        assert_eq!(detect(line), None, "{line}");
    }
    assert_eq!(detect("{"), Some(Format::Json));
    assert_eq!(detect("MESSAGE=hello"), Some(Format::JournalExport));
    assert_eq!(detect("2016-10-06T00:17:09Z stdout F x"), Some(Format::Cri));
}

#[test]
fn mixed_streams_count_unparsed_only_after_structure() {
    let (recs, p) = auto("plain one\nplain two\n");
    assert_eq!(recs.len(), 2);
    assert_eq!(p.stats().unparsed, 0);
    assert_eq!(p.detected(), None);
    let input = concat!(
        "a plain preamble\n",
        r#"{"level":"error","msg":"exception"}"#,
        "\n",
        "java.lang.RuntimeException: boom\n",
        "\tat com.example.Main.run(Main.java:10)\n",
        "level=info msg=logfmt now=1\n",
        r#"{"msg":"json again"}"#,
        "\n",
    );
    let (recs, p) = auto(input);
    let formats: Vec<Format> = recs.iter().map(|r| r.format).collect();
    assert_eq!(
        formats,
        [
            Format::Plain,
            Format::Json,
            Format::Plain,
            Format::Plain,
            Format::Logfmt,
            Format::Json
        ]
    );
    assert_eq!(recs[3].message, "\tat com.example.Main.run(Main.java:10)");
    assert_eq!(p.stats().unparsed, 2);
    assert_eq!(p.stats().by_format.get("plain"), Some(&3));
}

#[test]
fn fixed_formats_and_patterns() {
    let (recs, p) = run(
        FormatChoice::Fixed(Format::Logfmt),
        b"a=1 b=2\nnot logfmt at all\n",
    );
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[1].format, Format::Plain);
    assert_eq!(p.stats().unparsed, 1);
    assert_eq!(p.detected(), Some(Format::Logfmt));
    let (recs, p) = run(FormatChoice::Fixed(Format::Plain), b"{\"msg\":\"x\"}\n");
    assert_eq!(recs[0].message, "{\"msg\":\"x\"}");
    assert_eq!(p.stats().unparsed, 0);
    let pat = Pattern::new("<Date> <Time> <Level> <Content>").unwrap();
    let (recs, p) = run(
        FormatChoice::Pattern(pat),
        b"2015-10-18 18:01:47,978 INFO hello there\nno-match\n\n",
    );
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].message, "hello there");
    assert_eq!(recs[0].format, Format::Pattern);
    assert_eq!(
        recs[0].timestamp,
        Some("2015-10-18T18:01:47.978Z".parse().unwrap())
    );
    assert_eq!(recs[1].message, "no-match");
    assert_eq!(recs[1].line, 2);
    assert_eq!(p.stats().unparsed, 1);
    assert_eq!(p.detected(), Some(Format::Pattern));
}

#[test]
fn invalid_utf8_is_read_lossily_and_counted() {
    let (recs, p) = run(
        FormatChoice::Auto,
        b"caf\xe9 ok\n{\"msg\":\"\xff\"}\r\n\xef\xbb\xbf{\"msg\":\"bom\"}",
    );
    assert_eq!(recs[2].message, "bom");
    assert_eq!(recs[2].format, Format::Json);
    assert_eq!(recs[0].message, "caf\u{fffd} ok");
    assert_eq!(recs[1].message, "\u{fffd}");
    assert_eq!(p.stats().invalid_utf8, 2);
}

#[test]
fn five_megabyte_lines() {
    let big = "word ".repeat(1_000_000);
    let (recs, _) = auto(&big);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].message.len(), big.len());
    let json = format!(r#"{{"msg":"{}","level":"info"}}"#, "y".repeat(5_000_000));
    let (recs, _) = auto(&json);
    assert_eq!(recs[0].message.len(), 5_000_000);
    assert_eq!(recs[0].format, Format::Json);
    let logfmt = format!("level=info msg={}", "z".repeat(5_000_000));
    let (recs, _) = auto(&logfmt);
    assert_eq!(recs[0].format, Format::Logfmt);
    // An unbalanced 5 MB object opener is emitted at once, as it is.
    let open = format!(r#"{{"a": ["{}""#, "q".repeat(5_000_000));
    let (recs, p) = auto(&open);
    assert_eq!(recs.len(), 1);
    assert_eq!(p.stats().truncated, 1);
    let (recs, _) = auto(&"{".repeat(5_000_000));
    assert_eq!(recs.len(), 1);
}

#[test]
fn garbage_bytes_do_not_panic() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut bytes = Vec::with_capacity(200_000);
    for _ in 0..200_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.push((state >> 24) as u8);
    }
    let lines = bytes.split(|&c| c == b'\n').count() as u64;
    for choice in [
        FormatChoice::Auto,
        FormatChoice::Fixed(Format::JournalExport),
        FormatChoice::Fixed(Format::Json),
        FormatChoice::Fixed(Format::Cri),
    ] {
        let (_, p) = run(choice, &bytes);
        assert_eq!(p.stats().lines, lines);
    }
}

/// Input built from fragments of real formats, so that the parsers get past their first checks.
fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..12),
        prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            "\"",
            "\\",
            "\n",
            "\r",
            " ",
            "=",
            ":",
            "<34>",
            "<165>1 ",
            "MESSAGE",
            "MESSAGE=",
            "__CURSOR=",
            "2016-10-06T00:17:09Z ",
            "stdout ",
            "P ",
            "F ",
            "Jun 14 15:16:01 ",
            "host ",
            "app[1]: ",
            "\"log\":\"",
            "\"stream\":\"stdout\"",
            "\"time\":\"2019-01-01T00:00:00Z\"",
            "\\n\"",
            "level=info ",
            "msg=\"",
            "[10/Oct/2000:13:55:36 -0700] ",
            "\"GET / HTTP/1.1\" 200 1 ",
            "- - ",
            "\x08\0\0\0\0\0\0\0",
            "\u{feff}",
            "é",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
    ]
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(parts in prop::collection::vec(fragment(), 0..80)) {
        let input: Vec<u8> = parts.concat();
        let lines: Vec<&[u8]> = input.split(|&c| c == b'\n').collect();
        let mut p = Parser::new(FormatChoice::Auto);
        let mut out = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            p.push_line(i as u64 + 1, l, &mut out);
        }
        p.finish(&mut out);
        prop_assert_eq!(p.stats().lines, lines.len() as u64);
        prop_assert_eq!(p.stats().records, out.len() as u64);
        prop_assert!(out.iter().all(|r| r.line >= 1 && r.line <= lines.len() as u64));
    }

    #[test]
    fn random_lines_never_panic(lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..40)) {
        let mut p = Parser::new(FormatChoice::Auto);
        let mut out = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            p.push_line(i as u64 + 1, l, &mut out);
        }
        p.finish(&mut out);
        prop_assert_eq!(p.stats().lines, lines.len() as u64);
    }
}

#[test]
fn docker_partials_of_many_streams_do_not_pile_up() {
    let mut p = Parser::new(FormatChoice::Fixed(Format::Docker));
    let mut out = Vec::new();
    for i in 0..1000u64 {
        let line = format!(r#"{{"log":"part {i}","stream":"s{i}","time":"2024-01-01T00:00:00Z"}}"#);
        p.push_line(i + 1, line.as_bytes(), &mut out);
    }
    // All but the last few were flushed as truncated records while reading.
    assert!(
        out.len() >= 1000 - super::MAX_PENDING_STREAMS,
        "{}",
        out.len()
    );
    p.finish(&mut out);
    assert_eq!(out.len(), 1000);
}
