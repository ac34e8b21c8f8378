//! `peer` set: top level of peer-get.

use std::net::{Ipv4Addr, Ipv6Addr};

use idcstat_uapi::attrs::peer_attr as id;
use netlink_packet_core::{DecodeError, DefaultNla, Nla, NlaBuffer, Parseable};

use crate::wire::{emit_uint, fixed, parse_u32, parse_uint, uint_len};

/// An attribute of the `peer` set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerAttr {
    /// Owner domain.
    Domid(u32),
    /// Owner generation.
    Generation(u32),
    /// `peer-table` enum value.
    Table(u32),
    /// Peer domain id (IDC).
    PeerDomid(u32),
    /// Peer MAC.
    Mac([u8; 6]),
    /// Peer IPv4.
    Ipv4(Ipv4Addr),
    /// Peer IPv6.
    Ipv6(Ipv6Addr),
    /// Packets.
    Packets(u64),
    /// Bytes.
    Bytes(u64),
    /// This is the table's overflow entry.
    Other,
    /// Unknown attribute, kept verbatim.
    Unknown(DefaultNla),
}

impl Nla for PeerAttr {
    fn value_len(&self) -> usize {
        match self {
            PeerAttr::Mac(_) => 6,
            PeerAttr::Ipv6(_) => 16,
            PeerAttr::Packets(v) | PeerAttr::Bytes(v) => uint_len(*v),
            PeerAttr::Other => 0,
            PeerAttr::Unknown(nla) => nla.value_len(),
            _ => 4,
        }
    }

    fn kind(&self) -> u16 {
        match self {
            PeerAttr::Domid(_) => id::DOMID,
            PeerAttr::Generation(_) => id::GENERATION,
            PeerAttr::Table(_) => id::TABLE,
            PeerAttr::PeerDomid(_) => id::PEER_DOMID,
            PeerAttr::Mac(_) => id::MAC,
            PeerAttr::Ipv4(_) => id::IPV4,
            PeerAttr::Ipv6(_) => id::IPV6,
            PeerAttr::Packets(_) => id::PACKETS,
            PeerAttr::Bytes(_) => id::BYTES,
            PeerAttr::Other => id::OTHER,
            PeerAttr::Unknown(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            PeerAttr::Domid(v)
            | PeerAttr::Generation(v)
            | PeerAttr::Table(v)
            | PeerAttr::PeerDomid(v) => buffer.copy_from_slice(&v.to_ne_bytes()),
            PeerAttr::Mac(mac) => buffer.copy_from_slice(mac),
            PeerAttr::Ipv4(ip) => buffer.copy_from_slice(&ip.octets()),
            PeerAttr::Ipv6(ip) => buffer.copy_from_slice(&ip.octets()),
            PeerAttr::Packets(v) | PeerAttr::Bytes(v) => emit_uint(buffer, *v),
            PeerAttr::Other => {}
            PeerAttr::Unknown(nla) => nla.emit_value(buffer),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for PeerAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let payload = buf.value();
        Ok(match buf.kind() {
            id::DOMID => PeerAttr::Domid(parse_u32(payload)?),
            id::GENERATION => PeerAttr::Generation(parse_u32(payload)?),
            id::TABLE => PeerAttr::Table(parse_u32(payload)?),
            id::PEER_DOMID => PeerAttr::PeerDomid(parse_u32(payload)?),
            id::MAC => PeerAttr::Mac(fixed::<6>(payload)?),
            id::IPV4 => PeerAttr::Ipv4(Ipv4Addr::from(fixed::<4>(payload)?)),
            id::IPV6 => PeerAttr::Ipv6(Ipv6Addr::from(fixed::<16>(payload)?)),
            id::PACKETS => PeerAttr::Packets(parse_uint(payload)?),
            id::BYTES => PeerAttr::Bytes(parse_uint(payload)?),
            id::OTHER => PeerAttr::Other,
            _ => PeerAttr::Unknown(DefaultNla::parse(buf)?),
        })
    }
}
