//! MAC → domain slot: who is local. Entry `mac | (slot + 1) << 48`, 0 empty, all ones a
//! tombstone. Packets insert lock-free (learning, CAS into a free entry) and look up;
//! the control path removes by scanning. A duplicate of one identical entry (two CPUs
//! learning at once) is harmless: lookups stop at the first and removal takes both.

use core::sync::atomic::Ordering;

use super::addr::MacAddr;
use super::engine::IdcstatCore;
use super::hash::{hash2, next_slot, slot_of};
use super::vif_table::MAC_MASK;

const ENTRY_EMPTY: u64 = 0;
const ENTRY_TOMBSTONE: u64 = u64::MAX;
const MAC_HASH_SALT: u64 = 0x6d61_635f_696e_6478;

fn pack(mac: MacAddr, slot: usize) -> u64 {
    mac.to_u64() | ((slot as u64 + 1) << 48)
}

impl IdcstatCore<'_> {
    #[inline(always)]
    fn mac_home(&self, mac: MacAddr) -> usize {
        slot_of(
            hash2(self.geometry.hash_seed ^ MAC_HASH_SALT, mac.to_u64(), 0),
            self.layout.mac_slots,
        )
    }

    #[inline(always)]
    fn mac_word(&self, index: usize) -> usize {
        self.layout.mac_base.wrapping_add(index)
    }

    /// The slot of the local domain owning `mac` (per-packet path).
    #[inline(always)]
    pub(super) fn mac_index_lookup(&self, mac: MacAddr) -> Option<u16> {
        if !mac.is_station() {
            return None;
        }
        let slots = self.layout.mac_slots;
        let wanted = mac.to_u64();
        let mut index = self.mac_home(mac);
        for _ in 0..slots {
            let entry = self.region.at(self.mac_word(index)).load(Ordering::Acquire);
            if entry == ENTRY_EMPTY {
                return None;
            }
            if entry != ENTRY_TOMBSTONE && entry & MAC_MASK == wanted {
                return u16::try_from((entry >> 48).checked_sub(1)?).ok();
            }
            index = next_slot(index, slots);
        }
        None
    }

    /// Adds `mac` → `slot` (any context). Does nothing when already present or full.
    pub(super) fn mac_index_insert(&self, mac: MacAddr, slot: usize) {
        if !mac.is_station() {
            return;
        }
        let slots = self.layout.mac_slots;
        let packed = pack(mac, slot);
        let mut index = self.mac_home(mac);
        let mut attempts = 0;
        while attempts < 2 * slots {
            attempts += 1;
            let word = self.region.at(self.mac_word(index));
            let entry = word.load(Ordering::Acquire);
            if entry == packed {
                return;
            }
            if entry == ENTRY_EMPTY || entry == ENTRY_TOMBSTONE {
                if word
                    .compare_exchange(entry, packed, Ordering::Release, Ordering::Relaxed)
                    .is_ok()
                {
                    return;
                }
                // Lost a race for this entry: look at it again.
                continue;
            }
            index = next_slot(index, slots);
        }
    }

    /// Control path: removes every entry of `slot` (and only `mac`'s when given).
    pub(super) fn mac_index_remove(&self, slot: usize, mac: Option<MacAddr>) {
        for index in 0..self.layout.mac_slots {
            let word = self.region.at(self.mac_word(index));
            let entry = word.load(Ordering::Acquire);
            if entry == ENTRY_EMPTY || entry == ENTRY_TOMBSTONE {
                continue;
            }
            let same_slot = (entry >> 48) == slot as u64 + 1;
            let same_mac = mac.is_none_or(|m| entry & MAC_MASK == m.to_u64());
            if same_slot && same_mac {
                let _ = word.compare_exchange(
                    entry,
                    ENTRY_TOMBSTONE,
                    Ordering::Release,
                    Ordering::Relaxed,
                );
            }
        }
    }
}
