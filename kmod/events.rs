// SPDX-License-Identifier: GPL-2.0

//! Domain attributes (the `domain-get` reply, also carried by the `events` group's
//! `domain-new-ntf` and `domain-departed-ntf`).

use kernel::prelude::*;

use crate::control::now_ms;
use crate::idcstat_core::engine::IdcstatCore;
use crate::idcstat_core::lifecycle::DomainRef;
use crate::idcstat_core::snapshot::{Category, DirectionTraffic, DomainSnapshot, DomainState};
use crate::idcstat_uapi::attrs::{counters_attr as c, domain_attr as d};
use crate::idcstat_uapi::enums::domain_state;
use crate::idcstat_uapi::family::cmd;
use crate::netlink_msg::{multicast_event, MsgWriter};

/// Most vifs reported per domain (a Xen guest rarely has more than a few).
const MAX_VIFS_REPORTED: usize = 16;

/// Multicasts a domain's appearance or departure (with its final counters).
pub(crate) fn announce(core: &IdcstatCore<'_>, domain: DomainRef, departed: bool) -> Result {
    let Some(snapshot) = core.domain_snapshot(domain.slot) else {
        return Ok(());
    };
    let command = if departed {
        cmd::DOMAIN_DEPARTED_NTF
    } else {
        cmd::DOMAIN_NEW_NTF
    };
    multicast_event(command, |w| put_domain(w, core, &snapshot))
}

/// Writes every attribute of a domain.
pub(crate) fn put_domain(
    w: &mut MsgWriter<'_>,
    core: &IdcstatCore<'_>,
    s: &DomainSnapshot,
) -> Result {
    w.put_u32(d::DOMID, u32::from(s.domid))?;
    w.put_u32(d::GENERATION, s.generation)?;
    match s.state {
        DomainState::Active => w.put_u32(d::STATE, domain_state::ACTIVE)?,
        DomainState::Departed { at_ms } => {
            w.put_u32(d::STATE, domain_state::DEPARTED)?;
            w.put_uint(d::DEPARTED_MS, now_ms().wrapping_sub(at_ms))?;
        }
    }
    if let Some(mac) = core.domain_mac(s.slot) {
        w.put_bytes(d::MAC, &mac.0)?;
    }
    if let Some(ipv4) = s.ipv4 {
        w.put_bytes(d::IPV4, &ipv4)?;
    }
    for ipv6 in [s.ipv6_global, s.ipv6_link_local].into_iter().flatten() {
        w.put_bytes(d::IPV6, &ipv6.0)?;
    }
    let mut vifs = [0u32; MAX_VIFS_REPORTED];
    let n = core.domain_vifs(s.slot, &mut vifs);
    for ifindex in vifs.iter().take(n) {
        w.put_u32(d::IFINDEX, *ifindex)?;
    }
    w.nest(d::COUNTERS, |w| put_counters(w, s))?;
    w.put_u32(d::RESET_EPOCH, s.reset_epoch)
}

/// Attribute ids of one direction's categories, in `Category` storage order:
/// (packets, bytes) for idc, nic, external, bcast, non-ip, dom0.
const TX_IDS: [(u16, u16); 6] = [
    (c::IDC_TX_PACKETS, c::IDC_TX_BYTES),
    (c::NIC_TX_PACKETS, c::NIC_TX_BYTES),
    (c::EXTERNAL_TX_PACKETS, c::EXTERNAL_TX_BYTES),
    (c::BCAST_TX_PACKETS, c::BCAST_TX_BYTES),
    (c::NON_IP_TX_PACKETS, c::NON_IP_TX_BYTES),
    (c::DOM0_TX_PACKETS, c::DOM0_TX_BYTES),
];
const RX_IDS: [(u16, u16); 6] = [
    (c::IDC_RX_PACKETS, c::IDC_RX_BYTES),
    (c::NIC_RX_PACKETS, c::NIC_RX_BYTES),
    (c::EXTERNAL_RX_PACKETS, c::EXTERNAL_RX_BYTES),
    (c::BCAST_RX_PACKETS, c::BCAST_RX_BYTES),
    (c::NON_IP_RX_PACKETS, c::NON_IP_RX_BYTES),
    (c::DOM0_RX_PACKETS, c::DOM0_RX_BYTES),
];

fn put_direction(
    w: &mut MsgWriter<'_>,
    traffic: &DirectionTraffic,
    ids: &[(u16, u16); 6],
) -> Result {
    for (category, (packets_id, bytes_id)) in Category::ALL.iter().zip(ids.iter()) {
        let t = traffic.get(*category);
        w.put_uint(*packets_id, t.packets)?;
        w.put_uint(*bytes_id, t.bytes)?;
    }
    Ok(())
}

fn put_counters(w: &mut MsgWriter<'_>, s: &DomainSnapshot) -> Result {
    let (tx, rx) = (s.tx.total(), s.rx.total());
    w.put_uint(c::TX_PACKETS, tx.packets)?;
    w.put_uint(c::TX_BYTES, tx.bytes)?;
    w.put_uint(c::RX_PACKETS, rx.packets)?;
    w.put_uint(c::RX_BYTES, rx.bytes)?;
    put_direction(w, &s.tx, &TX_IDS)?;
    put_direction(w, &s.rx, &RX_IDS)?;
    w.put_uint(c::SWAP_RD_REQ, s.swap.read_requests)?;
    w.put_uint(c::SWAP_RD_SECT, s.swap.read_sectors)?;
    w.put_uint(c::SWAP_WR_REQ, s.swap.write_requests)?;
    w.put_uint(c::SWAP_WR_SECT, s.swap.write_sectors)?;
    let dropped = s
        .dropped_peers
        .iter()
        .fold(0u64, |sum, n| sum.wrapping_add(*n));
    w.put_uint(c::DROPPED_PEERS, dropped)
}
