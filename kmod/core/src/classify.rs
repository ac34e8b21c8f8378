//! The classification rule of thesis §3.4.1, as a pure function of one parsed frame.
//!
//! Tx (the guest sends; the frame enters dom0 from its vif), in order:
//! 1. destination MAC is a group address → `Bcast`;
//! 2. destination MAC belongs to a local domain → IDC with that domain;
//! 3. not IPv4/IPv6 (ARP, other EtherTypes, malformed) → `NonIp`;
//! 4. destination IP is one of dom0's addresses → `Dom0`;
//! 5. destination IP inside a cluster prefix → NIC with that IP as peer;
//! 6. otherwise → `External`.
//!
//! Rx (the guest receives; the frame leaves dom0 through its vif) is the mirror image
//! with the source MAC and source IP, except that rule 1 still looks at the
//! destination MAC (a broadcast is a broadcast for its receivers too).

use super::addr::{IpAddr16, MacAddr};
use super::frame::{ParsedFrame, L3};

/// Direction from the guest's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The guest transmits: the frame enters dom0 from the guest's vif.
    Tx = 0,
    /// The guest receives: the frame leaves dom0 through the guest's vif.
    Rx = 1,
}

/// Traffic that gets no per-peer entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// IP traffic with a peer outside the cluster prefixes.
    External,
    /// Broadcast and multicast frames.
    Bcast,
    /// ARP, other EtherTypes and malformed IP headers.
    NonIp,
    /// IP traffic with dom0's own addresses.
    Dom0,
}

/// Outcome of classifying one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Inter-domain traffic with a local domain.
    Idc {
        /// The peer domain's MAC (the per-peer key).
        peer_mac: MacAddr,
        /// The peer domain's slot in the domain table.
        peer_slot: u16,
        /// The peer's IP in this frame, if IP.
        peer_ip: Option<IpAddr16>,
    },
    /// Intra-cluster traffic with another host.
    Nic {
        /// The remote IP (the per-peer key).
        peer_ip: IpAddr16,
        /// The remote MAC in this frame (usually a router's).
        peer_mac: MacAddr,
    },
    /// A bucket.
    Bucket(Bucket),
}

/// Where an IP address is, as far as classification cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpPlace {
    /// One of dom0's own addresses.
    Dom0,
    /// Inside a cluster prefix.
    Cluster,
    /// Anywhere else.
    Outside,
}

/// The state classification consults: who is local, what is dom0, what is the cluster.
pub trait Neighbourhood {
    /// The slot of the local domain that owns `mac`, if any.
    fn local_domain_slot(&self, mac: MacAddr) -> Option<u16>;
    /// Where `ip` is (dom0's addresses win over cluster prefixes).
    fn place_of(&self, ip: IpAddr16) -> IpPlace;
}

/// Classifies one frame crossing a vif in `direction`.
#[inline(always)]
pub fn classify(frame: &ParsedFrame, direction: Direction, world: &impl Neighbourhood) -> Class {
    if frame.dst.is_group() {
        return Class::Bucket(Bucket::Bcast);
    }
    let (peer_mac, peer_ip) = match (direction, frame.l3) {
        (Direction::Tx, L3::Ipv4 { dst, .. } | L3::Ipv6 { dst, .. }) => (frame.dst, Some(dst)),
        (Direction::Rx, L3::Ipv4 { src, .. } | L3::Ipv6 { src, .. }) => (frame.src, Some(src)),
        (Direction::Tx, _) => (frame.dst, None),
        (Direction::Rx, _) => (frame.src, None),
    };
    if let Some(peer_slot) = world.local_domain_slot(peer_mac) {
        return Class::Idc {
            peer_mac,
            peer_slot,
            peer_ip,
        };
    }
    let Some(peer_ip) = peer_ip else {
        return Class::Bucket(Bucket::NonIp);
    };
    match world.place_of(peer_ip) {
        IpPlace::Dom0 => Class::Bucket(Bucket::Dom0),
        IpPlace::Cluster => Class::Nic { peer_ip, peer_mac },
        IpPlace::Outside => Class::Bucket(Bucket::External),
    }
}
