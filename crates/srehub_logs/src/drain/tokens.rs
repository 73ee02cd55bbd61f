//! Token-level helpers of the miner: routing keys, similarity, merging, parameter values, ids.

use crate::mask::{WILDCARD, has_wildcard, is_wild, same_bytes, same_token};

/// A hash of a masked token sequence, from its token hashes.
pub(super) fn sequence_hash(hashes: &[u64]) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ hashes.len() as u64;
    for &t in hashes {
        h = (h.rotate_left(7) ^ t).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    h
}

/// The routing key of a token in the tree: tokens holding a variable share the `<*>` branch.
pub(super) fn route_key(tok: &str) -> &str {
    // As in Drain, a token with a digit is a likely parameter even when masking is off.
    if has_wildcard(tok) || tok.bytes().any(|b| b.is_ascii_digit()) {
        WILDCARD
    } else {
        tok
    }
}

/// Drain's similarity: the share of positions where the template equals the message, and the number
/// of template parameters (the tie-breaker). Token hashes decide most inequalities without a
/// string comparison.
pub(super) fn similarity(
    template: &[String],
    template_hashes: &[u64],
    tokens: &[&str],
    hashes: &[u64],
    needed: usize,
) -> Option<(f64, usize)> {
    if template.is_empty() {
        return Some((1.0, 0));
    }
    let mut equal = 0usize;
    let mut params = 0usize;
    let n = template.len();
    for (i, ((t, m), (th, mh))) in template
        .iter()
        .zip(tokens)
        .zip(template_hashes.iter().zip(hashes))
        .enumerate()
    {
        // Give up as soon as the threshold is out of reach.
        if equal + (n - i) < needed {
            return None;
        }
        // A parameter matches a masked value (`<*>`), not an arbitrary word.
        if is_wild(t) {
            params += 1;
        }
        if th == mh && same_token(t, m) {
            equal += 1;
        }
    }
    Some((equal as f64 / n as f64, params))
}

/// The template token for two different tokens at one position: `key=<*>` when they share a `key=` or
/// `key:` prefix, `<*>` otherwise.
pub(super) fn merge_token(a: &str, b: &str) -> String {
    if a == WILDCARD {
        return a.to_string();
    }
    let mut common = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    // Equal bytes may end inside a character both share the first bytes of (found by fuzzing).
    while !a.is_char_boundary(common) {
        common -= 1;
    }
    let prefix = &a[..common];
    if let Some(cut) = prefix.rfind(['=', ':'])
        && cut > 0
    {
        return format!("{}{WILDCARD}", &a[..=cut]);
    }
    WILDCARD.to_string()
}

/// The value a raw token gives to a template token holding `<*>`: the raw text without the template's
/// literal prefix and suffix.
pub(super) fn param_value<'a>(template_tok: &str, raw: &'a str) -> &'a str {
    if template_tok == WILDCARD {
        return raw;
    }
    let Some(first) = template_tok.find(WILDCARD) else {
        return raw;
    };
    let last = template_tok.rfind(WILDCARD).unwrap_or(first) + WILDCARD.len();
    let prefix = &template_tok[..first];
    let suffix = &template_tok[last..];
    let mut v = raw;
    if let Some(rest) = v.strip_prefix(prefix) {
        v = rest;
    }
    if let Some(rest) = v.strip_suffix(suffix) {
        v = rest;
    }
    v
}

/// `raw` without `prefix` and then without `suffix`, each when present (see [`param_value`]).
#[inline]
pub(super) fn strip_affixes<'a>(raw: &'a str, prefix: &str, suffix: &str) -> &'a str {
    let mut v = raw;
    // Byte comparisons of whole UTF-8 strings: the cuts fall on character boundaries.
    let (p, s) = (prefix.len(), suffix.len());
    if v.len() >= p
        && same_bytes(&v.as_bytes()[..p], prefix.as_bytes())
        && let Some(rest) = v.get(p..)
    {
        v = rest;
    }
    if v.len() >= s
        && same_bytes(&v.as_bytes()[v.len() - s..], suffix.as_bytes())
        && let Some(rest) = v.get(..v.len() - s)
    {
        v = rest;
    }
    v
}

/// A stable id for a template text: `T` and 8 hex digits of its FNV-1a hash, moved on while `taken`.
pub(super) fn fresh_id(text: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut h = fnv1a(text.as_bytes());
    let mut id = format!("T{:08x}", h as u32);
    while taken(&id) {
        h = h.wrapping_add(1);
        id = format!("T{:08x}", h as u32);
    }
    id
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Reuses a vector's allocation for borrows of another lifetime.
pub(super) fn recycle<'b>(mut v: Vec<&str>) -> Vec<&'b str> {
    v.clear();
    v.into_iter().map(|_| "").collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_tokens_that_differ_inside_a_character_does_not_panic() {
        // U+FEFF and U+FEFE share their first two bytes.
        assert_eq!(merge_token("k=a\u{feff}", "k=a\u{fefe}"), "k=<*>");
        assert_eq!(merge_token("\u{feff}", "\u{fefe}"), "<*>");
        assert_eq!(merge_token("user=root", "user=guest"), "user=<*>");
    }
}
