//! What one libxenstat node reading gives the agent, behind a trait (real:
//! [`crate::xenstat::Xenstat`]; tests: [`crate::fake::FakeNodeStats`]).
//!
//! It carries everything `xl info` and `xl list -v` gave the agent except the
//! UUID, which libxenstat does not offer ([`crate::uuid_cache`] adds it).
//! Deliberately left out: libxenstat's `max_mem` is Xen's `max_pages`, which
//! `xl mem-set` lowers to the balloon target (libxl sets it with `enforce`),
//! not the ceiling a guest may grow to: that stays xenstore's `static-max`
//! ([`crate::hypervisor::Hypervisor::max_mem_bytes`]); the vCPU count is not
//! reported.

use reunion_model::DomId;

use crate::hypervisor::{DomainFlags, HostInfo};
use crate::AgentError;

/// One domain of a node reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainStats {
    /// Current domid.
    pub domid: DomId,
    /// Name (libxenstat reads `/local/domain/<domid>/name`).
    pub name: String,
    /// Run-state flags.
    pub flags: DomainFlags,
    /// Cumulative CPU time over all vCPUs, nanoseconds.
    pub cpu_time_ns: u64,
    /// Current memory (Xen's `tot_pages`), bytes.
    pub mem_bytes: u64,
}

/// One node reading: host facts and every named domain, dom0 included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeStats {
    /// CPUs, total and free memory.
    pub info: HostInfo,
    /// Domains; one being built or destroyed (no name in xenstore yet or any
    /// more) is left out, as libxenstat does.
    pub domains: Vec<DomainStats>,
}

/// A source of node readings.
pub trait NodeStatsSource: Send {
    /// Reads the host and its domains once.
    fn read(&mut self) -> Result<NodeStats, AgentError>;
}
