//! What an agent (or the simulator) reports per host per interval.

use crate::error::ModelError;
use crate::ids::{DomId, DomainUuid, HostId};
use crate::traffic::{DomainTraffic, MacAddr};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// A host's capacities and free memory at report time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostCapacity {
    /// Physical CPUs Xen schedules on (`xl info nr_cpus`). Must be > 0.
    pub physical_cpus: u32,
    /// Total host memory in bytes (`xl info total_memory`). Must be > 0.
    pub mem_total_bytes: u64,
    /// Memory Xen can still give to domains, bytes (`xl info free_memory`).
    pub mem_free_bytes: u64,
    /// Physical NIC link speed in bits per second (full duplex, per direction). Must be > 0.
    pub nic_bandwidth_bps: u64,
}

/// A domain's run state as Xen shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DomainState {
    /// Running or blocked (idle, waiting for an event): Xen's `r` and `b`.
    /// The only state in which the RMN takes samples.
    Running,
    /// Paused (`p`), including the paused incoming copy on a migration destination.
    Paused,
    /// Being migrated away or suspended (`s`).
    Migrating,
    /// Shutting down (`s` after a shutdown request) or dying (`d`).
    ShuttingDown,
    /// Crashed (`c`).
    Crashed,
}

/// One domain on one host, as of the report's time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainReport {
    /// Stable identity; the RMN keys all history by it.
    pub uuid: DomainUuid,
    /// Current domid on this host.
    pub domid: DomId,
    /// Domain name (for humans and logs).
    pub name: String,
    /// Run state.
    pub state: DomainState,
    /// Cumulative CPU time, nanoseconds, all vCPUs (`xl list` Time, xenstat).
    pub cpu_time_ns: u64,
    /// Currently allocated memory, bytes (gauge).
    pub mem_bytes: u64,
    /// Maximum memory the domain may balloon up to, bytes (gauge).
    pub max_mem_bytes: u64,
    /// Cumulative pages written to the domain's swap device.
    pub swap_write_pages: u64,
    /// Cumulative pages read from the domain's swap device.
    pub swap_read_pages: u64,
    /// The domain's own IP addresses (used to resolve [`crate::PeerKey::Ip`]).
    pub ips: Vec<IpAddr>,
    /// The domain's own MAC addresses (used to resolve [`crate::PeerKey::Mac`]).
    pub macs: Vec<MacAddr>,
    /// Cumulative traffic by peer.
    pub traffic: DomainTraffic,
}

/// One host's report for one interval. All counters cumulative (see the crate docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostReport {
    /// The reporting host.
    pub host: HostId,
    /// Report sequence number, +1 per report of this host (gaps mean lost reports).
    pub seq: u64,
    /// The host's time of the measurement, milliseconds (any epoch, but monotonic
    /// per host). Rates are computed from differences of this field only, so
    /// clocks of different hosts need not agree.
    pub time_ms: u64,
    /// The nominal reporting interval, milliseconds (e.g. 10 000).
    pub interval_ms: u64,
    /// Counter epoch: changes whenever the agent or idcstat restarted and
    /// cumulative counters may have restarted from zero.
    pub generation: u64,
    /// Capacities and free memory.
    pub capacity: HostCapacity,
    /// Cumulative CPU time of dom0, nanoseconds. dom0 does the netback work, so it
    /// counts in host CPU utilization.
    pub dom0_cpu_time_ns: u64,
    /// Whether a migration to or from this host is running now (`xl migrate` or
    /// `migrate-receive` in progress).
    pub migration_in_flight: bool,
    /// Guest domains (dom0 excluded), each UUID at most once, in any order
    /// ([`HostReport::normalize`] sorts them).
    pub domains: Vec<DomainReport>,
}

impl HostReport {
    /// Sorts domains by UUID and each domain's peers, IPs and MACs, so that
    /// equal reports compare and serialize equal whatever order the sender used.
    pub fn normalize(&mut self) {
        self.domains.sort_by_key(|a| a.uuid);
        for dom in &mut self.domains {
            dom.traffic.peers.sort_by_key(|a| a.peer);
            dom.ips.sort();
            dom.macs.sort();
        }
    }

    /// Checks the invariants of a [normalized](HostReport::normalize) report:
    /// non-zero capacities, no domain UUID twice, no peer twice per domain.
    pub fn validate(&self) -> Result<(), ModelError> {
        let fail = |reason: String| {
            Err(ModelError::InvalidReport {
                host: self.host.0.clone(),
                reason,
            })
        };
        if self.host.0.is_empty() {
            return fail("empty host name".into());
        }
        if self.capacity.physical_cpus == 0 {
            return fail("physical_cpus is 0".into());
        }
        if self.capacity.mem_total_bytes == 0 {
            return fail("mem_total_bytes is 0".into());
        }
        if self.capacity.nic_bandwidth_bps == 0 {
            return fail("nic_bandwidth_bps is 0".into());
        }
        for pair in self.domains.windows(2) {
            if pair[0].uuid >= pair[1].uuid {
                return fail(format!(
                    "domain {} twice, or domains not normalized",
                    pair[1].uuid
                ));
            }
        }
        for dom in &self.domains {
            for pair in dom.traffic.peers.windows(2) {
                if pair[0].peer >= pair[1].peer {
                    return fail(format!(
                        "domain {}: peer {:?} twice, or peers not normalized",
                        dom.uuid, pair[1].peer
                    ));
                }
            }
        }
        Ok(())
    }
}
