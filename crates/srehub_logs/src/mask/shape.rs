//! The shape of a message: its tokens with every digit read as `0`. Generic masking depends on
//! where digits are, never on their values, so messages of one shape mask alike; the miner keys a
//! cache by it ([`shape_key`]) to skip masking.

use super::{
    CLASS, DIGIT, MaskOptions, Masked, ONES, SPACE, has_wildcard, is_date_word, lt_mask,
    mask_token_into, token_start, unit_len,
};

/// Splits a message into its raw tokens (as [`super::mask_tokens`] does) and returns a key of its
/// shape: its tokens with every digit read as `0`. Messages with one key mask alike; the key costs
/// a fraction of masking, and the miner uses it to find where a message of this shape went before.
pub fn shape_key<'m>(msg: &'m str, raw: &mut Vec<&'m str>) -> u64 {
    const MIX: u64 = 0x517c_c1b7_2722_0a95;
    raw.clear();
    let b = msg.as_bytes();
    let mut i = 0;
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
    while let Some(from) = token_start(b, i) {
        let (end, shape) = scan_token_shape(b, from);
        i = end;
        // Both ends are at ASCII bytes or the ends of the message: character boundaries.
        let Some(tok) = msg.get(from..i) else {
            break;
        };
        h = (h.rotate_left(7) ^ shape).wrapping_mul(MIX);
        raw.push(tok);
    }
    (h ^ raw.len() as u64).wrapping_mul(MIX)
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

/// The end of the token starting at `i` (as [`super::scan_token`]) and a hash of its bytes with
/// every digit read as `0`, eight bytes at a time as they are scanned. The chunk walk is
/// [`super::scan_token`]'s; a shared helper for both measured 1–2 % slower, so it is written twice.
#[inline(always)]
fn scan_token_shape(b: &[u8], mut i: usize) -> (usize, u64) {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    // Keeps tokens holding a digit apart from words that look alike.
    const NUMBER: u64 = 0x6a09_e667_f3bc_c908;
    let fold = |a: u64| {
        let p = u128::from(a) * u128::from(K);
        (p as u64) ^ ((p >> 64) as u64)
    };
    let from = i;
    let mut h: u64 = 0x243f_6a88_85a3_08d3;
    let mut digits = 0u64;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let v = u64::from_le_bytes(w);
        let low = lt_mask(v, 0x21);
        let k = if low == 0 {
            8
        } else {
            (low.trailing_zeros() / 8) as usize
        };
        let lanes = if k == 8 {
            u64::MAX
        } else {
            (1u64 << (8 * k)) - 1
        };
        let d = lt_mask(v, b'9' + 1) & !lt_mask(v, b'0') & lanes;
        digits |= d;
        h = fold(h ^ (digits_as_zero(v, d) & lanes));
        i += k;
        if k < 8 {
            if CLASS[usize::from(b[i])] & SPACE != 0 {
                return (i, finish_shape(h, i - from, digits != 0, NUMBER));
            }
            // A control character: part of the token.
            h = fold(h ^ u64::from(b[i]) ^ 0x100);
            i += 1;
        }
    }
    while let Some(&byte) = b.get(i) {
        let c = CLASS[usize::from(byte)];
        if c & SPACE != 0 {
            break;
        }
        let byte = if c & DIGIT != 0 { b'0' } else { byte };
        digits |= u64::from(c & DIGIT);
        h = fold(h ^ u64::from(byte) ^ 0x200);
        i += 1;
    }
    (i, finish_shape(h, i - from, digits != 0, NUMBER))
}

#[inline(always)]
fn finish_shape(h: u64, len: usize, digits: bool, number: u64) -> u64 {
    let h = h ^ (len as u64).rotate_left(32);
    if digits { h ^ number } else { h }
}

/// Every digit lane of `v` (eight bytes; `digits` has the high bit of each) replaced by `0`.
#[inline(always)]
fn digits_as_zero(v: u64, digits: u64) -> u64 {
    // The high bit of each digit lane, spread over its lane.
    let lanes = (digits >> 7) * 0xff;
    (v & !lanes) | ((ONES * u64::from(b'0')) & lanes)
}
