//! `address` set: an IPv4 or IPv6 address with an optional prefix length.

use std::net::{Ipv4Addr, Ipv6Addr};

use idcstat_uapi::attrs::address_attr as id;
use netlink_packet_core::{DecodeError, DefaultNla, Nla, NlaBuffer, Parseable};

use crate::wire::fixed;

/// An attribute of the `address` set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressAttr {
    /// IPv4 address (network byte order on the wire).
    Ipv4(Ipv4Addr),
    /// IPv6 address.
    Ipv6(Ipv6Addr),
    /// Prefix length in bits.
    PrefixLen(u8),
    /// Unknown attribute, kept verbatim.
    Other(DefaultNla),
}

impl Nla for AddressAttr {
    fn value_len(&self) -> usize {
        match self {
            AddressAttr::Ipv4(_) => 4,
            AddressAttr::Ipv6(_) => 16,
            AddressAttr::PrefixLen(_) => 1,
            AddressAttr::Other(nla) => nla.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            AddressAttr::Ipv4(_) => id::IPV4,
            AddressAttr::Ipv6(_) => id::IPV6,
            AddressAttr::PrefixLen(_) => id::PREFIX_LEN,
            AddressAttr::Other(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            AddressAttr::Ipv4(ip) => buffer.copy_from_slice(&ip.octets()),
            AddressAttr::Ipv6(ip) => buffer.copy_from_slice(&ip.octets()),
            AddressAttr::PrefixLen(len) => buffer[0] = *len,
            AddressAttr::Other(nla) => nla.emit_value(buffer),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for AddressAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let payload = buf.value();
        Ok(match buf.kind() {
            id::IPV4 => AddressAttr::Ipv4(Ipv4Addr::from(fixed::<4>(payload)?)),
            id::IPV6 => AddressAttr::Ipv6(Ipv6Addr::from(fixed::<16>(payload)?)),
            id::PREFIX_LEN => AddressAttr::PrefixLen(fixed::<1>(payload)?[0]),
            _ => AddressAttr::Other(DefaultNla::parse(buf)?),
        })
    }
}
