//! Userspace generic netlink client for the idcstat kernel module.
//!
//! [`IdcstatClient::connect`] resolves the `idcstat` family (a clear
//! [`IdcstatError::ModuleNotLoaded`] when the module is missing), then
//! [`IdcstatClient::dump_domains`], [`IdcstatClient::dump_peers`],
//! [`IdcstatClient::get_config`], [`IdcstatClient::set_config`],
//! [`IdcstatClient::ack_departed`] and [`IdcstatClient::reset`] speak the ABI of
//! `uapi/idcstat.yaml`. Dumps interrupted by a concurrent change (NLM_F_DUMP_INTR)
//! or a socket overrun (ENOBUFS) are restarted. [`EventStream`] follows the `events`
//! group. The socket sits behind [`Transport`] so tests script the kernel's replies.

pub mod attrs;
pub mod client;
pub mod error;
pub mod events;
pub mod frames;
pub mod message;
pub mod model;
pub mod transport;
pub mod wire;

pub use client::{IdcstatClient, PeerFilter};
pub use error::IdcstatError;
pub use events::{Event, EventStream};
pub use model::{
    ConfigUpdate, DirectionCounters, DomainCounters, DomainState, DomainStats, IdcstatConfig,
    IpPrefix, MacAddr, PeerStats, PeerTable, SwapCounters, SwapRange, Traffic, VifIdentity,
};
pub use transport::{SocketTransport, Transport};
