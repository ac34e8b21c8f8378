// SPDX-License-Identifier: GPL-2.0

//! idcstat: per-domain IDC/NIC traffic and swap I/O accounting for a Xen dom0.
//!
//! This file holds the `module!` declaration and every `extern "C"` entry point
//! called by `idcstat_glue.c`, the small C file that reaches the kernel interfaces
//! Rust-for-Linux does not wrap (generic netlink, netfilter hooks, the netdevice
//! notifier, the block tracepoint). The logic lives in `kmod/core/` (shared with the
//! host tests) and in the files below, one concept each.

use core::ffi::c_void;

use kernel::prelude::*;

mod control;
mod counter_region;
mod events;
mod glue_ffi;
// The core's and the ABI's full APIs are exercised by their host tests; the module
// uses a subset, and their `pub` items are crate-internal here.
#[allow(dead_code, unreachable_pub)]
mod idcstat_core;
#[allow(dead_code, unreachable_pub)]
mod idcstat_uapi;
mod netlink_attrs;
mod netlink_msg;
mod netlink_ops;
mod vif_hooks;

use control::Shared;
use counter_region::CounterRegion;
use idcstat_core::classify::Direction;
use idcstat_core::engine::IdcstatCore;
use idcstat_core::frame::HEADER_BYTES_NEEDED;
use idcstat_core::geometry::Geometry;
use netlink_msg::{Dump, Request};
use vif_hooks::RtnlHeld;

module! {
    type: Idcstat,
    name: "idcstat",
    authors: ["reunion developers"],
    description: "Inter-domain communication and swap I/O statistics for Xen dom0",
    license: "GPL",
    params: {
        max_domains: u32 {
            default: 64,
            description: "Domains tracked at once (active and departed-unacknowledged)",
        },
        peers_per_table: u32 {
            default: 256,
            description: "Per-peer entries in each of a domain's four tables",
        },
        max_vifs: u32 {
            default: 256,
            description: "Vifs tracked at once",
        },
        departed_timeout_ms: u32 {
            default: 600000,
            description: "Departed domains are freed this long after departing unless acknowledged",
        },
        ingress_tap: u32 {
            default: 1,
            description: "1: count guest transmits with a packet_type tap (cheaper); 0: with a netfilter ingress hook",
        },
    },
}

/// Proof that the C glue is registered with a context pointer to our `Shared`.
///
/// # Invariants
///
/// `idcstat_glue_register` succeeded and `idcstat_glue_unregister` has not run yet.
struct GlueRegistration;

impl GlueRegistration {
    /// Registers the genl family, the block probe and the netdevice notifier; every
    /// callback gets `shared` back as its context.
    ///
    /// # Safety
    ///
    /// `shared` must stay valid (and not move) until the returned value is dropped.
    unsafe fn register(shared: &Shared) -> Result<Self> {
        let ctx = core::ptr::from_ref(shared).cast::<c_void>();
        // SAFETY: `ctx` stays valid until `unregister` (caller's guarantee).
        kernel::error::to_result(unsafe { glue_ffi::idcstat_glue_register(ctx) })?;
        // INVARIANT: registered just above.
        Ok(GlueRegistration)
    }
}

impl Drop for GlueRegistration {
    fn drop(&mut self) {
        // SAFETY: registered and not yet unregistered (type invariant). On return no
        // callback runs any more and none will.
        unsafe { glue_ffi::idcstat_glue_unregister() };
    }
}

/// The module. Fields drop in order: registrations first, then the state the
/// callbacks used, then the memory the state points into.
struct Idcstat {
    registration: Option<GlueRegistration>,
    shared: Pin<KBox<Shared>>,
    _region: CounterRegion,
}

fn geometry() -> Geometry {
    // SAFETY: FFI calls without preconditions.
    let (cpus, seed) = unsafe {
        (
            glue_ffi::idcstat_glue_nr_cpu_ids(),
            glue_ffi::idcstat_glue_random_u64(),
        )
    };
    Geometry {
        max_domains: *module_parameters::max_domains.value(),
        peers_per_table: *module_parameters::peers_per_table.value(),
        max_vifs: *module_parameters::max_vifs.value(),
        shards: cpus,
        nr_cpus: cpus,
        departed_timeout_ms: u64::from(*module_parameters::departed_timeout_ms.value()),
        hash_seed: seed,
    }
}

impl kernel::Module for Idcstat {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // SAFETY: FFI call without preconditions.
        let glue_header_bytes = unsafe { glue_ffi::idcstat_glue_header_bytes() } as usize;
        if glue_header_bytes < HEADER_BYTES_NEEDED {
            pr_err!(
                "glue copies {} header bytes, core needs {}\n",
                glue_header_bytes,
                HEADER_BYTES_NEEDED
            );
            return Err(EINVAL);
        }
        let geometry = geometry();
        let words = IdcstatCore::required_words(&geometry).map_err(|err| {
            pr_err!("bad table sizes: {:?}\n", err);
            EINVAL
        })?;
        let region = CounterRegion::new(words)?;
        // SAFETY: the region lives in `Idcstat` after `shared` and so outlives every
        // use of the core: `Idcstat`'s fields drop registrations first, then `shared`.
        // Its heap block does not move when `region` is moved into `Idcstat`.
        let words_static: &'static [core::sync::atomic::AtomicU64] =
            unsafe { &*core::ptr::from_ref(region.words()) };
        let core = IdcstatCore::new(geometry, words_static).map_err(|err| {
            pr_err!("core refused the region: {:?}\n", err);
            EINVAL
        })?;
        let ingress_tap = *module_parameters::ingress_tap.value() != 0;
        let shared = KBox::pin_init(Shared::new(core, ingress_tap), GFP_KERNEL)?;
        // SAFETY: `shared` is pinned and dropped only after the registration (field
        // order of `Idcstat`, and `Drop for Idcstat` drops it first explicitly).
        let registration = unsafe { GlueRegistration::register(&shared) }?;
        pr_info!(
            "loaded: {} domains, {} peers per table, {} vifs, {} shards, {} KiB of counters, guest transmits counted by {}\n",
            geometry.max_domains,
            geometry.peers_per_table,
            geometry.max_vifs,
            geometry.shards,
            words.saturating_mul(8) / 1024,
            if ingress_tap {
                "packet_type tap"
            } else {
                "netfilter ingress"
            }
        );
        Ok(Idcstat {
            registration: Some(registration),
            shared,
            _region: region,
        })
    }
}

impl Drop for Idcstat {
    fn drop(&mut self) {
        // No config-set may hook a vif once the notifier is going; its replay of
        // NETDEV_UNREGISTER then unhooks every vif.
        self.shared.stop_hooking();
        drop(self.registration.take());
        self.shared.unhook_all();
        pr_info!("unloaded\n");
    }
}

/// # Safety
///
/// `ctx` must be the context given to `idcstat_glue_register`, still registered.
unsafe fn shared<'a>(ctx: *const c_void) -> &'a Shared {
    // SAFETY: the C side passes back the pointer to our pinned `Shared`, which lives
    // until after unregistration (caller's guarantee).
    unsafe { &*ctx.cast::<Shared>() }
}

/// Counts one frame the guest transmitted (it entered dom0 from vif `ifindex`; the
/// packet_type tap or the netdev ingress hook, BH disabled, on CPU `cpu`). One entry
/// point per direction, so that neither decodes a direction argument.
///
/// # Safety
///
/// As for [`account_frame`].
#[no_mangle]
unsafe extern "C" fn idcstat_rs_account_tx(
    ctx: *const c_void,
    ifindex: u32,
    cpu: u32,
    hdr: *const u8,
    hdr_len: usize,
    frame_len: u32,
) {
    // SAFETY: caller's guarantee.
    unsafe { account_frame(ctx, ifindex, Direction::Tx, cpu, hdr, hdr_len, frame_len) }
}

/// Counts one frame the guest receives (it leaves dom0 through vif `ifindex`; the
/// netdev egress hook, BH disabled, on CPU `cpu`).
///
/// # Safety
///
/// As for [`account_frame`].
#[no_mangle]
unsafe extern "C" fn idcstat_rs_account_rx(
    ctx: *const c_void,
    ifindex: u32,
    cpu: u32,
    hdr: *const u8,
    hdr_len: usize,
    frame_len: u32,
) {
    // SAFETY: caller's guarantee.
    unsafe { account_frame(ctx, ifindex, Direction::Rx, cpu, hdr, hdr_len, frame_len) }
}

/// # Safety
///
/// `ctx` as for [`shared`]; `hdr` not null and `hdr[..hdr_len]` readable for the call
/// (the hooks pass the skb's data or a stack buffer); called with BH disabled and
/// `cpu` the current CPU.
#[inline(always)]
unsafe fn account_frame(
    ctx: *const c_void,
    ifindex: u32,
    direction: Direction,
    cpu: u32,
    hdr: *const u8,
    hdr_len: usize,
    frame_len: u32,
) {
    // SAFETY: caller's guarantee.
    let shared = unsafe { shared(ctx) };
    // SAFETY: `hdr` is not null and `hdr[..hdr_len]` is readable for the call
    // (caller's guarantee).
    let frame = unsafe { core::slice::from_raw_parts(hdr, hdr_len) };
    shared
        .core
        .count_frame_cached(ifindex, direction, cpu, frame, frame_len);
}

/// Counts one bio (block tracepoint; any context).
///
/// # Safety
///
/// `ctx` as for [`shared`].
#[no_mangle]
unsafe extern "C" fn idcstat_rs_account_bio(
    ctx: *const c_void,
    dev: u32,
    sector: u64,
    nr_sectors: u64,
    is_write: bool,
) {
    // SAFETY: caller's guarantee.
    let shared = unsafe { shared(ctx) };
    shared.core.account_bio(dev, sector, nr_sectors, is_write);
}

/// A device of the initial namespace appeared or is going (RTNL held).
///
/// # Safety
///
/// `ctx` as for [`shared`]; `name[..name_len]` readable; RTNL held.
#[no_mangle]
unsafe extern "C" fn idcstat_rs_netdev_event(
    ctx: *const c_void,
    event: u32,
    ifindex: u32,
    name: *const u8,
    name_len: u32,
) {
    // SAFETY: caller's guarantee.
    let shared = unsafe { shared(ctx) };
    match event {
        glue_ffi::NETDEV_APPEARED => {
            // SAFETY: `name[..name_len]` is readable for the call (caller's guarantee).
            let name = unsafe { core::slice::from_raw_parts(name, name_len as usize) };
            // SAFETY: netdevice notifiers run with RTNL held (caller's guarantee).
            let rtnl = unsafe { RtnlHeld::assume_held() };
            shared.netdev_appeared(&rtnl, ifindex, name);
        }
        glue_ffi::NETDEV_REMOVED => shared.netdev_removed(ifindex),
        _ => {}
    }
}

/// A policy-validated "do" request of command `cmd`; returns 0 or a negative errno.
///
/// # Safety
///
/// `ctx` as for [`shared`]; `req` valid for the call (see `Request::from_raw`).
#[no_mangle]
unsafe extern "C" fn idcstat_rs_nl_doit(
    ctx: *const c_void,
    cmd: u8,
    req: *const glue_ffi::NlRequestRaw,
) -> c_int {
    // SAFETY: caller's guarantee.
    let shared = unsafe { shared(ctx) };
    // SAFETY: caller's guarantee.
    let req = unsafe { Request::from_raw(req) };
    match netlink_ops::doit(shared, cmd, &req) {
        Ok(()) => 0,
        Err(err) => err.to_errno(),
    }
}

/// One dumpit call of command `cmd`; returns bytes written (0 = done) or -errno.
///
/// # Safety
///
/// `ctx` as for [`shared`]; `dump` valid and exclusive for the call.
#[no_mangle]
unsafe extern "C" fn idcstat_rs_nl_dumpit(
    ctx: *const c_void,
    cmd: u8,
    dump: *mut glue_ffi::NlDumpRaw,
) -> c_int {
    // SAFETY: caller's guarantee.
    let shared = unsafe { shared(ctx) };
    // SAFETY: caller's guarantee.
    let mut dump = unsafe { Dump::from_raw(dump) };
    match netlink_ops::dumpit(shared, cmd, &mut dump) {
        Ok(written) => written,
        Err(err) => err.to_errno(),
    }
}
