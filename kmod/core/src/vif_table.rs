//! ifindex → domain slot, with each vif's MAC. Open addressing with tombstones.
//!
//! Word 0 of an entry: `ifindex | (slot + 1) << 32 | devid << 48` (0 empty, all ones a
//! tombstone); word 1: `mac | MAC_VALID | MAC_CONFIRMED`. Packets read entries lock-free
//! (Acquire on word 0); the control path writes word 1 before publishing word 0.

use core::sync::atomic::Ordering;

use super::addr::MacAddr;
use super::engine::IdcstatCore;
use super::geometry::{G_VIF_TABLE_FULL, VIF_WORDS};
use super::hash::{hash2, next_slot, slot_of};
use super::lifecycle::ControlError;
use super::snapshot::VifSnapshot;

const VIF_EMPTY: u64 = 0;
const VIF_TOMBSTONE: u64 = u64::MAX;
const VIF_HASH_SALT: u64 = 0x7669_665f_7461_626c;
pub(super) const MAC_MASK: u64 = (1 << 48) - 1;
const MAC_VALID: u64 = 1 << 62;
const MAC_CONFIRMED: u64 = 1 << 63;

/// A vif found by the per-packet path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct VifRef {
    /// Entry index in the vif table.
    pub index: usize,
    /// Slot of the vif's domain.
    pub domain_slot: usize,
}

fn unpack(word: u64) -> Option<(u32, usize, u16)> {
    if word == VIF_EMPTY || word == VIF_TOMBSTONE {
        return None;
    }
    let slot_plus_one = ((word >> 32) & 0xffff) as usize;
    Some((
        word as u32,
        slot_plus_one.checked_sub(1)?,
        (word >> 48) as u16,
    ))
}

impl IdcstatCore<'_> {
    #[inline(always)]
    fn vif_word(&self, index: usize) -> usize {
        // Wrapping: see `Layout::domain`.
        self.layout
            .vif_base
            .wrapping_add(index.wrapping_mul(VIF_WORDS))
    }

    #[inline(always)]
    fn vif_home(&self, ifindex: u32) -> usize {
        slot_of(
            hash2(
                self.geometry.hash_seed ^ VIF_HASH_SALT,
                u64::from(ifindex),
                0,
            ),
            self.layout.vif_slots,
        )
    }

    /// Finds the vif `ifindex` (per-packet path).
    #[inline(always)]
    pub(super) fn lookup_vif(&self, ifindex: u32) -> Option<VifRef> {
        let slots = self.layout.vif_slots;
        let mut index = self.vif_home(ifindex);
        for _ in 0..slots {
            let word = self.region.at(self.vif_word(index)).load(Ordering::Acquire);
            if word == VIF_EMPTY {
                return None;
            }
            if let Some((found, domain_slot, _)) = unpack(word) {
                if found == ifindex {
                    return Some(VifRef { index, domain_slot });
                }
            }
            index = next_slot(index, slots);
        }
        None
    }

    /// Returns the vif's MAC, learning `src` as that MAC if it has none yet.
    #[inline(always)]
    pub(super) fn learn_vif_mac(
        &self,
        index: usize,
        domain_slot: usize,
        src: MacAddr,
    ) -> Option<MacAddr> {
        let word = self.region.at(self.vif_word(index).wrapping_add(1));
        let current = word.load(Ordering::Relaxed);
        if current & MAC_VALID != 0 {
            return Some(MacAddr::from_u64(current & MAC_MASK));
        }
        if !src.is_station() {
            return None;
        }
        match word.compare_exchange(
            current,
            src.to_u64() | MAC_VALID,
            Ordering::Relaxed,
            Ordering::Relaxed,
        ) {
            Ok(_) => {
                self.mac_index_insert(src, domain_slot);
                // Who is local changed: flow-cache entries classified before are stale.
                self.bump_structure_version();
                Some(src)
            }
            Err(now) => (now & MAC_VALID != 0).then(|| MacAddr::from_u64(now & MAC_MASK)),
        }
    }

    /// Reads vif table entry `index` (0..vif_slots) for dumps and config-get.
    pub fn vif_at(&self, index: usize) -> Option<VifSnapshot> {
        if index >= self.layout.vif_slots {
            return None;
        }
        let (ifindex, domain_slot, devid) =
            unpack(self.region.at(self.vif_word(index)).load(Ordering::Acquire))?;
        let mac_word = self.region.load(self.vif_word(index) + 1);
        Some(VifSnapshot {
            ifindex,
            domain_slot,
            devid,
            mac: (mac_word & MAC_VALID != 0).then(|| MacAddr::from_u64(mac_word & MAC_MASK)),
            mac_confirmed: mac_word & MAC_CONFIRMED != 0,
        })
    }

    /// Control path: maps `ifindex` to `domain_slot`. Returns the entry index and the
    /// slot it was mapped to before, if any.
    pub(super) fn vif_upsert(
        &self,
        ifindex: u32,
        domain_slot: usize,
        devid: u16,
    ) -> Result<(usize, Option<usize>), ControlError> {
        if ifindex == 0 || ifindex == u32::MAX {
            return Err(ControlError::InvalidArgument("ifindex"));
        }
        let slots = self.layout.vif_slots;
        let packed =
            u64::from(ifindex) | ((domain_slot as u64 + 1) << 32) | (u64::from(devid) << 48);
        let mut free = None;
        let mut index = self.vif_home(ifindex);
        for _ in 0..slots {
            let word = self.region.at(self.vif_word(index)).load(Ordering::Acquire);
            if let Some((found, previous_slot, _)) = unpack(word) {
                if found == ifindex {
                    if previous_slot != domain_slot {
                        // The MAC belonged to the previous domain's identity.
                        self.region.store(self.vif_word(index) + 1, 0);
                    }
                    self.region
                        .at(self.vif_word(index))
                        .store(packed, Ordering::Release);
                    return Ok((index, Some(previous_slot)));
                }
            } else {
                free = free.or(Some(index));
                if word == VIF_EMPTY {
                    break;
                }
            }
            index = next_slot(index, slots);
        }
        let Some(index) = free else {
            self.region.add_atomic(G_VIF_TABLE_FULL, 1);
            return Err(ControlError::VifTableFull);
        };
        self.region.store(self.vif_word(index) + 1, 0);
        self.region
            .at(self.vif_word(index))
            .store(packed, Ordering::Release);
        Ok((index, None))
    }

    /// Control path: sets a vif's MAC as confirmed by the agent. Returns the old MAC.
    pub(super) fn vif_confirm_mac(&self, index: usize, mac: MacAddr) -> Option<MacAddr> {
        let word = self.region.at(self.vif_word(index) + 1);
        let old = word.swap(mac.to_u64() | MAC_VALID | MAC_CONFIRMED, Ordering::Relaxed);
        (old & MAC_VALID != 0).then(|| MacAddr::from_u64(old & MAC_MASK))
    }

    /// Control path: removes vif `ifindex`, returning what it was.
    pub(super) fn vif_remove(&self, ifindex: u32) -> Option<VifSnapshot> {
        let slots = self.layout.vif_slots;
        let mut index = self.vif_home(ifindex);
        for _ in 0..slots {
            let word = self.region.at(self.vif_word(index)).load(Ordering::Acquire);
            if word == VIF_EMPTY {
                return None;
            }
            if matches!(unpack(word), Some((found, _, _)) if found == ifindex) {
                let removed = self.vif_at(index);
                self.region
                    .at(self.vif_word(index))
                    .store(VIF_TOMBSTONE, Ordering::Release);
                self.region.store(self.vif_word(index) + 1, 0);
                return removed;
            }
            index = next_slot(index, slots);
        }
        None
    }

    /// Number of vifs mapped to `domain_slot`.
    pub(super) fn vif_count(&self, domain_slot: usize) -> usize {
        (0..self.layout.vif_slots)
            .filter(|&i| self.vif_at(i).is_some_and(|v| v.domain_slot == domain_slot))
            .count()
    }
}
