//! Identities: hosts, domains, actions.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A physical host, by its configured name (e.g. `xen-a`). The daemon maps it to
/// an address; the RMN core only compares names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HostId(pub String);

impl HostId {
    /// Builds a host id from a name.
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The host's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for HostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A domain's stable identity: its Xen UUID. It survives migration (the domid
/// does not), so all RMN history is keyed by it.
///
/// dom0 has the nil UUID on every host; it is never a [`crate::DomainReport`]
/// (its CPU time is [`crate::HostReport::dom0_cpu_time_ns`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DomainUuid(pub uuid::Uuid);

// Ordered as the UUID's big-endian 128-bit value: the same order as its
// bytes, compared in registers rather than through `memcmp` (the RMN sorts
// and looks up hundreds of thousands of these per round).
impl Ord for DomainUuid {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.as_u128().cmp(&other.0.as_u128())
    }
}

impl PartialOrd for DomainUuid {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl DomainUuid {
    /// Builds a UUID from its 128-bit value (handy for simulators and tests).
    pub const fn from_u128(value: u128) -> Self {
        Self(uuid::Uuid::from_u128(value))
    }

    /// Parses the hyphenated text form that `xl list -v` prints.
    pub fn parse(text: &str) -> Result<Self, uuid::Error> {
        uuid::Uuid::parse_str(text).map(Self)
    }
}

impl fmt::Display for DomainUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A Xen domain id: valid on one host only, and changes when the domain migrates
/// or reboots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DomId(pub u32);

impl fmt::Display for DomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The id of one [`crate::Action`], unique within one RMN instance (a counter).
/// A [`crate::DecisionRecord`] that produced an action has the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ActionId(pub u64);

impl fmt::Display for ActionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
