//! Attribute enums, one per attribute set of `uapi/idcstat.yaml`. Every enum has an
//! `Other` variant that keeps attributes this client does not know (newer module,
//! or garbage) instead of failing, as rust-netlink does.

pub mod address;
pub mod config;
pub mod counters;
pub mod domain;
pub mod peer;
pub mod swap_range;
pub mod vif;

pub use address::AddressAttr;
pub use config::ConfigAttr;
pub use counters::CountersAttr;
pub use domain::DomainAttr;
pub use peer::PeerAttr;
pub use swap_range::SwapRangeAttr;
pub use vif::VifAttr;
