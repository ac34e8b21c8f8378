//! `domain` set: top level of domain-get, departed-ack, reset and the notifications.

use std::net::{Ipv4Addr, Ipv6Addr};

use idcstat_uapi::attrs::domain_attr as id;
use netlink_packet_core::{DecodeError, DefaultNla, Nla, NlaBuffer, Parseable, NLA_F_NESTED};

use super::CountersAttr;
use crate::wire::{
    emit_nlas, emit_uint, fixed, nlas_len, parse_nlas, parse_u32, parse_uint, uint_len,
};

/// An attribute of the `domain` set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainAttr {
    /// Domain id.
    Domid(u32),
    /// Generation.
    Generation(u32),
    /// `domain-state` enum value.
    State(u32),
    /// Milliseconds since departure.
    DepartedMs(u64),
    /// MAC of the domain's first vif.
    Mac([u8; 6]),
    /// Learned IPv4 address.
    Ipv4(Ipv4Addr),
    /// A learned IPv6 address (repeated).
    Ipv6(Ipv6Addr),
    /// A vif of the domain (repeated).
    Ifindex(u32),
    /// The counters nest.
    Counters(Vec<CountersAttr>),
    /// Resets so far.
    ResetEpoch(u32),
    /// Unknown attribute, kept verbatim.
    Other(DefaultNla),
}

impl Nla for DomainAttr {
    fn value_len(&self) -> usize {
        match self {
            DomainAttr::DepartedMs(v) => uint_len(*v),
            DomainAttr::Mac(_) => 6,
            DomainAttr::Ipv6(_) => 16,
            DomainAttr::Counters(nlas) => nlas_len(nlas),
            DomainAttr::Other(nla) => nla.value_len(),
            _ => 4,
        }
    }

    fn kind(&self) -> u16 {
        match self {
            DomainAttr::Domid(_) => id::DOMID,
            DomainAttr::Generation(_) => id::GENERATION,
            DomainAttr::State(_) => id::STATE,
            DomainAttr::DepartedMs(_) => id::DEPARTED_MS,
            DomainAttr::Mac(_) => id::MAC,
            DomainAttr::Ipv4(_) => id::IPV4,
            DomainAttr::Ipv6(_) => id::IPV6,
            DomainAttr::Ifindex(_) => id::IFINDEX,
            DomainAttr::Counters(_) => id::COUNTERS | NLA_F_NESTED,
            DomainAttr::ResetEpoch(_) => id::RESET_EPOCH,
            DomainAttr::Other(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            DomainAttr::Domid(v)
            | DomainAttr::Generation(v)
            | DomainAttr::State(v)
            | DomainAttr::Ifindex(v)
            | DomainAttr::ResetEpoch(v) => buffer.copy_from_slice(&v.to_ne_bytes()),
            DomainAttr::DepartedMs(v) => emit_uint(buffer, *v),
            DomainAttr::Mac(mac) => buffer.copy_from_slice(mac),
            DomainAttr::Ipv4(ip) => buffer.copy_from_slice(&ip.octets()),
            DomainAttr::Ipv6(ip) => buffer.copy_from_slice(&ip.octets()),
            DomainAttr::Counters(nlas) => emit_nlas(nlas, buffer),
            DomainAttr::Other(nla) => nla.emit_value(buffer),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for DomainAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let payload = buf.value();
        Ok(match buf.kind() {
            id::DOMID => DomainAttr::Domid(parse_u32(payload)?),
            id::GENERATION => DomainAttr::Generation(parse_u32(payload)?),
            id::STATE => DomainAttr::State(parse_u32(payload)?),
            id::DEPARTED_MS => DomainAttr::DepartedMs(parse_uint(payload)?),
            id::MAC => DomainAttr::Mac(fixed::<6>(payload)?),
            id::IPV4 => DomainAttr::Ipv4(Ipv4Addr::from(fixed::<4>(payload)?)),
            id::IPV6 => DomainAttr::Ipv6(Ipv6Addr::from(fixed::<16>(payload)?)),
            id::IFINDEX => DomainAttr::Ifindex(parse_u32(payload)?),
            id::COUNTERS => DomainAttr::Counters(parse_nlas(payload)?),
            id::RESET_EPOCH => DomainAttr::ResetEpoch(parse_u32(payload)?),
            _ => DomainAttr::Other(DefaultNla::parse(buf)?),
        })
    }
}
