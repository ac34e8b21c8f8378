// SPDX-License-Identifier: GPL-2.0

//! Reading netlink attributes from a request's payload, safely, over byte slices.
//!
//! The genetlink core has already validated every request against the policies
//! generated from `uapi/idcstat.yaml` (types, lengths, ranges, nesting), so this
//! reader only walks the TLVs; it still never trusts a length and never panics.

/// Attribute header size (`struct nlattr`).
const NLA_HDRLEN: usize = 4;
/// Type bits of `nla_type` (drops `NLA_F_NESTED` and `NLA_F_NET_BYTEORDER`).
const NLA_TYPE_MASK: u16 = 0x3fff;

/// One attribute: its type and payload.
#[derive(Clone, Copy)]
pub(crate) struct Attr<'a> {
    /// The attribute type, flags masked off.
    pub(crate) kind: u16,
    /// The payload, without header or padding.
    pub(crate) payload: &'a [u8],
}

impl<'a> Attr<'a> {
    /// A `u32` in host order (`NLA_U32`).
    pub(crate) fn u32(&self) -> Option<u32> {
        Some(u32::from_ne_bytes(self.array::<4>()?))
    }

    /// A `u8` (`NLA_U8`).
    pub(crate) fn u8(&self) -> Option<u8> {
        self.payload
            .first()
            .copied()
            .filter(|_| self.payload.len() == 1)
    }

    /// A YNL `uint` (`NLA_UINT`: 4 or 8 bytes, host order).
    pub(crate) fn uint(&self) -> Option<u64> {
        match self.payload.len() {
            4 => self.u32().map(u64::from),
            8 => Some(u64::from_ne_bytes(self.array::<8>()?)),
            _ => None,
        }
    }

    /// An exact-length binary payload (MAC, IPv6 address, big-endian IPv4).
    pub(crate) fn array<const N: usize>(&self) -> Option<[u8; N]> {
        self.payload.try_into().ok()
    }

    /// The attributes nested inside this one.
    pub(crate) fn nested(&self) -> Attrs<'a> {
        Attrs::new(self.payload)
    }
}

/// An iterator over a run of attributes.
#[derive(Clone, Copy)]
pub(crate) struct Attrs<'a> {
    rest: &'a [u8],
}

impl<'a> Attrs<'a> {
    /// Attributes laid out in `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Attrs { rest: bytes }
    }

    /// The last attribute of type `kind` (like `info->attrs[kind]`).
    pub(crate) fn find(self, kind: u16) -> Option<Attr<'a>> {
        self.filter(|attr| attr.kind == kind).last()
    }
}

impl<'a> Iterator for Attrs<'a> {
    type Item = Attr<'a>;

    fn next(&mut self) -> Option<Attr<'a>> {
        let header = self.rest.get(..NLA_HDRLEN)?;
        let len = usize::from(u16::from_ne_bytes([header[0], header[1]]));
        let kind = u16::from_ne_bytes([header[2], header[3]]) & NLA_TYPE_MASK;
        let Some(payload) = self.rest.get(NLA_HDRLEN..len) else {
            // A truncated or undersized attribute ends the run.
            self.rest = &[];
            return None;
        };
        let aligned = len.saturating_add(3) & !3;
        self.rest = self.rest.get(aligned..).unwrap_or(&[]);
        Some(Attr { kind, payload })
    }
}
