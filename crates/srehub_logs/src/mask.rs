//! Generic masking of variable parts of log messages before template mining.
//!
//! One zero-configuration rule set, not tuned per dataset: a token is split into alphanumeric segments;
//! a segment holding a digit (numbers, hex ids, IPs, UUIDs, ports, versions, durations such as `15ms`,
//! sizes such as `64MB`, ids such as `blk_-123` or `attempt_1445_0020`) is a variable, and neighbouring
//! variable segments joined by `.`, `:`, `-`, `_` or `/` collapse into one `<*>` (`10.1.2.3:50010` →
//! `<*>`, `blk_-42` → `blk_<*>`, `[173.234.31.186]` → `[<*>]`). A unit word right after a masked number
//! (`384.0 B`, `5 ms`) is masked with it. Absolute file paths and URLs are variables too.

/// The wildcard that stands for a variable in a template.
pub const WILDCARD: &str = "<*>";

/// Unit words that follow a number (`384.0 B`, `12 ms`) and vary with it.
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

/// Month and weekday names: part of a date next to a number (`Sun Jul 10 03:55:15 2005`).
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

fn is_date_word(tok: &str) -> bool {
    // Cheap rejection first: this runs for every token.
    let b = tok.as_bytes();
    if b.len() < 3 || b.len() > 10 || !b[0].is_ascii_uppercase() {
        return false;
    }
    let core = tok.trim_end_matches([',', '.']);
    DATE_WORDS.contains(&core)
}

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
    out.clear();
    let MaskScratch { arena, patches } = scratch;
    arena.clear();
    patches.clear();
    let mut prev_masked_number = false;
    let mut date_words = false;
    for tok in msg.split_ascii_whitespace() {
        date_words |= opts.digits && is_date_word(tok);
        if opts.units && prev_masked_number {
            let core = tok.trim_end_matches([',', ';', ')', ']', '.']);
            if core.len() <= 7 && UNITS.contains(&core) {
                if core.len() == tok.len() {
                    out.push(WILDCARD);
                } else {
                    let start = arena.len();
                    arena.push_str(WILDCARD);
                    arena.push_str(&tok[core.len()..]);
                    patches.push((out.len(), start, arena.len()));
                    out.push("");
                }
                prev_masked_number = false;
                continue;
            }
        }
        let start = arena.len();
        let mut kind = mask_token_into(tok, opts, arena);
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
            }
            Masked::Wild => {
                prev_masked_number = true;
                out.push(WILDCARD);
            }
            Masked::Written => {
                prev_masked_number = false;
                patches.push((out.len(), start, arena.len()));
                out.push("");
            }
        }
    }
    let arena: &'a str = arena.as_str();
    for &(i, a, b) in patches.iter() {
        out[i] = &arena[a..b];
    }
    if date_words {
        mask_dates(msg, out);
    }
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
/// another date word (`Sun Jul 10`, `10 Jul 2005`).
fn mask_dates(msg: &str, out: &mut [&str]) {
    let raw: Vec<&str> = msg.split_ascii_whitespace().collect();
    let date: Vec<bool> = raw.iter().map(|t| is_date_word(t)).collect();
    for _ in 0..2 {
        for i in 0..out.len() {
            if !date[i] || is_wild(out[i]) {
                continue;
            }
            let next = out.get(i + 1).is_some_and(|t| is_wild(t));
            let prev = i > 0
                && is_wild(out[i - 1])
                && (date[i - 1] || raw[i - 1].bytes().any(|b| b.is_ascii_digit()));
            if next || prev {
                out[i] = WILDCARD;
            }
        }
    }
}

/// Masks one token, appending the result to `out` when it is partly masked.
pub fn mask_token_into(tok: &str, opts: &MaskOptions, out: &mut String) -> Masked {
    if opts.paths && is_path_or_url(tok) {
        return Masked::Wild;
    }
    if !opts.digits || !tok.bytes().any(|b| b.is_ascii_digit()) {
        return Masked::Raw;
    }
    let base = out.len();
    let bytes = tok.as_bytes();
    let mut i = 0;
    // Where the separator run after the last wildcard starts (so that `<*>.<*>` collapses to `<*>`).
    let mut last_wild_end: Option<usize> = None;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphanumeric() {
            let start = i;
            let mut has_digit = false;
            while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                has_digit |= bytes[i].is_ascii_digit();
                i += 1;
            }
            if has_digit {
                // A sign directly before a number belongs to it (`blk_-42`, `keyId: -127`).
                if out.len() > base
                    && out.ends_with('-')
                    && (start < 2 || !bytes[start - 2].is_ascii_alphanumeric())
                {
                    out.pop();
                }
                match last_wild_end {
                    Some(end) if joinable(&out[end..]) => out.truncate(end),
                    _ => out.push_str(WILDCARD),
                }
                last_wild_end = Some(out.len());
            } else {
                out.push_str(&tok[start..i]);
                last_wild_end = None;
            }
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
    Masked::Written
}

/// Separators that join two variable segments into one variable.
fn joinable(sep: &str) -> bool {
    matches!(sep, "." | ":" | "-" | "_" | "/" | "," | "+" | "x")
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
    // Both need a slash: most tokens are rejected by one byte scan.
    if memchr::memchr(b'/', tok.as_bytes()).is_none() {
        return false;
    }
    let t = tok.trim_matches(|c: char| matches!(c, '"' | '\'' | '(' | ')' | '[' | ']' | ',' | ';'));
    if t.contains("://") {
        return true;
    }
    t.len() > 1 && t.starts_with('/') && t[1..].contains('/') && !t.contains(' ')
}

#[cfg(test)]
mod tests {
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
            m(
                "attempt appattempt_1445144423722_0020_000001 id 550e8400-e29b-41d4-a716-446655440000"
            ),
            "attempt appattempt_<*> id <*>"
        );
        assert_eq!(m("keyId: -127633188)"), "keyId: <*>)");
    }

    #[test]
    fn units_after_numbers_and_paths_are_variables() {
        assert_eq!(
            m("estimated size 384.0 B, free 317.5 MB)"),
            "estimated size <*> <*>, free <*> <*>)"
        );
        assert_eq!(m("took 15 ms"), "took <*> <*>");
        assert_eq!(
            m("opened /var/lib/data/x.db and https://a.example/b"),
            "opened <*> and <*>"
        );
        assert_eq!(m("no digits here"), "no digits here");
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
    fn non_ascii_text_is_kept() {
        assert_eq!(m("héllo wörld 42é"), "héllo wörld <*>é");
    }
}
