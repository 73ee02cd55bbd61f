//! Unaligned little-endian loads for the byte-at-a-time hot paths (token hashing, value keys).

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

/// The high bit of each lane (byte) of `x` that is zero.
#[inline]
pub(crate) fn zero_lanes(x: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((x & LOW7) + LOW7) | x) & 0x8080_8080_8080_8080
}

/// The high bits of the first `n` lanes (all eight from `n = 8` on).
#[inline]
pub(crate) fn first_lanes(n: usize) -> u64 {
    if n >= 8 {
        0x8080_8080_8080_8080
    } else {
        0x8080_8080_8080_8080 & ((1u64 << (8 * n)) - 1)
    }
}
