//! The daemon's status as JSON at `/status`, read by `reunion status` and `reunion top`.

use serde::{Deserialize, Serialize};

/// Everything an operator asks "what is going on?" about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterStatus {
    /// Daemon clock, ms since start.
    pub now_ms: u64,
    /// Rounds run.
    pub rounds: u64,
    /// Whether the daemon only recommends.
    pub dry_run: bool,
    /// The policy.
    pub policy: String,
    /// Every configured host.
    pub hosts: Vec<HostStatus>,
    /// Actions sent and not finished.
    pub in_flight: Vec<InFlightStatus>,
    /// Per-domain rates from the last two reports of each host.
    pub domains: Vec<DomainStatus>,
}

/// One host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostStatus {
    /// Name.
    pub host: String,
    /// An agent session is up.
    pub connected: bool,
    /// Seconds since its last report (`None`: never reported).
    pub report_age_s: Option<f64>,
    /// Reports received since the daemon started.
    pub reports: u64,
    /// Domains in its last report.
    pub domains: usize,
    /// CPU utilization (fraction of all physical CPUs, dom0 included).
    pub cpu: Option<f64>,
    /// Memory in use (fraction).
    pub mem: Option<f64>,
    /// NIC utilization, max(TX, RX) / link.
    pub nic: Option<f64>,
    /// A migration to or from it runs.
    pub migration_in_flight: bool,
}

/// One action in flight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InFlightStatus {
    /// Action id.
    pub id: u64,
    /// Human description.
    pub what: String,
    /// Seconds since it was sent.
    pub age_s: f64,
    /// `sent`, or `awaiting-destination` (xl migrate finished, waiting for the
    /// destination to report the domain running).
    pub phase: String,
}

/// One domain's rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainStatus {
    /// UUID.
    pub uuid: String,
    /// Name.
    pub name: String,
    /// Host.
    pub host: String,
    /// CPU, fraction of one CPU.
    pub cpu: f64,
    /// Bytes per second: IDC TX, IDC RX, NIC TX, NIC RX.
    pub idc_tx: f64,
    /// IDC RX bytes/s.
    pub idc_rx: f64,
    /// NIC TX bytes/s.
    pub nic_tx: f64,
    /// NIC RX bytes/s.
    pub nic_rx: f64,
    /// Top peers by total bytes/s: (peer, bytes/s).
    pub top_peers: Vec<(String, f64)>,
}
