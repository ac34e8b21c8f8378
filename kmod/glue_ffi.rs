// SPDX-License-Identifier: GPL-2.0

//! The functions and shared types of `idcstat_glue.c`, as Rust sees them.
//!
//! Nothing outside the typed wrappers (`netlink_msg`, `vif_hooks`, `glue_registration`)
//! touches these raw declarations. Kernel structures stay opaque: Rust never reads
//! their fields, only passes the pointers back to C.

use core::ffi::c_char;
use kernel::ffi::{c_int, c_void};

/// Opaque `struct sk_buff`.
#[repr(C)]
pub(crate) struct SkBuff {
    _opaque: [u8; 0],
}

/// Opaque `struct genl_info`.
#[repr(C)]
pub(crate) struct GenlInfo {
    _opaque: [u8; 0],
}

/// Opaque `struct netlink_callback`.
#[repr(C)]
pub(crate) struct NetlinkCallback {
    _opaque: [u8; 0],
}

/// Opaque `struct nlattr`.
#[repr(C)]
pub(crate) struct NlAttr {
    _opaque: [u8; 0],
}

/// Opaque `struct idcstat_vif_hooks` (what counts one vif's frames, both directions).
#[repr(C)]
pub(crate) struct VifHooksRaw {
    _opaque: [u8; 0],
}

/// `struct idcstat_nl_request`: a policy-validated "do" request.
#[repr(C)]
pub(crate) struct NlRequestRaw {
    pub(crate) info: *mut GenlInfo,
    pub(crate) attrs: *const u8,
    pub(crate) attrs_len: u32,
}

/// `struct idcstat_nl_dump`: one dumpit call.
#[repr(C)]
pub(crate) struct NlDumpRaw {
    pub(crate) skb: *mut SkBuff,
    pub(crate) cb: *mut NetlinkCallback,
    pub(crate) attrs: *const u8,
    pub(crate) attrs_len: u32,
    pub(crate) cursor: [u64; 3],
}

/// `IDCSTAT_NETDEV_APPEARED`: a device registered or was renamed.
pub(crate) const NETDEV_APPEARED: u32 = 0;
/// `IDCSTAT_NETDEV_REMOVED`: a device is unregistering.
pub(crate) const NETDEV_REMOVED: u32 = 1;

extern "C" {
    pub(crate) fn idcstat_glue_header_bytes() -> u32;
    pub(crate) fn idcstat_glue_random_u64() -> u64;
    pub(crate) fn idcstat_glue_now_ms() -> u64;
    pub(crate) fn idcstat_glue_nr_cpu_ids() -> u32;
    pub(crate) fn idcstat_glue_register(ctx: *const c_void) -> c_int;
    pub(crate) fn idcstat_glue_unregister();
    pub(crate) fn idcstat_glue_rtnl_lock();
    pub(crate) fn idcstat_glue_rtnl_unlock();
    pub(crate) fn idcstat_glue_hooks_attach(
        ifindex: u32,
        ingress_tap: bool,
        err: *mut c_int,
    ) -> *mut VifHooksRaw;
    pub(crate) fn idcstat_glue_hooks_detach(hooks: *mut VifHooksRaw);
    pub(crate) fn idcstat_glue_msg_new() -> *mut SkBuff;
    pub(crate) fn idcstat_glue_msg_free(skb: *mut SkBuff);
    pub(crate) fn idcstat_glue_msg_put_reply_header(
        skb: *mut SkBuff,
        info: *mut GenlInfo,
        cmd: u8,
    ) -> *mut c_void;
    pub(crate) fn idcstat_glue_msg_put_event_header(skb: *mut SkBuff, cmd: u8) -> *mut c_void;
    pub(crate) fn idcstat_glue_dump_put_header(dump: *mut NlDumpRaw, cmd: u8) -> *mut c_void;
    pub(crate) fn idcstat_glue_dump_set_seq(dump: *mut NlDumpRaw, seq: u32);
    pub(crate) fn idcstat_glue_msg_end(skb: *mut SkBuff, hdr: *mut c_void);
    pub(crate) fn idcstat_glue_msg_cancel(skb: *mut SkBuff, hdr: *mut c_void);
    pub(crate) fn idcstat_glue_msg_reply(skb: *mut SkBuff, info: *mut GenlInfo) -> c_int;
    pub(crate) fn idcstat_glue_msg_multicast(skb: *mut SkBuff) -> c_int;
    pub(crate) fn idcstat_glue_msg_len(skb: *mut SkBuff) -> c_int;
    pub(crate) fn idcstat_glue_put_u32(skb: *mut SkBuff, kind: u16, value: u32) -> c_int;
    pub(crate) fn idcstat_glue_put_uint(skb: *mut SkBuff, kind: u16, value: u64) -> c_int;
    pub(crate) fn idcstat_glue_put_binary(
        skb: *mut SkBuff,
        kind: u16,
        data: *const c_void,
        len: u32,
    ) -> c_int;
    pub(crate) fn idcstat_glue_put_flag(skb: *mut SkBuff, kind: u16) -> c_int;
    pub(crate) fn idcstat_glue_nest_start(skb: *mut SkBuff, kind: u16) -> *mut NlAttr;
    pub(crate) fn idcstat_glue_nest_end(skb: *mut SkBuff, nest: *mut NlAttr);
    pub(crate) fn idcstat_glue_set_err_msg(info: *mut GenlInfo, msg: *const c_char);
}
