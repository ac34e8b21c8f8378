//! Domain slots: identity word, learned addresses, and the reader's snapshot.
//!
//! The identity word packs `state | incarnation << 8 | domid << 16 | generation << 32`.
//! The control path changes it with Release stores after (re)initialising the slot;
//! readers load it (Acquire) before and after reading a slot and retry on a change, so
//! a snapshot never mixes two incarnations of one slot.

use core::sync::atomic::{fence, Ordering};

use super::addr::IpAddr16;
use super::engine::IdcstatCore;
use super::geometry::{
    D_DEPARTED_AT, D_IDENT, D_IPV4, D_IPV6_GLOBAL, D_IPV6_LINK_LOCAL, D_PEERS_USED,
    D_SWAP_COUNTERS, G_ADDRESS_EPOCH, G_RESET_EPOCH, S_CATEGORIES, S_DROPPED, TABLES,
};
use super::snapshot::{DirectionTraffic, DomainSnapshot, DomainState, SwapCounters, Traffic};

pub(super) const STATE_FREE: u64 = 0;
pub(super) const STATE_ACTIVE: u64 = 1;
pub(super) const STATE_DEPARTED: u64 = 2;
pub(super) const IPV4_VALID: u64 = 1 << 32;
const SNAPSHOT_ATTEMPTS: usize = 3;

/// The decoded identity word of a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Ident {
    pub state: u64,
    pub incarnation: u8,
    pub domid: u16,
    pub generation: u32,
}

impl Ident {
    pub(super) fn decode(word: u64) -> Ident {
        Ident {
            state: word & 0xff,
            incarnation: (word >> 8) as u8,
            domid: (word >> 16) as u16,
            generation: (word >> 32) as u32,
        }
    }

    pub(super) fn encode(self) -> u64 {
        (self.state & 0xff)
            | (u64::from(self.incarnation) << 8)
            | (u64::from(self.domid) << 16)
            | (u64::from(self.generation) << 32)
    }
}

impl IdcstatCore<'_> {
    pub(super) fn ident(&self, slot: usize) -> Ident {
        Ident::decode(
            self.region
                .at(self.layout.domain(slot) + D_IDENT)
                .load(Ordering::Acquire),
        )
    }

    pub(super) fn set_ident(&self, slot: usize, ident: Ident) {
        self.region
            .at(self.layout.domain(slot) + D_IDENT)
            .store(ident.encode(), Ordering::Release);
    }

    /// Number of domain slots.
    pub fn domain_slots(&self) -> usize {
        self.geometry.max_domains as usize
    }

    /// The domid in `slot` if it holds a domain (per-packet path, for IDC peer keys).
    #[inline(always)]
    pub(super) fn domid_of_slot(&self, slot: usize) -> Option<u16> {
        let ident = self.ident(slot);
        (ident.state != STATE_FREE).then_some(ident.domid)
    }

    /// The slot of domain `domid` (of `generation`, if given): the active one, else the
    /// most recently departed one. One (domid, generation) can have an active and
    /// departed records at once: a config-set that clears vifs departs every domain,
    /// and the agent's vifs then create it again under the same generation.
    pub fn find_domain(&self, domid: u16, generation: Option<u32>) -> Option<usize> {
        let mut departed: Option<(usize, u64)> = None;
        for slot in 0..self.domain_slots() {
            let ident = self.ident(slot);
            if ident.state == STATE_FREE
                || ident.domid != domid
                || generation.is_some_and(|wanted| ident.generation != wanted)
            {
                continue;
            }
            if ident.state == STATE_ACTIVE {
                return Some(slot);
            }
            let at = self.region.load(self.layout.domain(slot) + D_DEPARTED_AT);
            if departed.is_none_or(|(_, best)| at >= best) {
                departed = Some((slot, at));
            }
        }
        departed.map(|(slot, _)| slot)
    }

    /// The most recently departed slot of (domid, generation), even while an active
    /// record of the same pair exists.
    pub fn find_departed(&self, domid: u16, generation: u32) -> Option<usize> {
        (0..self.domain_slots())
            .filter(|&slot| {
                let ident = self.ident(slot);
                ident.state == STATE_DEPARTED
                    && ident.domid == domid
                    && ident.generation == generation
            })
            .max_by_key(|&slot| self.region.load(self.layout.domain(slot) + D_DEPARTED_AT))
    }

    /// Records an address the domain in `slot` sent from (per-packet path). Stores only
    /// on change, so a steady sender does not dirty the cache line.
    #[inline(always)]
    pub(super) fn learn_ip(&self, slot: usize, ip: IpAddr16) {
        // Wrapping index arithmetic: see `Layout::domain`.
        let base = self.layout.domain(slot);
        if let Some(v4) = ip.v4() {
            let word = u64::from(u32::from_be_bytes(v4)) | IPV4_VALID;
            let at = base.wrapping_add(D_IPV4);
            // A steady sender costs one load and compare; validity is checked on change.
            if self.region.load(at) != word && ip.is_unicast_host() {
                self.region.store(at, word);
                self.bump_address_epoch();
            }
            return;
        }
        let at = base.wrapping_add(if ip.is_v6_link_local() {
            D_IPV6_LINK_LOCAL
        } else {
            D_IPV6_GLOBAL
        });
        let (hi, lo) = ip.to_words();
        let at_lo = at.wrapping_add(1);
        if (self.region.load(at) != hi || self.region.load(at_lo) != lo) && ip.is_unicast_host() {
            self.region.store(at, hi);
            self.region.store(at_lo, lo);
            self.bump_address_epoch();
        }
    }

    /// Tells the flow cache that a learned address changed (after the store, so that
    /// an entry filled under the new epoch saw the new address).
    fn bump_address_epoch(&self) {
        self.region.add_atomic(G_ADDRESS_EPOCH, 1);
    }

    fn read_ipv6(&self, at: usize) -> Option<IpAddr16> {
        let (hi, lo) = (self.region.load(at), self.region.load(at + 1));
        (hi != 0 || lo != 0).then(|| IpAddr16::from_words(hi, lo))
    }

    /// Sums a domain's shards into a snapshot; `None` when the slot is free.
    pub fn domain_snapshot(&self, slot: usize) -> Option<DomainSnapshot> {
        if slot >= self.domain_slots() {
            return None;
        }
        let mut last = None;
        for _ in 0..SNAPSHOT_ATTEMPTS {
            let before = self.ident(slot);
            if before.state == STATE_FREE {
                return None;
            }
            let snapshot = self.read_domain(slot, before);
            fence(Ordering::Acquire);
            if self.ident(slot) == before {
                return Some(snapshot);
            }
            last = Some(snapshot);
        }
        // The slot changed under every attempt; the caller's dump sees the structure
        // version move and flags the dump as interrupted.
        last
    }

    fn read_domain(&self, slot: usize, ident: Ident) -> DomainSnapshot {
        let base = self.layout.domain(slot);
        let mut tx = DirectionTraffic::default();
        let mut rx = DirectionTraffic::default();
        let mut dropped_peers = [0u64; TABLES];
        for shard in 0..self.geometry.shards as usize {
            let shard_base = self.layout.shard(slot, shard);
            for (direction, traffic) in [&mut tx, &mut rx].into_iter().enumerate() {
                for (category, sum) in traffic.by_category.iter_mut().enumerate() {
                    let at = shard_base + S_CATEGORIES + (direction * 6 + category) * 2;
                    *sum = sum.plus(Traffic {
                        packets: self.region.load(at),
                        bytes: self.region.load(at + 1),
                    });
                }
            }
            for (table, dropped) in dropped_peers.iter_mut().enumerate() {
                *dropped = dropped.wrapping_add(self.region.load(shard_base + S_DROPPED + table));
            }
        }
        let ipv4_word = self.region.load(base + D_IPV4);
        let mut peers_used = [0u32; TABLES];
        for (table, used) in peers_used.iter_mut().enumerate() {
            *used =
                u32::try_from(self.region.load(base + D_PEERS_USED + table)).unwrap_or(u32::MAX);
        }
        let swap_at = base + D_SWAP_COUNTERS;
        DomainSnapshot {
            slot,
            domid: ident.domid,
            generation: ident.generation,
            state: if ident.state == STATE_DEPARTED {
                DomainState::Departed {
                    at_ms: self.region.load(base + D_DEPARTED_AT),
                }
            } else {
                DomainState::Active
            },
            ipv4: (ipv4_word & IPV4_VALID != 0).then(|| (ipv4_word as u32).to_be_bytes()),
            ipv6_global: self.read_ipv6(base + D_IPV6_GLOBAL),
            ipv6_link_local: self.read_ipv6(base + D_IPV6_LINK_LOCAL),
            tx,
            rx,
            swap: SwapCounters {
                read_requests: self.region.load(swap_at),
                read_sectors: self.region.load(swap_at + 1),
                write_requests: self.region.load(swap_at + 2),
                write_sectors: self.region.load(swap_at + 3),
            },
            dropped_peers,
            peers_used,
            reset_epoch: self.region.load(G_RESET_EPOCH) as u32,
        }
    }
}
