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

/// The lanes of the first `n` bytes of `lanes` (at most 16) that equal `c`, one bit per lane.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline]
pub(crate) fn lanes_equal(lanes: &[u8; 16], n: usize, c: u8) -> u32 {
    use safe_arch::{
        cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i, set_splat_i8_m128i,
    };
    let eq = cmp_eq_mask_i8_m128i(
        load_unaligned_m128i(lanes),
        set_splat_i8_m128i(i8::from_ne_bytes([c])),
    );
    (move_mask_i8_m128i(eq) as u32) & first_bits(n)
}

/// [`lanes_equal`] eight lanes at a time, where SSE2 is not there.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
pub(crate) fn swar_lanes_equal(lanes: &[u8; 16], n: usize, c: u8) -> u32 {
    let half = |at: usize| {
        // One bit per lane from the high bit of each of eight lanes.
        let m = eq_mask(word(lanes, at), c) >> 7;
        (m.wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32
    };
    (half(0) | half(8) << 8) & first_bits(n)
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
pub(crate) use swar_lanes_equal as lanes_equal;

/// The low `n` bits (all 32 from `n = 32` on).
#[inline]
fn first_bits(n: usize) -> u32 {
    if n >= 32 { u32::MAX } else { (1u32 << n) - 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_equal_finds_each_lane_below_the_count() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut lanes = [0u8; 16];
            for (i, l) in lanes.iter_mut().enumerate() {
                // Few distinct values, so that lanes match often.
                *l = ((x >> (i * 4)) & 3) as u8 * 0x55;
            }
            let c = ((x >> 60) & 3) as u8 * 0x55;
            for n in 0..=16 {
                let want = (0..n)
                    .filter(|&i| lanes[i] == c)
                    .fold(0u32, |m, i| m | 1 << i);
                assert_eq!(lanes_equal(&lanes, n, c), want, "{lanes:?} {n} {c}");
                assert_eq!(swar_lanes_equal(&lanes, n, c), want, "{lanes:?} {n} {c}");
            }
        }
    }
}
