#![no_std]
//! The idcstat per-packet core: classification, peer tables and counters (no_std, allocation-free; built by Kbuild and on the host).
//!
//! This file only declares modules: the kernel module mirrors it with `#[path]`
//! declarations, and the modules refer to each other with `super::` paths so that they
//! work both at a crate root and under a module. No `alloc`, no floating point, no
//! external crates. Entry point: `engine::IdcstatCore`; how the glue calls it is in
//! `docs/idcstat.md`.

pub mod addr;
pub mod classify;
pub mod config;
pub mod domain_table;
pub mod engine;
pub mod flow_cache;
pub mod frame;
pub mod geometry;
pub mod hash;
pub mod lifecycle;
pub mod mac_index;
pub mod peer_table;
pub mod region;
pub mod snapshot;
pub mod swap;
pub mod vif_table;
