//! The shape of a message: its tokens with every digit read as `0`. Generic masking depends on
//! where digits are, never on their values, so messages of one shape mask alike; the miner keys a
//! cache by it ([`shape_key`]) to skip masking.

use super::{
    CLASS, HIGH, MaskOptions, Masked, ONES, SPACE, eq_mask, has_wildcard, is_date_word, lt_mask,
    mask_token_into, unit_len,
};

/// Splits a message into its raw tokens (as [`super::mask_tokens`] does) and returns a key of its
/// shape: the message with every digit read as `0`, spacing included. Messages with one key have
/// the same tokens but for the values of their digits, so they mask alike (a key finer than the
/// tokens, as spacing counts, only costs the cache an entry). The message is read once, sixteen
/// bytes at a time with SSE2 (eight at a time elsewhere): the key hashes whole words, and the tokens
/// are cut where spaces begin and end.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
pub fn shape_key<'m>(msg: &'m str, raw: &mut Vec<&'m str>) -> u64 {
    use safe_arch::{
        bitandnot_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, min_u8_m128i,
        move_mask_i8_m128i, set_splat_i8_m128i, sub_i8_m128i,
    };
    const MIX: u64 = 0x517c_c1b7_2722_0a95;
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    raw.clear();
    let b = msg.as_bytes();
    let n = b.len();
    let mut h: u64 = 0x243f_6a88_85a3_08d3;
    // Bit 0 set when the byte before the current chunk is a space (the start counts as one).
    let mut carry = 1u32;
    let mut start = 0usize;
    let mut i = 0usize;
    let space = set_splat_i8_m128i(b' ' as i8);
    let low = set_splat_i8_m128i(0x20);
    let zero = set_splat_i8_m128i(b'0' as i8);
    let nine = set_splat_i8_m128i(9);
    let mut last = [0xffu8; 16];
    while i < n {
        let (chunk, valid): (&[u8; 16], u32) =
            match b.get(i..i + 16).and_then(|c| <&[u8; 16]>::try_from(c).ok()) {
                Some(c) => (c, 0xffff),
                None => {
                    // The last bytes; the other lanes hold 0xff, which no text holds.
                    let left = n - i;
                    last[..left].copy_from_slice(&b[i..]);
                    (&last, (1u32 << left) - 1)
                }
            };
        let v = load_unaligned_m128i(chunk);
        // Bytes up to 0x20 (spaces among them), spaces, and digits (`c - '0'` at most 9).
        let lows = move_mask_i8_m128i(cmp_eq_mask_i8_m128i(min_u8_m128i(v, low), v)) as u32;
        let mut sp = move_mask_i8_m128i(cmp_eq_mask_i8_m128i(v, space)) as u32;
        if lows != sp {
            sp = exact_spaces(chunk, lows, sp);
        }
        let d = sub_i8_m128i(v, zero);
        let digits = cmp_eq_mask_i8_m128i(min_u8_m128i(d, nine), d);
        let zeroed = bitandnot_m128i(digits, v) | (digits & zero);
        let [lo, hi] = <[u64; 2]>::from(zeroed);
        let p = u128::from(lo ^ h) * u128::from(hi ^ K);
        // The chunk is added back, so that a factor of zero (`lo` equal to the hash so far) does not
        // blind the key to the rest of the chunk (`hi` cannot equal `K`, not being UTF-8).
        h = (p as u64) ^ ((p >> 64) as u64) ^ lo ^ hi;
        // Bytes after a space (or the start): a token starts at those that are not spaces, and one
        // ends at spaces after a byte that is not.
        let after_space = (sp << 1) | carry;
        let starts = !sp & after_space & valid;
        let ends = sp & !after_space;
        cut(
            msg,
            raw,
            &mut start,
            i,
            u64::from(starts),
            u64::from(ends),
            0,
        );
        carry = (sp >> 15) & 1;
        i += 16;
    }
    cut_last(msg, raw, start);
    (h ^ n as u64).wrapping_mul(MIX)
}

/// Cuts the tokens of a chunk of `msg` at byte `i`, whose token starts and ends are the bits of
/// `starts` and `ends` (one bit per byte, or with `lane_shift` 3 the high bit of each byte's lane):
/// a start is remembered in `start`, an end pushes the token from it.
#[inline(always)]
fn cut<'m>(
    msg: &'m str,
    raw: &mut Vec<&'m str>,
    start: &mut usize,
    i: usize,
    starts: u64,
    ends: u64,
    lane_shift: u32,
) {
    let mut events = starts | ends;
    while events != 0 {
        let bit = events & events.wrapping_neg();
        let at = i + (bit.trailing_zeros() >> lane_shift) as usize;
        if starts & bit != 0 {
            *start = at;
        } else if let Some(tok) = msg.get(*start..at) {
            // Both ends are at ASCII spaces or the ends of the message: character boundaries.
            raw.push(tok);
        }
        events ^= bit;
    }
}

/// Pushes the last token when the message ends inside it (from `start`).
#[inline(always)]
fn cut_last<'m>(msg: &'m str, raw: &mut Vec<&'m str>, start: usize) {
    let b = msg.as_bytes();
    if b.last()
        .is_some_and(|&c| CLASS[usize::from(c)] & SPACE == 0)
        && let Some(tok) = msg.get(start..)
    {
        raw.push(tok);
    }
}

/// The bits of the bytes of `chunk` that are ASCII whitespace (as `split_ascii_whitespace` reads
/// it), given those up to 0x20 (`lows`) and the spaces among them (`spaces`).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(never)]
fn exact_spaces(chunk: &[u8; 16], lows: u32, spaces: u32) -> u32 {
    let mut exact = spaces;
    let mut rest = lows & !spaces;
    while rest != 0 {
        let k = rest.trailing_zeros();
        if CLASS[usize::from(chunk[k as usize])] & SPACE != 0 {
            exact |= 1 << k;
        }
        rest &= rest - 1;
    }
    exact
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
pub use swar_shape_key as shape_key;

/// [`shape_key`] eight bytes at a time (SWAR: a `u64` as eight lanes), where SSE2 is not there.
/// Its keys differ from the SSE2 version's (they are never saved), its tokens do not.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
pub fn swar_shape_key<'m>(msg: &'m str, raw: &mut Vec<&'m str>) -> u64 {
    const MIX: u64 = 0x517c_c1b7_2722_0a95;
    raw.clear();
    let b = msg.as_bytes();
    let n = b.len();
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
    // The high bit of lane 0 when the byte before the current word is a space (the start counts).
    let mut carry = 0x80u64;
    let mut start = 0usize;
    let mut i = 0usize;
    while i < n {
        let (v, valid) = match b.get(i..i + 8) {
            Some(chunk) => {
                let mut w = [0u8; 8];
                w.copy_from_slice(chunk);
                (u64::from_le_bytes(w), HIGH)
            }
            None => tail_word(b, i),
        };
        let sp = space_lanes(v);
        h = fold(h ^ digits_as_zero(v, lt_mask(v, b'9' + 1) & !lt_mask(v, b'0')));
        // Lanes after a space (or the start): a token starts at those that are not spaces, and one
        // ends at spaces after a lane that is not.
        let after_space = (sp << 8) | carry;
        let starts = !sp & after_space & valid;
        let ends = sp & !after_space;
        cut(msg, raw, &mut start, i, starts, ends, 3);
        carry = (sp >> 56) & 0x80;
        i += 8;
    }
    cut_last(msg, raw, start);
    (h ^ n as u64).wrapping_mul(MIX)
}

/// The last fewer than eight bytes from `i`, as a word whose other lanes hold `0xff` (a byte no
/// text holds, neither a space nor a digit), and the high bits of the lanes that are the text's.
#[inline(always)]
fn tail_word(b: &[u8], i: usize) -> (u64, u64) {
    let left = b.len() - i;
    let mut w = [0xffu8; 8];
    for (d, &s) in w.iter_mut().zip(&b[i..]) {
        *d = s;
    }
    (u64::from_le_bytes(w), HIGH >> (8 * (8 - left)))
}

/// The high bits of the lanes of `v` that are ASCII whitespace (as `split_ascii_whitespace` reads
/// it): mostly the lanes equal to a space, else looked up.
#[inline(always)]
fn space_lanes(v: u64) -> u64 {
    let low = lt_mask(v, 0x21);
    if low == 0 {
        return 0;
    }
    let spaces = eq_mask(v, b' ');
    if spaces == low {
        return spaces;
    }
    let mut exact = spaces;
    let mut rest = low & !spaces;
    while rest != 0 {
        let lane = rest & rest.wrapping_neg();
        let byte = (v >> (lane.trailing_zeros() - 7)) as u8;
        if CLASS[usize::from(byte)] & SPACE != 0 {
            exact |= lane;
        }
        rest ^= lane;
    }
    exact
}

/// Folds a word into a hash (the high and low halves of a 128-bit product).
#[inline(always)]
fn fold(a: u64) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let p = u128::from(a) * u128::from(K);
    (p as u64) ^ ((p >> 64) as u64)
}

/// Whether masking a token without a digit can depend on its neighbours: a month or weekday name
/// (part of a date next to a number) or a unit word (after a number).
pub fn masked_in_context(tok: &str) -> bool {
    if is_date_word(tok) {
        return true;
    }
    unit_len(tok).is_some()
}

/// Whether the generic rules keep a token as it is wherever it stands: no `<*>`, nothing they mask
/// (a number, a path), not a word they mask next to a number (a date or unit word).
pub fn is_steady(tok: &str) -> bool {
    !has_wildcard(tok)
        && !masked_in_context(tok)
        && mask_token_into(tok, &MaskOptions::default(), &mut String::new()) == Masked::Raw
}

/// Every digit lane of `v` (eight bytes; `digits` has the high bit of each) replaced by `0`.
#[inline(always)]
fn digits_as_zero(v: u64, digits: u64) -> u64 {
    // The high bit of each digit lane, spread over its lane.
    let lanes = (digits >> 7) * 0xff;
    (v & !lanes) | ((ONES * u64::from(b'0')) & lanes)
}
