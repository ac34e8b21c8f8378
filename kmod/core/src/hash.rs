//! Seeded hashing of table keys and mapping of a hash onto `n` slots.

const K1: u64 = 0x9e37_79b9_7f4a_7c15;
const K2: u64 = 0xc2b2_ae3d_27d4_eb4f;

/// Mixes two key words with the instance seed.
#[inline(always)]
pub fn hash2(seed: u64, a: u64, b: u64) -> u64 {
    let mut x = (a ^ seed).wrapping_mul(K1);
    x ^= x >> 29;
    x = (x ^ b).wrapping_mul(K2);
    x ^ (x >> 32)
}

/// Maps a hash onto `0..n` without division (n ≤ 2^32): multiply-shift on the high half.
#[inline(always)]
pub fn slot_of(hash: u64, n: usize) -> usize {
    (((hash >> 32) * (n as u64 & 0xffff_ffff)) >> 32) as usize
}

/// The slot after `index` in a table of `n` slots, wrapping.
#[inline(always)]
pub fn next_slot(index: usize, n: usize) -> usize {
    let next = index.wrapping_add(1);
    if next >= n {
        0
    } else {
        next
    }
}
