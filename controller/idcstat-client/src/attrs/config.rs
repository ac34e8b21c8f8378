//! `config` set: top level of config-get and config-set.

use idcstat_uapi::attrs::config_attr as id;
use netlink_packet_core::{DecodeError, DefaultNla, Nla, NlaBuffer, Parseable, NLA_F_NESTED};

use super::{AddressAttr, SwapRangeAttr, VifAttr};
use crate::wire::{emit_nlas, emit_uint, nlas_len, parse_nlas, parse_u32, parse_uint, uint_len};

/// An attribute of the `config` set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigAttr {
    /// ABI version of the module.
    AbiVersion(u32),
    /// A cluster prefix (repeated).
    ClusterPrefix(Vec<AddressAttr>),
    /// One of dom0's addresses (repeated).
    HostAddr(Vec<AddressAttr>),
    /// An uplink (repeated).
    UplinkIfindex(u32),
    /// A vif identity (repeated).
    Vif(Vec<VifAttr>),
    /// A swap range (repeated).
    SwapRange(Vec<SwapRangeAttr>),
    /// `config-category` flags to clear first.
    Clear(u32),
    /// Domain slots.
    MaxDomains(u32),
    /// Entries per peer table.
    PeersPerTable(u32),
    /// Departed-domain timeout.
    DepartedTimeoutMs(u32),
    /// Resets so far.
    ResetEpoch(u32),
    /// Frames on untracked devices.
    UntrackedPackets(u64),
    /// Bytes of those frames.
    UntrackedBytes(u64),
    /// Unknown attribute, kept verbatim.
    Other(DefaultNla),
}

impl Nla for ConfigAttr {
    fn value_len(&self) -> usize {
        match self {
            ConfigAttr::ClusterPrefix(nlas) | ConfigAttr::HostAddr(nlas) => nlas_len(nlas),
            ConfigAttr::Vif(nlas) => nlas_len(nlas),
            ConfigAttr::SwapRange(nlas) => nlas_len(nlas),
            ConfigAttr::UntrackedPackets(v) | ConfigAttr::UntrackedBytes(v) => uint_len(*v),
            ConfigAttr::Other(nla) => nla.value_len(),
            _ => 4,
        }
    }

    fn kind(&self) -> u16 {
        match self {
            ConfigAttr::AbiVersion(_) => id::ABI_VERSION,
            ConfigAttr::ClusterPrefix(_) => id::CLUSTER_PREFIX | NLA_F_NESTED,
            ConfigAttr::HostAddr(_) => id::HOST_ADDR | NLA_F_NESTED,
            ConfigAttr::UplinkIfindex(_) => id::UPLINK_IFINDEX,
            ConfigAttr::Vif(_) => id::VIF | NLA_F_NESTED,
            ConfigAttr::SwapRange(_) => id::SWAP_RANGE | NLA_F_NESTED,
            ConfigAttr::Clear(_) => id::CLEAR,
            ConfigAttr::MaxDomains(_) => id::MAX_DOMAINS,
            ConfigAttr::PeersPerTable(_) => id::PEERS_PER_TABLE,
            ConfigAttr::DepartedTimeoutMs(_) => id::DEPARTED_TIMEOUT_MS,
            ConfigAttr::ResetEpoch(_) => id::RESET_EPOCH,
            ConfigAttr::UntrackedPackets(_) => id::UNTRACKED_PACKETS,
            ConfigAttr::UntrackedBytes(_) => id::UNTRACKED_BYTES,
            ConfigAttr::Other(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            ConfigAttr::ClusterPrefix(nlas) | ConfigAttr::HostAddr(nlas) => emit_nlas(nlas, buffer),
            ConfigAttr::Vif(nlas) => emit_nlas(nlas, buffer),
            ConfigAttr::SwapRange(nlas) => emit_nlas(nlas, buffer),
            ConfigAttr::UntrackedPackets(v) | ConfigAttr::UntrackedBytes(v) => {
                emit_uint(buffer, *v)
            }
            ConfigAttr::AbiVersion(v)
            | ConfigAttr::UplinkIfindex(v)
            | ConfigAttr::Clear(v)
            | ConfigAttr::MaxDomains(v)
            | ConfigAttr::PeersPerTable(v)
            | ConfigAttr::DepartedTimeoutMs(v)
            | ConfigAttr::ResetEpoch(v) => buffer.copy_from_slice(&v.to_ne_bytes()),
            ConfigAttr::Other(nla) => nla.emit_value(buffer),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for ConfigAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let payload = buf.value();
        Ok(match buf.kind() {
            id::ABI_VERSION => ConfigAttr::AbiVersion(parse_u32(payload)?),
            id::CLUSTER_PREFIX => ConfigAttr::ClusterPrefix(parse_nlas(payload)?),
            id::HOST_ADDR => ConfigAttr::HostAddr(parse_nlas(payload)?),
            id::UPLINK_IFINDEX => ConfigAttr::UplinkIfindex(parse_u32(payload)?),
            id::VIF => ConfigAttr::Vif(parse_nlas(payload)?),
            id::SWAP_RANGE => ConfigAttr::SwapRange(parse_nlas(payload)?),
            id::CLEAR => ConfigAttr::Clear(parse_u32(payload)?),
            id::MAX_DOMAINS => ConfigAttr::MaxDomains(parse_u32(payload)?),
            id::PEERS_PER_TABLE => ConfigAttr::PeersPerTable(parse_u32(payload)?),
            id::DEPARTED_TIMEOUT_MS => ConfigAttr::DepartedTimeoutMs(parse_u32(payload)?),
            id::RESET_EPOCH => ConfigAttr::ResetEpoch(parse_u32(payload)?),
            id::UNTRACKED_PACKETS => ConfigAttr::UntrackedPackets(parse_uint(payload)?),
            id::UNTRACKED_BYTES => ConfigAttr::UntrackedBytes(parse_uint(payload)?),
            _ => ConfigAttr::Other(DefaultNla::parse(buf)?),
        })
    }
}
