//! Timestamp parsing for the formats logs actually use.
//!
//! Everything is hand-parsed (no regex, no allocation) because it runs once per line. Times without
//! an offset are taken as UTC. Nothing here reads the clock: formats without a year (syslog's
//! `Jun 14 15:16:01`) need the year from the caller ([`parse_syslog_time`]).

use std::cell::Cell;

use jiff::Timestamp;

use crate::record::{FieldList, FieldRef};

/// Parses a timestamp in one of the usual log formats:
///
/// - RFC 3339 / ISO 8601 with `T` or a space, with or without a fraction (`.` or `,`), with `Z`, an
///   offset (`+02:00`, `+0200`, `+02`), `UTC`/`GMT` or nothing (UTC): `2015-10-18 18:01:47,978`;
///   also `/` or `.` as date separator and the compact `20171223-22:15:29:606`;
/// - epoch seconds, milliseconds, microseconds or nanoseconds, integer or decimal, told apart by
///   magnitude (values before 1973 in seconds are refused: they are usually durations or uptimes);
/// - `17/06/09 20:10:40` (yy/mm/dd), HDFS `081109 203615` (yymmdd hhmmss);
/// - Apache `10/Oct/2000:13:55:36 -0700` (brackets allowed);
/// - ctime `Sun Dec 04 04:47:44 2005`, RFC 2822 `Tue, 10 Oct 2000 13:55:36 +0000`,
///   `Jun 14 2017 15:16:01`.
///
/// Year-less syslog times return `None`; see [`parse_syslog_time`].
pub fn parse_timestamp(s: &str) -> Option<Timestamp> {
    // The fast path's shape has nothing to trim: it starts with a digit and ends with `Z` or one.
    if let Some(ts) = rfc3339_utc(s.as_bytes()) {
        return ts;
    }
    parse_trimmed(s.trim())
}

/// [`parse_timestamp`] on trimmed text, without the fast path.
fn parse_trimmed(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    let first = *b.first()?;
    if first == b'[' && b.last() == Some(&b']') {
        return parse_timestamp(&s[1..s.len() - 1]);
    }
    if first.is_ascii_digit() {
        let lead = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let next = b.get(lead).copied();
        match (lead, next) {
            (4, Some(b'-' | b'/' | b'.')) | (8, None | Some(b'-' | b'T' | b't' | b' ' | b'_')) => {
                return iso_like(&mut Cur::new(b));
            }
            (2, Some(b'/')) if b.get(3).is_some_and(u8::is_ascii_digit) => {
                return yy_mm_dd(&mut Cur::new(b));
            }
            (1 | 2, Some(b'/')) => return apache(&mut Cur::new(b)),
            (1 | 2, Some(b' ')) => return rfc2822(&mut Cur::new(b)),
            (6, Some(b' ')) => return hdfs(&mut Cur::new(b)),
            _ => return epoch_text(b),
        }
    }
    if first.is_ascii_alphabetic() {
        return month_first(&mut Cur::new(b), None);
    }
    None
}

/// The shape most logs use, `YYYY-MM-DDThh:mm:ss[.frac][Z]` (`T`, `t` or a space between date and
/// time, `.` or `,` before the fraction), read at fixed positions: the same result as the general
/// path, sooner. `None` when the text has another shape.
#[inline(always)]
fn rfc3339_utc(b: &[u8]) -> Option<Option<Timestamp>> {
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let two = |i: usize| {
        let (hi, lo) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
        (hi < 10 && lo < 10).then(|| u32::from(hi) * 10 + u32::from(lo))
    };
    // Lines of a log share their minute: `YYYY-MM-DDThh:mm` as the last line had it gives its epoch
    // second without reading the date again.
    let key = u128::from_le_bytes(b.get(..16)?.try_into().ok()?);
    let minute = match LAST_MINUTE.with(Cell::get) {
        (k, Some(at)) if k == key => Some(at),
        _ => {
            let y = two(0)? * 100 + two(2)?;
            let (mo, d, h, m) = (two(5)?, two(8)?, two(11)?, two(14)?);
            let tod = Tod { h, m, s: 0, ns: 0 };
            let at = civil_inline(i64::from(y), mo, d, &tod, 0).map(|t| t.as_second());
            if at.is_some() {
                LAST_MINUTE.with(|c| c.set((key, at)));
            }
            at
        }
    };
    let sec = two(17)?;
    let mut i = 19;
    let mut ns: u32 = 0;
    if matches!(b.get(i), Some(b'.' | b',')) {
        i += 1;
        let start = i;
        while let Some(&c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            if i - start < 9 {
                ns = ns * 10 + u32::from(c - b'0');
            }
            i += 1;
        }
        let n = i - start;
        if n == 0 {
            return None;
        }
        const SCALE: [u32; 9] = [
            100_000_000,
            10_000_000,
            1_000_000,
            100_000,
            10_000,
            1_000,
            100,
            10,
            1,
        ];
        ns *= SCALE.get(n - 1).copied().unwrap_or(1);
    }
    if !matches!(&b[i..], [] | [b'Z' | b'z']) {
        return None;
    }
    // An invalid date or time of day, or seconds past 60: the right shape, no timestamp.
    let Some(minute) = minute.filter(|_| sec <= 60) else {
        return Some(None);
    };
    let (sec, ns) = leap_to_last_instant(sec, ns);
    Some(Timestamp::new(minute + i64::from(sec), i32::try_from(ns).ok()?).ok())
}

thread_local! {
    /// The minute (`YYYY-MM-DDThh:mm` as bytes) of the last timestamp of the usual shape read on this
    /// thread, and its epoch second.
    static LAST_MINUTE: Cell<(u128, Option<i64>)> = const { Cell::new((0, None)) };
}

/// Parses a year-less syslog time (`Jun 14 15:16:01`, `Jun  9 06:06:20.123`) in `year`, UTC. Any
/// format [`parse_timestamp`] knows is accepted too (then its own year wins).
pub fn parse_syslog_time(s: &str, year: i16) -> Option<Timestamp> {
    let s = s.trim();
    if let Some(ts) = parse_timestamp(s) {
        return Some(ts);
    }
    month_first(&mut Cur::new(s.as_bytes()), Some(i64::from(year)))
}

/// An epoch number (seconds, milliseconds, microseconds or nanoseconds by magnitude).
pub fn parse_epoch_i64(n: i64) -> Option<Timestamp> {
    if n < 0 {
        return None;
    }
    epoch_parts(u128::from(n.unsigned_abs()), 0, 0)
}

/// An epoch number with a fraction (seconds, milliseconds, … by magnitude).
pub fn parse_epoch_f64(f: f64) -> Option<Timestamp> {
    if !f.is_finite() || f < 0.0 {
        return None;
    }
    let unit = epoch_unit_ns(f as u128)?;
    let whole = f.trunc();
    if whole > 1e21 {
        return None;
    }
    // The fraction apart, so that it keeps its precision.
    let part = ((f - whole) * unit as f64).round() as u128;
    let ns = (whole as u128).checked_mul(unit)?.checked_add(part)?;
    Timestamp::from_nanosecond(i128::try_from(ns).ok()?).ok()
}

/// Names of fields that hold a whole timestamp (compared case-insensitively).
const TIME_FIELD_NAMES: &[&str] = &["time", "timestamp", "ts", "@timestamp", "datetime"];

/// The timestamp of a record parsed by a user pattern, from its fields (names case-insensitive):
/// a `Date` and `Time` pair (joined with a space: `2015-10-18` `18:01:47,978`, `081109` `203615`),
/// `Month` `Date`/`Day` `Time` with a `Year` field, or a single `time`/`timestamp`/`ts`/`@timestamp`/
/// `datetime` field. Year-less dates give `None`: analyzers do not read the clock to guess a year.
pub fn parse_timestamp_fields(fields: &FieldList) -> Option<Timestamp> {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    if let (Some(FieldRef::Str(d)), Some(FieldRef::Str(t))) = (get("date"), get("time"))
        && let Some(ts) = with_joined(&[d, " ", t], parse_timestamp)
    {
        return Some(ts);
    }
    if let (Some(FieldRef::Str(m)), Some(FieldRef::Str(d)), Some(FieldRef::Str(t)), Some(y)) = (
        get("month"),
        get("date").or_else(|| get("day")),
        get("time"),
        get("year"),
    ) {
        let year = match y {
            FieldRef::Int(i) => i16::try_from(i).ok(),
            FieldRef::Str(s) => s.trim().parse::<i16>().ok(),
            _ => None,
        };
        if let Some(year) = year {
            let f = |s: &str| month_first(&mut Cur::new(s.as_bytes()), Some(i64::from(year)));
            if let Some(ts) = with_joined(&[m, " ", d, " ", t], f) {
                return Some(ts);
            }
        }
    }
    fields.iter().find_map(|(k, v)| {
        if !TIME_FIELD_NAMES.iter().any(|n| k.eq_ignore_ascii_case(n)) {
            return None;
        }
        timestamp_from_value(v)
    })
}

/// A timestamp from a field value: text in any [`parse_timestamp`] format or an epoch number.
pub fn timestamp_from_value(v: FieldRef<'_>) -> Option<Timestamp> {
    match v {
        FieldRef::Str(s) => parse_timestamp(s),
        FieldRef::Int(i) => parse_epoch_i64(i),
        FieldRef::Float(f) => parse_epoch_f64(f),
        FieldRef::Null | FieldRef::Bool(_) => None,
    }
}

/// Calls `f` on the concatenation of `parts`, built on the stack when short.
fn with_joined<T>(parts: &[&str], f: impl Fn(&str) -> Option<T>) -> Option<T> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    if len <= 96 {
        let mut buf = [0u8; 96];
        let mut at = 0;
        for p in parts {
            buf[at..at + p.len()].copy_from_slice(p.as_bytes());
            at += p.len();
        }
        // Concatenating valid UTF-8 strings gives valid UTF-8.
        std::str::from_utf8(&buf[..at]).ok().and_then(f)
    } else {
        f(&parts.concat())
    }
}

/// A byte cursor for hand-written parsers.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn new(b: &'a [u8]) -> Self {
        Cur { b, i: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn peek_at(&self, k: usize) -> Option<u8> {
        self.b.get(self.i + k).copied()
    }

    fn done(&self) -> bool {
        self.i >= self.b.len()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Between `min` and `max` decimal digits.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let mut v: u32 = 0;
        let mut n = 0;
        while n < max {
            match self.peek() {
                Some(c @ b'0'..=b'9') => {
                    v = v * 10 + u32::from(c - b'0');
                    self.i += 1;
                    n += 1;
                }
                _ => break,
            }
        }
        (n >= min).then_some(v)
    }

    fn spaces(&mut self) -> usize {
        let start = self.i;
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
        self.i - start
    }

    /// A fraction's digits (after the separator) as nanoseconds; digits past the ninth are ignored.
    fn fraction(&mut self) -> Option<u32> {
        let mut ns: u32 = 0;
        let mut n = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            if n < 9 {
                ns = ns * 10 + u32::from(c - b'0');
            }
            n += 1;
            self.i += 1;
        }
        if n == 0 {
            return None;
        }
        for _ in n..9 {
            ns *= 10;
        }
        Some(ns)
    }

    /// An English month abbreviation or full name, case-insensitive.
    fn month(&mut self) -> Option<u32> {
        let word = self.word();
        month_number(word)
    }

    /// A run of ASCII letters.
    fn word(&mut self) -> &'a [u8] {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.i += 1;
        }
        &self.b[start..self.i]
    }
}

fn month_number(word: &[u8]) -> Option<u32> {
    const NAMES: [&[u8]; 12] = [
        b"january",
        b"february",
        b"march",
        b"april",
        b"may",
        b"june",
        b"july",
        b"august",
        b"september",
        b"october",
        b"november",
        b"december",
    ];
    NAMES
        .iter()
        .position(|name| {
            abbreviates(word, name) || word.eq_ignore_ascii_case(b"sept") && name[0] == b's'
        })
        .map(|i| i as u32 + 1)
}

/// `word` is the three-letter abbreviation or the full name of `name`.
fn abbreviates(word: &[u8], name: &[u8]) -> bool {
    (word.len() == 3 || word.len() == name.len())
        && word.len() <= name.len()
        && name[..word.len()].eq_ignore_ascii_case(word)
}

fn is_weekday(word: &[u8]) -> bool {
    const NAMES: [&[u8]; 7] = [
        b"monday",
        b"tuesday",
        b"wednesday",
        b"thursday",
        b"friday",
        b"saturday",
        b"sunday",
    ];
    NAMES.iter().any(|n| abbreviates(word, n))
}

/// A civil time of day.
struct Tod {
    h: u32,
    m: u32,
    s: u32,
    ns: u32,
}

/// `hh:mm[:ss][.frac]`, `hh.mm.ss[.frac]` or `hhmmss[.frac]`; the fraction separator may be `.`,
/// `,` or (after `:` separators) `:`.
fn time_of_day(c: &mut Cur<'_>) -> Option<Tod> {
    let h = c.digits(1, 2)?;
    let (m, s, sep) = match c.peek() {
        Some(sep @ (b':' | b'.')) => {
            c.i += 1;
            let m = c.digits(2, 2)?;
            let s = if c.peek() == Some(sep) && c.peek_at(1).is_some_and(|d| d.is_ascii_digit()) {
                c.i += 1;
                c.digits(2, 2)?
            } else {
                0
            };
            (m, s, sep)
        }
        Some(b'0'..=b'9') => {
            let m = c.digits(2, 2)?;
            let s = c.digits(2, 2)?;
            (m, s, 0)
        }
        _ => return None,
    };
    let mut ns = 0;
    if let Some(f) = c.peek()
        && (f == b'.' || f == b',' || (f == b':' && sep == b':'))
        && c.peek_at(1).is_some_and(|d| d.is_ascii_digit())
    {
        c.i += 1;
        ns = c.fraction()?;
    }
    Some(Tod { h, m, s, ns })
}

/// An optional zone after a time: `Z`, `+hh:mm`, `+hhmm`, `+hh`, `UTC`, `GMT`, optionally preceded by
/// one space; after a numeric offset a zone abbreviation (`+0000 UTC`) is ignored. Returns the offset
/// in seconds; fails on anything else left in the input.
fn zone(c: &mut Cur<'_>) -> Option<i64> {
    if c.done() {
        return Some(0);
    }
    c.spaces();
    let off = match c.peek()? {
        b'Z' | b'z' => {
            c.i += 1;
            0
        }
        sign @ (b'+' | b'-') => {
            c.i += 1;
            let h = c.digits(2, 2)?;
            c.eat(b':');
            let m = c.digits(2, 2).unwrap_or(0);
            if h > 25 || m > 59 {
                return None;
            }
            let off = i64::from(h * 3600 + m * 60);
            if c.spaces() > 0 {
                c.word();
            }
            if sign == b'-' { -off } else { off }
        }
        _ => {
            let w = c.word();
            if w.eq_ignore_ascii_case(b"UTC") || w.eq_ignore_ascii_case(b"GMT") {
                0
            } else {
                return None;
            }
        }
    };
    c.spaces();
    c.done().then_some(off)
}

/// `YYYY-MM-DD[T ]hh:mm:ss[.frac][zone]` and relatives (`/`, `.` separators, compact `YYYYMMDD`,
/// date only).
fn iso_like(c: &mut Cur<'_>) -> Option<Timestamp> {
    let y = c.digits(4, 4)?;
    let (mo, d) = match c.peek()? {
        sep @ (b'-' | b'/' | b'.') => {
            c.i += 1;
            let mo = c.digits(1, 2)?;
            if !c.eat(sep) {
                return None;
            }
            (mo, c.digits(1, 2)?)
        }
        _ => (c.digits(2, 2)?, c.digits(2, 2)?),
    };
    if c.done() {
        return civil(
            i64::from(y),
            mo,
            d,
            &Tod {
                h: 0,
                m: 0,
                s: 0,
                ns: 0,
            },
            0,
        );
    }
    match c.peek()? {
        b'T' | b't' | b'-' | b'_' => c.i += 1,
        b' ' => {
            c.spaces();
        }
        _ => return None,
    }
    let tod = time_of_day(c)?;
    let off = zone(c)?;
    civil(i64::from(y), mo, d, &tod, off)
}

/// `yy/mm/dd hh:mm:ss` (Spark).
fn yy_mm_dd(c: &mut Cur<'_>) -> Option<Timestamp> {
    let y = c.digits(2, 2)?;
    c.eat(b'/').then_some(())?;
    let mo = c.digits(2, 2)?;
    c.eat(b'/').then_some(())?;
    let d = c.digits(2, 2)?;
    two_digit_year_date_then_time(c, y, mo, d)
}

/// `yymmdd hhmmss` (HDFS).
fn hdfs(c: &mut Cur<'_>) -> Option<Timestamp> {
    let y = c.digits(2, 2)?;
    let mo = c.digits(2, 2)?;
    let d = c.digits(2, 2)?;
    two_digit_year_date_then_time(c, y, mo, d)
}

/// The rest of a date with a two-digit year (20yy): spaces, a time of day and an optional zone.
fn two_digit_year_date_then_time(c: &mut Cur<'_>, y: u32, mo: u32, d: u32) -> Option<Timestamp> {
    if c.spaces() == 0 {
        return None;
    }
    let tod = time_of_day(c)?;
    let off = zone(c)?;
    civil(2000 + i64::from(y), mo, d, &tod, off)
}

/// `10/Oct/2000:13:55:36 -0700` (Apache, nginx).
fn apache(c: &mut Cur<'_>) -> Option<Timestamp> {
    let d = c.digits(1, 2)?;
    c.eat(b'/').then_some(())?;
    let mo = c.month()?;
    c.eat(b'/').then_some(())?;
    let y = c.digits(4, 4)?;
    c.eat(b':').then_some(())?;
    let tod = time_of_day(c)?;
    let off = zone(c)?;
    civil(i64::from(y), mo, d, &tod, off)
}

/// `[Www, ]dd Mon yyyy hh:mm:ss zone` (RFC 2822 / HTTP dates).
fn rfc2822(c: &mut Cur<'_>) -> Option<Timestamp> {
    let d = c.digits(1, 2)?;
    if c.spaces() == 0 {
        return None;
    }
    let mo = c.month()?;
    if c.spaces() == 0 {
        return None;
    }
    let y = c.digits(4, 4)?;
    if c.spaces() == 0 {
        return None;
    }
    let tod = time_of_day(c)?;
    let off = zone(c)?;
    civil(i64::from(y), mo, d, &tod, off)
}

/// Formats that start with a word: ctime `Sun Dec 04 04:47:44 2005`, RFC 2822 with a weekday,
/// `Jun 14 2017 15:16:01`, and year-less syslog `Jun 14 15:16:01` when `year` is given.
fn month_first(c: &mut Cur<'_>, year: Option<i64>) -> Option<Timestamp> {
    let save = c.i;
    let w = c.word();
    if is_weekday(w) {
        c.eat(b',');
        if c.spaces() == 0 {
            return None;
        }
        if c.peek().is_some_and(|d| d.is_ascii_digit()) {
            return rfc2822(c);
        }
    } else {
        c.i = save;
    }
    let mo = c.month()?;
    if c.spaces() == 0 {
        return None;
    }
    let d = c.digits(1, 2)?;
    if c.spaces() == 0 {
        return None;
    }
    // `Jun 14 2017 15:16:01`
    if c.peek_at(4) == Some(b' ')
        && (0..4).all(|k| c.peek_at(k).is_some_and(|x| x.is_ascii_digit()))
    {
        let y = c.digits(4, 4)?;
        c.spaces();
        let tod = time_of_day(c)?;
        let off = zone(c)?;
        return civil(i64::from(y), mo, d, &tod, off);
    }
    let tod = time_of_day(c)?;
    // ctime: the year follows the time.
    let save = c.i;
    if c.spaces() > 0
        && let Some(y) = c.digits(4, 4)
    {
        let off = zone(c)?;
        return civil(i64::from(y), mo, d, &tod, off);
    }
    c.i = save;
    let off = zone(c)?;
    civil(year?, mo, d, &tod, off)
}

/// Digits with an optional fraction: epoch time by magnitude.
fn epoch_text(b: &[u8]) -> Option<Timestamp> {
    let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if int_len == 0 || int_len > 20 {
        return None;
    }
    let mut int: u128 = 0;
    for &c in &b[..int_len] {
        int = int * 10 + u128::from(c - b'0');
    }
    let rest = &b[int_len..];
    let (frac, frac_len) = match rest {
        [] => (0, 0),
        [b'.', digits @ ..] if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) => {
            let mut f: u128 = 0;
            let used = digits.len().min(18);
            for &c in &digits[..used] {
                f = f * 10 + u128::from(c - b'0');
            }
            (f, used as u32)
        }
        _ => return None,
    };
    epoch_parts(int, frac, frac_len)
}

/// Nanoseconds in one unit of an epoch number of this magnitude, `None` when implausibly small.
fn epoch_unit_ns(int: u128) -> Option<u128> {
    match int {
        0..100_000_000 => None,
        100_000_000..100_000_000_000 => Some(1_000_000_000),
        100_000_000_000..100_000_000_000_000 => Some(1_000_000),
        100_000_000_000_000..100_000_000_000_000_000 => Some(1_000),
        _ => Some(1),
    }
}

fn epoch_parts(int: u128, frac: u128, frac_len: u32) -> Option<Timestamp> {
    let unit = epoch_unit_ns(int)?;
    let whole = int.checked_mul(unit)?;
    let part = frac * unit / 10u128.pow(frac_len);
    let ns = i128::try_from(whole.checked_add(part)?).ok()?;
    Timestamp::from_nanosecond(ns).ok()
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
#[inline(always)]
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Validates a civil date-time and converts it with an offset (seconds east of UTC). A leap second
/// (`:60`) is clamped to the last nanosecond of the minute.
fn civil(y: i64, mo: u32, d: u32, t: &Tod, off: i64) -> Option<Timestamp> {
    civil_inline(y, mo, d, t, off)
}

/// [`civil`], inlined into the fast path.
#[inline(always)]
fn civil_inline(y: i64, mo: u32, d: u32, t: &Tod, off: i64) -> Option<Timestamp> {
    if !(1..=12).contains(&mo)
        || d == 0
        || d > days_in_month(y, mo)
        || t.h > 23
        || t.m > 59
        || t.s > 60
        || !(1..=9999).contains(&y)
    {
        return None;
    }
    let (s, ns) = leap_to_last_instant(t.s, t.ns);
    let secs = days_from_civil(y, mo, d) * 86_400
        + i64::from(t.h) * 3600
        + i64::from(t.m) * 60
        + i64::from(s)
        - off;
    Timestamp::new(secs, i32::try_from(ns).ok()?).ok()
}

/// A leap second (`:60`) is read as the last instant of its minute.
fn leap_to_last_instant(s: u32, ns: u32) -> (u32, u32) {
    if s == 60 { (59, 999_999_999) } else { (s, ns) }
}

#[cfg(test)]
mod tests;
