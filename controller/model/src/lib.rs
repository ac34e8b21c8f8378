//! Types shared by the agent, the RMN, the simulator and the protocol: reports,
//! actions, decision records and the one RMN configuration type.
//!
//! # The report contract
//!
//! A node agent (or the simulator) sends one [`HostReport`] per host per interval.
//! **Every counter in a report is cumulative** (monotonic since the counter's
//! origin, e.g. a domain's creation or the idcstat module's load), never a
//! per-interval delta. The RMN computes rates from two consecutive reports of the
//! same domain on the same host, dividing by the difference of the reports'
//! `time_ms`. A lost report therefore only widens one interval; it loses no
//! traffic. When a counter goes backwards, the domid changes or the host's
//! `generation` changes, the RMN treats the counter as restarted and takes no
//! sample from that pair.
//!
//! Gauges (memory sizes, free memory, state) are current values.
//!
//! No container in this crate that is serialized or iterated for a decision is a
//! hash map: the same inputs give byte-identical outputs.

mod action;
mod config;
mod decision;
mod error;
mod ids;
mod report;
mod traffic;

pub use action::{Action, ActionKind, ActionOutcome, ActionResult};
pub use config::{PolicyKind, RmnConfig, VictimSelection, MIB};
pub use decision::{
    CandidateRecord, CandidateScore, CandidateVerdict, DecisionOutcome, DecisionRecord,
    DestinationRecord, DestinationVerdict, HotspotEvidence, IdcScore, MemoryScore, MoveEffect,
    Resource, ResourceEvidence, SandpiperScore,
};
pub use error::ModelError;
pub use ids::{ActionId, DomId, DomainUuid, HostId};
pub use report::{DomainReport, DomainState, HostCapacity, HostReport};
pub use traffic::{DomainTraffic, MacAddr, PeerKey, PeerTraffic, TrafficCounters};
