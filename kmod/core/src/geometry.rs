//! Sizes fixed at module load (module parameters) and the word layout derived from them.
//!
//! All state lives in one zeroed region of `AtomicU64` words that the glue allocates
//! once (`vzalloc`) and hands to `IdcstatCore::new`. This file is the only place that
//! knows where each table sits in the region; see `docs/idcstat.md` for the memory
//! per domain and per peer.

use super::classify::Direction;

/// Cluster prefixes the config can hold.
pub const MAX_CLUSTER_PREFIXES: usize = 16;
/// Dom0 addresses the config can hold.
pub const MAX_HOST_ADDRS: usize = 16;
/// Uplinks the config can hold.
pub const MAX_UPLINKS: usize = 8;
/// Swap ranges per domain.
pub const SWAP_RANGES_PER_DOMAIN: usize = 2;
/// Largest `max_domains` (a slot number + 1 must fit 16 bits).
pub const MAX_DOMAINS_LIMIT: u32 = 4096;
/// Largest `peers_per_table`.
pub const MAX_PEERS_LIMIT: u32 = 65_536;
/// Largest `max_vifs`.
pub const MAX_VIFS_LIMIT: u32 = 16_384;
/// Largest shard count.
pub const MAX_SHARDS_LIMIT: u32 = 8_192;
/// Number of per-peer tables per domain (itx, otx, irx, orx).
pub const TABLES: usize = 4;
/// Traffic categories per direction (idc, nic, external, bcast, non-ip, dom0).
pub const CATEGORIES: usize = 6;

/// Sizes chosen at load time. All counts are upper bounds of preallocated tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Domains (active plus departed-but-unacknowledged) tracked at once.
    pub max_domains: u32,
    /// Per-peer entries in each of a domain's four tables.
    pub peers_per_table: u32,
    /// Vifs tracked at once.
    pub max_vifs: u32,
    /// Counter shards; the glue passes `nr_cpu_ids`.
    pub shards: u32,
    /// Possible CPU ids (`nr_cpu_ids`). When `shards >= nr_cpus` each shard has a single
    /// writer and counters use plain load+store; otherwise they use atomic adds.
    pub nr_cpus: u32,
    /// Departed domains are freed this long after departing unless acknowledged first.
    pub departed_timeout_ms: u64,
    /// Seed of the table hashes (the glue passes `get_random_u64()`), so that remote
    /// hosts cannot aim at one probe chain.
    pub hash_seed: u64,
}

impl Default for Geometry {
    fn default() -> Self {
        Geometry {
            max_domains: 64,
            peers_per_table: 256,
            max_vifs: 256,
            shards: 1,
            nr_cpus: 1,
            departed_timeout_ms: 10 * 60 * 1000,
            hash_seed: 0x9e37_79b9_7f4a_7c15,
        }
    }
}

/// Why a geometry was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryError {
    /// A size is zero or above its limit.
    OutOfRange(&'static str),
    /// The region handed in is smaller than `required_words`.
    RegionTooSmall {
        /// Words needed.
        needed: usize,
        /// Words given.
        given: usize,
    },
}

// Global words.
pub(super) const G_STRUCTURE_VERSION: usize = 0;
/// Bumped by every change of a domain's learned address (see `flow_cache`). Next to
/// the structure version: a flow-cache hit on a transmit reads both.
pub(super) const G_ADDRESS_EPOCH: usize = 1;
pub(super) const G_NEXT_AUTO_GENERATION: usize = 2;
pub(super) const G_UNTRACKED_PACKETS: usize = 3;
pub(super) const G_UNTRACKED_BYTES: usize = 4;
pub(super) const G_DOMAIN_TABLE_FULL: usize = 5;
pub(super) const G_VIF_TABLE_FULL: usize = 6;
pub(super) const G_EVICTED_DEPARTED: usize = 7;
pub(super) const G_CONFIG_SEQ: usize = 8;
pub(super) const G_N_PREFIXES: usize = 9;
pub(super) const G_N_HOST_ADDRS: usize = 10;
pub(super) const G_N_UPLINKS: usize = 11;
pub(super) const G_RESET_EPOCH: usize = 12;
pub(super) const G_PREFIXES: usize = 16;
pub(super) const PREFIX_WORDS: usize = 4;
pub(super) const G_HOST_ADDRS: usize = G_PREFIXES + MAX_CLUSTER_PREFIXES * PREFIX_WORDS;
pub(super) const HOST_ADDR_WORDS: usize = 2;
pub(super) const G_UPLINKS: usize = G_HOST_ADDRS + MAX_HOST_ADDRS * HOST_ADDR_WORDS;
const GLOBAL_WORDS: usize = round8(G_UPLINKS + MAX_UPLINKS);

/// Words of one vif entry: identity, MAC.
pub(super) const VIF_WORDS: usize = 2;

// Domain metadata words.
pub(super) const D_IDENT: usize = 0;
pub(super) const D_DEPARTED_AT: usize = 1;
pub(super) const D_IPV4: usize = 2;
pub(super) const D_IPV6_GLOBAL: usize = 3;
pub(super) const D_IPV6_LINK_LOCAL: usize = 5;
pub(super) const D_SWAP_RANGES: usize = 8;
pub(super) const SWAP_RANGE_WORDS: usize = 3;
pub(super) const D_SWAP_COUNTERS: usize = D_SWAP_RANGES + SWAP_RANGES_PER_DOMAIN * SWAP_RANGE_WORDS;
pub(super) const D_PEERS_USED: usize = D_SWAP_COUNTERS + 4;
const DOMAIN_META_WORDS: usize = round8(D_PEERS_USED + TABLES);

/// Flow-cache entries per CPU and direction (a power of two: indexed by the ifindex's
/// low bits), and words per entry (see `flow_cache`).
pub(super) const FLOW_SLOTS: usize = 32;
pub(super) const FLOW_ENTRY_WORDS: usize = 16;
const FLOW_SHARD_WORDS: usize = FLOW_SLOTS * 2 * FLOW_ENTRY_WORDS;

/// Words of one peer key: tag (state, MAC), IP high, IP low, peer domid.
pub(super) const PEER_KEY_WORDS: usize = 4;

// Shard words.
pub(super) const S_CATEGORIES: usize = 0;
pub(super) const S_LAST_HIT: usize = S_CATEGORIES + 2 * CATEGORIES * 2;
pub(super) const S_OTHER: usize = S_LAST_HIT + TABLES;
pub(super) const S_DROPPED: usize = S_OTHER + TABLES * 2;
pub(super) const S_PEER_COUNTERS: usize = S_DROPPED + TABLES;

const fn round8(words: usize) -> usize {
    words.div_ceil(8) * 8
}

/// Word offsets of every table, derived from a validated geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Slots of each per-peer hash table (peers_per_table + 25 %).
    pub peer_slots: usize,
    /// Slots of the vif hash table.
    pub vif_slots: usize,
    /// Slots of the MAC → domain index.
    pub mac_slots: usize,
    /// Words of one shard of one domain.
    pub shard_words: usize,
    /// Words of one domain.
    pub domain_words: usize,
    pub(super) vif_base: usize,
    pub(super) mac_base: usize,
    pub(super) flow_base: usize,
    pub(super) domain_base: usize,
    pub(super) peer_keys_offset: usize,
    pub(super) shards_offset: usize,
    /// Total words of the region.
    pub total_words: usize,
}

fn check(value: u32, limit: u32, name: &'static str) -> Result<usize, GeometryError> {
    if value == 0 || value > limit {
        Err(GeometryError::OutOfRange(name))
    } else {
        Ok(value as usize)
    }
}

impl Layout {
    /// Validates `geometry` and computes the layout.
    pub fn new(geometry: &Geometry) -> Result<Layout, GeometryError> {
        let domains = check(geometry.max_domains, MAX_DOMAINS_LIMIT, "max_domains")?;
        let peers = check(geometry.peers_per_table, MAX_PEERS_LIMIT, "peers_per_table")?;
        let vifs = check(geometry.max_vifs, MAX_VIFS_LIMIT, "max_vifs")?;
        let shards = check(geometry.shards, MAX_SHARDS_LIMIT, "shards")?;
        check(geometry.nr_cpus, MAX_SHARDS_LIMIT, "nr_cpus")?;
        // Every size is bounded above, so only the products with the shard and domain
        // counts can grow large; those are checked.
        let peer_slots = peers + peers / 4 + 1;
        let vif_slots = vifs * 2;
        let mac_slots = vifs * 2;
        let shard_words = round8(S_PEER_COUNTERS + TABLES * peer_slots * 2);
        let peer_keys_offset = DOMAIN_META_WORDS;
        let shards_offset = round8(peer_keys_offset + TABLES * peer_slots * PEER_KEY_WORDS);
        let too_large = GeometryError::OutOfRange("region size");
        let domain_words = shards
            .checked_mul(shard_words)
            .and_then(|w| w.checked_add(shards_offset))
            .ok_or(too_large)?;
        let vif_base = GLOBAL_WORDS;
        let mac_base = round8(vif_base + vif_slots * VIF_WORDS);
        let flow_base = round8(mac_base + mac_slots);
        let domain_base = shards
            .checked_mul(FLOW_SHARD_WORDS)
            .and_then(|w| w.checked_add(flow_base))
            .ok_or(too_large)?;
        let total_words = domains
            .checked_mul(domain_words)
            .and_then(|w| w.checked_add(domain_base))
            .filter(|w| w.checked_mul(8).is_some())
            .ok_or(too_large)?;
        Ok(Layout {
            peer_slots,
            vif_slots,
            mac_slots,
            shard_words,
            domain_words,
            vif_base,
            mac_base,
            flow_base,
            domain_base,
            peer_keys_offset,
            shards_offset,
            total_words,
        })
    }

    // The word-index arithmetic below wraps instead of being overflow-checked: for
    // in-range arguments `new` proved every index fits (`total_words * 8` does), and
    // an out-of-range argument (a bug) yields an index that `Region::at` maps to its
    // scratch word, never a panic. This keeps the kernel build's overflow checks
    // (CONFIG_RUST_OVERFLOW_CHECKS) off the per-packet path.

    /// First word of domain `slot`.
    #[inline(always)]
    pub(super) fn domain(&self, slot: usize) -> usize {
        self.domain_base
            .wrapping_add(slot.wrapping_mul(self.domain_words))
    }

    /// First word of the key of peer slot `index` of `table` in domain `slot`.
    #[inline(always)]
    pub(super) fn peer_key(&self, slot: usize, table: usize, index: usize) -> usize {
        self.domain(slot)
            .wrapping_add(self.peer_keys_offset)
            .wrapping_add(self.peer_index(table, index).wrapping_mul(PEER_KEY_WORDS))
    }

    /// First word of shard `shard` of domain `slot`.
    #[inline(always)]
    pub(super) fn shard(&self, slot: usize, shard: usize) -> usize {
        self.domain(slot)
            .wrapping_add(self.shards_offset)
            .wrapping_add(shard.wrapping_mul(self.shard_words))
    }

    /// Offset inside a shard of the (packets, bytes) pair of a peer slot.
    #[inline(always)]
    pub(super) fn peer_counter(&self, table: usize, index: usize) -> usize {
        S_PEER_COUNTERS.wrapping_add(self.peer_index(table, index).wrapping_mul(2))
    }

    /// First word of the flow-cache entry of (`cpu`, `direction`, `ifindex`), counted
    /// from the start of the flow area (`flow_base`). The index is below 2^38 for any
    /// `u32` arguments, so the caller's bounds check needs no overflow check.
    #[inline(always)]
    pub(super) fn flow_entry(&self, cpu: u32, direction: Direction, ifindex: u32) -> usize {
        let entry = ((ifindex as usize & (FLOW_SLOTS - 1)) << 1) | (direction as usize & 1);
        (cpu as usize).wrapping_mul(FLOW_SHARD_WORDS) | entry.wrapping_mul(FLOW_ENTRY_WORDS)
    }

    /// The end of the flow-cache entries of CPUs `0..cpus` (at most `shards`).
    pub(super) fn flow_end(&self, cpus: u32) -> usize {
        (cpus as usize)
            .saturating_mul(FLOW_SHARD_WORDS)
            .saturating_add(self.flow_base)
            .min(self.domain_base)
    }

    /// Peer slot `index` of `table`, counted over all four tables.
    #[inline(always)]
    fn peer_index(&self, table: usize, index: usize) -> usize {
        table.wrapping_mul(self.peer_slots).wrapping_add(index)
    }
}
