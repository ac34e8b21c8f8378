//! `IdcstatCore`: the whole state over one preallocated region, and the per-packet path.
//!
//! Threading contract (see docs/idcstat.md, "Concurrency"):
//! - per-packet methods (`account_frame`) run concurrently on any CPU, in softirq or with
//!   BH disabled, never nested on one CPU, passing that CPU's id;
//! - `account_bio` runs concurrently in any context;
//! - read methods (`domain_snapshot`, `peer_snapshot`, ...) run concurrently with all;
//! - control methods (config, vif and domain lifecycle, reset, ack, expire) must be
//!   serialized by the caller (one mutex in the glue) and must not run in atomic context
//!   only because they scan tables; they never sleep.

use core::sync::atomic::AtomicU64;

use super::classify::{classify, Class, Direction};
use super::frame::{parse, ParsedFrame, L3};
use super::geometry::{
    Geometry, GeometryError, Layout, CATEGORIES, G_ADDRESS_EPOCH, G_STRUCTURE_VERSION,
    G_UNTRACKED_BYTES, G_UNTRACKED_PACKETS, S_CATEGORIES,
};
use super::peer_table::{PeerKey, PeerOutcome};
use super::region::Region;
use super::snapshot::Category;

/// The per-packet outcome, returned for tests and tracing; the glue ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accounted {
    /// The ifindex is not a tracked vif; counted in the global untracked counters.
    Untracked,
    /// Counted for the domain in `slot`.
    Counted {
        /// Domain slot.
        slot: usize,
        /// Category counted.
        category: Category,
        /// Per-peer outcome, for IDC and NIC.
        peer: Option<PeerOutcome>,
    },
}

/// All idcstat state, over a region of words preallocated by the caller.
#[derive(Debug, Clone, Copy)]
pub struct IdcstatCore<'a> {
    pub(super) geometry: Geometry,
    pub(super) layout: Layout,
    pub(super) region: Region<'a>,
    pub(super) single_writer_shards: bool,
    /// CPU ids below this use the flow cache: the shard count when each shard has a
    /// single writer (the cache's per-CPU entries need that), else 0.
    pub(super) flow_shards: u32,
    /// The flow-cache entries (`Layout::flow_entry` indexes them).
    pub(super) flow_area: Region<'a>,
    /// The structure version and the address epoch (bumped by every change of a
    /// learned address), which flow-cache hits compare.
    pub(super) epochs: &'a [AtomicU64; 2],
}

impl<'a> IdcstatCore<'a> {
    /// Words the region must have for `geometry` (the glue allocates `8 * words` bytes).
    pub fn required_words(geometry: &Geometry) -> Result<usize, GeometryError> {
        Layout::new(geometry).map(|layout| layout.total_words)
    }

    /// Builds the core over `words`, zeroing them. Call once, before any other use.
    pub fn new(geometry: Geometry, words: &'a [AtomicU64]) -> Result<Self, GeometryError> {
        let layout = Layout::new(&geometry)?;
        if words.len() < layout.total_words {
            return Err(GeometryError::RegionTooSmall {
                needed: layout.total_words,
                given: words.len(),
            });
        }
        let region = Region::new(words);
        region.zero(0, layout.total_words);
        const _: () = assert!(G_ADDRESS_EPOCH == G_STRUCTURE_VERSION + 1);
        let epochs =
            region
                .block::<2>(G_STRUCTURE_VERSION)
                .ok_or(GeometryError::RegionTooSmall {
                    needed: layout.total_words,
                    given: words.len(),
                })?;
        let single_writer_shards = geometry.shards >= geometry.nr_cpus;
        let flow_shards = if single_writer_shards {
            geometry.shards
        } else {
            0
        };
        let core = IdcstatCore {
            geometry,
            layout,
            region,
            single_writer_shards,
            flow_shards,
            // Exactly the entries of the CPUs that use the cache, so that the entry's
            // bounds check is also the check that this CPU uses it.
            flow_area: Region::new(
                words
                    .get(layout.flow_base..layout.flow_end(flow_shards))
                    .unwrap_or_default(),
            ),
            epochs,
        };
        core.init_globals();
        Ok(core)
    }

    /// The geometry this core was built with.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// The layout derived from the geometry.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Counts one frame crossing vif `ifindex` in `direction`, on CPU `cpu`.
    ///
    /// `frame` starts at the Ethernet header and holds at least the first
    /// `HEADER_BYTES_NEEDED` bytes (or the whole frame if shorter); `frame_len` is the
    /// whole frame's length (Ethernet header included, FCS excluded), which is what
    /// byte counters add. Never allocates, sleeps or panics.
    #[inline]
    pub fn account_frame(
        &self,
        ifindex: u32,
        direction: Direction,
        cpu: u32,
        frame: &[u8],
        frame_len: u32,
    ) -> Accounted {
        let bytes = u64::from(frame_len);
        let Some(vif) = self.lookup_vif(ifindex) else {
            self.region.add_atomic(G_UNTRACKED_PACKETS, 1);
            self.region.add_atomic(G_UNTRACKED_BYTES, bytes);
            return Accounted::Untracked;
        };
        let slot = vif.domain_slot;
        let (shard, single_writer) = self.shard_of(cpu);
        let Some(parsed) = parse(frame) else {
            self.add_category(
                slot,
                shard,
                single_writer,
                direction,
                Category::NonIp,
                bytes,
            );
            return Accounted::Counted {
                slot,
                category: Category::NonIp,
                peer: None,
            };
        };
        if direction == Direction::Tx {
            self.learn(vif.index, slot, &parsed);
        }
        let (category, peer) = match classify(&parsed, direction, self) {
            Class::Bucket(bucket) => (Category::of_bucket(bucket), None),
            Class::Idc {
                peer_mac,
                peer_slot,
                peer_ip,
            } => {
                let table = if direction == Direction::Tx { 0 } else { 2 };
                let key = PeerKey::Idc {
                    mac: peer_mac,
                    peer_slot,
                    ip: peer_ip,
                };
                (
                    Category::Idc,
                    Some(self.account_peer(slot, table, shard, single_writer, key, bytes)),
                )
            }
            Class::Nic { peer_ip, peer_mac } => {
                let table = if direction == Direction::Tx { 1 } else { 3 };
                let key = PeerKey::Nic {
                    ip: peer_ip,
                    mac: peer_mac,
                };
                (
                    Category::Nic,
                    Some(self.account_peer(slot, table, shard, single_writer, key, bytes)),
                )
            }
        };
        self.add_category(slot, shard, single_writer, direction, category, bytes);
        Accounted::Counted {
            slot,
            category,
            peer,
        }
    }

    /// The shard of `cpu`, and whether it has a single writer. A cpu id beyond the
    /// shard count (a glue bug) still counts, with atomic adds.
    #[inline(always)]
    pub(super) fn shard_of(&self, cpu: u32) -> (usize, bool) {
        let shards = self.geometry.shards;
        if cpu < shards {
            (cpu as usize, self.single_writer_shards)
        } else {
            ((cpu % shards.max(1)) as usize, false)
        }
    }

    #[inline(always)]
    fn add_category(
        &self,
        slot: usize,
        shard: usize,
        single_writer: bool,
        direction: Direction,
        category: Category,
        bytes: u64,
    ) {
        // Wrapping index arithmetic: see `Layout::domain`.
        let pair = (direction as usize * CATEGORIES + category as usize) * 2;
        let base = self
            .layout
            .shard(slot, shard)
            .wrapping_add(S_CATEGORIES + pair);
        self.region.add_shard(base, 1, single_writer);
        self.region
            .add_shard(base.wrapping_add(1), bytes, single_writer);
    }

    /// Learns the sender's MAC and addresses from a frame the guest transmitted.
    #[inline(always)]
    fn learn(&self, vif_index: usize, slot: usize, frame: &ParsedFrame) {
        let vif_mac = self.learn_vif_mac(vif_index, slot, frame.src);
        if vif_mac != Some(frame.src) {
            // Frames with a foreign source MAC (a bridge inside the guest) teach nothing.
            return;
        }
        match frame.l3 {
            L3::Ipv4 { src, .. } => self.learn_ip(slot, src),
            L3::Ipv6 {
                src, advertised, ..
            } => {
                self.learn_ip(slot, src);
                if let Some(target) = advertised {
                    self.learn_ip(slot, target);
                }
            }
            L3::Arp {
                sender_mac,
                sender_ip,
            } if sender_mac == frame.src => self.learn_ip(slot, sender_ip),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::super::addr::{MacAddr, Prefix};
    use super::super::lifecycle::VifIdentity;
    use super::*;

    fn frame_to(dst_ip: [u8; 4]) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(&[2, 0, 0, 0, 0, 0xfe, 0, 0x16, 0x3e, 0, 0, 1, 0x08, 0x00]);
        f.extend_from_slice(&[0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1]);
        f.extend_from_slice(&dst_ip);
        f.resize(60, 0);
        f
    }

    #[test]
    fn counters_near_u64_max_wrap_in_the_domain_and_peer_sums() {
        let geometry = Geometry {
            max_domains: 2,
            peers_per_table: 4,
            max_vifs: 4,
            shards: 2,
            nr_cpus: 2,
            ..Geometry::default()
        };
        let words: Vec<AtomicU64> = (0..IdcstatCore::required_words(&geometry).unwrap())
            .map(|_| AtomicU64::new(0))
            .collect();
        let core = IdcstatCore::new(geometry, &words).unwrap();
        core.add_cluster_prefix(Prefix::v4([10, 0, 0, 0], 8).unwrap())
            .unwrap();
        let vif = VifIdentity {
            ifindex: 5,
            domid: 1,
            devid: 0,
            generation: 1,
            mac: Some(MacAddr([0, 0x16, 0x3e, 0, 0, 1])),
        };
        core.set_vif_identity(vif, 0).unwrap();
        let frame = frame_to([10, 1, 1, 1]);
        let Accounted::Counted {
            slot,
            peer: Some(PeerOutcome::Inserted(index)),
            ..
        } = core.account_frame(5, Direction::Tx, 0, &frame, 60)
        else {
            panic!("first packet inserts a NIC peer");
        };
        // Preset shard 0's NIC tx counters and the peer's counters just below the wrap.
        let nic = core.layout.shard(slot, 0) + S_CATEGORIES + (Category::Nic as usize) * 2;
        core.region.store(nic, u64::MAX);
        core.region.store(nic + 1, u64::MAX - 10);
        let peer_at = core.layout.shard(slot, 0) + core.layout.peer_counter(1, index);
        core.region.store(peer_at, u64::MAX);
        core.account_frame(5, Direction::Tx, 0, &frame, 60);
        core.account_frame(5, Direction::Tx, 1, &frame, 60);
        let snapshot = core.domain_snapshot(slot).unwrap();
        // Shard 0: MAX + 1 wraps to 0; shard 1 holds 1; the sum is 1.
        assert_eq!(snapshot.tx.get(Category::Nic).packets, 1);
        assert_eq!(
            snapshot.tx.get(Category::Nic).bytes,
            (u64::MAX - 10).wrapping_add(60).wrapping_add(60)
        );
        assert_eq!(
            core.peer_snapshot(slot, 1, index).unwrap().traffic.packets,
            1
        );
    }
}
