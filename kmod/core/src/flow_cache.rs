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
//! a sender's IP: a transmit entry is filled only when the domain's stored address
//! equals the frame's source (learning it again is a no-op), and it records the
//! address epoch too, which every change of any domain's learned address bumps
//! (`learn_ip`); so a transmit hit proves the address is still the one stored, and
//! the learning `account_frame` would do is a no-op. (A guest that alternates source
//! addresses therefore makes every CPU's transmit entries miss at each change; each
//! miss costs the full path, no count.) Entries whose peer went to `other` (table
//! full, busy) are not cached.
//!
//! Entry words (`FLOW_ENTRY_WORDS`): 0 tag (`ifindex * 4 + kind`, 0: empty), 1 the
//! epoch (structure version, plus the address epoch for a transmit), 2..8 key words
//! (3 for IPv4, 6 for IPv6), 8 the region index of the category's packet counter
//! (low half) and of the peer's (high half, 0: none), 9 the `Accounted` result.
//! Counter indices are kept to 32 bits (a flow whose indices do not fit is not
//! cached), so that their bounds checks need no overflow check. Entries live in
//! per-CPU areas, so only that CPU reads and writes them (the caller's guarantee that
//! per-packet calls never nest on one CPU); with fewer shards than CPUs the cache is
//! not used.
//!
//! Cost (the reason for the shape of the hit path): an IPv4 hit is one length check,
//! one ethertype compare, the entry's bounds check, the tag and epoch compares, 3
//! key-word compares read straight from the frame, two bounds checks and four adds;
//! no call, no stack frame. IPv6 and misses are one jump to an out-of-line function.
//! See docs/benchmarks.md for the measured instructions.

use core::sync::atomic::{AtomicU64, Ordering};

use super::classify::Direction;
use super::domain_table::IPV4_VALID;
use super::engine::{Accounted, IdcstatCore};
use super::geometry::{
    CATEGORIES, D_IPV4, D_IPV6_GLOBAL, D_IPV6_LINK_LOCAL, FLOW_ENTRY_WORDS, S_CATEGORIES,
};
use super::peer_table::PeerOutcome;
use super::region::Region;
use super::snapshot::Category;

const KIND_IPV4: u64 = 1;
const KIND_IPV6: u64 = 2;
const KEY_WORDS: usize = 6;
const IPPROTO_ICMPV6: u8 = 58;
const ETHERTYPE_IPV4: [u8; 2] = [0x08, 0x00];
const ETHERTYPE_IPV6: [u8; 2] = [0x86, 0xdd];
/// Bytes an IPv4 key covers (Ethernet header, IPv4 up to the destination address).
const IPV4_KEY_END: usize = 34;
/// Bytes an IPv6 key covers (Ethernet header, IPv6 up to the destination address).
const IPV6_KEY_END: usize = 54;
/// Offset of the IPv6 next-header byte in an untagged frame.
const IPV6_NEXT_HEADER: usize = 20;
/// Where the key words of an IPv4 frame start: they cover every byte `parse` reads
/// (0..16, 26..34).
const IPV4_KEY_AT: [usize; 3] = [0, 8, 26];
/// Where the key words of an IPv6 frame start: every byte `parse` reads (0..16,
/// 22..54) but the next header, which only matters for ICMPv6, never cached.
const IPV6_KEY_AT: [usize; KEY_WORDS] = [0, 8, 22, 30, 38, 46];

const W_TAG: usize = 0;
const W_EPOCH: usize = 1;
const W_KEY: usize = 2;
const W_COUNTERS: usize = 8;
const W_RESULT: usize = 9;

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

/// The tag of `ifindex`'s entry for a flow of `kind` (never 0, the empty tag).
#[inline(always)]
fn tag(ifindex: u32, kind: u64) -> u64 {
    (u64::from(ifindex) << 2) | kind
}

/// The two words from `index`. The index is 32 bits wide, so `index + 2` cannot
/// overflow and the bounds check is one compare.
#[inline(always)]
fn pair<'a>(region: &Region<'a>, index: u32) -> Option<&'a [AtomicU64; 2]> {
    region.block::<2>(index as usize)
}

impl FlowKey {
    /// The key of an untagged IPv4 or IPv6 (not ICMPv6) frame long enough for its
    /// addresses; `None` for anything else, which always takes the full path.
    #[inline(always)]
    fn of(frame: &[u8]) -> Option<FlowKey> {
        let header: &[u8; IPV4_KEY_END] = frame.first_chunk()?;
        let ethertype = [header[12], header[13]];
        if ethertype == ETHERTYPE_IPV4 {
            let [w0, w1, w2] = IPV4_KEY_AT.map(|at| word(header, at));
            Some(FlowKey {
                kind: KIND_IPV4,
                words: [w0, w1, w2, 0, 0, 0],
            })
        } else if ethertype == ETHERTYPE_IPV6 {
            let header: &[u8; IPV6_KEY_END] = frame.first_chunk()?;
            if header[IPV6_NEXT_HEADER] == IPPROTO_ICMPV6 {
                return None;
            }
            Some(FlowKey {
                kind: KIND_IPV6,
                words: IPV6_KEY_AT.map(|at| word(header, at)),
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

/// What the inlined IPv4 hit path found.
enum Ipv4Hit<'a> {
    /// An IPv4 hit, counted.
    Counted(&'a [AtomicU64; FLOW_ENTRY_WORDS]),
    /// An untagged IPv6 frame, for `flow_hit_ipv6`.
    Ipv6,
    /// Anything else: the full path (nothing was counted).
    Miss,
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
        let hit = match self.flow_hit_ipv4(ifindex, direction, cpu, frame, frame_len) {
            Ipv4Hit::Counted(entry) => Some(entry),
            Ipv4Hit::Ipv6 => self.flow_hit_ipv6(ifindex, direction, cpu, frame, frame_len),
            Ipv4Hit::Miss => None,
        };
        match hit {
            Some(entry) => unpack_result(entry[W_RESULT].load(Ordering::Relaxed)),
            None => self.account_frame_and_fill(ifindex, direction, cpu, frame, frame_len),
        }
    }

    /// `account_frame_cached` for a caller that does not need the outcome (the kernel's
    /// hook). The same counting; only an IPv4 hit is inlined, and everything else is
    /// one jump to an out-of-line function taking the same arguments, so that the
    /// inlined path needs no stack frame.
    #[inline(always)]
    pub fn count_frame_cached(
        &self,
        ifindex: u32,
        direction: Direction,
        cpu: u32,
        frame: &[u8],
        frame_len: u32,
    ) {
        match (
            self.flow_hit_ipv4(ifindex, direction, cpu, frame, frame_len),
            direction,
        ) {
            (Ipv4Hit::Counted(_), _) => {}
            (Ipv4Hit::Ipv6, Direction::Tx) => self.count_ipv6_tx(ifindex, cpu, frame, frame_len),
            (Ipv4Hit::Ipv6, Direction::Rx) => self.count_ipv6_rx(ifindex, cpu, frame, frame_len),
            (Ipv4Hit::Miss, Direction::Tx) => {
                self.count_tx_and_fill(ifindex, cpu, frame, frame_len)
            }
            (Ipv4Hit::Miss, Direction::Rx) => {
                self.count_rx_and_fill(ifindex, cpu, frame, frame_len)
            }
        }
    }

    /// Counts an IPv4 frame whose entry matches, or says why not, having changed
    /// nothing.
    #[inline(always)]
    fn flow_hit_ipv4(
        &self,
        ifindex: u32,
        direction: Direction,
        cpu: u32,
        frame: &[u8],
        frame_len: u32,
    ) -> Ipv4Hit<'_> {
        // Every frame the cache takes is at least an Ethernet + IPv4 header long; this
        // one check makes the reads below free of bounds checks.
        let Some(header) = frame.first_chunk::<IPV4_KEY_END>() else {
            return Ipv4Hit::Miss;
        };
        let ethertype = [header[12], header[13]];
        if ethertype != ETHERTYPE_IPV4 {
            return match ethertype == ETHERTYPE_IPV6 {
                true => Ipv4Hit::Ipv6,
                false => Ipv4Hit::Miss,
            };
        }
        let Some(entry) = self.flow_entry(cpu, direction, ifindex) else {
            return Ipv4Hit::Miss;
        };
        let counted = self
            .flow_match(
                entry,
                direction,
                tag(ifindex, KIND_IPV4),
                header,
                &IPV4_KEY_AT,
            )
            .and_then(|()| self.flow_count(entry, frame_len));
        match counted {
            Some(()) => Ipv4Hit::Counted(entry),
            None => Ipv4Hit::Miss,
        }
    }

    /// A transmitted IPv6 frame: a hit, or the full path and a refill.
    #[cold]
    #[inline(never)]
    fn count_ipv6_tx(&self, ifindex: u32, cpu: u32, frame: &[u8], frame_len: u32) {
        if self
            .flow_hit_ipv6(ifindex, Direction::Tx, cpu, frame, frame_len)
            .is_none()
        {
            self.count_tx_and_fill(ifindex, cpu, frame, frame_len);
        }
    }

    /// A received IPv6 frame: a hit, or the full path and a refill.
    #[cold]
    #[inline(never)]
    fn count_ipv6_rx(&self, ifindex: u32, cpu: u32, frame: &[u8], frame_len: u32) {
        if self
            .flow_hit_ipv6(ifindex, Direction::Rx, cpu, frame, frame_len)
            .is_none()
        {
            self.count_rx_and_fill(ifindex, cpu, frame, frame_len);
        }
    }

    /// Counts an IPv6 frame whose entry matches and returns the entry, or returns
    /// `None` having changed nothing. Kept apart from the IPv4 path: its six key words
    /// would otherwise make the inlined IPv4 path save registers on every call.
    #[inline(always)]
    fn flow_hit_ipv6(
        &self,
        ifindex: u32,
        direction: Direction,
        cpu: u32,
        frame: &[u8],
        frame_len: u32,
    ) -> Option<&[AtomicU64; FLOW_ENTRY_WORDS]> {
        let header: &[u8; IPV6_KEY_END] = frame.first_chunk()?;
        if header[IPV6_NEXT_HEADER] == IPPROTO_ICMPV6 {
            return None;
        }
        let entry = self.flow_entry(cpu, direction, ifindex)?;
        self.flow_match(
            entry,
            direction,
            tag(ifindex, KIND_IPV6),
            header,
            &IPV6_KEY_AT,
        )?;
        self.flow_count(entry, frame_len)?;
        Some(entry)
    }

    /// The flow-cache entry of (`cpu`, `direction`, `ifindex`); `None` when this CPU
    /// does not use the cache (`flow_area` holds only the entries of CPUs that do).
    #[inline(always)]
    fn flow_entry(
        &self,
        cpu: u32,
        direction: Direction,
        ifindex: u32,
    ) -> Option<&[AtomicU64; FLOW_ENTRY_WORDS]> {
        self.flow_area
            .block::<FLOW_ENTRY_WORDS>(self.layout.flow_entry(cpu, direction, ifindex))
    }

    /// Adds one packet of `frame_len` bytes to the counters of a matching `entry`; or
    /// returns `None` having changed nothing.
    #[inline(always)]
    fn flow_count(&self, entry: &[AtomicU64; FLOW_ENTRY_WORDS], frame_len: u32) -> Option<()> {
        let load = |w: &AtomicU64| w.load(Ordering::Relaxed);
        // Look every counter up before writing any, so that a miss changes nothing.
        let counters = load(&entry[W_COUNTERS]);
        // The low and high halves (see the module comment).
        let category = pair(&self.region, counters as u32)?;
        let peer_at = (counters >> 32) as u32;
        let peer = match peer_at {
            0 => None,
            _ => Some(pair(&self.region, peer_at)?),
        };
        let bytes = u64::from(frame_len);
        let add = |pair: &[AtomicU64; 2]| {
            pair[0].store(load(&pair[0]).wrapping_add(1), Ordering::Relaxed);
            pair[1].store(load(&pair[1]).wrapping_add(bytes), Ordering::Relaxed);
        };
        add(category);
        if let Some(peer) = peer {
            add(peer);
        }
        Some(())
    }

    /// Whether `entry` holds the flow tagged `tag` whose key words are read at
    /// `key_at` in `header`, filled under the current structure version, and (for a
    /// transmit) whether the sender's address it learned (its first word) is still
    /// the domain's.
    #[inline(always)]
    fn flow_match<const N: usize, const L: usize>(
        &self,
        entry: &[AtomicU64; FLOW_ENTRY_WORDS],
        direction: Direction,
        tag: u64,
        header: &[u8; L],
        key_at: &[usize; N],
    ) -> Option<()> {
        let load = |w: &AtomicU64| w.load(Ordering::Relaxed);
        if load(&entry[W_TAG]) != tag || load(&entry[W_EPOCH]) != self.flow_epoch(direction) {
            return None;
        }
        // Each frame word is read right before its compare (no key is built first),
        // which keeps the hit path within the caller-saved registers. `get` is always
        // `Some` (N <= KEY_WORDS, constant offsets below L): the unrolled loop keeps no
        // check.
        for (i, at) in key_at.iter().enumerate() {
            if entry.get(W_KEY + i).map(load) != Some(word(header, *at)) {
                return None;
            }
        }
        Some(())
    }

    /// What an entry for `direction` must have been filled under: the structure
    /// version, plus for a transmit (the direction that learns) the address epoch.
    /// Both only grow, so their sum changes whenever either does. `direction` is a
    /// constant in the kernel's per-direction entry points.
    #[inline(always)]
    fn flow_epoch(&self, direction: Direction) -> u64 {
        let [version, address] = self.epochs;
        let version = version.load(Ordering::Relaxed);
        match direction {
            Direction::Tx => version.wrapping_add(address.load(Ordering::Relaxed)),
            Direction::Rx => version,
        }
    }

    /// The full path for a frame the flow cache did not count, then the refill of its
    /// entry. Out of line, so that the inlined hit path stays small.
    #[cold]
    #[inline(never)]
    fn account_frame_and_fill(
        &self,
        ifindex: u32,
        direction: Direction,
        cpu: u32,
        frame: &[u8],
        frame_len: u32,
    ) -> Accounted {
        self.miss(ifindex, direction, cpu, frame, frame_len)
    }

    /// `account_frame_and_fill` for a transmit, without the outcome: it returns
    /// nothing and takes the kernel entry's arguments in the same order, so that the
    /// entry can jump to it.
    #[cold]
    #[inline(never)]
    fn count_tx_and_fill(&self, ifindex: u32, cpu: u32, frame: &[u8], frame_len: u32) {
        self.miss(ifindex, Direction::Tx, cpu, frame, frame_len);
    }

    /// `count_tx_and_fill` for a receive.
    #[cold]
    #[inline(never)]
    fn count_rx_and_fill(&self, ifindex: u32, cpu: u32, frame: &[u8], frame_len: u32) {
        self.miss(ifindex, Direction::Rx, cpu, frame, frame_len);
    }

    #[inline(always)]
    fn miss(
        &self,
        ifindex: u32,
        direction: Direction,
        cpu: u32,
        frame: &[u8],
        frame_len: u32,
    ) -> Accounted {
        let key = match FlowKey::of(frame) {
            Some(key) if cpu < self.flow_shards => key,
            _ => return self.account_frame(ifindex, direction, cpu, frame, frame_len),
        };
        // Read before counting: a structural change or a learned address while
        // `account_frame` runs leaves the entry with an old epoch, so it cannot hit.
        let epoch = self.flow_epoch(direction);
        let accounted = self.account_frame(ifindex, direction, cpu, frame, frame_len);
        let at = self.layout.flow_entry(cpu, direction, ifindex);
        self.flow_fill(
            at,
            tag(ifindex, key.kind),
            epoch,
            &key,
            direction,
            cpu as usize,
            frame,
            accounted,
        );
        accounted
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
        let f = &self.flow_area;
        // Invalid until complete; stays invalid for what is not cached.
        f.store(at.wrapping_add(W_TAG), 0);
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
            shard_base.wrapping_add(self.layout.peer_counter(table, i))
        });
        if direction == Direction::Tx {
            let (offset, hi, lo) = key.learned_source(frame);
            let learn_at = self.layout.domain(slot).wrapping_add(offset);
            let stored_equal = r.load(learn_at) == hi
                && (key.kind == KIND_IPV4 || r.load(learn_at.wrapping_add(1)) == lo);
            if !stored_equal {
                // Not learnable (a foreign source MAC or address): every frame of this
                // flow takes the full path, which is what keeps learning exact. A
                // learnable one stays exact through the address epoch: any later
                // change of a domain's address makes this entry miss.
                return;
            }
        }
        // The hit path reads 32-bit indices (see the module comment).
        let (Ok(category_at), Ok(peer_at)) = (u32::try_from(category_at), u32::try_from(peer_at))
        else {
            return;
        };
        let word_at = |w: usize| at.wrapping_add(w);
        f.store(word_at(W_EPOCH), epoch);
        for (i, k) in key.words.iter().enumerate() {
            f.store(word_at(W_KEY + i), *k);
        }
        f.store(
            word_at(W_COUNTERS),
            u64::from(category_at) | (u64::from(peer_at) << 32),
        );
        f.store(word_at(W_RESULT), pack_result(slot, category, peer_index));
        f.store(word_at(W_TAG), tag);
    }
}
