//! Plain values handed to readers (netlink dumps, tests): sums over all shards.

use super::addr::{IpAddr16, MacAddr};
use super::classify::Bucket;

/// Packets and bytes. Both wrap at 2^64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Traffic {
    /// Packets (skbs).
    pub packets: u64,
    /// Bytes: Ethernet frame length at the hook, header included, FCS excluded.
    pub bytes: u64,
}

impl Traffic {
    /// Wrapping sum.
    pub fn plus(self, other: Traffic) -> Traffic {
        Traffic {
            packets: self.packets.wrapping_add(other.packets),
            bytes: self.bytes.wrapping_add(other.bytes),
        }
    }
}

/// Traffic category of a domain's counters, in storage order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Inter-domain traffic (per-peer tables itx/irx).
    Idc = 0,
    /// Intra-cluster traffic with other hosts (per-peer tables otx/orx).
    Nic = 1,
    /// Outside the cluster prefixes.
    External = 2,
    /// Broadcast and multicast.
    Bcast = 3,
    /// Not IP.
    NonIp = 4,
    /// With dom0's own addresses.
    Dom0 = 5,
}

impl Category {
    /// All categories in storage order.
    pub const ALL: [Category; 6] = [
        Category::Idc,
        Category::Nic,
        Category::External,
        Category::Bcast,
        Category::NonIp,
        Category::Dom0,
    ];

    /// The category of a bucket.
    pub fn of_bucket(bucket: Bucket) -> Category {
        match bucket {
            Bucket::External => Category::External,
            Bucket::Bcast => Category::Bcast,
            Bucket::NonIp => Category::NonIp,
            Bucket::Dom0 => Category::Dom0,
        }
    }
}

/// One direction of a domain's traffic, by category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DirectionTraffic {
    /// Indexed by `Category as usize`.
    pub by_category: [Traffic; 6],
}

impl DirectionTraffic {
    /// Traffic of one category.
    pub fn get(&self, category: Category) -> Traffic {
        self.by_category[category as usize]
    }

    /// Everything that crossed the vif in this direction (equals the netdev counters).
    pub fn total(&self) -> Traffic {
        self.by_category
            .iter()
            .fold(Traffic::default(), |sum, t| sum.plus(*t))
    }
}

/// Swap I/O inside a domain's swap ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SwapCounters {
    /// Read requests.
    pub read_requests: u64,
    /// 512-byte sectors read.
    pub read_sectors: u64,
    /// Write requests.
    pub write_requests: u64,
    /// 512-byte sectors written.
    pub write_sectors: u64,
}

/// Lifecycle state of a domain slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainState {
    /// At least one vif present.
    Active,
    /// All vifs gone; kept until acknowledged or timed out.
    Departed {
        /// Caller's clock (ms) at departure.
        at_ms: u64,
    },
}

/// A domain as read by a dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainSnapshot {
    /// Slot in the domain table (the dump cursor).
    pub slot: usize,
    /// Xen domain id.
    pub domid: u16,
    /// Generation (agent-given, or automatic ≥ 2^31 until the agent speaks).
    pub generation: u32,
    /// Lifecycle state.
    pub state: DomainState,
    /// Learned IPv4 address.
    pub ipv4: Option<[u8; 4]>,
    /// Learned global IPv6 address.
    pub ipv6_global: Option<IpAddr16>,
    /// Learned link-local IPv6 address.
    pub ipv6_link_local: Option<IpAddr16>,
    /// What the domain sent.
    pub tx: DirectionTraffic,
    /// What the domain received.
    pub rx: DirectionTraffic,
    /// Swap I/O.
    pub swap: SwapCounters,
    /// Packets counted in each table's `other` entry because the table was full.
    pub dropped_peers: [u64; 4],
    /// Per-peer entries in use per table.
    pub peers_used: [u32; 4],
    /// Resets so far (deltas across a change are meaningless).
    pub reset_epoch: u32,
}

/// One per-peer entry as read by a dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerSnapshot {
    /// Table (0 itx, 1 otx, 2 irx, 3 orx).
    pub table: usize,
    /// Slot in the table (the dump cursor); `None` for the `other` entry.
    pub index: Option<usize>,
    /// The peer domain's id (IDC tables).
    pub peer_domid: Option<u16>,
    /// IDC: the peer's MAC (key). NIC: the MAC seen when the entry was made.
    pub mac: Option<MacAddr>,
    /// NIC: the remote IP (key). IDC: the peer's IP when first seen with IP.
    pub ip: Option<IpAddr16>,
    /// Traffic.
    pub traffic: Traffic,
}

/// A vif as stored in the vif table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VifSnapshot {
    /// Interface index.
    pub ifindex: u32,
    /// Slot of its domain.
    pub domain_slot: usize,
    /// Xen device id (low 16 bits).
    pub devid: u16,
    /// MAC, learned or confirmed by the agent.
    pub mac: Option<MacAddr>,
    /// True when the agent confirmed the MAC from xenstore.
    pub mac_confirmed: bool,
}

/// Module-wide counters of things that did not fit anywhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GlobalStats {
    /// Frames seen on an ifindex the core does not track (vif table full, or a race
    /// with vif removal).
    pub untracked: Traffic,
    /// Times a new domain found the domain table full of active domains.
    pub domain_table_full: u64,
    /// Times a vif found the vif table full.
    pub vif_table_full: u64,
    /// Departed domains evicted before ack or timeout to make room.
    pub evicted_departed: u64,
    /// Bumped by every structural change (dumps use it for NLM_F_DUMP_INTR).
    pub structure_version: u64,
    /// Number of resets.
    pub reset_epoch: u32,
}
