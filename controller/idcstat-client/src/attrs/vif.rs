//! `vif` set: a vif's identity as the agent tells it.

use idcstat_uapi::attrs::vif_attr as id;
use netlink_packet_core::{DecodeError, DefaultNla, Nla, NlaBuffer, Parseable};

use crate::wire::{fixed, parse_u32};

/// An attribute of the `vif` set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VifAttr {
    /// Interface index.
    Ifindex(u32),
    /// Domain id.
    Domid(u32),
    /// Xen device id.
    Devid(u32),
    /// Domain generation.
    Generation(u32),
    /// MAC from xenstore.
    Mac([u8; 6]),
    /// Unknown attribute, kept verbatim.
    Other(DefaultNla),
}

impl Nla for VifAttr {
    fn value_len(&self) -> usize {
        match self {
            VifAttr::Mac(_) => 6,
            VifAttr::Other(nla) => nla.value_len(),
            _ => 4,
        }
    }

    fn kind(&self) -> u16 {
        match self {
            VifAttr::Ifindex(_) => id::IFINDEX,
            VifAttr::Domid(_) => id::DOMID,
            VifAttr::Devid(_) => id::DEVID,
            VifAttr::Generation(_) => id::GENERATION,
            VifAttr::Mac(_) => id::MAC,
            VifAttr::Other(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            VifAttr::Ifindex(v)
            | VifAttr::Domid(v)
            | VifAttr::Devid(v)
            | VifAttr::Generation(v) => buffer.copy_from_slice(&v.to_ne_bytes()),
            VifAttr::Mac(mac) => buffer.copy_from_slice(mac),
            VifAttr::Other(nla) => nla.emit_value(buffer),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for VifAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let payload = buf.value();
        Ok(match buf.kind() {
            id::IFINDEX => VifAttr::Ifindex(parse_u32(payload)?),
            id::DOMID => VifAttr::Domid(parse_u32(payload)?),
            id::DEVID => VifAttr::Devid(parse_u32(payload)?),
            id::GENERATION => VifAttr::Generation(parse_u32(payload)?),
            id::MAC => VifAttr::Mac(fixed::<6>(payload)?),
            _ => VifAttr::Other(DefaultNla::parse(buf)?),
        })
    }
}
