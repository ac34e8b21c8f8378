//! The hypervisor as the agent sees it, behind a trait (real: `xl`; tests: fakes).

use reunion_model::{DomId, DomainState, DomainUuid};

use crate::AgentError;

/// One domain as the hypervisor lists it (dom0 included, with domid 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XenDomain {
    /// Stable identity.
    pub uuid: DomainUuid,
    /// Name.
    pub name: String,
    /// Current domid.
    pub domid: DomId,
    /// Run state.
    pub state: DomainState,
    /// Cumulative CPU time over all vCPUs, nanoseconds.
    pub cpu_time_ns: u64,
    /// Current memory, bytes.
    pub mem_bytes: u64,
}

/// Host-wide facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostInfo {
    /// Physical CPUs Xen schedules on.
    pub physical_cpus: u32,
    /// Total memory, bytes.
    pub mem_total_bytes: u64,
    /// Memory Xen can still hand out, bytes.
    pub mem_free_bytes: u64,
}

/// Where and how to send a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationTarget {
    /// The destination's host name, validated against the cluster's host list.
    pub host: String,
    /// The destination agent's migration channel address.
    pub address: String,
    /// The migration's action id (names the channel identity).
    pub id: u64,
    /// The one-shot channel key.
    pub ticket: [u8; 32],
}

/// What the agent needs from the hypervisor toolstack.
pub trait Hypervisor: Send + Sync {
    /// Host CPUs and memory.
    fn host_info(&self) -> Result<HostInfo, AgentError>;
    /// All domains, dom0 included.
    fn domains(&self) -> Result<Vec<XenDomain>, AgentError>;
    /// A domain's maximum memory, bytes.
    fn max_mem_bytes(&self, domid: DomId) -> Result<u64, AgentError>;
    /// Sets a domain's balloon target.
    fn mem_set(&self, domid: DomId, target_bytes: u64) -> Result<(), AgentError>;
    /// Live-migrates a domain through the authenticated transport; returns when
    /// `xl migrate` finished.
    fn migrate(&self, domid: DomId, target: &MigrationTarget) -> Result<(), AgentError>;
    /// The argument vector that receives an incoming migration on stdin/stdout.
    fn migrate_receive_argv(&self) -> Vec<String>;
}
