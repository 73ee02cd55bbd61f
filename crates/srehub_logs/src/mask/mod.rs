//! Generic masking of variable parts of log messages before template mining.
//!
//! One zero-configuration rule set, not tuned per dataset: a token is split into alphanumeric segments;
//! a segment holding a digit (numbers, hex ids, IPs, UUIDs, ports, versions, durations such as `15ms`,
//! sizes such as `64MB`, ids such as `blk_-123` or `attempt_1445_0020`) is a variable, and neighbouring
//! variable segments joined by `.`, `:`, `-`, `_` or `/` collapse into one `<*>` (`10.1.2.3:50010` →
//! `<*>`, `blk_-42` → `blk_<*>`, `[173.234.31.186]` → `[<*>]`). A unit word right after a masked number
//! (`384.0 B`, `5 ms`) is masked with it. Absolute file paths and URLs are variables too.

use crate::bytes::{HIGH, ONES, eq_mask, lt_mask};

/// The wildcard that stands for a variable in a template.
pub const WILDCARD: &str = "<*>";

/// Unit words that follow a number (`384.0 B`, `12 ms`) and vary with it ([`is_unit`] matches them).
#[cfg(test)]
const UNITS: &[&str] = &[
    "B", "KB", "MB", "GB", "TB", "PB", "K", "M", "G", "T", "KiB", "MiB", "GiB", "TiB", "kB",
    "bytes", "ns", "us", "µs", "ms", "s", "sec", "secs", "seconds", "min", "mins", "minutes", "h",
    "hours",
];

/// The masking rules in force. The defaults are the generic set described in the module docs.
#[derive(Debug, Clone)]
pub struct MaskOptions {
    /// Mask alphanumeric segments that contain a digit.
    pub digits: bool,
    /// Mask absolute paths (`/var/lib/x`) and URLs (`scheme://…`).
    pub paths: bool,
    /// Mask unit words after a masked number.
    pub units: bool,
    /// Extra user masks: a regex and the text that replaces its matches, applied to each token (after
    /// the generic rules), so that tokens stay aligned with the message.
    pub extra: Vec<(regex::Regex, String)>,
}

impl Default for MaskOptions {
    fn default() -> Self {
        MaskOptions {
            digits: true,
            paths: true,
            units: true,
            extra: Vec::new(),
        }
    }
}

impl MaskOptions {
    /// Whether these are the generic rules and nothing else (the defaults): the rules that
    /// [`is_steady`] and [`shape_key`] are about.
    pub fn is_generic(&self) -> bool {
        self.digits && self.paths && self.units && self.extra.is_empty()
    }
}

/// Month and weekday names: part of a date next to a number (`Sun Jul 10 03:55:15 2005`)
/// ([`is_date_word`] matches them).
#[cfg(test)]
const DATE_WORDS: &[&str] = &[
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
    "January",
    "February",
    "March",
    "April",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Mon",
    "Tue",
    "Wed",
    "Thu",
    "Fri",
    "Sat",
    "Sun",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

#[inline]
fn is_date_word(tok: &str) -> bool {
    // Cheap rejection first: this runs for every token.
    let b = tok.as_bytes();
    if b.len() < 3 || b.len() > 10 || !b[0].is_ascii_uppercase() {
        return false;
    }
    // The first letters of month and weekday names: A D F J M N O S T W.
    const FIRST: u32 = 1 << 0
        | 1 << 3
        | 1 << 5
        | 1 << 9
        | 1 << 12
        | 1 << 13
        | 1 << 14
        | 1 << 18
        | 1 << 19
        | 1 << 22;
    if FIRST & (1 << (b[0] - b'A')) == 0 {
        return false;
    }
    is_date_core(b)
}

#[inline(never)]
fn is_date_core(b: &[u8]) -> bool {
    let mut core = b;
    while let [rest @ .., b',' | b'.'] = core {
        core = rest;
    }
    // The same words as `DATE_WORDS`, matched on bytes (constant-length compares, no calls).
    matches!(
        core,
        b"Jan"
            | b"Feb"
            | b"Mar"
            | b"Apr"
            | b"May"
            | b"Jun"
            | b"Jul"
            | b"Aug"
            | b"Sep"
            | b"Sept"
            | b"Oct"
            | b"Nov"
            | b"Dec"
            | b"January"
            | b"February"
            | b"March"
            | b"April"
            | b"June"
            | b"July"
            | b"August"
            | b"September"
            | b"October"
            | b"November"
            | b"December"
            | b"Mon"
            | b"Tue"
            | b"Wed"
            | b"Thu"
            | b"Fri"
            | b"Sat"
            | b"Sun"
            | b"Monday"
            | b"Tuesday"
            | b"Wednesday"
            | b"Thursday"
            | b"Friday"
            | b"Saturday"
            | b"Sunday"
    )
}

/// Whether a word is one of `UNITS` (matched on bytes).
fn is_unit(core: &[u8]) -> bool {
    matches!(
        core,
        b"B" | b"KB"
            | b"MB"
            | b"GB"
            | b"TB"
            | b"PB"
            | b"K"
            | b"M"
            | b"G"
            | b"T"
            | b"KiB"
            | b"MiB"
            | b"GiB"
            | b"TiB"
            | b"kB"
            | b"bytes"
            | b"ns"
            | b"us"
            | b"\xc2\xb5s"
            | b"ms"
            | b"s"
            | b"sec"
            | b"secs"
            | b"seconds"
            | b"min"
            | b"mins"
            | b"minutes"
            | b"h"
            | b"hours"
    )
}

/// Byte classes of the tokenizer and of [`mask_token_into`].
const SPACE: u8 = 1;
const DIGIT: u8 = 2;
const SLASH: u8 = 4;
const ALNUM: u8 = 8;
/// Neither a space nor a digit.
const OTHER: u8 = 16;

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        // `u8::is_ascii_whitespace`, as `str::split_ascii_whitespace` uses.
        if b.is_ascii_whitespace() {
            c |= SPACE;
        }
        if b.is_ascii_digit() {
            c |= DIGIT;
        }
        if b == b'/' {
            c |= SLASH;
        }
        if b.is_ascii_alphanumeric() {
            c |= ALNUM;
        }
        if !b.is_ascii_whitespace() && !b.is_ascii_digit() {
            c |= OTHER;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// Whether a token holds a wildcard (`<*>`), with a fast byte scan for `<` first.
pub fn has_wildcard(tok: &str) -> bool {
    let b = tok.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'<', &b[from..]) {
        let at = from + i;
        if b.get(at + 1) == Some(&b'*') && b.get(at + 2) == Some(&b'>') {
            return true;
        }
        from = at + 1;
    }
    false
}

/// A fast 64-bit hash of one token (two overlapping 8-byte loads and a folded multiply for tokens
/// up to 16 bytes, the common case).
#[inline]
pub fn token_hash(t: &str) -> u64 {
    const S0: u64 = 0x243f_6a88_85a3_08d3;
    const S1: u64 = 0x1319_8a2e_0370_7344;
    const S2: u64 = 0xa409_3822_299f_31d0;
    let fold = |a: u64, b: u64| {
        let p = u128::from(a) * u128::from(b);
        (p as u64) ^ ((p >> 64) as u64)
    };
    let b = t.as_bytes();
    let n = b.len();
    let word = |at| crate::bytes::word(b, at);
    let half = |at| crate::bytes::half(b, at);
    let len = (n as u64).wrapping_mul(S2);
    // Overlapping loads that cover every byte.
    let (head, tail) = if n > 16 {
        let mut h = len;
        let mut at = 0;
        while at + 16 < n {
            h = fold(word(at) ^ S0 ^ h, word(at + 8) ^ S1);
            at += 16;
        }
        return fold(word(n - 16) ^ S0 ^ h, word(n - 8) ^ S1 ^ len);
    } else if n >= 8 {
        (word(0), word(n - 8))
    } else if n >= 4 {
        (half(0), half(n - 4))
    } else if n > 0 {
        (
            u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16,
            0,
        )
    } else {
        (0, 0)
    };
    fold(head ^ S0, tail ^ S1 ^ len)
}

/// String equality without a library call for tokens up to 16 bytes (overlapping loads).
#[inline]
pub fn same_token(a: &str, b: &str) -> bool {
    same_bytes(a.as_bytes(), b.as_bytes())
}

/// [`same_token`] on bytes.
#[inline]
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let half = |s: &[u8], at: usize| {
        let mut w = [0u8; 4];
        w.copy_from_slice(&s[at..at + 4]);
        u32::from_le_bytes(w)
    };
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        _ => a == b,
    }
}

/// Reusable buffers of [`mask_message`]: masked tokens are written into one arena per message, so
/// masking allocates nothing once the buffers have grown.
#[derive(Debug, Default)]
pub struct MaskScratch {
    arena: String,
    patches: Vec<(usize, usize, usize)>,
}

/// Whether a token is exactly the wildcard.
#[inline]
pub fn is_wild(t: &str) -> bool {
    t.as_bytes() == b"<*>"
}

/// Splits a message into whitespace-separated tokens and masks them. Unchanged tokens borrow the
/// message, masked ones the scratch arena.
pub fn mask_message<'a>(
    msg: &'a str,
    opts: &MaskOptions,
    scratch: &'a mut MaskScratch,
    out: &mut Vec<&'a str>,
) {
    let mut raw = Vec::new();
    let mut hashes = Vec::new();
    mask_tokens(msg, opts, scratch, out, &mut raw, &mut hashes);
}

/// [`mask_message`] that also returns the raw tokens (`msg.split_ascii_whitespace()`) and the
/// [`token_hash`] of each masked token, so that callers need not split or read the message again.
pub fn mask_tokens<'m: 'a, 'a>(
    msg: &'m str,
    opts: &MaskOptions,
    scratch: &'a mut MaskScratch,
    out: &mut Vec<&'a str>,
    raw: &mut Vec<&'m str>,
    hashes: &mut Vec<u64>,
) {
    out.clear();
    raw.clear();
    hashes.clear();
    let wild_hash = token_hash(WILDCARD);
    let MaskScratch { arena, patches } = scratch;
    arena.clear();
    patches.clear();
    let mut prev_masked_number = false;
    let mut date_words = false;
    let b = msg.as_bytes();
    let mut i = 0;
    // The tokens of `split_ascii_whitespace`, with the classes of their bytes in one pass.
    while let Some(from) = token_start(b, i) {
        let (end, classes) = scan_token(b, from);
        i = end;
        // Both ends are at ASCII bytes or the ends of the message: character boundaries.
        let Some(tok) = msg.get(from..i) else {
            break;
        };
        raw.push(tok);
        date_words |= opts.digits && is_date_word(tok);
        if opts.units
            && prev_masked_number
            && let Some(core_len) = unit_len(tok)
        {
            if core_len == tok.len() {
                out.push(WILDCARD);
                hashes.push(wild_hash);
            } else {
                let start = arena.len();
                arena.push_str(WILDCARD);
                arena.push_str(&tok[core_len..]);
                patches.push((out.len(), start, arena.len()));
                out.push("");
                hashes.push(token_hash(&arena[start..]));
            }
            prev_masked_number = false;
            continue;
        }
        let start = arena.len();
        let mut kind = mask_classified(tok, classes, opts, arena);
        if !opts.extra.is_empty() {
            let current: String = match kind {
                Masked::Raw => tok.to_string(),
                Masked::Wild => WILDCARD.to_string(),
                Masked::Written => arena[start..].to_string(),
            };
            let mut text = current.clone();
            for (re, with) in &opts.extra {
                if re.is_match(&text) {
                    text = re.replace_all(&text, with.as_str()).into_owned();
                }
            }
            if text != current {
                arena.truncate(start);
                if is_wild(&text) {
                    kind = Masked::Wild;
                } else {
                    arena.push_str(&text);
                    kind = Masked::Written;
                }
            }
        }
        match kind {
            Masked::Raw => {
                prev_masked_number = false;
                out.push(tok);
                hashes.push(token_hash(tok));
            }
            Masked::Wild => {
                prev_masked_number = true;
                out.push(WILDCARD);
                hashes.push(wild_hash);
            }
            Masked::Written => {
                // A number in brackets or after a sign (`(18.4`, `<1`, `[5`) takes a unit like a bare
                // one (`(18.4 KB)`, `<1 sec`).
                prev_masked_number = punctuated_wildcard(&arena[start..]);
                patches.push((out.len(), start, arena.len()));
                out.push("");
                hashes.push(token_hash(&arena[start..]));
            }
        }
    }
    let arena: &'a str = arena.as_str();
    for &(i, a, b) in patches.iter() {
        out[i] = &arena[a..b];
    }
    if date_words {
        mask_dates(raw, out, hashes, wild_hash);
    }
}

/// Where the token at or after `i` starts (past ASCII whitespace), if one does.
#[inline(always)]
fn token_start(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() && CLASS[usize::from(b[i])] & SPACE != 0 {
        i += 1;
    }
    (i < b.len()).then_some(i)
}

/// The length of the unit word a token starts with when the rest is closing punctuation (`ms,`,
/// `KB)`).
#[inline]
fn unit_len(tok: &str) -> Option<usize> {
    let tb = tok.as_bytes();
    let mut core_len = tb.len();
    while core_len > 0 && matches!(tb[core_len - 1], b',' | b';' | b')' | b']' | b'.') {
        core_len -= 1;
    }
    (core_len <= 7 && is_unit(&tb[..core_len])).then_some(core_len)
}

/// The end of the token starting at `i` (a byte that is not a space) and the union of the classes
/// ([`DIGIT`], [`SLASH`], [`OTHER`]) of its bytes, eight bytes at a time.
#[inline(always)]
fn scan_token(b: &[u8], mut i: usize) -> (usize, u8) {
    let mut classes = 0u8;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let v = u64::from_le_bytes(w);
        // Spaces are among the bytes below 0x21; lanes before the first of those are the token's.
        let low = lt_mask(v, 0x21);
        let k = if low == 0 {
            8
        } else {
            (low.trailing_zeros() / 8) as usize
        };
        let lanes = if k == 8 {
            HIGH
        } else {
            HIGH & ((1u64 << (8 * k)) - 1)
        };
        let digits = lt_mask(v, b'9' + 1) & !lt_mask(v, b'0') & lanes;
        if digits != 0 {
            classes |= DIGIT;
        }
        if digits != lanes {
            classes |= OTHER;
        }
        if eq_mask(v, b'/') & lanes != 0 {
            classes |= SLASH;
        }
        i += k;
        if k < 8 {
            let c = CLASS[usize::from(b[i])];
            if c & SPACE != 0 {
                return (i, classes);
            }
            // A control character: part of the token.
            classes |= c;
            i += 1;
        }
    }
    while let Some(&byte) = b.get(i) {
        let c = CLASS[usize::from(byte)];
        if c & SPACE != 0 {
            break;
        }
        classes |= c;
        i += 1;
    }
    (i, classes)
}

/// What [`mask_token_into`] did with a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Masked {
    /// Unchanged.
    Raw,
    /// Entirely a variable: `<*>`.
    Wild,
    /// Partly masked: the result was appended to the arena.
    Written,
}

/// Masks month and weekday names that belong to a date: next to a masked number, directly or through
/// another date word (`Sun Jul 10`, `10 Jul 2005`). `raw` are the tokens before masking; `hashes`
/// are kept in step with `out`.
fn mask_dates(raw: &[&str], out: &mut [&str], hashes: &mut [u64], wild_hash: u64) {
    for _ in 0..2 {
        for i in 0..out.len() {
            if is_wild(out[i]) || !is_date_word(raw[i]) {
                continue;
            }
            let next = out.get(i + 1).is_some_and(|t| is_wild(t));
            let prev = i > 0
                && is_wild(out[i - 1])
                && (is_date_word(raw[i - 1]) || raw[i - 1].bytes().any(|b| b.is_ascii_digit()));
            if next || prev {
                out[i] = WILDCARD;
                hashes[i] = wild_hash;
            }
        }
    }
}

/// Masks one token, appending the result to `out` when it is partly masked.
pub fn mask_token_into(tok: &str, opts: &MaskOptions, out: &mut String) -> Masked {
    let classes = tok.bytes().fold(0u8, |acc, b| acc | CLASS[usize::from(b)]);
    mask_classified(tok, classes, opts, out)
}

/// [`mask_token_into`] with the union of the token's byte classes known.
#[inline]
fn mask_classified(tok: &str, classes: u8, opts: &MaskOptions, out: &mut String) -> Masked {
    if opts.paths && classes & SLASH != 0 && is_path_or_url(tok) {
        return Masked::Wild;
    }
    if !opts.digits || classes & DIGIT == 0 {
        return Masked::Raw;
    }
    if classes & OTHER == 0 || joined_numbers(tok.as_bytes()) {
        // One number, or numbers joined by single separators (`10.1.2.3:80`, `-5`, `07:07:00`):
        // what the loop below collapses into one wildcard.
        return Masked::Wild;
    }
    mask_segments(tok, out)
}

/// The general rule of [`mask_token_into`] for a token holding a digit.
fn mask_segments(tok: &str, out: &mut String) -> Masked {
    let base = out.len();
    let bytes = tok.as_bytes();
    let mut i = 0;
    // Where the separator run after the last wildcard starts (so that `<*>.<*>` collapses to `<*>`).
    let mut last_wild_end: Option<usize> = None;
    while i < bytes.len() {
        let b = bytes[i];
        if CLASS[usize::from(b)] & ALNUM != 0 {
            let start = i;
            let mut seg = 0u8;
            // A UUID, an IPv6 or a MAC address is one variable, whatever its groups look like
            // (`eec1`, `bdcc`, `fecd`, `ba`).
            let id_len = hex_id_at(bytes, start);
            if id_len > 0 {
                i += id_len;
                seg = DIGIT;
            }
            while i < bytes.len() {
                let c = CLASS[usize::from(bytes[i])];
                if c & ALNUM == 0 {
                    break;
                }
                seg |= c;
                i += 1;
            }
            if seg & DIGIT != 0 && (id_len > 0 || !is_numbered_name(&bytes[start..i])) {
                // A sign directly before a number belongs to it (`blk_-42`, `keyId: -127`).
                if out.len() > base
                    && out.ends_with('-')
                    && (start < 2 || !bytes[start - 2].is_ascii_alphanumeric())
                {
                    out.pop();
                }
                match last_wild_end {
                    Some(end) if joinable(&out.as_bytes()[end..]) => out.truncate(end),
                    _ => out.push_str(WILDCARD),
                }
                last_wild_end = Some(out.len());
            } else {
                out.push_str(&tok[start..i]);
                last_wild_end = None;
            }
        } else if b < 0x80 {
            out.push(char::from(b));
            i += 1;
        } else {
            let ch_len = utf8_len(b);
            out.push_str(&tok[i..(i + ch_len).min(tok.len())]);
            i += ch_len;
        }
    }
    // A trailing separator after a wildcard stays (`<*>:`, `<*>)`).
    if is_wild(&out[base..]) {
        out.truncate(base);
        return Masked::Wild;
    }
    if out[base..] == *tok {
        out.truncate(base);
        return Masked::Raw;
    }
    Masked::Written
}

/// The length of a UUID's text (`8-4-4-4-12` hexadecimal digits).
const UUID_LEN: usize = 36;
/// The length of a MAC address written with dashes.
const MAC_LEN: usize = 17;

/// The length of the hexadecimal id starting at `at` (which starts an alphanumeric segment), or 0:
/// a UUID, a MAC address written with dashes, or an IPv6 or MAC address (groups of one to four
/// hexadecimal digits joined by `:`, at least four groups or `fe80::1`, `::` once at most, a digit
/// somewhere). No alphanumeric character may follow.
#[inline]
fn hex_id_at(b: &[u8], at: usize) -> usize {
    let ends_here = |end: usize| b.get(end).is_none_or(|c| !c.is_ascii_alphanumeric());
    if let Some(u) = b.get(at..at + UUID_LEN)
        // The dashes first: most segments fail there at once.
        && u[8] == b'-'
        && u[13] == b'-'
        && u[18] == b'-'
        && u[23] == b'-'
        && u.iter()
            .enumerate()
            .all(|(k, &c)| matches!(k, 8 | 13 | 18 | 23) || c.is_ascii_hexdigit())
        && ends_here(at + UUID_LEN)
    {
        return UUID_LEN;
    }
    // A MAC address written with dashes (`84-41-67-32-db-e1`), not inside a longer run of them.
    if let Some(u) = b.get(at..at + MAC_LEN)
        && (at == 0 || b[at - 1] != b'-')
        && u.iter().enumerate().all(|(k, &c)| {
            if k % 3 == 2 {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
        && ends_here(at + MAC_LEN)
        && b.get(at + MAC_LEN) != Some(&b'-')
    {
        return MAC_LEN;
    }
    // Colon-joined groups.
    let mut end = at;
    let (mut colons, mut doubles, mut digit) = (0, 0, false);
    loop {
        let group = end;
        while end < b.len() && end - group <= 4 && b[end].is_ascii_hexdigit() {
            digit |= b[end].is_ascii_digit();
            end += 1;
        }
        if end - group > 4 {
            return 0;
        }
        if b.get(end) != Some(&b':') {
            break;
        }
        if b.get(end + 1) == Some(&b':') {
            doubles += 1;
            colons += 1;
            end += 1;
        }
        // A colon followed by no group ends the address before it (`fe80::1:` as punctuation).
        if !b.get(end + 1).is_some_and(u8::is_ascii_hexdigit) {
            if b.get(end - 1) == Some(&b':') {
                // `::` at the end (`fe80::`).
                end += 1;
            }
            break;
        }
        colons += 1;
        end += 1;
    }
    if (colons >= 3 || colons == 2 && doubles == 1) && doubles <= 1 && digit && ends_here(end) {
        end - at
    } else {
        0
    }
}

/// Whether an alphanumeric segment is a name with a number (`eth0`, `ssh2`, `IPV6`, `SOCKS5`): two or
/// more letters of one case, then one digit. Such names are part of a template (an interface, a
/// protocol version), not a variable; with more digits (`web01`, `node12`) they are numbered hosts or
/// ids, variables.
pub fn is_numbered_name(seg: &[u8]) -> bool {
    let letters = seg.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    let digits = seg.len() - letters;
    letters >= 2
        && digits == 1
        && seg[letters..].iter().all(u8::is_ascii_digit)
        && (seg[..letters].iter().all(u8::is_ascii_lowercase)
            || seg[..letters].iter().all(u8::is_ascii_uppercase))
}

/// Whether a token holds a number that the generic rules mask: a digit in an alphanumeric segment
/// that is not a name with a number ([`is_numbered_name`]).
#[inline]
pub fn holds_number(tok: &str) -> bool {
    tok.bytes().any(|b| b.is_ascii_digit())
        && tok
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|seg| seg.bytes().any(|b| b.is_ascii_digit()) && !is_numbered_name(seg.as_bytes()))
}

/// Whether a masked token is one wildcard with only punctuation around it (`(<*>`, `<<*>`, `[<*>]`).
pub(crate) fn punctuated_wildcard(masked: &str) -> bool {
    let b = masked.as_bytes();
    if b.len() > WILDCARD.len() + 3 {
        return false;
    }
    let Some(at) = b
        .windows(WILDCARD.len())
        .position(|w| w == WILDCARD.as_bytes())
    else {
        return false;
    };
    b[..at]
        .iter()
        .chain(&b[at + WILDCARD.len()..])
        .all(u8::is_ascii_punctuation)
}

/// Whether a token is digit runs joined by single [`joinable`] separators, with an optional leading
/// `-`.
#[inline]
fn joined_numbers(b: &[u8]) -> bool {
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    let (Some(first), Some(last)) = (digits.first(), digits.last()) else {
        return false;
    };
    if !first.is_ascii_digit() || !last.is_ascii_digit() {
        return false;
    }
    let mut prev_digit = true;
    for &c in digits {
        if c.is_ascii_digit() {
            prev_digit = true;
        } else if prev_digit && matches!(c, b'.' | b':' | b'-' | b'_' | b'/' | b',' | b'+') {
            prev_digit = false;
        } else {
            return false;
        }
    }
    true
}

/// Separators that join two variable segments into one variable.
fn joinable(sep: &[u8]) -> bool {
    matches!(sep, b"." | b":" | b"-" | b"_" | b"/" | b"," | b"+" | b"x")
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

fn is_path_or_url(tok: &str) -> bool {
    // Both need a slash: callers pass only tokens that hold one.
    let t = tok.trim_matches(|c: char| matches!(c, '"' | '\'' | '(' | ')' | '[' | ']' | ',' | ';'));
    let b = t.as_bytes();
    if b.windows(3).any(|w| w == b"://") {
        return true;
    }
    b.len() > 1 && b[0] == b'/' && b[1..].contains(&b'/') && !b.contains(&b' ')
}

mod shape;
pub use shape::{is_steady, masked_in_context, shape_key};

#[cfg(test)]
mod tests;
