//! `swap-range` set: where a domain's swap lives.

use idcstat_uapi::attrs::swap_range_attr as id;
use netlink_packet_core::{DecodeError, DefaultNla, Nla, NlaBuffer, Parseable};

use crate::wire::{emit_uint, parse_u32, parse_uint, uint_len};

/// An attribute of the `swap-range` set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SwapRangeAttr {
    /// Domain id.
    Domid(u32),
    /// Domain generation.
    Generation(u32),
    /// Kernel-internal dev_t, `(major << 20) | minor`.
    Dev(u32),
    /// First sector.
    StartSector(u64),
    /// Sector count.
    NrSectors(u64),
    /// Unknown attribute, kept verbatim.
    Other(DefaultNla),
}

impl Nla for SwapRangeAttr {
    fn value_len(&self) -> usize {
        match self {
            SwapRangeAttr::StartSector(v) | SwapRangeAttr::NrSectors(v) => uint_len(*v),
            SwapRangeAttr::Other(nla) => nla.value_len(),
            _ => 4,
        }
    }

    fn kind(&self) -> u16 {
        match self {
            SwapRangeAttr::Domid(_) => id::DOMID,
            SwapRangeAttr::Generation(_) => id::GENERATION,
            SwapRangeAttr::Dev(_) => id::DEV,
            SwapRangeAttr::StartSector(_) => id::START_SECTOR,
            SwapRangeAttr::NrSectors(_) => id::NR_SECTORS,
            SwapRangeAttr::Other(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            SwapRangeAttr::Domid(v) | SwapRangeAttr::Generation(v) | SwapRangeAttr::Dev(v) => {
                buffer.copy_from_slice(&v.to_ne_bytes())
            }
            SwapRangeAttr::StartSector(v) | SwapRangeAttr::NrSectors(v) => emit_uint(buffer, *v),
            SwapRangeAttr::Other(nla) => nla.emit_value(buffer),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for SwapRangeAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let payload = buf.value();
        Ok(match buf.kind() {
            id::DOMID => SwapRangeAttr::Domid(parse_u32(payload)?),
            id::GENERATION => SwapRangeAttr::Generation(parse_u32(payload)?),
            id::DEV => SwapRangeAttr::Dev(parse_u32(payload)?),
            id::START_SECTOR => SwapRangeAttr::StartSector(parse_uint(payload)?),
            id::NR_SECTORS => SwapRangeAttr::NrSectors(parse_uint(payload)?),
            _ => SwapRangeAttr::Other(DefaultNla::parse(buf)?),
        })
    }
}
