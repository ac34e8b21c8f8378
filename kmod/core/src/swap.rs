//! Swap I/O: per-domain ranges of a backing device, and the accounting of requests in
//! them.
//!
//! A range word triple is `dev | RANGE_VALID`, first sector, sector count. One call of
//! `account_bio` is one request: the glue calls it once per request xen-blkback
//! dispatches (not per split bio), with the request's whole sector span. Sectors count
//! only the part inside the range; a request is counted when any of it is inside.
//! Zero-length requests (flushes, barriers without data) count as nothing.

use super::domain_table::STATE_ACTIVE;
use super::engine::IdcstatCore;
use super::geometry::{D_SWAP_COUNTERS, D_SWAP_RANGES, SWAP_RANGES_PER_DOMAIN, SWAP_RANGE_WORDS};
use super::lifecycle::ControlError;

const RANGE_VALID: u64 = 1 << 32;

/// Where a domain's swap lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwapRange {
    /// Kernel-internal `dev_t` of the backing device (`(major << 20) | minor`).
    pub dev: u32,
    /// First 512-byte sector.
    pub start_sector: u64,
    /// Length in sectors (`u64::MAX` for "the whole device").
    pub nr_sectors: u64,
}

impl SwapRange {
    /// Sectors of `[sector, sector + nr)` that lie inside the range (no overflow).
    pub fn overlap(&self, sector: u64, nr: u64) -> u64 {
        let range_end = self.start_sector.saturating_add(self.nr_sectors);
        let io_end = sector.saturating_add(nr);
        range_end
            .min(io_end)
            .saturating_sub(self.start_sector.max(sector))
    }
}

impl IdcstatCore<'_> {
    fn swap_range_at(&self, slot: usize, index: usize) -> usize {
        self.layout.domain(slot) + D_SWAP_RANGES + index * SWAP_RANGE_WORDS
    }

    /// Reads swap range `index` of domain `slot`.
    pub fn swap_range(&self, slot: usize, index: usize) -> Option<SwapRange> {
        if slot >= self.domain_slots() || index >= SWAP_RANGES_PER_DOMAIN {
            return None;
        }
        let at = self.swap_range_at(slot, index);
        let dev_word = self.region.load(at);
        (dev_word & RANGE_VALID != 0).then(|| SwapRange {
            dev: dev_word as u32,
            start_sector: self.region.load(at + 1),
            nr_sectors: self.region.load(at + 2),
        })
    }

    /// Sets a swap range of the active domain (domid, generation); a range on the same
    /// device replaces the old one. Only active domains are counted, so a departed
    /// record of the same pair (left by a config-set that cleared vifs) must not take
    /// the range. The range is written invalid-first so that a concurrent
    /// `account_bio` sees either no range or the whole new one.
    pub fn set_swap_range(
        &self,
        domid: u16,
        generation: u32,
        range: SwapRange,
    ) -> Result<(), ControlError> {
        if range.nr_sectors == 0 {
            return Err(ControlError::InvalidArgument("nr-sectors"));
        }
        let slot = self
            .find_domain(domid, Some(generation))
            .filter(|&slot| self.ident(slot).state == STATE_ACTIVE)
            .ok_or(ControlError::NoSuchDomain)?;
        let index = (0..SWAP_RANGES_PER_DOMAIN)
            .find(|&i| self.swap_range(slot, i).is_some_and(|r| r.dev == range.dev))
            .or_else(|| (0..SWAP_RANGES_PER_DOMAIN).find(|&i| self.swap_range(slot, i).is_none()))
            .ok_or(ControlError::ConfigFull("swap ranges of the domain"))?;
        let at = self.swap_range_at(slot, index);
        self.region
            .at(at)
            .store(0, core::sync::atomic::Ordering::Release);
        self.region.store(at + 1, range.start_sector);
        self.region.store(at + 2, range.nr_sectors);
        self.region.at(at).store(
            u64::from(range.dev) | RANGE_VALID,
            core::sync::atomic::Ordering::Release,
        );
        self.bump_structure_version();
        Ok(())
    }

    /// Removes every swap range.
    pub fn clear_swap_ranges(&self) {
        for slot in 0..self.domain_slots() {
            for index in 0..SWAP_RANGES_PER_DOMAIN {
                self.region.store(self.swap_range_at(slot, index), 0);
            }
        }
        self.bump_structure_version();
    }

    /// Counts one block request on `dev` at `sector` of `nr_sectors` (any context).
    /// Returns the slot it was counted for.
    pub fn account_bio(
        &self,
        dev: u32,
        sector: u64,
        nr_sectors: u64,
        is_write: bool,
    ) -> Option<usize> {
        if nr_sectors == 0 {
            return None;
        }
        for slot in 0..self.domain_slots() {
            if self.ident(slot).state != STATE_ACTIVE {
                continue;
            }
            for index in 0..SWAP_RANGES_PER_DOMAIN {
                let Some(range) = self.swap_range(slot, index).filter(|r| r.dev == dev) else {
                    continue;
                };
                let inside = range.overlap(sector, nr_sectors);
                if inside == 0 {
                    continue;
                }
                let at = self.layout.domain(slot) + D_SWAP_COUNTERS + if is_write { 2 } else { 0 };
                self.region.add_atomic(at, 1);
                self.region.add_atomic(at + 1, inside);
                return Some(slot);
            }
        }
        None
    }
}
