//! Per-domain traffic as the agent reports it: per peer, split IDC/NIC and TX/RX.

use crate::ids::DomainUuid;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

/// An Ethernet MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MacAddr(pub [u8; 6]);

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

/// Who a domain talks to.
///
/// The agent names the peer by UUID whenever it knows it (always for IDC, since
/// the peer is a local domain). For traffic to another host it knows only the
/// peer's IP or MAC; the RMN resolves those through the addresses that every
/// [`crate::DomainReport`] declares (`ips`, `macs`), cluster-wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerKey {
    /// A domain of the cluster, known by UUID.
    Domain(DomainUuid),
    /// A peer known only by its IP address.
    Ip(IpAddr),
    /// A peer known only by its MAC address.
    Mac(MacAddr),
}

/// Cumulative byte counters of one traffic class, in both directions and on both
/// paths. TX is from the reporting domain, RX towards it.
///
/// IDC is traffic between two domains of the same host (through dom0's netback,
/// never the physical NIC); NIC is traffic that crosses the host's physical NIC.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficCounters {
    /// Bytes sent to co-located domains.
    pub idc_tx_bytes: u64,
    /// Bytes received from co-located domains.
    pub idc_rx_bytes: u64,
    /// Bytes sent through the physical NIC.
    pub nic_tx_bytes: u64,
    /// Bytes received through the physical NIC.
    pub nic_rx_bytes: u64,
}

impl TrafficCounters {
    /// Field-wise wrapping sum (used to total buckets).
    pub fn wrapping_add(self, other: Self) -> Self {
        Self {
            idc_tx_bytes: self.idc_tx_bytes.wrapping_add(other.idc_tx_bytes),
            idc_rx_bytes: self.idc_rx_bytes.wrapping_add(other.idc_rx_bytes),
            nic_tx_bytes: self.nic_tx_bytes.wrapping_add(other.nic_tx_bytes),
            nic_rx_bytes: self.nic_rx_bytes.wrapping_add(other.nic_rx_bytes),
        }
    }
}

/// Cumulative traffic between the reporting domain and one peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerTraffic {
    /// The peer.
    pub peer: PeerKey,
    /// Its counters. A peer that moved between this host and another has both
    /// IDC and NIC bytes: the counters are cumulative over the peer entry's life.
    pub counters: TrafficCounters,
}

/// All of a domain's traffic, cumulative.
///
/// `peers` is intra-cluster traffic attributed to a peer (sorted by peer key,
/// no duplicates). `external` is traffic with addresses outside the cluster
/// (clients): it crosses the NIC and counts in NIC utilization. `other` is
/// traffic that could not be attributed to a peer (peer table full, broadcast,
/// non-IP): it counts in NIC utilization and in a domain's totals but belongs to
/// no peer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainTraffic {
    /// Per-peer counters, each peer at most once (any order; see
    /// [`crate::HostReport::normalize`]).
    pub peers: Vec<PeerTraffic>,
    /// Traffic with hosts outside the cluster.
    pub external: TrafficCounters,
    /// Traffic attributed to no peer.
    pub other: TrafficCounters,
}

impl DomainTraffic {
    /// Sum over peers, external and other.
    pub fn total(&self) -> TrafficCounters {
        self.peers
            .iter()
            .fold(self.external.wrapping_add(self.other), |acc, p| {
                acc.wrapping_add(p.counters)
            })
    }
}
