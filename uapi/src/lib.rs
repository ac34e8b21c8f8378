#![no_std]
//! The idcstat generic netlink ABI: family, commands, attributes (no_std; shared by the kernel module and userspace).
//!
//! `uapi/idcstat.yaml` (a YNL spec) is the source of truth; these constants mirror it
//! by hand and `tests/spec_matches_constants.rs` proves they match. Values follow the
//! genetlink rules of YNL: attributes and commands are numbered from 1 (0 is unspec),
//! enums from their `value-start`, flags are bit positions.
//!
//! Like `idcstat-core`, this file only declares modules so the kernel module can
//! pull the same files in with `#[path]`.

pub mod attr_def;
pub mod attrs;
pub mod enums;
pub mod family;
