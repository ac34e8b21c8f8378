//! Decision records: why the RMN did (or did not do) something. One record per
//! judged hotspot per round; serialized as one JSON line each in the decision
//! log and rendered by `reunion explain`.
//!
//! A record holds every input needed to recompute its winner with the formulas
//! of `docs/policy.md`.

use crate::action::Action;
use crate::config::{PolicyKind, VictimSelection};
use crate::ids::{ActionId, DomId, DomainUuid, HostId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A resource the hotspot detector judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// Host CPU utilization (fraction of all physical CPUs, dom0 included).
    Cpu,
    /// Memory pressure, measured as swap writes per second over the host's domains.
    Memory,
    /// Host NIC utilization, max(TX, RX) / link, IDC excluded.
    Nic,
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Resource::Cpu => "cpu",
            Resource::Memory => "memory",
            Resource::Nic => "nic",
        })
    }
}

/// The detector's evidence for one resource of one host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceEvidence {
    /// Which resource.
    pub resource: Resource,
    /// The latest sample (fraction, or pages/s for memory).
    pub current: f64,
    /// The AR(1) prediction of the next sample; `None` with fewer than 3 samples.
    pub predicted: Option<f64>,
    /// The configured threshold.
    pub threshold: f64,
    /// `current > threshold` and `predicted > threshold`.
    pub overloaded: bool,
}

/// Why a host is a hotspot: evidence for CPU, memory and NIC, in that order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HotspotEvidence {
    /// The host.
    pub host: HostId,
    /// One entry per resource (cpu, memory, nic).
    pub resources: Vec<ResourceEvidence>,
}

impl HotspotEvidence {
    /// Whether `resource` is overloaded in this evidence.
    pub fn is_overloaded(&self, resource: Resource) -> bool {
        self.resources
            .iter()
            .any(|r| r.resource == resource && r.overloaded)
    }
}

/// The IDC-aware policy's terms for one victim candidate (thesis eq. 1-3). All
/// are fractions of the source host's capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdcScore {
    /// CPU_ij: CPU time ÷ (physical CPUs × interval).
    pub cpu_share: f64,
    /// Mem_ij: allocated memory ÷ host memory.
    pub mem_share: f64,
    /// C_i: the host's CPU overload flag.
    pub cpu_flag: bool,
    /// M_i: the host's memory overload flag.
    pub mem_flag: bool,
    /// N_i: always true (thesis 3.3).
    pub net_flag: bool,
    /// Nso + Nsd: all the candidate's NIC traffic, external included.
    pub nic: f64,
    /// Is: the candidate's IDC with co-located peers.
    pub is: f64,
    /// AB: the source's spare NIC bandwidth after the move.
    pub ab: f64,
    /// NBound (from the configuration).
    pub nbound: f64,
    /// Nds = min(Is, AB, NBound).
    pub nds: f64,
    /// NB = Nso + Nsd − Nds.
    pub network_benefit: f64,
    /// V = CPU·C + Mem·M + NB·N.
    pub volume: f64,
}

/// The Sandpiper baseline's terms for one candidate (thesis eq. 5 and 6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandpiperScore {
    /// CPU share, clamped to at most 0.99.
    pub cpu: f64,
    /// Memory share, clamped to at most 0.99.
    pub mem: f64,
    /// (NIC + IDC) ÷ link, clamped to at most 0.99.
    pub net: f64,
    /// 1/(1−cpu) · 1/(1−mem) · 1/(1−net).
    pub volume: f64,
    /// Memory size, bytes.
    pub size_bytes: u64,
    /// Volume ÷ size in MiB.
    pub vsr: f64,
}

/// Memory-provisioning terms for one swapping candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryScore {
    /// Swap writes per second (latest sample).
    pub swap_write_pages_per_s: f64,
    /// Allocated memory, bytes.
    pub mem_bytes: u64,
    /// Maximum memory, bytes.
    pub max_mem_bytes: u64,
}

/// A candidate's score under the deciding rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum CandidateScore {
    /// IDC-aware volume.
    Idc(IdcScore),
    /// Sandpiper volume-to-size ratio.
    Sandpiper(SandpiperScore),
    /// Memory-first provisioning.
    Memory(MemoryScore),
}

/// What became of one destination host for one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum DestinationVerdict {
    /// Has room and stays below its thresholds by prediction.
    Fits,
    /// Not enough room now for the candidate on this resource.
    NoRoom {
        /// The resource that does not fit.
        resource: Resource,
    },
    /// Would exceed threshold − hysteresis on this resource after the move, by prediction.
    WouldBeHotspot {
        /// The resource that would overload.
        resource: Resource,
    },
    /// Its per-host migration cap is reached.
    Busy,
    /// The candidate left this host less than `return_block_s` ago.
    ReturnBlocked,
    /// Stale, migrating, or a hotspot itself.
    Unavailable,
}

/// One destination examined for one candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DestinationRecord {
    /// The host.
    pub host: HostId,
    /// Nsd: the candidate's NIC traffic with domains on this host, fraction of the
    /// source's link. It becomes IDC (`Id`) there.
    pub nsd: f64,
    /// The host's load measure used to pick the lightest (Sandpiper eq. 5 at host
    /// level, before the move).
    pub host_volume: f64,
    /// Predicted CPU utilization after the move.
    pub predicted_cpu: f64,
    /// Memory utilization after the move.
    pub predicted_mem: f64,
    /// Predicted NIC utilization after the move (Nsd removed, as it becomes IDC).
    pub predicted_nic: f64,
    /// The verdict.
    pub verdict: DestinationVerdict,
}

/// What became of one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateVerdict {
    /// The winner.
    Chosen,
    /// Examined, but no destination fits.
    NoDestination,
    /// Ranked below the winner; not examined further.
    Outranked,
    /// Migrated less than `cooldown_s` ago.
    CoolingDown,
    /// Already the subject of an action in flight.
    InFlight,
    /// Cannot help: at max memory (memory step), or no samples yet.
    NotEligible,
}

/// One candidate (a domain on the hotspot) with its score and verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateRecord {
    /// Domain identity.
    pub uuid: DomainUuid,
    /// Domain name.
    pub name: String,
    /// Domain id on the hotspot.
    pub domid: DomId,
    /// Score terms.
    pub score: CandidateScore,
    /// The candidate's NIC traffic, fraction of the source's link (tie-break key).
    pub nic_traffic: f64,
    /// Verdict.
    pub verdict: CandidateVerdict,
    /// Destinations examined for it: every fitting peer host and the best
    /// ranked others, up to `max_recorded_destinations` (see `unlisted_destinations`).
    pub destinations: Vec<DestinationRecord>,
    /// Destinations examined but not listed in `destinations`.
    pub unlisted_destinations: u64,
    /// What its move to its best destination does (when it has one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub move_effect: Option<MoveEffect>,
}

/// The outcome of one decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DecisionOutcome {
    /// Grow a swapping domain's memory.
    MemoryStep {
        /// The domain.
        uuid: DomainUuid,
        /// Its name.
        name: String,
        /// Memory before, bytes.
        from_bytes: u64,
        /// Memory after, bytes.
        to_bytes: u64,
    },
    /// Migrate a domain.
    Migrate {
        /// The victim.
        uuid: DomainUuid,
        /// Its name.
        name: String,
        /// Where it goes.
        destination: HostId,
    },
    /// Nothing done.
    NoAction {
        /// Why (human-readable).
        reason: String,
    },
}

fn thesis_victim_selection() -> VictimSelection {
    VictimSelection::Volume
}

/// What moving one candidate to its best destination does (computed for every
/// candidate that has a fitting destination). Fractions of the source's
/// capacity, like the score terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoveEffect {
    /// Its best fitting destination.
    pub destination: HostId,
    /// The source's CPU utilization after the move, by prediction.
    pub source_cpu_after: f64,
    /// The source's NIC utilization after the move, by prediction.
    pub source_nic_after: f64,
    /// The move alone brings every overloaded resource of the source to or
    /// under its threshold (never for a memory hotspot: see docs/policy.md).
    pub sufficient: bool,
    /// Is: its IDC with co-located peers, which becomes cross-host traffic.
    pub lost_idc: f64,
    /// Nsd toward the destination: cross-host traffic that becomes IDC there.
    pub gained_idc: f64,
    /// lost_idc − gained_idc: the change in inter-VM cross-host traffic.
    pub cross_host_delta: f64,
}

/// One decision about one hotspot in one round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// Unique id; equals the action's id when `action` is set.
    pub id: ActionId,
    /// The decision round (counter, +1 per `decide`).
    pub round: u64,
    /// The caller's time of the round, milliseconds.
    pub time_ms: u64,
    /// The deciding policy.
    pub policy: PolicyKind,
    /// Recommend-only mode: the action was not emitted.
    pub dry_run: bool,
    /// The configured epsilon (tie width) used.
    pub epsilon: f64,
    /// The IDC policy's victim rule (records without it are `volume`, the thesis's).
    #[serde(default = "thesis_victim_selection")]
    pub victim_selection: VictimSelection,
    /// Why the host is a hotspot.
    pub hotspot: HotspotEvidence,
    /// What was decided.
    pub outcome: DecisionOutcome,
    /// The emitted (or, in dry-run, recommended) action.
    pub action: Option<Action>,
    /// Every candidate on the hotspot, best first.
    pub candidates: Vec<CandidateRecord>,
    /// Why the winner won, in one or two sentences.
    pub why: String,
}
