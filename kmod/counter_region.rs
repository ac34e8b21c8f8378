// SPDX-License-Identifier: GPL-2.0

//! The one preallocated block holding every counter and table of the core.

use core::sync::atomic::AtomicU64;

use kernel::prelude::*;

/// `words` zero-initialised 64-bit atomics in one vmalloc block, allocated at load
/// and freed at unload; nothing is allocated afterwards (the per-packet path never
/// allocates).
pub(crate) struct CounterRegion {
    words: VVec<AtomicU64>,
}

impl CounterRegion {
    /// Allocates and zeroes `words` words.
    pub(crate) fn new(words: usize) -> Result<Self> {
        let mut vec = VVec::with_capacity(words, GFP_KERNEL)?;
        for slot in vec.spare_capacity_mut().iter_mut().take(words) {
            slot.write(AtomicU64::new(0));
        }
        // SAFETY: the capacity is at least `words` and the first `words` elements were
        // just initialised.
        unsafe { vec.inc_len(words) };
        Ok(CounterRegion { words: vec })
    }

    /// The words.
    pub(crate) fn words(&self) -> &[AtomicU64] {
        &self.words
    }
}
