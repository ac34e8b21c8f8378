//! Robust parsing of the headers the classifier needs: Ethernet, up to two VLAN tags
//! (802.1Q / 802.1ad), IPv4, IPv6, ARP and NDP neighbour advertisements.
//!
//! Every read is bounds-checked through `slice::get`; truncated or garbage frames
//! yield `L3::Malformed` (or `None` below 14 bytes), never a panic.

use super::addr::{IpAddr16, MacAddr};

/// Ethernet header length without tags.
pub const ETH_HLEN: usize = 14;
/// Bytes of a frame the parser may look at: Ethernet + 2 VLAN tags + IPv6 + an NDP
/// advertisement up to its target address. The glue copies at most this many bytes
/// (`skb_header_pointer`) into a stack buffer.
pub const HEADER_BYTES_NEEDED: usize = ETH_HLEN + 2 * 4 + 40 + 24;

const ETH_P_IP: u16 = 0x0800;
const ETH_P_ARP: u16 = 0x0806;
const ETH_P_IPV6: u16 = 0x86dd;
const ETH_P_8021Q: u16 = 0x8100;
const ETH_P_8021AD: u16 = 0x88a8;
const MAX_VLAN_TAGS: usize = 2;
const IPPROTO_ICMPV6: u8 = 58;
const NDP_NEIGHBOR_ADVERT: u8 = 136;
const NDP_HOP_LIMIT: u8 = 255;

/// What the classifier and the address learner need from one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedFrame {
    /// Destination MAC.
    pub dst: MacAddr,
    /// Source MAC.
    pub src: MacAddr,
    /// The network layer, after any VLAN tags.
    pub l3: L3,
}

/// The network layer of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum L3 {
    /// IPv4 (addresses IPv4-mapped).
    Ipv4 {
        /// Source address.
        src: IpAddr16,
        /// Destination address.
        dst: IpAddr16,
    },
    /// IPv6.
    Ipv6 {
        /// Source address.
        src: IpAddr16,
        /// Destination address.
        dst: IpAddr16,
        /// Target of a well-formed neighbour advertisement (RFC 4861 §4.4).
        advertised: Option<IpAddr16>,
    },
    /// ARP over Ethernet/IPv4.
    Arp {
        /// Sender hardware address.
        sender_mac: MacAddr,
        /// Sender protocol address (IPv4-mapped).
        sender_ip: IpAddr16,
    },
    /// Any other EtherType (after tags).
    Other {
        /// The EtherType.
        ethertype: u16,
    },
    /// An IP or ARP EtherType whose header is truncated or inconsistent; counts as non-IP.
    Malformed,
}

impl L3 {
    /// True for IPv4 and IPv6 frames.
    pub fn is_ip(&self) -> bool {
        matches!(self, L3::Ipv4 { .. } | L3::Ipv6 { .. })
    }
}

#[inline(always)]
fn array<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
    let end = at.checked_add(N)?;
    let mut out = [0u8; N];
    out.copy_from_slice(bytes.get(at..end)?);
    Some(out)
}

#[inline(always)]
fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    array::<2>(bytes, at).map(u16::from_be_bytes)
}

/// Parses a frame that starts at its Ethernet header. `None` when shorter than 14 bytes.
#[inline(always)]
pub fn parse(frame: &[u8]) -> Option<ParsedFrame> {
    let dst = MacAddr(array::<6>(frame, 0)?);
    let src = MacAddr(array::<6>(frame, 6)?);
    let mut ethertype = be16(frame, 12)?;
    let mut offset = ETH_HLEN;
    for _ in 0..MAX_VLAN_TAGS {
        if ethertype != ETH_P_8021Q && ethertype != ETH_P_8021AD {
            break;
        }
        match be16(frame, offset + 2) {
            Some(inner) => {
                ethertype = inner;
                offset += 4;
            }
            None => {
                return Some(ParsedFrame {
                    dst,
                    src,
                    l3: L3::Malformed,
                })
            }
        }
    }
    let payload = frame.get(offset..).unwrap_or(&[]);
    let l3 = match ethertype {
        ETH_P_IP => parse_ipv4(payload),
        ETH_P_IPV6 => parse_ipv6(payload),
        ETH_P_ARP => parse_arp(payload),
        other => L3::Other { ethertype: other },
    };
    Some(ParsedFrame { dst, src, l3 })
}

#[inline(always)]
fn parse_ipv4(packet: &[u8]) -> L3 {
    let Some(&version_ihl) = packet.first() else {
        return L3::Malformed;
    };
    if version_ihl >> 4 != 4 || version_ihl & 0x0f < 5 {
        return L3::Malformed;
    }
    match (array::<4>(packet, 12), array::<4>(packet, 16)) {
        (Some(src), Some(dst)) => L3::Ipv4 {
            src: IpAddr16::from_v4(src),
            dst: IpAddr16::from_v4(dst),
        },
        _ => L3::Malformed,
    }
}

#[inline(always)]
fn parse_ipv6(packet: &[u8]) -> L3 {
    let Some(&version) = packet.first() else {
        return L3::Malformed;
    };
    if version >> 4 != 6 {
        return L3::Malformed;
    }
    let (Some(src), Some(dst)) = (array::<16>(packet, 8), array::<16>(packet, 24)) else {
        return L3::Malformed;
    };
    let is_ndp_carrier =
        packet.get(6) == Some(&IPPROTO_ICMPV6) && packet.get(7) == Some(&NDP_HOP_LIMIT);
    let advertised = if is_ndp_carrier
        && packet.get(40) == Some(&NDP_NEIGHBOR_ADVERT)
        && packet.get(41) == Some(&0)
    {
        array::<16>(packet, 48).map(IpAddr16::from_v6)
    } else {
        None
    };
    L3::Ipv6 {
        src: IpAddr16::from_v6(src),
        dst: IpAddr16::from_v6(dst),
        advertised,
    }
}

#[inline(always)]
fn parse_arp(packet: &[u8]) -> L3 {
    // htype 1 (Ethernet), ptype 0x0800, hlen 6, plen 4.
    let well_formed = be16(packet, 0) == Some(1)
        && be16(packet, 2) == Some(ETH_P_IP)
        && packet.get(4) == Some(&6)
        && packet.get(5) == Some(&4);
    match (well_formed, array::<6>(packet, 8), array::<4>(packet, 14)) {
        (true, Some(mac), Some(ip)) => L3::Arp {
            sender_mac: MacAddr(mac),
            sender_ip: IpAddr16::from_v4(ip),
        },
        _ => L3::Malformed,
    }
}
