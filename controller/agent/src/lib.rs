//! The node agent in dom0: profiling engine and migration monitor.
//!
//! Every interval the [`profiler::Profiler`] reads Xen ([`hypervisor`], real:
//! [`xen`], which measures with [`xenstat`] and acts with [`xl`]), xenstore
//! ([`xenstore`]) and the idcstat module ([`idcstat`]) and builds a [`reunion_model::HostReport`] ([`report`]); the [`agent::Agent`]
//! sends it to the RMN over the authenticated protocol and hands commands to
//! the [`executor::Executor`]. Migrations travel over a one-shot authenticated
//! channel ([`migration`]). [`fake`] has in-memory adapters for tests.

pub mod agent;
pub mod command;
pub mod config;
pub mod error;
pub mod executor;
pub mod fake;
pub mod hypervisor;
pub mod idcstat;
pub mod migration;
pub mod netlink_idcstat;
pub mod node_stats;
pub mod profiler;
pub mod report;
pub mod uuid_cache;
pub mod xen;
pub mod xenstat;
pub mod xenstore;
pub mod xl;

pub use error::AgentError;
