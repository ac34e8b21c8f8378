// SPDX-License-Identifier: GPL-2.0

//! The module's shared state: the core over its preallocated region, and the control
//! path (vifs appearing and going, configuration, acknowledgements) serialized by one
//! mutex, as idcstat-core requires.
//!
//! Lock order: RTNL, then `Shared::control`. Netdevice events arrive with RTNL held;
//! netlink config ops take RTNL first. Packet hooks, the block probe and readers take
//! no lock: the core is built for concurrent lock-free access.

use kernel::prelude::*;
use kernel::sync::{new_mutex, Mutex};

use crate::events;
use crate::glue_ffi;
use crate::idcstat_core::engine::IdcstatCore;
use crate::idcstat_core::lifecycle::{ControlError, Events};
use crate::vif_hooks::{RtnlHeld, VifHooks};

/// Everything the C callbacks reach through their context pointer.
#[pin_data]
pub(crate) struct Shared {
    /// The per-packet core; its region outlives it (see `Idcstat`'s field order).
    pub(crate) core: IdcstatCore<'static>,
    /// Guest transmits are counted by a packet_type tap, not a netfilter ingress hook.
    ingress_tap: bool,
    /// The control path's state.
    #[pin]
    control: Mutex<ControlState>,
}

/// When vif hooks may be attached.
///
/// A hooked device must be unhooked before it is freed, and only the netdevice
/// notifier tells us it goes. So hooks may be attached only while the notifier is
/// registered: not by a config-set that runs before the notifier is (the genl family is
/// registered first) nor by one that runs after it is gone (the family is unregistered
/// last). Either would leave hooks on a device that can be freed unseen, and detaching
/// them later would write into freed memory.
#[derive(Clone, Copy, PartialEq, Eq)]
enum HookPhase {
    /// Loading, no notifier event yet: config-set only records identities; the
    /// notifier's replay of `NETDEV_REGISTER` hooks the vifs.
    BeforeNotifier,
    /// The notifier has delivered an event (so it is registered; RTNL orders this
    /// against config-set): hooks may be attached.
    Attaching,
    /// Unloading: the notifier is being unregistered; nothing is hooked any more.
    Unloading,
}

/// What the control mutex protects.
///
/// # Invariants
///
/// `hooks` holds at most one entry per ifindex, and only for devices the core tracks;
/// it is empty unless `phase` is or was `Attaching`.
pub(crate) struct ControlState {
    hooks: KVec<VifHooks>,
    phase: HookPhase,
}

/// Milliseconds of the monotonic boot-time clock.
pub(crate) fn now_ms() -> u64 {
    // SAFETY: FFI call without preconditions.
    unsafe { glue_ffi::idcstat_glue_now_ms() }
}

impl Shared {
    /// The shared state over `core`.
    pub(crate) fn new(core: IdcstatCore<'static>, ingress_tap: bool) -> impl PinInit<Self> {
        pin_init!(Shared {
            core,
            ingress_tap,
            control <- new_mutex!(ControlState {
                hooks: KVec::new(),
                phase: HookPhase::BeforeNotifier,
            }),
        })
    }

    /// A device appeared (registered or renamed): track and hook it if it is a vif.
    pub(crate) fn netdev_appeared(&self, rtnl: &RtnlHeld, ifindex: u32, name: &[u8]) {
        let mut control = self.control.lock();
        control.notifier_event();
        if control.is_hooked(ifindex) {
            return;
        }
        match self.core.vif_appeared(ifindex, name) {
            Ok((true, events)) => {
                self.hook(&mut control, rtnl, ifindex);
                self.send(events);
            }
            Ok((false, _)) => {}
            Err(err) => pr_warn!("vif {} not tracked: {}\n", ifindex, err.message()),
        }
    }

    /// A device is unregistering: unhook it (waiting for running hooks), then let the
    /// core forget it.
    pub(crate) fn netdev_removed(&self, ifindex: u32) {
        let mut control = self.control.lock();
        control.notifier_event();
        control.unhook(ifindex);
        let events = self.core.vif_removed(ifindex, now_ms());
        self.send(events);
    }

    /// Runs a control operation under the mutex (config-set, ack, reset), expiring old
    /// departed domains first.
    pub(crate) fn with_control<T>(&self, op: impl FnOnce(&mut ControlCtx<'_>) -> T) -> T {
        let mut control = self.control.lock();
        self.core.expire_departed(now_ms());
        op(&mut ControlCtx {
            shared: self,
            state: &mut control,
        })
    }

    /// Module unload, before the notifier is unregistered: from now on nothing is
    /// hooked, so the notifier's replay of `NETDEV_UNREGISTER` unhooks every vif.
    pub(crate) fn stop_hooking(&self) {
        self.control.lock().phase = HookPhase::Unloading;
    }

    /// Unhooks every vif (module unload, after the notifier is gone).
    pub(crate) fn unhook_all(&self) {
        self.control.lock().unhook_all();
    }

    /// Frees departed domains past their timeout (a control op, so under the mutex).
    pub(crate) fn expire_departed(&self) {
        let _control = self.control.lock();
        self.core.expire_departed(now_ms());
    }

    /// Hooks `ifindex`; a failure untracks it again so the core never counts a vif
    /// whose packets it cannot see.
    fn hook(&self, control: &mut ControlState, rtnl: &RtnlHeld, ifindex: u32) {
        if control.phase != HookPhase::Attaching {
            // Hooked by the notifier's replay (loading), or never (unloading).
            return;
        }
        let result = VifHooks::attach(rtnl, ifindex, self.ingress_tap)
            .and_then(|hooks| control.hooks.push(hooks, GFP_KERNEL).map_err(Error::from));
        match result {
            Ok(()) => {}
            // The agent named a device that does not exist yet: the core already knows
            // its identity, and it is hooked when it registers.
            Err(err) if err == ENODEV => {}
            Err(err) => {
                pr_warn!("cannot hook vif {}: {:?}\n", ifindex, err);
                let events = self.core.vif_removed(ifindex, now_ms());
                self.send(events);
            }
        }
    }

    /// Multicasts `events` to the `events` group (best effort: a failure is logged).
    pub(crate) fn send(&self, events: Events) {
        for (domain, departed) in [(events.departed, true), (events.appeared, false)] {
            if let Some(domain) = domain {
                if let Err(err) = events::announce(&self.core, domain, departed) {
                    pr_warn!("event for domain {} not sent: {:?}\n", domain.domid, err);
                }
            }
        }
    }
}

impl ControlState {
    /// A netdevice notifier event arrived: the notifier is registered.
    fn notifier_event(&mut self) {
        if self.phase == HookPhase::BeforeNotifier {
            self.phase = HookPhase::Attaching;
        }
    }

    fn is_hooked(&self, ifindex: u32) -> bool {
        self.hooks.iter().any(|hooks| hooks.ifindex() == ifindex)
    }

    /// Detaches the hooks of `ifindex`, if any (waits for running hooks).
    fn unhook(&mut self, ifindex: u32) {
        if let Some(index) = self.hooks.iter().position(|h| h.ifindex() == ifindex) {
            // Dropping the removed entry detaches it.
            drop(self.hooks.remove(index));
        }
    }

    /// Detaches every hook (module unload).
    pub(crate) fn unhook_all(&mut self) {
        self.hooks.clear();
    }
}

/// A control operation's view: the core and the locked control state.
pub(crate) struct ControlCtx<'a> {
    pub(crate) shared: &'a Shared,
    state: &'a mut ControlState,
}

impl ControlCtx<'_> {
    /// The agent names a vif: record the identity, hook the device if it exists.
    pub(crate) fn set_vif(
        &mut self,
        rtnl: &RtnlHeld,
        vif: crate::idcstat_core::lifecycle::VifIdentity,
    ) -> core::result::Result<(), ControlError> {
        let events = self.shared.core.set_vif_identity(vif, now_ms())?;
        if !self.state.is_hooked(vif.ifindex) {
            self.shared.hook(self.state, rtnl, vif.ifindex);
        }
        self.shared.send(events);
        Ok(())
    }

    /// Forgets every vif (config-set with `clear: vifs`): unhook, then untrack.
    pub(crate) fn clear_vifs(&mut self) {
        let core = &self.shared.core;
        for index in 0..core.layout().vif_slots {
            if let Some(vif) = core.vif_at(index) {
                self.state.unhook(vif.ifindex);
                let events = core.vif_removed(vif.ifindex, now_ms());
                self.shared.send(events);
            }
        }
    }
}
