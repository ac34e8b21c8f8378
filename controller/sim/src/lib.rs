//! A discrete-time Xen cluster simulator that drives the real RMN core.
//!
//! The simulator models hosts, VMs, groups and their CPU, memory and network
//! demands (docs/simulator.md), produces the same cumulative [`reunion_model::HostReport`]s
//! a node agent sends every report interval, feeds them to the RMN core, and
//! carries out the `mem-set` and `migrate` actions it returns with modelled
//! cost. It never decides anything itself.

pub mod artifacts;
pub mod builtin;
pub mod cluster;
pub mod compare;
pub mod constants;
pub mod error;
pub mod eval;
pub mod font;
pub mod generator;
pub mod maxmin;
pub mod metrics;
pub mod optimum;
pub mod output;
pub mod physics;
pub mod plot;
pub mod report;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod series;

pub use error::SimError;
pub use scenario::Scenario;
