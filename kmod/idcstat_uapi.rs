// SPDX-License-Identifier: GPL-2.0

//! The netlink ABI constants (`uapi/src/`), compiled into the module from the same
//! files userspace uses; `cargo test -p idcstat-uapi` proves they match the YNL spec
//! that the C policies are generated from.

#[path = "../uapi/src/attr_def.rs"]
pub(crate) mod attr_def;
#[path = "../uapi/src/attrs.rs"]
pub(crate) mod attrs;
#[path = "../uapi/src/enums.rs"]
pub(crate) mod enums;
#[path = "../uapi/src/family.rs"]
pub(crate) mod family;
