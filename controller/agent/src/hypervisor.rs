//! The hypervisor as the agent sees it, behind a trait (real: [`crate::xen::Xen`],
//! libxenstat for measurements and `xl` for actions; tests: fakes).

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

/// Xen's run-state flags of a domain: `xl list`'s letters `rbpscd`, or
/// libxenstat's `xenstat_domain_{running,blocked,paused,shutdown,crashed,dying}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DomainFlags {
    /// `r`: on a CPU now.
    pub running: bool,
    /// `b`: waiting for an event.
    pub blocked: bool,
    /// `p`: paused.
    pub paused: bool,
    /// `s`: shut down for any reason, suspend (migration) and crash included.
    pub shutdown: bool,
    /// `c` in the shutdown-reason column: shut down by a crash.
    pub crashed: bool,
    /// `d`: being destroyed.
    pub dying: bool,
}

impl DomainFlags {
    /// The state the RMN sees: the most final flag wins.
    pub fn state(self) -> DomainState {
        if self.dying {
            DomainState::ShuttingDown
        } else if self.crashed {
            DomainState::Crashed
        } else if self.shutdown {
            // Suspended for migration or shutting down: not running either way.
            DomainState::Migrating
        } else if self.paused {
            DomainState::Paused
        } else {
            DomainState::Running
        }
    }
}

/// One reading of the host and its domains, taken together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measurement {
    /// CPUs and memory.
    pub info: HostInfo,
    /// All domains, dom0 included.
    pub domains: Vec<XenDomain>,
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
    /// Host facts and domains of one interval. The default asks
    /// [`Hypervisor::host_info`] and [`Hypervisor::domains`]; an adapter that
    /// gets both from one call (libxenstat's node) overrides it.
    fn measure(&self) -> Result<Measurement, AgentError> {
        Ok(Measurement {
            info: self.host_info()?,
            domains: self.domains()?,
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_final_flag_decides_the_state() {
        let flags = |f: fn(&mut DomainFlags)| {
            let mut flags = DomainFlags::default();
            f(&mut flags);
            flags.state()
        };
        assert_eq!(flags(|_| {}), DomainState::Running);
        assert_eq!(flags(|f| f.blocked = true), DomainState::Running);
        assert_eq!(flags(|f| f.paused = true), DomainState::Paused);
        assert_eq!(
            flags(|f| {
                f.paused = true;
                f.shutdown = true;
            }),
            DomainState::Migrating
        );
        assert_eq!(
            flags(|f| {
                f.shutdown = true;
                f.crashed = true;
            }),
            DomainState::Crashed
        );
        assert_eq!(
            flags(|f| {
                f.crashed = true;
                f.dying = true;
            }),
            DomainState::ShuttingDown
        );
    }
}
