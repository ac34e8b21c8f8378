// SPDX-License-Identifier: GPL-2.0

//! The per-packet core (`kmod/core/src/`), compiled into the module from the same
//! files that `cargo test -p idcstat-core` tests on the host.
//!
//! Each module of `kmod/core/src/lib.rs` is declared here with `#[path]`; they refer
//! to each other as `super::x`, so they must stay siblings in this one module.

#[path = "core/src/addr.rs"]
pub(crate) mod addr;
#[path = "core/src/classify.rs"]
pub(crate) mod classify;
#[path = "core/src/config.rs"]
pub(crate) mod config;
#[path = "core/src/domain_table.rs"]
pub(crate) mod domain_table;
#[path = "core/src/engine.rs"]
pub(crate) mod engine;
#[path = "core/src/flow_cache.rs"]
pub(crate) mod flow_cache;
#[path = "core/src/frame.rs"]
pub(crate) mod frame;
#[path = "core/src/geometry.rs"]
pub(crate) mod geometry;
#[path = "core/src/hash.rs"]
pub(crate) mod hash;
#[path = "core/src/lifecycle.rs"]
pub(crate) mod lifecycle;
#[path = "core/src/mac_index.rs"]
pub(crate) mod mac_index;
#[path = "core/src/peer_table.rs"]
pub(crate) mod peer_table;
#[path = "core/src/region.rs"]
pub(crate) mod region;
#[path = "core/src/snapshot.rs"]
pub(crate) mod snapshot;
#[path = "core/src/swap.rs"]
pub(crate) mod swap;
#[path = "core/src/vif_table.rs"]
pub(crate) mod vif_table;
