//! Unaligned little-endian loads and eight-lane byte masks (SWAR: a `u64` as eight lanes) for the
//! hot paths of the masker, the miner and the line parsers.
//!
//! Each mask has the high bit of a lane set exactly when the lane matches (no carry crosses lanes).

/// The 8 bytes at `at` as a little-endian word (`b` must hold them).
#[inline]
pub(crate) fn word(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// The 4 bytes at `at` as a little-endian word.
#[inline]
pub(crate) fn half(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u64::from(u32::from_le_bytes(w))
}

pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
pub(crate) const HIGH: u64 = 0x8080_8080_8080_8080;

/// Lanes equal to `c`.
#[inline(always)]
pub(crate) fn eq_mask(v: u64, c: u8) -> u64 {
    let x = v ^ (ONES * u64::from(c));
    // A lane's high bit ends up clear only when the lane is zero.
    !(((x & LOW7) + LOW7) | x) & HIGH
}

/// Lanes below `n` (`n` from 1 to 128).
#[inline(always)]
pub(crate) fn lt_mask(v: u64, n: u8) -> u64 {
    let n = n.clamp(1, 128);
    // `(lane & 0x7f) + 0x80 - n` reaches the high bit when the lane's low bits are at least `n`.
    !(((v & LOW7) + ONES * u64::from(0x80 - n)) | v) & HIGH
}

/// The high bits of the first `n` lanes (all eight from `n = 8` on).
#[inline]
pub(crate) fn first_lanes(n: usize) -> u64 {
    if n >= 8 {
        HIGH
    } else {
        HIGH & ((1u64 << (8 * n)) - 1)
    }
}
