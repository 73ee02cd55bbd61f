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
