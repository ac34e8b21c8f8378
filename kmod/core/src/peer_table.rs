//! A domain's four per-peer tables (itx, otx, irx, orx): lock-free open addressing over
//! preallocated slots, a per-CPU last-hit cache, and an `other` entry when full.
//!
//! Key words of a slot: `tag` (`READY`/`RESERVED` bits and a MAC), IP high, IP low,
//! `peer domid + 1`. IDC tables are keyed by the MAC in `tag`, NIC tables by the IP
//! words. Entries are never removed while the domain lives (a reset zeroes counters
//! only), so a probe that meets an empty slot knows the key is absent.
//!
//! Insert: reserve capacity (`D_PEERS_USED`), CAS `tag` 0 → RESERVED, write the other
//! key words, publish `tag` = READY | mac with Release. A reader that meets RESERVED
//! waits a bounded number of spins for READY (the writer runs in softirq and is not
//! preempted), then gives up and counts the packet in `other`.
//!
//! Counters live in the CPU's shard, indexed like the slots; the last-hit cache is one
//! word per table in the shard (slot + 1), verified against the key on every use, so a
//! stale hint costs a probe, never a wrong count.

use core::sync::atomic::Ordering;

use super::addr::{IpAddr16, MacAddr};
use super::engine::IdcstatCore;
use super::geometry::{D_PEERS_USED, S_DROPPED, S_LAST_HIT, S_OTHER, TABLES};
use super::hash::{hash2, next_slot, slot_of};
use super::snapshot::{PeerSnapshot, Traffic};
use super::vif_table::MAC_MASK;

const TAG_READY: u64 = 1 << 63;
const TAG_RESERVED: u64 = 1 << 62;
const RESERVED_SPINS: usize = 128;
const TABLE_SALTS: [u64; TABLES] = [0x0069_7478, 0x006f_7478, 0x0069_7278, 0x006f_7278];

/// The key (and first-seen metadata) of a per-peer entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerKey {
    /// IDC table key: the peer domain's MAC.
    Idc {
        /// Key.
        mac: MacAddr,
        /// The peer domain's slot (its domid is recorded when the entry is made).
        peer_slot: u16,
        /// Recorded: the peer's IP, if this frame is IP.
        ip: Option<IpAddr16>,
    },
    /// NIC table key: the remote IP.
    Nic {
        /// Key.
        ip: IpAddr16,
        /// Recorded: the MAC of the first frame.
        mac: MacAddr,
    },
}

/// How a packet found its per-peer entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerOutcome {
    /// The CPU's last-hit cache pointed at the entry.
    CacheHit(usize),
    /// Found by probing the table.
    Found(usize),
    /// A new entry was made.
    Inserted(usize),
    /// The table is full: counted in `other` and in `dropped-peers`.
    Full,
    /// The entry was being inserted by another CPU for too long: counted in `other`.
    Busy,
}

enum Probe {
    Match(usize),
    Inserted(usize),
    Full,
    Busy,
}

impl IdcstatCore<'_> {
    #[inline(always)]
    fn key_matches(&self, key_at: usize, tag: u64, key: &PeerKey) -> bool {
        match key {
            PeerKey::Idc { mac, .. } => tag & MAC_MASK == mac.to_u64(),
            PeerKey::Nic { ip, .. } => {
                let (hi, lo) = ip.to_words();
                self.region.load(key_at.wrapping_add(1)) == hi
                    && self.region.load(key_at.wrapping_add(2)) == lo
            }
        }
    }

    /// Counts one packet of `bytes` for `key` in `table` of domain `slot` (per-packet path).
    #[inline(always)]
    pub(super) fn account_peer(
        &self,
        slot: usize,
        table: usize,
        shard: usize,
        single_writer: bool,
        key: PeerKey,
        bytes: u64,
    ) -> PeerOutcome {
        // Wrapping index arithmetic: see `Layout::domain`.
        let shard_base = self.layout.shard(slot, shard);
        let last_hit_at = shard_base.wrapping_add(S_LAST_HIT).wrapping_add(table);
        let hint = self.region.load(last_hit_at);
        let cached = self.verified_hint(slot, table, hint, &key);
        let outcome = match cached {
            Some(index) => PeerOutcome::CacheHit(index),
            None => match self.probe(slot, table, &key) {
                Probe::Match(index) => PeerOutcome::Found(index),
                Probe::Inserted(index) => PeerOutcome::Inserted(index),
                Probe::Full => PeerOutcome::Full,
                Probe::Busy => PeerOutcome::Busy,
            },
        };
        match outcome {
            PeerOutcome::CacheHit(index)
            | PeerOutcome::Found(index)
            | PeerOutcome::Inserted(index) => {
                if cached.is_none() {
                    self.region
                        .store(last_hit_at, (index as u64).wrapping_add(1));
                }
                if let PeerKey::Idc { ip: Some(ip), .. } = key {
                    self.fill_idc_ip(self.layout.peer_key(slot, table, index), ip);
                }
                let at = shard_base.wrapping_add(self.layout.peer_counter(table, index));
                self.region.add_shard(at, 1, single_writer);
                self.region
                    .add_shard(at.wrapping_add(1), bytes, single_writer);
            }
            PeerOutcome::Full | PeerOutcome::Busy => {
                let at = shard_base
                    .wrapping_add(S_OTHER)
                    .wrapping_add(table.wrapping_mul(2));
                self.region.add_shard(at, 1, single_writer);
                self.region
                    .add_shard(at.wrapping_add(1), bytes, single_writer);
                if outcome == PeerOutcome::Full {
                    let dropped = shard_base.wrapping_add(S_DROPPED).wrapping_add(table);
                    self.region.add_shard(dropped, 1, single_writer);
                }
            }
        }
        outcome
    }

    /// The slot the last-hit hint names, if it holds `key`.
    #[inline(always)]
    fn verified_hint(&self, slot: usize, table: usize, hint: u64, key: &PeerKey) -> Option<usize> {
        let index = (hint as usize).wrapping_sub(1);
        if hint == 0 || index >= self.layout.peer_slots {
            return None;
        }
        let key_at = self.layout.peer_key(slot, table, index);
        let tag = self.region.at(key_at).load(Ordering::Acquire);
        (tag & TAG_READY != 0 && self.key_matches(key_at, tag, key)).then_some(index)
    }

    /// An IDC entry made from a non-IP frame (ARP) learns the peer's IP later.
    #[inline(always)]
    fn fill_idc_ip(&self, key_at: usize, ip: IpAddr16) {
        if self.region.load(key_at.wrapping_add(2)) == 0 {
            let (hi, lo) = ip.to_words();
            self.region.store(key_at.wrapping_add(1), hi);
            self.region.store(key_at.wrapping_add(2), lo);
        }
    }

    fn probe(&self, slot: usize, table: usize, key: &PeerKey) -> Probe {
        let slots = self.layout.peer_slots;
        let (a, b) = match key {
            PeerKey::Idc { mac, .. } => (mac.to_u64(), 0),
            PeerKey::Nic { ip, .. } => ip.to_words(),
        };
        let seed = self.geometry.hash_seed ^ TABLE_SALTS[table % TABLES];
        let mut index = slot_of(hash2(seed, a, b), slots);
        for _ in 0..slots {
            let key_at = self.layout.peer_key(slot, table, index);
            let tag_word = self.region.at(key_at);
            let mut tag = tag_word.load(Ordering::Acquire);
            if tag == 0 {
                match self.try_insert(slot, table, key_at, key) {
                    Some(true) => return Probe::Inserted(index),
                    Some(false) => return Probe::Full,
                    // Another CPU took this slot first: look at what it wrote.
                    None => tag = tag_word.load(Ordering::Acquire),
                }
            }
            if tag & TAG_RESERVED != 0 {
                tag = self.wait_ready(key_at);
                if tag & TAG_READY == 0 {
                    return Probe::Busy;
                }
            }
            if self.key_matches(key_at, tag, key) {
                return Probe::Match(index);
            }
            index = next_slot(index, slots);
        }
        Probe::Full
    }

    fn wait_ready(&self, key_at: usize) -> u64 {
        let tag_word = self.region.at(key_at);
        for _ in 0..RESERVED_SPINS {
            let tag = tag_word.load(Ordering::Acquire);
            if tag & TAG_READY != 0 {
                return tag;
            }
            core::hint::spin_loop();
        }
        tag_word.load(Ordering::Acquire)
    }

    /// `Some(true)` inserted, `Some(false)` table full, `None` lost the slot to another CPU.
    fn try_insert(&self, slot: usize, table: usize, key_at: usize, key: &PeerKey) -> Option<bool> {
        let used = self
            .region
            .at(self.layout.domain(slot) + D_PEERS_USED + table);
        if used.fetch_add(1, Ordering::Relaxed) >= u64::from(self.geometry.peers_per_table) {
            used.fetch_sub(1, Ordering::Relaxed);
            return Some(false);
        }
        let tag_word = self.region.at(key_at);
        if tag_word
            .compare_exchange(0, TAG_RESERVED, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            used.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        let (mac, ip, domid_word) = match *key {
            PeerKey::Idc { mac, peer_slot, ip } => {
                let domid = self.domid_of_slot(usize::from(peer_slot));
                (mac, ip, domid.map_or(0, |d| u64::from(d) + 1))
            }
            PeerKey::Nic { ip, mac } => (mac, Some(ip), 0),
        };
        let (hi, lo) = ip.map_or((0, 0), IpAddr16::to_words);
        self.region.store(key_at + 1, hi);
        self.region.store(key_at + 2, lo);
        self.region.store(key_at + 3, domid_word);
        tag_word.store(TAG_READY | mac.to_u64(), Ordering::Release);
        Some(true)
    }

    /// Number of slots of each per-peer table (the dump cursor's range).
    pub fn peer_slots(&self) -> usize {
        self.layout.peer_slots
    }

    fn sum_shards(&self, slot: usize, offset: usize) -> Traffic {
        (0..self.geometry.shards as usize).fold(Traffic::default(), |sum, shard| {
            let at = self.layout.shard(slot, shard) + offset;
            sum.plus(Traffic {
                packets: self.region.load(at),
                bytes: self.region.load(at + 1),
            })
        })
    }

    /// Reads slot `index` of `table` of domain `slot`; `None` when unused.
    pub fn peer_snapshot(&self, slot: usize, table: usize, index: usize) -> Option<PeerSnapshot> {
        if slot >= self.domain_slots() || table >= TABLES || index >= self.layout.peer_slots {
            return None;
        }
        let key_at = self.layout.peer_key(slot, table, index);
        let tag = self.region.at(key_at).load(Ordering::Acquire);
        if tag & TAG_READY == 0 {
            return None;
        }
        let (hi, lo) = (self.region.load(key_at + 1), self.region.load(key_at + 2));
        let domid_word = self.region.load(key_at + 3);
        Some(PeerSnapshot {
            table,
            index: Some(index),
            peer_domid: domid_word
                .checked_sub(1)
                .and_then(|d| u16::try_from(d).ok()),
            mac: Some(MacAddr::from_u64(tag & MAC_MASK)),
            ip: (hi != 0 || lo != 0).then(|| IpAddr16::from_words(hi, lo)),
            traffic: self.sum_shards(slot, self.layout.peer_counter(table, index)),
        })
    }

    /// Reads the `other` entry of `table` of domain `slot`.
    pub fn other_snapshot(&self, slot: usize, table: usize) -> Option<PeerSnapshot> {
        if slot >= self.domain_slots() || table >= TABLES {
            return None;
        }
        Some(PeerSnapshot {
            table,
            index: None,
            peer_domid: None,
            mac: None,
            ip: None,
            traffic: self.sum_shards(slot, S_OTHER + table * 2),
        })
    }
}
