//! Typed values of what the module reports and accepts, converted from and to
//! attribute lists. Unknown attributes are ignored here (they stay in the `Other`
//! variants of the attribute enums).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use idcstat_uapi::attrs::counters_attr as c;
use idcstat_uapi::enums::{domain_state, peer_table};
use serde::Serialize;

use crate::attrs::{
    AddressAttr, ConfigAttr, CountersAttr, DomainAttr, PeerAttr, SwapRangeAttr, VifAttr,
};

/// An Ethernet address, printed `00:16:3e:00:00:01`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MacAddr(pub [u8; 6]);

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl Serialize for MacAddr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Packets and bytes (bytes include the Ethernet header, exclude the FCS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Traffic {
    /// Packets.
    pub packets: u64,
    /// Bytes.
    pub bytes: u64,
}

/// One direction of a domain's traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct DirectionCounters {
    /// Everything (equals the vif's netdev counters).
    pub total: Traffic,
    /// With local domains.
    pub idc: Traffic,
    /// With cluster addresses on other hosts.
    pub nic: Traffic,
    /// Outside the cluster.
    pub external: Traffic,
    /// Broadcast and multicast.
    pub bcast: Traffic,
    /// Not IP.
    pub non_ip: Traffic,
    /// With dom0.
    pub dom0: Traffic,
}

/// Swap I/O in the domain's swap ranges (512-byte sectors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct SwapCounters {
    /// Read requests.
    pub read_requests: u64,
    /// Sectors read.
    pub read_sectors: u64,
    /// Write requests.
    pub write_requests: u64,
    /// Sectors written.
    pub write_sectors: u64,
}

/// All counters of a domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct DomainCounters {
    /// What the domain sent.
    pub tx: DirectionCounters,
    /// What it received.
    pub rx: DirectionCounters,
    /// Swap I/O.
    pub swap: SwapCounters,
    /// Packets that found a per-peer table full.
    pub dropped_peers: u64,
}

impl DomainCounters {
    /// The counter with spec id `id`.
    fn field(&mut self, id: u16) -> Option<&mut u64> {
        let (tx, rx, swap) = (&mut self.tx, &mut self.rx, &mut self.swap);
        Some(match id {
            c::TX_PACKETS => &mut tx.total.packets,
            c::TX_BYTES => &mut tx.total.bytes,
            c::RX_PACKETS => &mut rx.total.packets,
            c::RX_BYTES => &mut rx.total.bytes,
            c::IDC_TX_PACKETS => &mut tx.idc.packets,
            c::IDC_TX_BYTES => &mut tx.idc.bytes,
            c::IDC_RX_PACKETS => &mut rx.idc.packets,
            c::IDC_RX_BYTES => &mut rx.idc.bytes,
            c::NIC_TX_PACKETS => &mut tx.nic.packets,
            c::NIC_TX_BYTES => &mut tx.nic.bytes,
            c::NIC_RX_PACKETS => &mut rx.nic.packets,
            c::NIC_RX_BYTES => &mut rx.nic.bytes,
            c::EXTERNAL_TX_PACKETS => &mut tx.external.packets,
            c::EXTERNAL_TX_BYTES => &mut tx.external.bytes,
            c::EXTERNAL_RX_PACKETS => &mut rx.external.packets,
            c::EXTERNAL_RX_BYTES => &mut rx.external.bytes,
            c::BCAST_TX_PACKETS => &mut tx.bcast.packets,
            c::BCAST_TX_BYTES => &mut tx.bcast.bytes,
            c::BCAST_RX_PACKETS => &mut rx.bcast.packets,
            c::BCAST_RX_BYTES => &mut rx.bcast.bytes,
            c::NON_IP_TX_PACKETS => &mut tx.non_ip.packets,
            c::NON_IP_TX_BYTES => &mut tx.non_ip.bytes,
            c::NON_IP_RX_PACKETS => &mut rx.non_ip.packets,
            c::NON_IP_RX_BYTES => &mut rx.non_ip.bytes,
            c::DOM0_TX_PACKETS => &mut tx.dom0.packets,
            c::DOM0_TX_BYTES => &mut tx.dom0.bytes,
            c::DOM0_RX_PACKETS => &mut rx.dom0.packets,
            c::DOM0_RX_BYTES => &mut rx.dom0.bytes,
            c::SWAP_RD_REQ => &mut swap.read_requests,
            c::SWAP_RD_SECT => &mut swap.read_sectors,
            c::SWAP_WR_REQ => &mut swap.write_requests,
            c::SWAP_WR_SECT => &mut swap.write_sectors,
            c::DROPPED_PEERS => &mut self.dropped_peers,
            _ => return None,
        })
    }

    /// Builds counters from a `counters` nest.
    pub fn from_attrs(attrs: &[CountersAttr]) -> Self {
        let mut counters = DomainCounters::default();
        for attr in attrs {
            if let CountersAttr::Counter { id, value } = attr {
                if let Some(field) = counters.field(*id) {
                    *field = *value;
                }
            }
        }
        counters
    }

    /// The `counters` nest of these counters (every counter, in spec order).
    pub fn to_attrs(&self) -> Vec<CountersAttr> {
        let mut copy = *self;
        c::ALL
            .iter()
            .filter_map(|def| {
                copy.field(def.id).map(|v| CountersAttr::Counter {
                    id: def.id,
                    value: *v,
                })
            })
            .collect()
    }
}

/// Lifecycle state of a domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DomainState {
    /// Has vifs.
    Active,
    /// Gone; final counters.
    Departed,
    /// A state this client does not know.
    Unknown(u32),
}

impl DomainState {
    fn from_wire(value: u32) -> Self {
        match value {
            domain_state::ACTIVE => DomainState::Active,
            domain_state::DEPARTED => DomainState::Departed,
            other => DomainState::Unknown(other),
        }
    }

    fn to_wire(self) -> u32 {
        match self {
            DomainState::Active => domain_state::ACTIVE,
            DomainState::Departed => domain_state::DEPARTED,
            DomainState::Unknown(v) => v,
        }
    }
}

/// One domain as the module reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainStats {
    /// Domain id.
    pub domid: u32,
    /// Generation.
    pub generation: u32,
    /// State.
    pub state: DomainState,
    /// Milliseconds since departure.
    pub departed_ms: Option<u64>,
    /// MAC of its first vif.
    pub mac: Option<MacAddr>,
    /// Learned IPv4 address.
    pub ipv4: Option<Ipv4Addr>,
    /// Learned IPv6 addresses.
    pub ipv6: Vec<Ipv6Addr>,
    /// Current vifs.
    pub ifindexes: Vec<u32>,
    /// Counters.
    pub counters: DomainCounters,
    /// Resets so far.
    pub reset_epoch: u32,
}

impl DomainStats {
    /// Builds a domain from its attributes.
    pub fn from_attrs(attrs: &[DomainAttr]) -> Self {
        let mut domain = DomainStats {
            domid: 0,
            generation: 0,
            state: DomainState::Active,
            departed_ms: None,
            mac: None,
            ipv4: None,
            ipv6: Vec::new(),
            ifindexes: Vec::new(),
            counters: DomainCounters::default(),
            reset_epoch: 0,
        };
        for attr in attrs {
            match attr {
                DomainAttr::Domid(v) => domain.domid = *v,
                DomainAttr::Generation(v) => domain.generation = *v,
                DomainAttr::State(v) => domain.state = DomainState::from_wire(*v),
                DomainAttr::DepartedMs(v) => domain.departed_ms = Some(*v),
                DomainAttr::Mac(mac) => domain.mac = Some(MacAddr(*mac)),
                DomainAttr::Ipv4(ip) => domain.ipv4 = Some(*ip),
                DomainAttr::Ipv6(ip) => domain.ipv6.push(*ip),
                DomainAttr::Ifindex(i) => domain.ifindexes.push(*i),
                DomainAttr::Counters(nest) => domain.counters = DomainCounters::from_attrs(nest),
                DomainAttr::ResetEpoch(v) => domain.reset_epoch = *v,
                DomainAttr::Other(_) => {}
            }
        }
        domain
    }

    /// The attributes the module would send for this domain.
    pub fn to_attrs(&self) -> Vec<DomainAttr> {
        let mut attrs = vec![
            DomainAttr::Domid(self.domid),
            DomainAttr::Generation(self.generation),
            DomainAttr::State(self.state.to_wire()),
        ];
        attrs.extend(self.departed_ms.map(DomainAttr::DepartedMs));
        attrs.extend(self.mac.map(|m| DomainAttr::Mac(m.0)));
        attrs.extend(self.ipv4.map(DomainAttr::Ipv4));
        attrs.extend(self.ipv6.iter().map(|ip| DomainAttr::Ipv6(*ip)));
        attrs.extend(self.ifindexes.iter().map(|i| DomainAttr::Ifindex(*i)));
        attrs.push(DomainAttr::Counters(self.counters.to_attrs()));
        attrs.push(DomainAttr::ResetEpoch(self.reset_epoch));
        attrs
    }
}

/// Which per-peer table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PeerTable {
    /// IDC transmit.
    Itx,
    /// NIC transmit.
    Otx,
    /// IDC receive.
    Irx,
    /// NIC receive.
    Orx,
    /// A table this client does not know.
    Unknown(u32),
}

impl PeerTable {
    /// From the wire value.
    pub fn from_wire(value: u32) -> Self {
        match value {
            peer_table::ITX => PeerTable::Itx,
            peer_table::OTX => PeerTable::Otx,
            peer_table::IRX => PeerTable::Irx,
            peer_table::ORX => PeerTable::Orx,
            other => PeerTable::Unknown(other),
        }
    }

    /// To the wire value.
    pub fn to_wire(self) -> u32 {
        match self {
            PeerTable::Itx => peer_table::ITX,
            PeerTable::Otx => peer_table::OTX,
            PeerTable::Irx => peer_table::IRX,
            PeerTable::Orx => peer_table::ORX,
            PeerTable::Unknown(v) => v,
        }
    }

    /// The thesis's name (itx, otx, irx, orx).
    pub fn name(self) -> &'static str {
        match self {
            PeerTable::Itx => "itx",
            PeerTable::Otx => "otx",
            PeerTable::Irx => "irx",
            PeerTable::Orx => "orx",
            PeerTable::Unknown(_) => "?",
        }
    }
}

/// One per-peer entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerStats {
    /// Owner domain.
    pub domid: u32,
    /// Owner generation.
    pub generation: u32,
    /// Table.
    pub table: PeerTable,
    /// Peer domain (IDC).
    pub peer_domid: Option<u32>,
    /// Peer MAC.
    pub mac: Option<MacAddr>,
    /// Peer IP.
    pub ip: Option<IpAddr>,
    /// Traffic.
    pub traffic: Traffic,
    /// The table's overflow entry.
    pub other: bool,
}

impl PeerStats {
    /// Builds an entry from its attributes.
    pub fn from_attrs(attrs: &[PeerAttr]) -> Self {
        let mut peer = PeerStats {
            domid: 0,
            generation: 0,
            table: PeerTable::Itx,
            peer_domid: None,
            mac: None,
            ip: None,
            traffic: Traffic::default(),
            other: false,
        };
        for attr in attrs {
            match attr {
                PeerAttr::Domid(v) => peer.domid = *v,
                PeerAttr::Generation(v) => peer.generation = *v,
                PeerAttr::Table(v) => peer.table = PeerTable::from_wire(*v),
                PeerAttr::PeerDomid(v) => peer.peer_domid = Some(*v),
                PeerAttr::Mac(mac) => peer.mac = Some(MacAddr(*mac)),
                PeerAttr::Ipv4(ip) => peer.ip = Some(IpAddr::V4(*ip)),
                PeerAttr::Ipv6(ip) => peer.ip = Some(IpAddr::V6(*ip)),
                PeerAttr::Packets(v) => peer.traffic.packets = *v,
                PeerAttr::Bytes(v) => peer.traffic.bytes = *v,
                PeerAttr::Other => peer.other = true,
                PeerAttr::Unknown(_) => {}
            }
        }
        peer
    }

    /// The attributes the module would send for this entry.
    pub fn to_attrs(&self) -> Vec<PeerAttr> {
        let mut attrs = vec![
            PeerAttr::Domid(self.domid),
            PeerAttr::Generation(self.generation),
            PeerAttr::Table(self.table.to_wire()),
        ];
        attrs.extend(self.peer_domid.map(PeerAttr::PeerDomid));
        attrs.extend(self.mac.map(|m| PeerAttr::Mac(m.0)));
        attrs.extend(self.ip.map(|ip| match ip {
            IpAddr::V4(v4) => PeerAttr::Ipv4(v4),
            IpAddr::V6(v6) => PeerAttr::Ipv6(v6),
        }));
        attrs.push(PeerAttr::Packets(self.traffic.packets));
        attrs.push(PeerAttr::Bytes(self.traffic.bytes));
        if self.other {
            attrs.push(PeerAttr::Other);
        }
        attrs
    }
}

/// An address prefix (a host address when `len` is the full width).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct IpPrefix {
    /// Address.
    pub addr: IpAddr,
    /// Prefix length in bits.
    pub len: u8,
}

impl IpPrefix {
    /// A full-length prefix: one host.
    pub fn host(addr: IpAddr) -> Self {
        IpPrefix {
            addr,
            len: if addr.is_ipv4() { 32 } else { 128 },
        }
    }

    fn from_attrs(attrs: &[AddressAttr]) -> Option<Self> {
        let mut addr = None;
        let mut len = None;
        for attr in attrs {
            match attr {
                AddressAttr::Ipv4(ip) => addr = Some(IpAddr::V4(*ip)),
                AddressAttr::Ipv6(ip) => addr = Some(IpAddr::V6(*ip)),
                AddressAttr::PrefixLen(l) => len = Some(*l),
                AddressAttr::Other(_) => {}
            }
        }
        let addr = addr?;
        Some(IpPrefix {
            addr,
            len: len.unwrap_or(IpPrefix::host(addr).len),
        })
    }

    fn to_attrs(self) -> Vec<AddressAttr> {
        let addr = match self.addr {
            IpAddr::V4(v4) => AddressAttr::Ipv4(v4),
            IpAddr::V6(v6) => AddressAttr::Ipv6(v6),
        };
        vec![addr, AddressAttr::PrefixLen(self.len)]
    }
}

impl fmt::Display for IpPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

/// A vif's identity (agent → module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VifIdentity {
    /// Interface index.
    pub ifindex: u32,
    /// Domain id.
    pub domid: u32,
    /// Xen device id.
    pub devid: u32,
    /// Agent generation of the domain (< 2^31).
    pub generation: u32,
    /// MAC from xenstore.
    pub mac: Option<MacAddr>,
}

impl VifIdentity {
    fn from_attrs(attrs: &[VifAttr]) -> Self {
        let mut vif = VifIdentity {
            ifindex: 0,
            domid: 0,
            devid: 0,
            generation: 0,
            mac: None,
        };
        for attr in attrs {
            match attr {
                VifAttr::Ifindex(v) => vif.ifindex = *v,
                VifAttr::Domid(v) => vif.domid = *v,
                VifAttr::Devid(v) => vif.devid = *v,
                VifAttr::Generation(v) => vif.generation = *v,
                VifAttr::Mac(mac) => vif.mac = Some(MacAddr(*mac)),
                VifAttr::Other(_) => {}
            }
        }
        vif
    }

    fn to_attrs(self) -> Vec<VifAttr> {
        let mut attrs = vec![
            VifAttr::Ifindex(self.ifindex),
            VifAttr::Domid(self.domid),
            VifAttr::Devid(self.devid),
            VifAttr::Generation(self.generation),
        ];
        attrs.extend(self.mac.map(|m| VifAttr::Mac(m.0)));
        attrs
    }
}

/// Where a domain's swap lives (agent → module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SwapRange {
    /// Domain id.
    pub domid: u32,
    /// Generation.
    pub generation: u32,
    /// Kernel dev_t, `(major << 20) | minor`.
    pub dev: u32,
    /// First sector.
    pub start_sector: u64,
    /// Sector count (`u64::MAX` = whole device).
    pub nr_sectors: u64,
}

impl SwapRange {
    fn from_attrs(attrs: &[SwapRangeAttr]) -> Self {
        let mut range = SwapRange {
            domid: 0,
            generation: 0,
            dev: 0,
            start_sector: 0,
            nr_sectors: 0,
        };
        for attr in attrs {
            match attr {
                SwapRangeAttr::Domid(v) => range.domid = *v,
                SwapRangeAttr::Generation(v) => range.generation = *v,
                SwapRangeAttr::Dev(v) => range.dev = *v,
                SwapRangeAttr::StartSector(v) => range.start_sector = *v,
                SwapRangeAttr::NrSectors(v) => range.nr_sectors = *v,
                SwapRangeAttr::Other(_) => {}
            }
        }
        range
    }

    fn to_attrs(self) -> Vec<SwapRangeAttr> {
        vec![
            SwapRangeAttr::Domid(self.domid),
            SwapRangeAttr::Generation(self.generation),
            SwapRangeAttr::Dev(self.dev),
            SwapRangeAttr::StartSector(self.start_sector),
            SwapRangeAttr::NrSectors(self.nr_sectors),
        ]
    }
}

/// The module's configuration and fixed sizes (config-get).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct IdcstatConfig {
    /// ABI version.
    pub abi_version: u32,
    /// Cluster prefixes.
    pub cluster_prefixes: Vec<IpPrefix>,
    /// Dom0's addresses.
    pub host_addrs: Vec<IpAddr>,
    /// Uplink ifindexes.
    pub uplinks: Vec<u32>,
    /// Vif identities.
    pub vifs: Vec<VifIdentity>,
    /// Swap ranges.
    pub swap_ranges: Vec<SwapRange>,
    /// Domain slots.
    pub max_domains: u32,
    /// Entries per peer table.
    pub peers_per_table: u32,
    /// Departed timeout.
    pub departed_timeout_ms: u32,
    /// Resets so far.
    pub reset_epoch: u32,
    /// Frames on untracked devices.
    pub untracked: Traffic,
}

impl IdcstatConfig {
    /// Builds a config from config-get's attributes.
    pub fn from_attrs(attrs: &[ConfigAttr]) -> Self {
        let mut config = IdcstatConfig::default();
        for attr in attrs {
            match attr {
                ConfigAttr::AbiVersion(v) => config.abi_version = *v,
                ConfigAttr::ClusterPrefix(nest) => {
                    config.cluster_prefixes.extend(IpPrefix::from_attrs(nest))
                }
                ConfigAttr::HostAddr(nest) => config
                    .host_addrs
                    .extend(IpPrefix::from_attrs(nest).map(|p| p.addr)),
                ConfigAttr::UplinkIfindex(v) => config.uplinks.push(*v),
                ConfigAttr::Vif(nest) => config.vifs.push(VifIdentity::from_attrs(nest)),
                ConfigAttr::SwapRange(nest) => config.swap_ranges.push(SwapRange::from_attrs(nest)),
                ConfigAttr::MaxDomains(v) => config.max_domains = *v,
                ConfigAttr::PeersPerTable(v) => config.peers_per_table = *v,
                ConfigAttr::DepartedTimeoutMs(v) => config.departed_timeout_ms = *v,
                ConfigAttr::ResetEpoch(v) => config.reset_epoch = *v,
                ConfigAttr::UntrackedPackets(v) => config.untracked.packets = *v,
                ConfigAttr::UntrackedBytes(v) => config.untracked.bytes = *v,
                ConfigAttr::Clear(_) | ConfigAttr::Other(_) => {}
            }
        }
        config
    }
}

/// A config-set request: lists to clear, then entries to add.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigUpdate {
    /// `config-category` flags to clear first.
    pub clear: u32,
    /// Cluster prefixes to add.
    pub cluster_prefixes: Vec<IpPrefix>,
    /// Dom0 addresses to add.
    pub host_addrs: Vec<IpAddr>,
    /// Uplinks to add.
    pub uplinks: Vec<u32>,
    /// Vif identities to add or replace.
    pub vifs: Vec<VifIdentity>,
    /// Swap ranges to add or replace.
    pub swap_ranges: Vec<SwapRange>,
}

impl ConfigUpdate {
    /// An update that replaces every list with the given entries.
    pub fn replace_all() -> Self {
        use idcstat_uapi::enums::config_category as cat;
        ConfigUpdate {
            clear: cat::CLUSTER_PREFIXES
                | cat::HOST_ADDRS
                | cat::UPLINKS
                | cat::VIFS
                | cat::SWAP_RANGES,
            ..ConfigUpdate::default()
        }
    }

    /// The config-set attributes.
    pub fn to_attrs(&self) -> Vec<ConfigAttr> {
        let mut attrs = Vec::new();
        if self.clear != 0 {
            attrs.push(ConfigAttr::Clear(self.clear));
        }
        attrs.extend(
            self.cluster_prefixes
                .iter()
                .map(|p| ConfigAttr::ClusterPrefix(p.to_attrs())),
        );
        attrs.extend(
            self.host_addrs
                .iter()
                .map(|a| ConfigAttr::HostAddr(IpPrefix::host(*a).to_attrs())),
        );
        attrs.extend(self.uplinks.iter().map(|u| ConfigAttr::UplinkIfindex(*u)));
        attrs.extend(self.vifs.iter().map(|v| ConfigAttr::Vif(v.to_attrs())));
        attrs.extend(
            self.swap_ranges
                .iter()
                .map(|s| ConfigAttr::SwapRange(s.to_attrs())),
        );
        attrs
    }
}
