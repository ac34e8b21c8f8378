//! The per-CPU flow cache: `account_frame_cached` remembers, for each (CPU, direction,
//! vif), the last IP frame's header words and where `account_frame` counted it, so
//! that the next frame with the same headers is counted with a few compares and adds
//! instead of parsing, two hash lookups, classification and a peer-table probe.
//!
//! Why it is exact: classification and address learning are functions of the header
//! bytes `parse` reads and of the core's state. The key holds every byte `parse`
//! reads for IPv4 (0..16, 26..34) and IPv6 (0..16, 22..54; next-header 58, ICMPv6,
//! is never cached because neighbour advertisements teach an address). Every change
//! of the state classification reads bumps `structure_version` (config, vifs,
//! domains, reset, and a MAC learned from a frame), which the entry records. Learning
//! a sender's IP is part of the hit condition: a Tx hit requires the domain's stored
//! address to equal the frame's source, so that the learning `account_frame` would do
//! is a no-op. Entries whose peer went to `other` (table full, busy) are not cached.
//!
//! Entry words (`FLOW_ENTRY_WORDS`): 0 tag (`ifindex | kind << 32 | VALID`), 1 the
//! structure version, 2..8 key words, 8 index of the category's packet counter,
//! 9 index of the peer's packet counter + 1 (0: none), 10 index of the learned-address
//! word + 1 (0: no check), 11..13 the expected address words, 13 the `Accounted`
//! result. Entries live in per-CPU areas, so only that CPU reads and writes them
//! (the caller's guarantee that per-packet calls never nest on one CPU); with fewer
//! shards than CPUs the cache is not used.

use core::sync::atomic::{AtomicU64, Ordering};

use super::classify::Direction;
use super::domain_table::IPV4_VALID;
use super::engine::{Accounted, IdcstatCore};
use super::geometry::{
    CATEGORIES, D_IPV4, D_IPV6_GLOBAL, D_IPV6_LINK_LOCAL, FLOW_ENTRY_WORDS, S_CATEGORIES,
};
use super::peer_table::PeerOutcome;
use super::snapshot::Category;

const TAG_VALID: u64 = 1 << 63;
const KIND_IPV4: u64 = 1;
const KIND_IPV6: u64 = 2;
const KEY_WORDS: usize = 6;
const IPPROTO_ICMPV6: u8 = 58;

const W_TAG: usize = 0;
const W_EPOCH: usize = 1;
const W_KEY: usize = 2;
const W_CATEGORY_AT: usize = 8;
const W_PEER_AT: usize = 9;
const W_LEARN_AT: usize = 10;
const W_LEARN_HI: usize = 11;
const W_LEARN_LO: usize = 12;
const W_RESULT: usize = 13;

/// The cacheable part of a frame's headers.
#[derive(Clone, Copy)]
struct FlowKey {
    kind: u64,
    words: [u64; KEY_WORDS],
}

#[inline(always)]
fn word(bytes: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    if let Some(src) = bytes.get(at..at.wrapping_add(8)) {
        w.copy_from_slice(src);
    }
    u64::from_ne_bytes(w)
}

impl FlowKey {
    /// The key of an untagged IPv4 or IPv6 (not ICMPv6) frame long enough for its
    /// addresses; `None` for anything else, which always takes the full path.
    #[inline(always)]
    fn of(frame: &[u8]) -> Option<FlowKey> {
        let ethertype = frame.get(12..14)?;
        if ethertype == [0x08, 0x00] {
            let header = frame.get(..34)?;
            Some(FlowKey {
                kind: KIND_IPV4,
                words: [word(header, 0), word(header, 8), word(header, 26), 0, 0, 0],
            })
        } else if ethertype == [0x86, 0xdd] {
            let header = frame.get(..54)?;
            if header.get(20) == Some(&IPPROTO_ICMPV6) {
                return None;
            }
            Some(FlowKey {
                kind: KIND_IPV6,
                words: [
                    word(header, 0),
                    word(header, 8),
                    word(header, 22),
                    word(header, 30),
                    word(header, 38),
                    word(header, 46),
                ],
            })
        } else {
            None
        }
    }

    /// The sender's address as the domain table stores it when learned:
    /// (word index offset in the domain, high word, low word).
    #[inline(always)]
    fn learned_source(&self, frame: &[u8]) -> (usize, u64, u64) {
        if self.kind == KIND_IPV4 {
            let v4 = frame
                .get(26..30)
                .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
            (D_IPV4, u64::from(v4) | IPV4_VALID, 0)
        } else {
            let hi = frame.get(22..30).map_or(0, |b| {
                u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
            });
            let lo = frame.get(30..38).map_or(0, |b| {
                u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
            });
            let link_local = hi >> 54 == 0xfe80 >> 6;
            let at = if link_local {
                D_IPV6_LINK_LOCAL
            } else {
                D_IPV6_GLOBAL
            };
            (at, hi, lo)
        }
    }
}

fn pack_result(slot: usize, category: Category, peer: Option<usize>) -> u64 {
    (slot as u64 & 0xffff)
        | ((category as u64) << 16)
        | (u64::from(peer.is_some()) << 19)
        | ((peer.unwrap_or(0) as u64 & 0xffff_ffff) << 24)
}

fn unpack_result(word: u64) -> Accounted {
    let category = Category::ALL
        .get(((word >> 16) & 7) as usize)
        .copied()
        .unwrap_or(Category::NonIp);
    Accounted::Counted {
        slot: (word & 0xffff) as usize,
        category,
        peer: (word & (1 << 19) != 0)
            .then_some(PeerOutcome::CacheHit(((word >> 24) & 0xffff_ffff) as usize)),
    }
}

impl IdcstatCore<'_> {
    /// `account_frame` with the per-CPU flow cache in front (see the module comment):
    /// the same counts, the same learning, at a fraction of the cost for a frame whose
    /// headers equal the previous one's on this CPU, direction and vif. A cache hit
    /// reports its peer as `PeerOutcome::CacheHit`. Same contract as `account_frame`.
    #[inline(always)]
    pub fn account_frame_cached(
        &self,
        ifindex: u32,
        direction: Direction,
        cpu: u32,
        frame: &[u8],
        frame_len: u32,
    ) -> Accounted {
        let key = match FlowKey::of(frame) {
            Some(key) if self.single_writer_shards && cpu < self.geometry.shards => key,
            _ => return self.account_frame(ifindex, direction, cpu, frame, frame_len),
        };
        let at = self
            .layout
            .flow_entry(cpu as usize, direction as usize, ifindex);
        let epoch = self.structure_version();
        let tag = u64::from(ifindex) | (key.kind << 32) | TAG_VALID;
        if let Some(hit) = self.flow_hit(at, tag, epoch, &key, u64::from(frame_len)) {
            return hit;
        }
        let accounted = self.account_frame(ifindex, direction, cpu, frame, frame_len);
        self.flow_fill(
            at,
            tag,
            epoch,
            &key,
            direction,
            cpu as usize,
            frame,
            accounted,
        );
        accounted
    }

    #[inline(always)]
    fn flow_hit(
        &self,
        at: usize,
        tag: u64,
        epoch: u64,
        key: &FlowKey,
        bytes: u64,
    ) -> Option<Accounted> {
        let entry = self.region.block::<FLOW_ENTRY_WORDS>(at)?;
        let load = |w: &AtomicU64| w.load(Ordering::Relaxed);
        if load(&entry[W_TAG]) != tag || load(&entry[W_EPOCH]) != epoch {
            return None;
        }
        let stored_key = &entry[W_KEY..W_KEY + KEY_WORDS];
        if stored_key.iter().zip(key.words).any(|(w, k)| load(w) != k) {
            return None;
        }
        let learn_at = load(&entry[W_LEARN_AT]) as usize;
        if learn_at != 0 {
            let learned = self.region.block::<2>(learn_at.wrapping_sub(1))?;
            if load(&learned[0]) != load(&entry[W_LEARN_HI])
                || (key.kind == KIND_IPV6 && load(&learned[1]) != load(&entry[W_LEARN_LO]))
            {
                return None;
            }
        }
        let add = |pair: &[AtomicU64; 2]| {
            pair[0].store(load(&pair[0]).wrapping_add(1), Ordering::Relaxed);
            pair[1].store(load(&pair[1]).wrapping_add(bytes), Ordering::Relaxed);
        };
        add(self
            .region
            .block::<2>(load(&entry[W_CATEGORY_AT]) as usize)?);
        let peer_at = load(&entry[W_PEER_AT]) as usize;
        if peer_at != 0 {
            add(self.region.block::<2>(peer_at.wrapping_sub(1))?);
        }
        Some(unpack_result(load(&entry[W_RESULT])))
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn flow_fill(
        &self,
        at: usize,
        tag: u64,
        epoch: u64,
        key: &FlowKey,
        direction: Direction,
        shard: usize,
        frame: &[u8],
        accounted: Accounted,
    ) {
        let r = &self.region;
        // Invalid until complete; stays invalid for what is not cached.
        r.store(at.wrapping_add(W_TAG), 0);
        let Accounted::Counted {
            slot,
            category,
            peer,
        } = accounted
        else {
            return;
        };
        // Index arithmetic wraps (no overflow checks on the per-packet path); the
        // layout keeps every in-range index in the region.
        let shard_base = self.layout.shard(slot, shard);
        let pair = (direction as usize * CATEGORIES + category as usize) * 2;
        let category_at = shard_base.wrapping_add(S_CATEGORIES + pair);
        let peer_index = match peer {
            None => None,
            Some(PeerOutcome::CacheHit(i) | PeerOutcome::Found(i) | PeerOutcome::Inserted(i)) => {
                Some(i)
            }
            // Counted in `other`: the next packet may find a free slot or a ready entry.
            Some(PeerOutcome::Full | PeerOutcome::Busy) => return,
        };
        let table = match (category, direction) {
            (Category::Idc, Direction::Tx) => 0,
            (Category::Nic, Direction::Tx) => 1,
            (Category::Idc, Direction::Rx) => 2,
            _ => 3,
        };
        let peer_at = peer_index.map_or(0, |i| {
            shard_base
                .wrapping_add(self.layout.peer_counter(table, i))
                .wrapping_add(1)
        });
        let (learn_at, hi, lo) = if direction == Direction::Tx {
            let (offset, hi, lo) = key.learned_source(frame);
            let learn_at = self.layout.domain(slot).wrapping_add(offset);
            let stored_equal = r.load(learn_at) == hi
                && (key.kind == KIND_IPV4 || r.load(learn_at.wrapping_add(1)) == lo);
            if !stored_equal {
                // Not learnable (a foreign source MAC or address): every frame of this
                // flow takes the full path, which is what keeps learning exact.
                return;
            }
            (learn_at.wrapping_add(1), hi, lo)
        } else {
            (0, 0, 0)
        };
        let word_at = |w: usize| at.wrapping_add(w);
        r.store(word_at(W_EPOCH), epoch);
        for (i, k) in key.words.iter().enumerate() {
            r.store(word_at(W_KEY + i), *k);
        }
        r.store(word_at(W_CATEGORY_AT), category_at as u64);
        r.store(word_at(W_PEER_AT), peer_at as u64);
        r.store(word_at(W_LEARN_AT), learn_at as u64);
        r.store(word_at(W_LEARN_HI), hi);
        r.store(word_at(W_LEARN_LO), lo);
        r.store(word_at(W_RESULT), pack_result(slot, category, peer_index));
        r.store(word_at(W_TAG), tag);
    }
}
