//! The idcstat kernel module as the agent sees it, behind a trait.
//!
//! The real source is the `idcstat-client` netlink client; tests and the load
//! test use [`crate::fake::FakeIdcstat`].

use std::net::IpAddr;

use reunion_model::{DomId, DomainUuid, MacAddr, TrafficCounters};

use crate::xenstore::DevNumber;
use crate::AgentError;

/// Who a local domain's traffic went to, as the module knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum IdcPeer {
    /// Another domain on this host (IDC).
    LocalDomain(DomId),
    /// A cluster address elsewhere.
    Ip(IpAddr),
    /// A peer known only by MAC.
    Mac(MacAddr),
}

/// Cumulative counters of one peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdcPeerCounters {
    /// The peer.
    pub peer: IdcPeer,
    /// Bytes by class and direction.
    pub counters: TrafficCounters,
}

/// One domain's cumulative counters in the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdcstatDomain {
    /// Domain id.
    pub domid: DomId,
    /// Generation (domids are reused).
    pub generation: u32,
    /// The domain's vif disappeared; these are its final counters.
    pub departed: bool,
    /// Addresses the module learnt for it.
    pub ips: Vec<IpAddr>,
    /// Per-peer counters.
    pub peers: Vec<IdcPeerCounters>,
    /// Traffic with non-cluster addresses.
    pub external: TrafficCounters,
    /// Traffic attributed to no peer (broadcast, non-IP, dom0, table overflow).
    pub other: TrafficCounters,
    /// Sectors read from the swap range.
    pub swap_read_sectors: u64,
    /// Sectors written to the swap range.
    pub swap_write_sectors: u64,
}

/// One snapshot of everything the module counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdcstatSnapshot {
    /// Changes whenever the module was reloaded or reset (counters restarted).
    pub reset_epoch: u32,
    /// Every domain.
    pub domains: Vec<IdcstatDomain>,
}

/// The generation the agent gives a domain in the module: a fold of its UUID,
/// never 0, so a reused domid with another domain gets another generation and
/// a restarted agent gives the same domain the same one. It stays below the
/// module's automatic generations (`AUTO_GENERATION_BASE`, 2^31), which the
/// module refuses from the agent with EINVAL.
pub fn generation_of(uuid: DomainUuid) -> u32 {
    let value = uuid.0.as_u128();
    let folded =
        (value as u32) ^ ((value >> 32) as u32) ^ ((value >> 64) as u32) ^ ((value >> 96) as u32);
    (folded % idcstat_uapi::family::AUTO_GENERATION_BASE).max(1)
}

/// What the agent tells the module about a vif.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VifIdentity {
    /// Domain id.
    pub domid: DomId,
    /// The domain's generation ([`generation_of`]).
    pub generation: u32,
    /// Xen device id of the vif.
    pub devid: u32,
    /// Its MAC (from xenstore).
    pub mac: MacAddr,
    /// dom0 netdev name.
    pub name: String,
}

/// Where a domain's swap lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwapRange {
    /// Domain id.
    pub domid: DomId,
    /// The domain's generation ([`generation_of`]).
    pub generation: u32,
    /// Backing device in dom0.
    pub device: DevNumber,
    /// First sector (0 for a dedicated swap vbd).
    pub start_sector: u64,
    /// Number of sectors (`u64::MAX` = the whole device).
    pub nr_sectors: u64,
}

/// The module's configuration as the agent derives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdcstatConfig {
    /// Cluster prefixes, `address/len` strings as configured.
    pub cluster_prefixes: Vec<String>,
    /// Uplink interface names.
    pub uplinks: Vec<String>,
    /// vif identities from xenstore.
    pub vifs: Vec<VifIdentity>,
    /// Swap ranges from xenstore and the swap convention.
    pub swap_ranges: Vec<SwapRange>,
}

/// Access to the idcstat module.
pub trait IdcstatSource: Send {
    /// Reads every domain's counters. A missing module is an error the agent
    /// logs and retries next interval; it never stops the agent.
    fn snapshot(&mut self) -> Result<IdcstatSnapshot, AgentError>;
    /// Replaces the module's configuration (only called when it changed).
    fn configure(&mut self, config: &IdcstatConfig) -> Result<(), AgentError>;
    /// Acknowledges a departed domain's final counters so the module frees them.
    fn ack_departed(&mut self, domid: DomId, generation: u32) -> Result<(), AgentError>;
}

/// The source used when the module is disabled in the agent's config: no
/// traffic counters, only Xen's CPU and memory figures are reported.
#[derive(Debug, Default)]
pub struct NoIdcstat;

impl IdcstatSource for NoIdcstat {
    fn snapshot(&mut self) -> Result<IdcstatSnapshot, AgentError> {
        Ok(IdcstatSnapshot::default())
    }
    fn configure(&mut self, _config: &IdcstatConfig) -> Result<(), AgentError> {
        Ok(())
    }
    fn ack_departed(&mut self, _domid: DomId, _generation: u32) -> Result<(), AgentError> {
        Ok(())
    }
}
