//! Tests of timestamp parsing.

use super::*;
use crate::record::FieldValue;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn p(s: &str) -> Option<Timestamp> {
    parse_timestamp(s)
}

proptest::proptest! {
    #[test]
    fn the_fast_path_agrees_with_the_general_one(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "0", "1", "2", "3", "5", "9", "19", "20", "24", "29", "31", "59", "60", "99",
                "2024-", "-", "T", "t", " ", ":", ".", ",", "Z", "z", "+02:00", "1999-12-31T23:59:",
                "2016-02-29 ", "00:00:", "1234567890",
            ]),
            0..12,
        )
    ) {
        let s: String = parts.concat();
        if let Some(fast) = rfc3339_utc(s.as_bytes()) {
            proptest::prop_assert_eq!(fast, parse_trimmed(&s), "{}", s);
        }
    }

    #[test]
    fn the_fast_path_agrees_on_near_rfc3339_text(
        y in 0u32..10000, mo in 0u32..14, d in 0u32..33, h in 0u32..26, mi in 0u32..62,
        sec in 0u32..62,
        sep in proptest::sample::select(vec!["T", "t", " ", "_", "  "]),
        frac in proptest::sample::select(vec!["", ".", ".5", ",123", ".1234567891234", ":5", ".12a"]),
        zone in proptest::sample::select(vec!["", "Z", "z", " Z", "+01:00", "x", "ZZ"]),
    ) {
        let s = format!("{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{sec:02}{frac}{zone}");
        if let Some(fast) = rfc3339_utc(s.as_bytes()) {
            proptest::prop_assert_eq!(fast, parse_trimmed(&s), "{}", s);
        }
    }
}

#[test]
fn the_fast_path_takes_the_usual_shapes() {
    for s in [
        "2024-05-01T10:00:00.000Z",
        "2024-05-01 10:00:00,123",
        "2024-05-01t10:00:00z",
        "2024-02-30T10:00:00Z",
    ] {
        assert_eq!(rfc3339_utc(s.as_bytes()), Some(parse_trimmed(s)), "{s}");
    }
    assert_eq!(rfc3339_utc(b"2024-05-01T10:00:00+02:00"), None);
}

#[test]
fn rfc3339_and_iso_variants() {
    let t = ts("2016-10-06T00:17:09.669794202Z");
    assert_eq!(p("2016-10-06T00:17:09.669794202Z"), Some(t));
    assert_eq!(p("2016-10-06T02:17:09.669794202+02:00"), Some(t));
    assert_eq!(p("2016-10-06T02:17:09.669794202+0200"), Some(t));
    assert_eq!(p("2016-10-05T22:17:09.669794202-02"), Some(t));
    assert_eq!(p("2016-10-06 00:17:09.669794202"), Some(t));
    assert_eq!(p("2016-10-06t00:17:09.669794202z"), Some(t));
    assert_eq!(p("2016-10-06 00:17:09.669794202 +0000 UTC"), Some(t));
    assert_eq!(p("2016-10-06 00:17:09.669794202 UTC"), Some(t));
    assert_eq!(p("2016-10-06T00:17:09Z"), Some(ts("2016-10-06T00:17:09Z")));
    assert_eq!(p("2016-10-06T00:17Z"), Some(ts("2016-10-06T00:17:00Z")));
    assert_eq!(p("2016-10-06"), Some(ts("2016-10-06T00:00:00Z")));
    assert_eq!(p("2016/10/06 00:17:09"), Some(ts("2016-10-06T00:17:09Z")));
    assert_eq!(
        p("  2016-10-06T00:17:09Z  "),
        Some(ts("2016-10-06T00:17:09Z"))
    );
    // Digits past nanoseconds are ignored.
    assert_eq!(
        p("2016-10-06T00:17:09.6697942021234Z"),
        Some(ts("2016-10-06T00:17:09.669794202Z"))
    );
}

#[test]
fn comma_fraction_and_log_specific_layouts() {
    assert_eq!(
        p("2015-10-18 18:01:47,978"),
        Some(ts("2015-10-18T18:01:47.978Z"))
    );
    // HealthApp
    assert_eq!(
        p("20171223-22:15:29:606"),
        Some(ts("2017-12-23T22:15:29.606Z"))
    );
    // BGL
    assert_eq!(
        p("2005-06-03-15.42.50.675872"),
        Some(ts("2005-06-03T15:42:50.675872Z"))
    );
    assert_eq!(p("17/06/09 20:10:40"), Some(ts("2017-06-09T20:10:40Z")));
    assert_eq!(p("081109 203615"), Some(ts("2008-11-09T20:36:15Z")));
    assert_eq!(
        p("10/Oct/2000:13:55:36 -0700"),
        Some(ts("2000-10-10T20:55:36Z"))
    );
    assert_eq!(
        p("[10/Oct/2000:13:55:36 -0700]"),
        Some(ts("2000-10-10T20:55:36Z"))
    );
    assert_eq!(
        p("Sun Dec 04 04:47:44 2005"),
        Some(ts("2005-12-04T04:47:44Z"))
    );
    assert_eq!(
        p("Tue, 10 Oct 2000 13:55:36 GMT"),
        Some(ts("2000-10-10T13:55:36Z"))
    );
    assert_eq!(
        p("10 Oct 2000 13:55:36 +0100"),
        Some(ts("2000-10-10T12:55:36Z"))
    );
    assert_eq!(p("Jun 14 2017 15:16:01"), Some(ts("2017-06-14T15:16:01Z")));
}

#[test]
fn epochs_by_magnitude() {
    let t = ts("2023-11-14T22:13:20Z");
    assert_eq!(p("1700000000"), Some(t));
    assert_eq!(p("1700000000000"), Some(t));
    assert_eq!(p("1700000000000000"), Some(t));
    assert_eq!(p("1700000000000000000"), Some(t));
    assert_eq!(p("1700000000.5"), Some(ts("2023-11-14T22:13:20.5Z")));
    assert_eq!(p("1700000000123.5"), Some(ts("2023-11-14T22:13:20.1235Z")));
    assert_eq!(parse_epoch_i64(1_700_000_000_000), Some(t));
    assert_eq!(
        parse_epoch_f64(1_700_000_000.25),
        Some(ts("2023-11-14T22:13:20.25Z"))
    );
    assert_eq!(parse_epoch_f64(1.7e12), Some(t));
    // Uptimes and small numbers are not wall-clock times.
    assert_eq!(p("12.345678"), None);
    assert_eq!(p("203615"), None);
    assert_eq!(parse_epoch_i64(-5), None);
    assert_eq!(parse_epoch_f64(f64::NAN), None);
    assert_eq!(parse_epoch_f64(1e300), None);
    assert_eq!(p("99999999999999999999999"), None);
}

#[test]
fn syslog_needs_a_year() {
    assert_eq!(p("Jun 14 15:16:01"), None);
    assert_eq!(
        parse_syslog_time("Jun 14 15:16:01", 2005),
        Some(ts("2005-06-14T15:16:01Z"))
    );
    assert_eq!(
        parse_syslog_time("Jun  9 06:06:20", 2005),
        Some(ts("2005-06-09T06:06:20Z"))
    );
    assert_eq!(
        parse_syslog_time("june 9 06:06:20.250", 2005),
        Some(ts("2005-06-09T06:06:20.25Z"))
    );
    assert_eq!(parse_syslog_time("Feb 29 00:00:00", 2023), None);
    assert_eq!(
        parse_syslog_time("Feb 29 00:00:00", 2024),
        Some(ts("2024-02-29T00:00:00Z"))
    );
}

#[test]
fn invalid_values_are_refused() {
    for s in [
        "",
        "2016-13-06T00:17:09Z",
        "2016-02-30T00:17:09Z",
        "2016-10-06T24:17:09Z",
        "2016-10-06T00:60:09Z",
        "2016-10-06T00:17:09Q",
        "2016-10-06T00:17:09+99:00",
        "2016-10-06T00:17:09Z trailing",
        "2016-10-06T",
        "hello",
        "Foo 14 15:16:01 2005",
        "10/Foo/2000:13:55:36 -0700",
        "-",
        "[",
        "[]",
        "1.2.3",
        "0000-01-01",
        "Sun",
        "Sun,",
    ] {
        assert_eq!(p(s), None, "{s:?}");
    }
    assert_eq!(
        p("2016-12-31T23:59:60Z"),
        Some(ts("2016-12-31T23:59:59.999999999Z"))
    );
}

fn fields(pairs: &[(&str, &str)]) -> FieldList {
    pairs
        .iter()
        .map(|(k, v)| ((*k).into(), FieldValue::Str((*v).into())))
        .collect()
}

#[test]
fn fields_of_loghub_patterns() {
    let f = fields(&[("Date", "081109"), ("Time", "203615"), ("Pid", "148")]);
    assert_eq!(parse_timestamp_fields(&f), Some(ts("2008-11-09T20:36:15Z")));
    let f = fields(&[("Date", "2015-10-18"), ("Time", "18:01:47,978")]);
    assert_eq!(
        parse_timestamp_fields(&f),
        Some(ts("2015-10-18T18:01:47.978Z"))
    );
    let f = fields(&[("Date", "17/06/09"), ("Time", "20:10:40")]);
    assert_eq!(parse_timestamp_fields(&f), Some(ts("2017-06-09T20:10:40Z")));
    // BGL: the Date/Time pair does not parse, the epoch `Timestamp` does.
    let f = fields(&[
        ("Label", "-"),
        ("Timestamp", "1117838570"),
        ("Date", "2005.06.03"),
        ("Time", "2005-06-03-15.42.50.675872"),
    ]);
    assert_eq!(parse_timestamp_fields(&f), Some(ts("2005-06-03T22:42:50Z")));
    // Syslog without a year: none.
    let f = fields(&[("Month", "Jun"), ("Date", "14"), ("Time", "15:16:01")]);
    assert_eq!(parse_timestamp_fields(&f), None);
    let f = fields(&[
        ("Month", "Jun"),
        ("Day", "14"),
        ("Time", "15:16:01"),
        ("Year", "2005"),
    ]);
    assert_eq!(parse_timestamp_fields(&f), Some(ts("2005-06-14T15:16:01Z")));
    // Android: month-day without a year.
    let f = fields(&[("Date", "03-17"), ("Time", "16:13:38.811")]);
    assert_eq!(parse_timestamp_fields(&f), None);
    let f: FieldList = vec![("ts".into(), FieldValue::Int(1_700_000_000))].into();
    assert_eq!(parse_timestamp_fields(&f), Some(ts("2023-11-14T22:13:20Z")));
    let f = fields(&[("@timestamp", "2023-11-14T22:13:20Z")]);
    assert_eq!(parse_timestamp_fields(&f), Some(ts("2023-11-14T22:13:20Z")));
    assert_eq!(parse_timestamp_fields(&FieldList::new()), None);
    let long = "9".repeat(200);
    let f = fields(&[("Date", &long), ("Time", &long)]);
    assert_eq!(parse_timestamp_fields(&f), None);
}

/// The usual shape is read with the minute of the previous timestamp when it is the same: the results
/// are those of the general path, in any order, across minute, day and year changes, with invalid
/// fields after a valid minute.
#[test]
fn timestamps_sharing_a_minute_read_as_the_general_path_does() {
    let cases = [
        "2024-05-01T10:00:00.000Z",
        "2024-05-01T10:00:59.999Z",
        "2024-05-01T10:00:60Z",
        "2024-05-01T10:00:61Z",
        "2024-05-01T10:00:07,5",
        "2024-05-01T10:01:00Z",
        "2024-05-01T10:00:01Z",
        "2024-05-01 10:00:01.123456789",
        "2024-05-01T10:00:01.1234567891Z",
        "2024-12-31T23:59:59.5Z",
        "2025-01-01T00:00:00Z",
        "2024-02-29T12:30:00Z",
        "2023-02-29T12:30:00Z",
        "2024-13-01T10:00:00Z",
        "2024-05-01T24:00:00Z",
        "2024-05-01T10:60:00Z",
        "2024-05-01T10:00:00.Z",
        "2024-05-01T10:00:00+02:00",
        "2024-05-01T10:00:0xZ",
        "2024-05-01T10:00:00.000Z",
    ];
    for round in 0..2 {
        for s in cases.iter().chain(cases.iter().rev()) {
            assert_eq!(parse_timestamp(s), parse_trimmed(s), "{s} (round {round})");
        }
    }
    assert_eq!(
        parse_timestamp("2024-05-01T10:00:60Z"),
        Some(ts("2024-05-01T10:00:59.999999999Z"))
    );
    assert_eq!(parse_timestamp("2024-05-01T10:00:61Z"), None);
}
