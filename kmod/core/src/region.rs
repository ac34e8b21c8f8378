//! The word region all state lives in, and the three ways it is written: sharded
//! counters, atomic counters, and seqlock-protected config.

use core::sync::atomic::{fence, AtomicU64, Ordering};

/// Absorbs accesses outside the region. Layouts are validated against the region
/// length at init, so this is never reached; it exists so that no index can panic.
static OUT_OF_REGION: AtomicU64 = AtomicU64::new(0);

/// Read attempts of a seqlock reader before it settles for possibly torn data.
const SEQLOCK_READ_ATTEMPTS: usize = 4;

/// A borrowed region of `AtomicU64` words.
#[derive(Debug, Clone, Copy)]
pub struct Region<'a> {
    words: &'a [AtomicU64],
}

impl<'a> Region<'a> {
    /// Wraps a region.
    pub fn new(words: &'a [AtomicU64]) -> Self {
        Region { words }
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when the region has no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The word at `index` (never panics, see `OUT_OF_REGION`).
    #[inline(always)]
    pub fn at(&self, index: usize) -> &'a AtomicU64 {
        self.words.get(index).unwrap_or(&OUT_OF_REGION)
    }

    /// The `N` words from `index`, with one bounds check for all of them.
    #[inline(always)]
    pub fn block<const N: usize>(&self, index: usize) -> Option<&'a [AtomicU64; N]> {
        self.words
            .get(index..index.wrapping_add(N))
            .and_then(|words| words.try_into().ok())
    }

    /// Relaxed load.
    #[inline(always)]
    pub fn load(&self, index: usize) -> u64 {
        self.at(index).load(Ordering::Relaxed)
    }

    /// Relaxed store.
    #[inline(always)]
    pub fn store(&self, index: usize, value: u64) {
        self.at(index).store(value, Ordering::Relaxed)
    }

    /// Wrapping atomic add, for counters with several writers (swap, globals).
    #[inline(always)]
    pub fn add_atomic(&self, index: usize, value: u64) {
        self.at(index).fetch_add(value, Ordering::Relaxed);
    }

    /// Wrapping add to a shard counter. With `single_writer` the shard belongs to one
    /// CPU whose writers never nest, so a plain load+store is exact and avoids a locked
    /// instruction; otherwise an atomic add.
    #[inline(always)]
    pub fn add_shard(&self, index: usize, value: u64, single_writer: bool) {
        let word = self.at(index);
        if single_writer {
            word.store(
                word.load(Ordering::Relaxed).wrapping_add(value),
                Ordering::Relaxed,
            );
        } else {
            word.fetch_add(value, Ordering::Relaxed);
        }
    }

    /// Zeroes `count` words from `start`.
    pub fn zero(&self, start: usize, count: usize) {
        for index in start..start.saturating_add(count) {
            self.store(index, 0);
        }
    }

    /// Reads seqlock-protected words: retries while a writer is active or raced, and
    /// after `SEQLOCK_READ_ATTEMPTS` returns what it read (possibly torn: a config
    /// change in progress for that long can misclassify a packet, never crash).
    #[inline(always)]
    pub fn seq_read<T>(&self, seq_index: usize, mut read: impl FnMut() -> T) -> T {
        let seq = self.at(seq_index);
        for _ in 0..SEQLOCK_READ_ATTEMPTS {
            let before = seq.load(Ordering::Acquire);
            if before & 1 == 0 {
                let value = read();
                fence(Ordering::Acquire);
                if seq.load(Ordering::Relaxed) == before {
                    return value;
                }
            }
            core::hint::spin_loop();
        }
        read()
    }

    /// Runs a seqlock write. Writers must be serialized by the caller (the glue's
    /// control mutex).
    pub fn seq_write<T>(&self, seq_index: usize, write: impl FnOnce() -> T) -> T {
        let seq = self.at(seq_index);
        let start = seq.load(Ordering::Relaxed);
        seq.store(start.wrapping_add(1), Ordering::Relaxed);
        fence(Ordering::Release);
        let value = write();
        seq.store(start.wrapping_add(2), Ordering::Release);
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_and_atomic_adds_wrap_instead_of_overflowing() {
        let words = [AtomicU64::new(u64::MAX - 1), AtomicU64::new(u64::MAX)];
        let region = Region::new(&words);
        region.add_shard(0, 3, true);
        region.add_atomic(1, 2);
        assert_eq!(region.load(0), 1);
        assert_eq!(region.load(1), 1);
        region.add_shard(0, u64::MAX, false);
        assert_eq!(region.load(0), 0);
    }

    #[test]
    fn out_of_region_accesses_are_absorbed() {
        let words = [AtomicU64::new(7)];
        let region = Region::new(&words);
        region.store(5, 1);
        region.add_shard(9, 1, true);
        assert_eq!(region.load(0), 7);
    }

    #[test]
    fn seqlock_reader_sees_a_completed_write() {
        let words = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];
        let region = Region::new(&words);
        region.seq_write(0, || {
            region.store(1, 5);
            region.store(2, 6);
        });
        assert_eq!(region.load(0), 2, "sequence even after a write");
        assert_eq!(
            region.seq_read(0, || (region.load(1), region.load(2))),
            (5, 6)
        );
    }
}
