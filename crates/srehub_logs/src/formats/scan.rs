//! Byte scanning eight bytes at a time (SWAR: a `u64` as eight lanes), for the hot loops of the
//! line parsers.
//!
//! Each mask has the high bit of a lane set when the lane matches. Borrows only run towards higher
//! lanes, so the lowest flagged lane is always a true match (higher ones may be false): only the
//! first match is ever used.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Lanes equal to `c`.
#[inline(always)]
pub(crate) fn eq_mask(v: u64, c: u8) -> u64 {
    let x = v ^ (ONES * u64::from(c));
    x.wrapping_sub(ONES) & !x & HIGH
}

/// Lanes below `n` (`n` at most 128).
#[inline(always)]
pub(crate) fn lt_mask(v: u64, n: u8) -> u64 {
    v.wrapping_sub(ONES * u64::from(n)) & !v & HIGH
}

/// The eight bytes at `i`, if there are eight.
#[inline(always)]
pub(crate) fn word(b: &[u8], i: usize) -> Option<u64> {
    let chunk = b.get(i..i.checked_add(8)?)?;
    <[u8; 8]>::try_from(chunk).ok().map(u64::from_le_bytes)
}

/// The lane of the first match in a non-zero mask.
#[inline(always)]
pub(crate) fn first(mask: u64) -> usize {
    (mask.trailing_zeros() / 8) as usize
}

/// The index of the first byte at or after `i` for which `lanes` flags a lane (or `one` is true, for
/// the last bytes); `b.len()` when there is none.
#[inline(always)]
pub(crate) fn find(
    b: &[u8],
    mut i: usize,
    lanes: impl Fn(u64) -> u64,
    one: impl Fn(u8) -> bool,
) -> usize {
    while let Some(v) = word(b, i) {
        let m = lanes(v);
        if m != 0 {
            return i + first(m);
        }
        i += 8;
    }
    while i < b.len() && !one(b[i]) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_match_in_any_lane() {
        let spaces = |b: &[u8], i| {
            find(
                b,
                i,
                |v| eq_mask(v, b' ') | eq_mask(v, b'\t'),
                |c| c == b' ' || c == b'\t',
            )
        };
        for len in 0..40 {
            for at in 0..=len {
                let mut b = vec![b'x'; len];
                // Bytes that defeat naive tricks: 0x01 above a match, high bytes before it.
                for (k, c) in b.iter_mut().enumerate() {
                    if k < at {
                        *c = if k % 3 == 0 { 0xe9 } else { b'!' };
                    } else if k > at {
                        *c = 0x01;
                    }
                }
                if at < len {
                    b[at] = if at % 2 == 0 { b' ' } else { b'\t' };
                }
                let want = if at < len { at } else { len };
                let want = b
                    .iter()
                    .position(|&c| c == b' ' || c == b'\t')
                    .unwrap_or(len)
                    .min(want);
                assert_eq!(spaces(&b, 0), want, "{b:?}");
            }
        }
        let b = b"abc\x1fdef ghijklmn";
        assert_eq!(find(b, 0, |v| lt_mask(v, 0x20), |c| c < 0x20), 3);
        assert_eq!(find(b, 4, |v| lt_mask(v, 0x20), |c| c < 0x20), b.len());
    }
}
