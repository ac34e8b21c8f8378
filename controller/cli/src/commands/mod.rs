//! Subcommands, one file each.
pub mod agent;
pub mod demo;
pub mod explain;
pub mod idcstat;
pub mod migrate_transport;
pub mod rmn;
pub mod sim;
pub mod status;
pub mod top;
