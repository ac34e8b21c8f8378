//! The RMN core: history, AR(1) hotspot detection, memory provisioning, the
//! IDC-aware and Sandpiper policies and decision records, as a deterministic
//! state machine (thesis sections 3.2, 3.3 and 3.4.2).
//!
//! Drive it with [`Rmn::ingest`] for every host report, [`Rmn::decide`] once
//! per interval and [`Rmn::action_result`] for every executor answer. The core
//! has no clock, I/O or randomness: time is passed in, every container that is
//! iterated for a decision is ordered, and the same calls give byte-identical
//! rounds. See `docs/policy.md` for every definition.

pub mod ar1;
pub mod collector;
pub mod detector;
mod error;
pub mod formulas;
mod in_flight;
mod memory;
mod placement;
mod planner;
pub mod rates;
pub mod ring;
mod rmn;
mod round_context;
mod scoring;
mod source_after;
mod traffic_table;
mod victim_choice;

pub use collector::IngestSummary;
pub use error::RmnError;
pub use rmn::{Rmn, Round};
pub use traffic_table::TrafficEdge;
