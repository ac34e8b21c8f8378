//! Domain lifecycle: vifs appearing (named `vif<domid>.<devid>` or told by the agent),
//! vifs going, departed domains kept until acknowledged or timed out, domid reuse
//! (generations), reset. All control path: the caller serializes these calls.

use super::addr::MacAddr;
use super::domain_table::{Ident, STATE_ACTIVE, STATE_DEPARTED, STATE_FREE};
use super::engine::IdcstatCore;
use super::geometry::{
    D_DEPARTED_AT, D_SWAP_COUNTERS, G_DOMAIN_TABLE_FULL, G_EVICTED_DEPARTED,
    G_NEXT_AUTO_GENERATION, G_RESET_EPOCH,
};

/// Generations from here up are chosen by the module for domains the agent has not
/// named yet; the agent's own generations must stay below.
pub const AUTO_GENERATION_BASE: u32 = 1 << 31;

/// Why a control operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlError {
    /// Every domain slot holds an active domain.
    DomainTableFull,
    /// The vif table is full.
    VifTableFull,
    /// A config list is full (which one).
    ConfigFull(&'static str),
    /// No domain with that domid (and generation).
    NoSuchDomain,
    /// The domain is still active; only departed domains can be acknowledged.
    NotDeparted,
    /// An argument is out of range (which one).
    InvalidArgument(&'static str),
}

impl ControlError {
    /// A short message for the netlink extack.
    pub fn message(&self) -> &'static str {
        match self {
            ControlError::DomainTableFull => "idcstat: domain table full (raise max_domains)",
            ControlError::VifTableFull => "idcstat: vif table full (raise max_vifs)",
            ControlError::ConfigFull(_) => "idcstat: config list full",
            ControlError::NoSuchDomain => "idcstat: no such domain/generation",
            ControlError::NotDeparted => "idcstat: domain has not departed",
            ControlError::InvalidArgument(_) => "idcstat: invalid argument",
        }
    }
}

/// A vif's identity as the agent tells it (from xenstore).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VifIdentity {
    /// Interface index.
    pub ifindex: u32,
    /// Xen domain id.
    pub domid: u16,
    /// Xen device id of the vif.
    pub devid: u16,
    /// Agent's generation of the domain (< `AUTO_GENERATION_BASE`).
    pub generation: u32,
    /// The MAC from xenstore, if known.
    pub mac: Option<MacAddr>,
}

/// A domain named in an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainRef {
    /// Slot.
    pub slot: usize,
    /// Domain id.
    pub domid: u16,
    /// Generation.
    pub generation: u32,
}

/// What a control call changed, for the glue's `events` multicasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Events {
    /// A domain departed (send `domain-departed-ntf` with its final counters).
    pub departed: Option<DomainRef>,
    /// A domain appeared (send `domain-new-ntf`).
    pub appeared: Option<DomainRef>,
}

/// Parses `vif<domid>.<devid>` or `vif<domid>.<devid>-emu` (Xen's default vif names).
pub fn parse_vif_name(name: &[u8]) -> Option<(u16, u16)> {
    let rest = name.strip_prefix(b"vif")?;
    let rest = rest.strip_suffix(b"-emu").unwrap_or(rest);
    let dot = rest.iter().position(|&b| b == b'.')?;
    let (domid, devid) = (rest.get(..dot)?, rest.get(dot + 1..)?);
    Some((parse_decimal(domid)?, parse_decimal(devid)?))
}

fn parse_decimal(digits: &[u8]) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 {
        return None;
    }
    digits.iter().try_fold(0u16, |acc, &b| {
        if !b.is_ascii_digit() {
            return None;
        }
        acc.checked_mul(10)?.checked_add(u16::from(b - b'0'))
    })
}

impl IdcstatCore<'_> {
    fn domain_ref(&self, slot: usize) -> DomainRef {
        let ident = self.ident(slot);
        DomainRef {
            slot,
            domid: ident.domid,
            generation: ident.generation,
        }
    }

    fn next_auto_generation(&self) -> u32 {
        let next = self.region.load(G_NEXT_AUTO_GENERATION) as u32;
        let following = next.wrapping_add(1).max(AUTO_GENERATION_BASE);
        self.region
            .store(G_NEXT_AUTO_GENERATION, u64::from(following));
        next.max(AUTO_GENERATION_BASE)
    }

    fn active_slot_of(&self, domid: u16) -> Option<usize> {
        (0..self.domain_slots()).find(|&slot| {
            let ident = self.ident(slot);
            ident.state == STATE_ACTIVE && ident.domid == domid
        })
    }

    /// Takes a free slot (evicting the oldest departed domain if needed) for a new domain.
    fn allocate_domain(&self, domid: u16, generation: u32) -> Result<usize, ControlError> {
        let free = (0..self.domain_slots()).find(|&slot| self.ident(slot).state == STATE_FREE);
        let slot = match free {
            Some(slot) => slot,
            None => {
                let oldest = (0..self.domain_slots())
                    .filter(|&slot| self.ident(slot).state == STATE_DEPARTED)
                    .min_by_key(|&slot| self.region.load(self.layout.domain(slot) + D_DEPARTED_AT));
                let Some(slot) = oldest else {
                    self.region.add_atomic(G_DOMAIN_TABLE_FULL, 1);
                    return Err(ControlError::DomainTableFull);
                };
                self.region.add_atomic(G_EVICTED_DEPARTED, 1);
                slot
            }
        };
        let old = self.ident(slot);
        // Mark the slot free while it is rewritten so readers skip it.
        self.set_ident(
            slot,
            Ident {
                state: STATE_FREE,
                ..old
            },
        );
        let base = self.layout.domain(slot);
        self.region.zero(base + 1, self.layout.domain_words - 1);
        self.set_ident(
            slot,
            Ident {
                state: STATE_ACTIVE,
                incarnation: old.incarnation.wrapping_add(1),
                domid,
                generation,
            },
        );
        self.bump_structure_version();
        Ok(slot)
    }

    /// Marks `slot` departed at `now_ms`, removing its vifs and MACs.
    fn depart_domain(&self, slot: usize, now_ms: u64) -> Option<DomainRef> {
        let ident = self.ident(slot);
        if ident.state != STATE_ACTIVE {
            return None;
        }
        for index in 0..self.layout.vif_slots {
            if let Some(vif) = self.vif_at(index).filter(|v| v.domain_slot == slot) {
                self.vif_remove(vif.ifindex);
            }
        }
        self.mac_index_remove(slot, None);
        self.region
            .store(self.layout.domain(slot) + D_DEPARTED_AT, now_ms);
        self.set_ident(
            slot,
            Ident {
                state: STATE_DEPARTED,
                ..ident
            },
        );
        self.bump_structure_version();
        Some(self.domain_ref(slot))
    }

    fn free_domain(&self, slot: usize) {
        let ident = self.ident(slot);
        self.set_ident(
            slot,
            Ident {
                state: STATE_FREE,
                ..ident
            },
        );
        self.bump_structure_version();
    }

    /// The agent names a vif. Creates the domain if needed; a new generation for an
    /// active domid departs the old domain first (domid reuse); a domain the module
    /// had named itself (automatic generation) adopts the agent's generation in place.
    pub fn set_vif_identity(&self, vif: VifIdentity, now_ms: u64) -> Result<Events, ControlError> {
        if vif.generation >= AUTO_GENERATION_BASE {
            return Err(ControlError::InvalidArgument("generation"));
        }
        if vif.mac.is_some_and(|mac| !mac.is_station()) {
            return Err(ControlError::InvalidArgument("mac"));
        }
        let mut events = Events::default();
        let slot = match self.active_slot_of(vif.domid) {
            Some(slot) if self.ident(slot).generation == vif.generation => slot,
            Some(slot) if self.ident(slot).generation >= AUTO_GENERATION_BASE => {
                let ident = self.ident(slot);
                self.set_ident(
                    slot,
                    Ident {
                        generation: vif.generation,
                        ..ident
                    },
                );
                self.bump_structure_version();
                slot
            }
            Some(old) => {
                events.departed = self.depart_domain(old, now_ms);
                let slot = self.allocate_domain(vif.domid, vif.generation)?;
                events.appeared = Some(self.domain_ref(slot));
                slot
            }
            None => {
                let slot = self.allocate_domain(vif.domid, vif.generation)?;
                events.appeared = Some(self.domain_ref(slot));
                slot
            }
        };
        let old_mac = self
            .lookup_vif(vif.ifindex)
            .and_then(|found| self.vif_at(found.index))
            .and_then(|v| v.mac);
        let (index, previous) = match self.vif_upsert(vif.ifindex, slot, vif.devid) {
            Ok(done) => done,
            Err(error) => {
                // Do not leave a domain without vifs behind: it would never depart.
                if events.appeared.is_some() {
                    self.free_domain(slot);
                }
                return Err(error);
            }
        };
        if let Some(previous) = previous.filter(|&p| p != slot) {
            // The vif changed domains: only its own MAC stops being the old domain's.
            if let Some(old_mac) = old_mac {
                self.mac_index_remove(previous, Some(old_mac));
            }
            if self.vif_count(previous) == 0 {
                events.departed = events.departed.or(self.depart_domain(previous, now_ms));
            }
        }
        if let Some(mac) = vif.mac {
            if let Some(old) = self.vif_confirm_mac(index, mac).filter(|old| *old != mac) {
                self.mac_index_remove(slot, Some(old));
            }
            self.mac_index_insert(mac, slot);
        }
        self.bump_structure_version();
        Ok(events)
    }

    /// A netdevice appeared. Vifs named `vif<domid>.<devid>[-emu]` are tracked until the
    /// agent names them; anything else (and uplinks) is ignored. Returns whether the
    /// device is now tracked, with events.
    pub fn vif_appeared(&self, ifindex: u32, name: &[u8]) -> Result<(bool, Events), ControlError> {
        let mut events = Events::default();
        if self.is_uplink(ifindex) || self.lookup_vif(ifindex).is_some() {
            return Ok((self.lookup_vif(ifindex).is_some(), events));
        }
        let Some((domid, devid)) = parse_vif_name(name) else {
            return Ok((false, events));
        };
        let slot = match self.active_slot_of(domid) {
            Some(slot) => slot,
            None => {
                let slot = self.allocate_domain(domid, self.next_auto_generation())?;
                events.appeared = Some(self.domain_ref(slot));
                slot
            }
        };
        if let Err(error) = self.vif_upsert(ifindex, slot, devid) {
            if events.appeared.is_some() {
                self.free_domain(slot);
            }
            return Err(error);
        }
        self.bump_structure_version();
        Ok((true, events))
    }

    /// A vif went away (unregistered). Call only when no packet hook for it can still be
    /// running (after `synchronize_net()`). The last vif of a domain departs it.
    pub fn vif_removed(&self, ifindex: u32, now_ms: u64) -> Events {
        let mut events = Events::default();
        if let Some(vif) = self.vif_remove(ifindex) {
            if let Some(mac) = vif.mac {
                self.mac_index_remove(vif.domain_slot, Some(mac));
            }
            if self.vif_count(vif.domain_slot) == 0 {
                events.departed = self.depart_domain(vif.domain_slot, now_ms);
            }
            self.bump_structure_version();
        }
        events
    }

    /// The agent acknowledges a departed domain's final counters: the slot is freed.
    pub fn departed_ack(&self, domid: u16, generation: u32) -> Result<(), ControlError> {
        let Some(slot) = self.find_departed(domid, generation) else {
            return Err(match self.find_domain(domid, Some(generation)) {
                Some(_) => ControlError::NotDeparted,
                None => ControlError::NoSuchDomain,
            });
        };
        self.free_domain(slot);
        Ok(())
    }

    /// Frees departed domains older than the timeout. Returns how many were freed.
    pub fn expire_departed(&self, now_ms: u64) -> usize {
        let timeout = self.geometry.departed_timeout_ms;
        let mut freed = 0;
        for slot in 0..self.domain_slots() {
            if self.ident(slot).state != STATE_DEPARTED {
                continue;
            }
            let departed_at = self.region.load(self.layout.domain(slot) + D_DEPARTED_AT);
            if now_ms.wrapping_sub(departed_at) >= timeout {
                self.free_domain(slot);
                freed += 1;
            }
        }
        freed
    }

    /// Zeroes every counter (peer entries stay, with zero counts) and bumps the reset
    /// epoch. A packet counted concurrently on another CPU may survive the reset.
    pub fn reset(&self) {
        for slot in 0..self.domain_slots() {
            let base = self.layout.domain(slot);
            self.region.zero(base + D_SWAP_COUNTERS, 4);
            for shard in 0..self.geometry.shards as usize {
                self.region
                    .zero(self.layout.shard(slot, shard), self.layout.shard_words);
            }
        }
        self.region.add_atomic(G_RESET_EPOCH, 1);
        self.bump_structure_version();
    }

    /// The MAC of domain `slot`'s vif with the lowest devid.
    pub fn domain_mac(&self, slot: usize) -> Option<MacAddr> {
        (0..self.layout.vif_slots)
            .filter_map(|index| self.vif_at(index))
            .filter(|vif| vif.domain_slot == slot && vif.mac.is_some())
            .min_by_key(|vif| vif.devid)
            .and_then(|vif| vif.mac)
    }

    /// Writes the ifindexes of domain `slot`'s vifs into `out`; returns how many.
    pub fn domain_vifs(&self, slot: usize, out: &mut [u32]) -> usize {
        let mut n = 0;
        for vif in (0..self.layout.vif_slots).filter_map(|index| self.vif_at(index)) {
            if vif.domain_slot == slot {
                if let Some(entry) = out.get_mut(n) {
                    *entry = vif.ifindex;
                    n += 1;
                }
            }
        }
        n
    }
}
