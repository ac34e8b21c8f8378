// SPDX-License-Identifier: GPL-2.0

//! What counts one vif's frames: a netfilter netdev egress hook (what the guest
//! receives) and, for what it sends, a device-bound packet_type tap or a netfilter
//! ingress hook; and proof that RTNL is held while they are attached.

use core::marker::PhantomData;
use core::ptr::NonNull;

use kernel::prelude::*;

use crate::glue_ffi::{self, VifHooksRaw};

/// Proof that the caller holds RTNL, which keeps devices from unregistering.
///
/// # Invariants
///
/// RTNL is held for as long as this value lives.
pub(crate) struct RtnlHeld {
    _not_send: PhantomData<*mut ()>,
}

impl RtnlHeld {
    /// # Safety
    ///
    /// The caller must hold RTNL (e.g. inside a netdevice notifier) for the lifetime
    /// of the returned value.
    pub(crate) unsafe fn assume_held() -> Self {
        // INVARIANT: guaranteed by the caller.
        RtnlHeld {
            _not_send: PhantomData,
        }
    }
}

/// RTNL, taken by us and released on drop.
pub(crate) struct RtnlGuard {
    held: RtnlHeld,
}

impl RtnlGuard {
    /// Takes RTNL (sleeps).
    pub(crate) fn lock() -> Self {
        // SAFETY: FFI call without preconditions; process context.
        unsafe { glue_ffi::idcstat_glue_rtnl_lock() };
        RtnlGuard {
            // SAFETY: RTNL was just taken and is released only when this guard drops.
            held: unsafe { RtnlHeld::assume_held() },
        }
    }

    /// The proof that RTNL is held.
    pub(crate) fn held(&self) -> &RtnlHeld {
        &self.held
    }
}

impl Drop for RtnlGuard {
    fn drop(&mut self) {
        // SAFETY: we took RTNL in `lock`.
        unsafe { glue_ffi::idcstat_glue_rtnl_unlock() };
    }
}

/// The hooks on vif `ifindex`; dropping it detaches them and waits until no CPU still
/// runs them.
///
/// # Invariants
///
/// `raw` came from `idcstat_glue_hooks_attach` and has not been detached; the device
/// stays registered until it is (the owner drops this value from the device's
/// `NETDEV_UNREGISTER` event at the latest).
pub(crate) struct VifHooks {
    ifindex: u32,
    raw: NonNull<VifHooksRaw>,
}

// SAFETY: the handle is only passed back to C, which may detach it from any thread.
unsafe impl Send for VifHooks {}

impl VifHooks {
    /// Hooks device `ifindex` of the initial namespace, counting its received frames
    /// (the guest's transmits) with a tap when `ingress_tap`, else with a netfilter
    /// ingress hook. `ENODEV` if the device does not exist.
    pub(crate) fn attach(_rtnl: &RtnlHeld, ifindex: u32, ingress_tap: bool) -> Result<Self> {
        let mut err: c_int = 0;
        // SAFETY: RTNL is held (proof argument); `err` is valid for writes.
        let raw = unsafe { glue_ffi::idcstat_glue_hooks_attach(ifindex, ingress_tap, &mut err) };
        match NonNull::new(raw) {
            // INVARIANT: freshly attached.
            Some(raw) => Ok(VifHooks { ifindex, raw }),
            None => Err(kernel::error::Error::from_errno(err)),
        }
    }

    /// The hooked device.
    pub(crate) fn ifindex(&self) -> u32 {
        self.ifindex
    }
}

impl Drop for VifHooks {
    fn drop(&mut self) {
        // SAFETY: attached and not yet detached; the device is still registered (type
        // invariant). The call waits for running hooks, then frees the handle.
        unsafe { glue_ffi::idcstat_glue_hooks_detach(self.raw.as_ptr()) };
    }
}
