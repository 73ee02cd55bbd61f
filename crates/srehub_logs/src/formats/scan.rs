//! Byte scanning eight bytes at a time (SWAR: a `u64` as eight lanes), for the hot loops of the
//! line parsers.
//!
//! Each mask has the high bit of a lane set exactly when the lane matches (no carry crosses lanes).

pub(crate) use crate::bytes::{eq_mask, lt_mask};

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
    let len = b.len();
    while let Some(v) = word(b, i) {
        let m = lanes(v);
        if m != 0 {
            return i + first(m);
        }
        i += 8;
    }
    if i >= len {
        return len;
    }
    // Fewer than eight bytes left: the last eight of the text, without the lanes before `i`.
    if let Some(v) = len.checked_sub(8).and_then(|at| word(b, at)) {
        let skip = i + 8 - len;
        let m = lanes(v) & (!0u64 << (8 * skip));
        return if m != 0 { len - 8 + first(m) } else { len };
    }
    while i < len && !one(b[i]) {
        i += 1;
    }
    i
}

/// [`find`] with `lanes` flagging a superset of the bytes wanted: the index of the first byte at or
/// after `i` for which `exact` is true, `b.len()` when there is none.
#[inline(always)]
pub(crate) fn find_exact(
    b: &[u8],
    mut i: usize,
    lanes: impl Fn(u64) -> u64,
    exact: impl Fn(u8) -> bool,
) -> usize {
    loop {
        i = find(b, i, &lanes, &exact);
        match b.get(i) {
            Some(&c) if !exact(c) => i += 1,
            _ => return i,
        }
    }
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
                for from in 0..=len {
                    let want = b
                        .iter()
                        .skip(from)
                        .position(|&c| c == b' ' || c == b'\t')
                        .map_or(len, |p| p + from);
                    assert_eq!(spaces(&b, from), want, "{b:?} from {from}");
                }
            }
        }
        let b = b"abc\x1fdef ghijklmn";
        assert_eq!(find(b, 0, |v| lt_mask(v, 0x20), |c| c < 0x20), 3);
        assert_eq!(find(b, 4, |v| lt_mask(v, 0x20), |c| c < 0x20), b.len());
        let spaces = |c: u8| c == b' ';
        for from in 0..b.len() {
            let want = b
                .iter()
                .skip(from)
                .position(|&c| spaces(c))
                .map_or(b.len(), |p| p + from);
            assert_eq!(find_exact(b, from, |v| lt_mask(v, b' ' + 1), spaces), want);
        }
    }

    #[test]
    fn masks_are_exact_in_every_lane() {
        for c in [0u8, 1, b' ', b'"', 0x7f, 0x80, 0xff] {
            for x in 0..=255u8 {
                for lane in 0..8 {
                    let mut w = [c ^ 0x55; 8];
                    w[lane] = x;
                    let v = u64::from_le_bytes(w);
                    let flags = |hit: &dyn Fn(u8) -> bool| -> u64 {
                        w.iter()
                            .enumerate()
                            .map(|(k, &y)| if hit(y) { 0x80 << (8 * k) } else { 0 })
                            .sum()
                    };
                    assert_eq!(eq_mask(v, c), flags(&|y| y == c), "{w:?} == {c}");
                    assert_eq!(lt_mask(v, 0x20), flags(&|y| y < 0x20), "{w:?} < 0x20");
                }
            }
        }
    }
}
