//! `counters` set: 33 `uint` counters, identified by their spec ids.

use idcstat_uapi::attr_def::AttrKind;
use idcstat_uapi::attrs::counters_attr;
use netlink_packet_core::{DecodeError, DefaultNla, Nla, NlaBuffer, Parseable};

use crate::wire::{emit_uint, parse_uint, uint_len};

/// An attribute of the `counters` set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CountersAttr {
    /// A counter the spec defines (`id` is a `counters_attr` constant).
    Counter {
        /// Attribute id.
        id: u16,
        /// Value.
        value: u64,
    },
    /// Unknown attribute, kept verbatim.
    Other(DefaultNla),
}

fn is_known_counter(id: u16) -> bool {
    counters_attr::ALL
        .iter()
        .any(|def| def.id == id && def.kind == AttrKind::Uint)
}

impl Nla for CountersAttr {
    fn value_len(&self) -> usize {
        match self {
            CountersAttr::Counter { value, .. } => uint_len(*value),
            CountersAttr::Other(nla) => nla.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            CountersAttr::Counter { id, .. } => *id,
            CountersAttr::Other(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            CountersAttr::Counter { value, .. } => emit_uint(buffer, *value),
            CountersAttr::Other(nla) => nla.emit_value(buffer),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for CountersAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let id = buf.kind();
        if is_known_counter(id) {
            Ok(CountersAttr::Counter {
                id,
                value: parse_uint(buf.value())?,
            })
        } else {
            Ok(CountersAttr::Other(DefaultNla::parse(buf)?))
        }
    }
}
