// SPDX-License-Identifier: GPL-2.0

//! Building netlink messages: typed wrappers over the C glue's message helpers.
//!
//! [`MsgWriter`] fills any message buffer (a reply, an event, a dump page);
//! [`Request`] and [`Dump`] wrap what the C trampolines hand to Rust. Errors are
//! kernel `Error`s; errno values only cross at the C edge.

use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::error::to_result;
use kernel::ffi::c_void;

use kernel::error::code::{EMSGSIZE, ENOMEM};
use kernel::prelude::*;

use crate::glue_ffi::{self, GenlInfo, NlDumpRaw, NlRequestRaw, SkBuff};
use crate::netlink_attrs::Attrs;

/// Appends attributes to a message buffer.
///
/// # Invariants
///
/// `skb` is a valid message buffer, exclusively ours to append to for `'a`.
pub(crate) struct MsgWriter<'a> {
    skb: NonNull<SkBuff>,
    _buffer: PhantomData<&'a mut SkBuff>,
}

/// Maps a C `nla_put*` result (0 or -EMSGSIZE) to a `Result`.
fn put_result(ret: c_int) -> Result {
    if ret == 0 {
        Ok(())
    } else {
        Err(EMSGSIZE)
    }
}

impl<'a> MsgWriter<'a> {
    /// # Safety
    ///
    /// `skb` must be a valid message buffer that nothing else appends to for `'a`.
    unsafe fn new(skb: NonNull<SkBuff>) -> Self {
        // INVARIANT: guaranteed by the caller.
        MsgWriter {
            skb,
            _buffer: PhantomData,
        }
    }

    /// Puts a `u32` attribute.
    pub(crate) fn put_u32(&mut self, kind: u16, value: u32) -> Result {
        // SAFETY: `skb` is a valid buffer we may append to (type invariant).
        put_result(unsafe { glue_ffi::idcstat_glue_put_u32(self.skb.as_ptr(), kind, value) })
    }

    /// Puts a YNL `uint` attribute (4 or 8 bytes on the wire).
    pub(crate) fn put_uint(&mut self, kind: u16, value: u64) -> Result {
        // SAFETY: `skb` is a valid buffer we may append to (type invariant).
        put_result(unsafe { glue_ffi::idcstat_glue_put_uint(self.skb.as_ptr(), kind, value) })
    }

    /// Puts a binary attribute (MAC, IPv6 address, big-endian IPv4).
    pub(crate) fn put_bytes(&mut self, kind: u16, data: &[u8]) -> Result {
        let len = u32::try_from(data.len()).map_err(|_| EMSGSIZE)?;
        // SAFETY: `skb` is a valid buffer we may append to (type invariant); `data` is
        // valid for reads of `len` bytes during the call, which copies them.
        put_result(unsafe {
            glue_ffi::idcstat_glue_put_binary(
                self.skb.as_ptr(),
                kind,
                data.as_ptr().cast::<c_void>(),
                len,
            )
        })
    }

    /// Puts a flag attribute.
    pub(crate) fn put_flag(&mut self, kind: u16) -> Result {
        // SAFETY: `skb` is a valid buffer we may append to (type invariant).
        put_result(unsafe { glue_ffi::idcstat_glue_put_flag(self.skb.as_ptr(), kind) })
    }

    /// Puts a nested attribute whose contents `fill` writes.
    pub(crate) fn nest(&mut self, kind: u16, fill: impl FnOnce(&mut Self) -> Result) -> Result {
        // SAFETY: `skb` is a valid buffer we may append to (type invariant).
        let nest = unsafe { glue_ffi::idcstat_glue_nest_start(self.skb.as_ptr(), kind) };
        if nest.is_null() {
            return Err(EMSGSIZE);
        }
        // On error the caller cancels the whole message, nest included.
        fill(self)?;
        // SAFETY: `nest` was opened in this buffer above and is still the innermost.
        unsafe { glue_ffi::idcstat_glue_nest_end(self.skb.as_ptr(), nest) };
        Ok(())
    }
}

/// A message buffer we own until it is sent.
///
/// # Invariants
///
/// `skb` is a valid, unsent message buffer owned by this value.
struct OwnedMsg {
    skb: NonNull<SkBuff>,
}

impl OwnedMsg {
    fn new() -> Result<Self> {
        // SAFETY: FFI call without preconditions (allocates with GFP_KERNEL).
        let skb = unsafe { glue_ffi::idcstat_glue_msg_new() };
        // INVARIANT: a fresh buffer, owned by us.
        NonNull::new(skb).map(|skb| OwnedMsg { skb }).ok_or(ENOMEM)
    }

    /// Writes a message with the header `put_header` makes and the attributes `fill`
    /// writes.
    fn write(
        &mut self,
        put_header: impl FnOnce(*mut SkBuff) -> *mut c_void,
        fill: impl FnOnce(&mut MsgWriter<'_>) -> Result,
    ) -> Result {
        let hdr = put_header(self.skb.as_ptr());
        if hdr.is_null() {
            return Err(EMSGSIZE);
        }
        // SAFETY: we own the buffer and lend it to the writer only for this call.
        let mut writer = unsafe { MsgWriter::new(self.skb) };
        fill(&mut writer)?;
        // SAFETY: `hdr` is the header just put into this buffer.
        unsafe { glue_ffi::idcstat_glue_msg_end(self.skb.as_ptr(), hdr) };
        Ok(())
    }

    /// Gives the buffer up to a sending function that consumes it.
    fn into_raw(self) -> *mut SkBuff {
        let skb = self.skb.as_ptr();
        core::mem::forget(self);
        skb
    }
}

impl Drop for OwnedMsg {
    fn drop(&mut self) {
        // SAFETY: the buffer is ours and unsent (type invariant).
        unsafe { glue_ffi::idcstat_glue_msg_free(self.skb.as_ptr()) };
    }
}

/// Sends the event `cmd` (attributes by `fill`) to the `events` multicast group.
pub(crate) fn multicast_event(cmd: u8, fill: impl FnOnce(&mut MsgWriter<'_>) -> Result) -> Result {
    let mut msg = OwnedMsg::new()?;
    msg.write(
        // SAFETY: `skb` is the valid buffer `msg` owns.
        |skb| unsafe { glue_ffi::idcstat_glue_msg_put_event_header(skb, cmd) },
        fill,
    )?;
    // SAFETY: a finished message; the call consumes the buffer.
    to_result(unsafe { glue_ffi::idcstat_glue_msg_multicast(msg.into_raw()) })
}

/// A policy-validated "do" request.
///
/// # Invariants
///
/// `raw` points to the C trampoline's request, valid (with the `genl_info` and the
/// attribute bytes it points to) for `'a`.
pub(crate) struct Request<'a> {
    raw: &'a NlRequestRaw,
}

impl<'a> Request<'a> {
    /// # Safety
    ///
    /// `raw` must point to a valid `struct idcstat_nl_request` whose `info` and
    /// `attrs[..attrs_len]` stay valid for `'a`.
    pub(crate) unsafe fn from_raw(raw: *const NlRequestRaw) -> Self {
        // SAFETY: guaranteed by the caller.
        let raw = unsafe { &*raw };
        // INVARIANT: likewise.
        Request { raw }
    }

    /// The request's top-level attributes.
    pub(crate) fn attrs(&self) -> Attrs<'a> {
        // SAFETY: `attrs[..attrs_len]` is valid for `'a` (type invariant).
        Attrs::new(unsafe { bytes(self.raw.attrs, self.raw.attrs_len) })
    }

    /// Sets the extack message of the error reply.
    pub(crate) fn set_error_message(&self, msg: &'static CStr) {
        // SAFETY: `info` is valid (type invariant); `msg` is static, as extack needs.
        unsafe { glue_ffi::idcstat_glue_set_err_msg(self.info(), msg.as_ptr()) };
    }

    fn info(&self) -> *mut GenlInfo {
        self.raw.info
    }

    /// Replies with command `cmd` and the attributes `fill` writes.
    pub(crate) fn reply(&self, cmd: u8, fill: impl FnOnce(&mut MsgWriter<'_>) -> Result) -> Result {
        let info = self.info();
        let mut msg = OwnedMsg::new()?;
        msg.write(
            // SAFETY: `skb` is the valid buffer `msg` owns; `info` is valid.
            |skb| unsafe { glue_ffi::idcstat_glue_msg_put_reply_header(skb, info, cmd) },
            fill,
        )?;
        // SAFETY: a finished message; `info` is valid; the call consumes the buffer.
        to_result(unsafe { glue_ffi::idcstat_glue_msg_reply(msg.into_raw(), info) })
    }
}

/// One dumpit call: a page to fill and the cursor where the previous call stopped.
///
/// # Invariants
///
/// `raw` points to the C trampoline's dump, valid (with its buffer, callback and
/// attribute bytes) and exclusively ours for `'a`.
pub(crate) struct Dump<'a> {
    raw: &'a mut NlDumpRaw,
}

/// The dump page is full: stop here, the cursor says where to resume.
pub(crate) struct PageFull;

impl<'a> Dump<'a> {
    /// # Safety
    ///
    /// `raw` must point to a valid `struct idcstat_nl_dump`, exclusively ours, whose
    /// buffer, callback and `attrs[..attrs_len]` stay valid for `'a`.
    pub(crate) unsafe fn from_raw(raw: *mut NlDumpRaw) -> Self {
        // SAFETY: guaranteed by the caller.
        let raw = unsafe { &mut *raw };
        // INVARIANT: likewise.
        Dump { raw }
    }

    /// The dump request's attributes (filters).
    pub(crate) fn attrs(&self) -> Attrs<'a> {
        // SAFETY: `attrs[..attrs_len]` is valid for `'a` (type invariant).
        Attrs::new(unsafe { bytes(self.raw.attrs, self.raw.attrs_len) })
    }

    /// The resume cursor (zero on the first call).
    pub(crate) fn cursor(&mut self) -> &mut [u64; 3] {
        &mut self.raw.cursor
    }

    /// Tells netlink which structure version this call sees: an entry written under a
    /// different version than the previous call's is flagged `NLM_F_DUMP_INTR`.
    pub(crate) fn set_structure_version(&mut self, version: u64) {
        // Never 0: netlink treats seq 0 as "no consistency check".
        let seq = (version as u32) | 1;
        // SAFETY: `raw` is valid and ours (type invariant).
        unsafe { glue_ffi::idcstat_glue_dump_set_seq(self.raw, seq) };
    }

    /// Appends one entry (command `cmd`, attributes by `fill`), or reports the page full.
    pub(crate) fn entry(
        &mut self,
        cmd: u8,
        fill: impl FnOnce(&mut MsgWriter<'_>) -> Result,
    ) -> core::result::Result<(), PageFull> {
        let skb = self.raw.skb;
        // SAFETY: `raw` is valid and ours (type invariant).
        let hdr = unsafe { glue_ffi::idcstat_glue_dump_put_header(self.raw, cmd) };
        let Some(skb) = NonNull::new(skb).filter(|_| !hdr.is_null()) else {
            return Err(PageFull);
        };
        // SAFETY: the dump's buffer is ours for this call (type invariant).
        let mut writer = unsafe { MsgWriter::new(skb) };
        if fill(&mut writer).is_err() {
            // SAFETY: `hdr` was put into this buffer above.
            unsafe { glue_ffi::idcstat_glue_msg_cancel(skb.as_ptr(), hdr) };
            return Err(PageFull);
        }
        // SAFETY: `hdr` was put into this buffer above.
        unsafe { glue_ffi::idcstat_glue_msg_end(skb.as_ptr(), hdr) };
        Ok(())
    }

    /// What dumpit returns: bytes written (0 ends the dump).
    pub(crate) fn written(&self) -> c_int {
        // SAFETY: the buffer is valid (type invariant).
        unsafe { glue_ffi::idcstat_glue_msg_len(self.raw.skb) }
    }
}

/// # Safety
///
/// `ptr[..len]` must be valid for reads for `'a` (or `len` zero).
unsafe fn bytes<'a>(ptr: *const u8, len: u32) -> &'a [u8] {
    if ptr.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: guaranteed by the caller; `u32` always fits `usize` on 64-bit.
    unsafe { core::slice::from_raw_parts(ptr, len as usize) }
}
