// SPDX-License-Identifier: GPL-2.0

//! The generic netlink commands of the `idcstat` family (`uapi/idcstat.yaml`).
//!
//! Permissions are enforced by the genetlink core from the generated ops table:
//! `config-set`, `departed-ack`, `reset` and `peer-get` need CAP_NET_ADMIN; the
//! aggregate reads (`domain-get`, `config-get`) are open, like /proc/net/dev.

use kernel::error::code::{EINVAL, ENOENT, ENOSPC};
use kernel::prelude::*;

use crate::control::{ControlCtx, Shared};
use crate::events::put_domain;
use crate::idcstat_core::addr::{IpAddr16, MacAddr, Prefix};
use crate::idcstat_core::engine::IdcstatCore;
use crate::idcstat_core::geometry::TABLES;
use crate::idcstat_core::lifecycle::{ControlError, VifIdentity};
use crate::idcstat_core::snapshot::PeerSnapshot;
use crate::idcstat_core::swap::SwapRange;
use crate::idcstat_uapi::attrs::{
    address_attr as a, config_attr as cfg, domain_attr as d, peer_attr as p, swap_range_attr as s,
    vif_attr as v,
};
use crate::idcstat_uapi::enums::config_category as clear;
use crate::idcstat_uapi::family::{cmd, ABI_VERSION};
use crate::netlink_attrs::{Attr, Attrs};
use crate::netlink_msg::{Dump, MsgWriter, PageFull, Request};
use crate::vif_hooks::RtnlGuard;

/// Handles a "do" request.
pub(crate) fn doit(shared: &Shared, command: u8, req: &Request<'_>) -> Result {
    match command {
        cmd::DOMAIN_GET => domain_get(&shared.core, req),
        cmd::CONFIG_GET => config_get(&shared.core, req),
        cmd::CONFIG_SET => config_set(shared, req),
        cmd::DEPARTED_ACK => departed_ack(shared, req),
        cmd::RESET => {
            shared.with_control(|ctl| ctl.shared.core.reset());
            Ok(())
        }
        _ => Err(EINVAL),
    }
}

/// Handles one dumpit call; returns the bytes written (0 ends the dump).
pub(crate) fn dumpit(shared: &Shared, command: u8, dump: &mut Dump<'_>) -> Result<c_int> {
    let core = &shared.core;
    if *dump.cursor() == [0; 3] {
        shared.expire_departed();
    }
    dump.set_structure_version(core.structure_version());
    match command {
        cmd::DOMAIN_GET => domain_dump(core, dump),
        cmd::PEER_GET => peer_dump(core, dump)?,
        _ => return Err(EINVAL),
    }
    Ok(dump.written())
}

/// The extack message of a refused control operation.
fn control_error(req: &Request<'_>, err: ControlError) -> Error {
    let (msg, errno) = match err {
        ControlError::DomainTableFull => {
            (c"idcstat: domain table full (raise max_domains)", ENOSPC)
        }
        ControlError::VifTableFull => (c"idcstat: vif table full (raise max_vifs)", ENOSPC),
        ControlError::ConfigFull(_) => (c"idcstat: config list full", ENOSPC),
        ControlError::NoSuchDomain => (c"idcstat: no such domain/generation", ENOENT),
        ControlError::NotDeparted => (c"idcstat: domain has not departed", EINVAL),
        ControlError::InvalidArgument(field) => (invalid_argument_message(field), EINVAL),
    };
    req.set_error_message(msg);
    errno
}

/// The extack message naming the attribute the core refused, so that an
/// administrator sees which value to fix (the core names it in plain text; the
/// extack needs a static C string).
fn invalid_argument_message(field: &str) -> &'static CStr {
    match field {
        "generation" => c"idcstat: invalid argument: generation (>= auto-generation-base, 2^31)",
        "ifindex" => c"idcstat: invalid argument: ifindex",
        "mac" => c"idcstat: invalid argument: mac (not a unicast station address)",
        "nr-sectors" => c"idcstat: invalid argument: nr-sectors (0)",
        _ => c"idcstat: invalid argument",
    }
}

/// A required attribute is missing or malformed.
fn missing(req: &Request<'_>, msg: &'static CStr) -> Error {
    req.set_error_message(msg);
    EINVAL
}

fn domid_of(attr: Option<Attr<'_>>) -> Option<u16> {
    attr.and_then(|a| a.u32())
        .and_then(|id| u16::try_from(id).ok())
}

fn domain_get(core: &IdcstatCore<'_>, req: &Request<'_>) -> Result {
    let attrs = req.attrs();
    let domid =
        domid_of(attrs.find(d::DOMID)).ok_or_else(|| missing(req, c"idcstat: domid required"))?;
    let generation = attrs.find(d::GENERATION).and_then(|a| a.u32());
    let snapshot = core
        .find_domain(domid, generation)
        .and_then(|slot| core.domain_snapshot(slot))
        .ok_or_else(|| control_error(req, ControlError::NoSuchDomain))?;
    req.reply(cmd::DOMAIN_GET, |w| put_domain(w, core, &snapshot))
}

fn domain_dump(core: &IdcstatCore<'_>, dump: &mut Dump<'_>) {
    let start = usize::try_from(dump.cursor()[0]).unwrap_or(usize::MAX);
    for slot in start..core.domain_slots() {
        let Some(snapshot) = core.domain_snapshot(slot) else {
            continue;
        };
        if dump
            .entry(cmd::DOMAIN_GET, |w| put_domain(w, core, &snapshot))
            .is_err()
        {
            dump.cursor()[0] = slot as u64;
            return;
        }
    }
    dump.cursor()[0] = core.domain_slots() as u64;
}

/// Peer dump cursor: [domain slot, table, index + 1 (0 = the table's `other` entry)].
fn peer_dump(core: &IdcstatCore<'_>, dump: &mut Dump<'_>) -> Result {
    let attrs = dump.attrs();
    let want_domid = domid_of(attrs.find(p::DOMID));
    let want_generation = attrs.find(p::GENERATION).and_then(|a| a.u32());
    let want_table = attrs.find(p::TABLE).and_then(|a| a.u32());
    let [slot0, table0, entry0] = *dump.cursor();
    let slots = core.domain_slots();
    let entries = core.peer_slots() + 1;
    let mut slot = usize::try_from(slot0).unwrap_or(usize::MAX);
    let (mut table, mut entry) = (table0 as usize, entry0 as usize);
    while slot < slots {
        let domain = core.domain_snapshot(slot).filter(|dom| {
            want_domid.is_none_or(|id| id == dom.domid)
                && want_generation.is_none_or(|g| g == dom.generation)
        });
        if let Some(domain) = domain {
            while table < TABLES {
                if want_table.is_some_and(|t| t as usize != table) {
                    table += 1;
                    entry = 0;
                    continue;
                }
                while entry < entries {
                    let peer = if entry == 0 {
                        core.other_snapshot(slot, table)
                            .filter(|o| o.traffic.packets != 0)
                    } else {
                        core.peer_snapshot(slot, table, entry - 1)
                    };
                    if let Some(peer) = peer {
                        let written = dump.entry(cmd::PEER_GET, |w| {
                            put_peer(w, domain.domid, domain.generation, &peer)
                        });
                        if let Err(PageFull) = written {
                            *dump.cursor() = [slot as u64, table as u64, entry as u64];
                            return Ok(());
                        }
                    }
                    entry += 1;
                }
                table += 1;
                entry = 0;
            }
        }
        slot += 1;
        table = 0;
        entry = 0;
    }
    *dump.cursor() = [slots as u64, 0, 0];
    Ok(())
}

fn put_peer(w: &mut MsgWriter<'_>, domid: u16, generation: u32, peer: &PeerSnapshot) -> Result {
    w.put_u32(p::DOMID, u32::from(domid))?;
    w.put_u32(p::GENERATION, generation)?;
    w.put_u32(p::TABLE, peer.table as u32)?;
    if let Some(peer_domid) = peer.peer_domid {
        w.put_u32(p::PEER_DOMID, u32::from(peer_domid))?;
    }
    if let Some(mac) = peer.mac {
        w.put_bytes(p::MAC, &mac.0)?;
    }
    match peer.ip.map(|ip| (ip, ip.v4())) {
        Some((_, Some(v4))) => w.put_bytes(p::IPV4, &v4)?,
        Some((ip, None)) => w.put_bytes(p::IPV6, &ip.0)?,
        None => {}
    }
    w.put_uint(p::PACKETS, peer.traffic.packets)?;
    w.put_uint(p::BYTES, peer.traffic.bytes)?;
    if peer.index.is_none() {
        w.put_flag(p::OTHER)?;
    }
    Ok(())
}

fn put_address(w: &mut MsgWriter<'_>, kind: u16, ip: IpAddr16, prefix_len: Option<u8>) -> Result {
    w.nest(kind, |w| {
        match ip.v4() {
            Some(v4) => w.put_bytes(a::IPV4, &v4)?,
            None => w.put_bytes(a::IPV6, &ip.0)?,
        }
        if let Some(len) = prefix_len {
            let len = if ip.v4().is_some() {
                len.saturating_sub(96)
            } else {
                len
            };
            w.put_bytes(a::PREFIX_LEN, &[len])?;
        }
        Ok(())
    })
}

fn config_get(core: &IdcstatCore<'_>, req: &Request<'_>) -> Result {
    req.reply(cmd::CONFIG_GET, |w| {
        let geometry = core.geometry();
        let stats = core.global_stats();
        w.put_u32(cfg::ABI_VERSION, ABI_VERSION)?;
        for prefix in core.cluster_prefixes().into_iter().flatten() {
            put_address(
                w,
                cfg::CLUSTER_PREFIX,
                prefix.addr(),
                Some(prefix.mapped_len()),
            )?;
        }
        for addr in core.host_addrs().into_iter().flatten() {
            put_address(w, cfg::HOST_ADDR, addr, None)?;
        }
        for ifindex in core.uplinks().into_iter().flatten() {
            w.put_u32(cfg::UPLINK_IFINDEX, ifindex)?;
        }
        for index in 0..core.layout().vif_slots {
            let Some(vif) = core.vif_at(index) else {
                continue;
            };
            let Some(domain) = core.domain_snapshot(vif.domain_slot) else {
                continue;
            };
            w.nest(cfg::VIF, |w| {
                w.put_u32(v::IFINDEX, vif.ifindex)?;
                w.put_u32(v::DOMID, u32::from(domain.domid))?;
                w.put_u32(v::DEVID, u32::from(vif.devid))?;
                w.put_u32(v::GENERATION, domain.generation)?;
                if let Some(mac) = vif.mac {
                    w.put_bytes(v::MAC, &mac.0)?;
                }
                Ok(())
            })?;
        }
        for slot in 0..core.domain_slots() {
            let Some(domain) = core.domain_snapshot(slot) else {
                continue;
            };
            for index in 0..2 {
                let Some(range) = core.swap_range(slot, index) else {
                    continue;
                };
                w.nest(cfg::SWAP_RANGE, |w| {
                    w.put_u32(s::DOMID, u32::from(domain.domid))?;
                    w.put_u32(s::GENERATION, domain.generation)?;
                    w.put_u32(s::DEV, range.dev)?;
                    w.put_uint(s::START_SECTOR, range.start_sector)?;
                    w.put_uint(s::NR_SECTORS, range.nr_sectors)
                })?;
            }
        }
        w.put_u32(cfg::MAX_DOMAINS, geometry.max_domains)?;
        w.put_u32(cfg::PEERS_PER_TABLE, geometry.peers_per_table)?;
        w.put_u32(
            cfg::DEPARTED_TIMEOUT_MS,
            u32::try_from(geometry.departed_timeout_ms).unwrap_or(u32::MAX),
        )?;
        w.put_u32(cfg::RESET_EPOCH, stats.reset_epoch)?;
        w.put_uint(cfg::UNTRACKED_PACKETS, stats.untracked.packets)?;
        w.put_uint(cfg::UNTRACKED_BYTES, stats.untracked.bytes)
    })
}

/// An `address` nest: (address, prefix length over the mapped 128-bit form).
fn parse_address(attrs: Attrs<'_>) -> Option<(IpAddr16, Option<u8>)> {
    let len = attrs.find(a::PREFIX_LEN).and_then(|l| l.u8());
    if let Some(v4) = attrs.find(a::IPV4).and_then(|x| x.array::<4>()) {
        return Some((IpAddr16::from_v4(v4), len.map(|l| l.saturating_add(96))));
    }
    let v6 = attrs.find(a::IPV6).and_then(|x| x.array::<16>())?;
    Some((IpAddr16::from_v6(v6), len))
}

fn config_set(shared: &Shared, req: &Request<'_>) -> Result {
    let attrs = req.attrs();
    // RTNL first (hooks are attached under it), then the control mutex.
    let rtnl = RtnlGuard::lock();
    shared.with_control(|ctl| {
        let core = &ctl.shared.core;
        let clear_mask = attrs.find(cfg::CLEAR).and_then(|x| x.u32()).unwrap_or(0);
        if clear_mask & clear::CLUSTER_PREFIXES != 0 {
            core.clear_cluster_prefixes();
        }
        if clear_mask & clear::HOST_ADDRS != 0 {
            core.clear_host_addrs();
        }
        if clear_mask & clear::UPLINKS != 0 {
            core.clear_uplinks();
        }
        if clear_mask & clear::VIFS != 0 {
            ctl.clear_vifs();
        }
        if clear_mask & clear::SWAP_RANGES != 0 {
            core.clear_swap_ranges();
        }
        for attr in attrs {
            apply_config_attr(ctl, rtnl.held(), req, attr)?;
        }
        Ok(())
    })
}

fn apply_config_attr(
    ctl: &mut ControlCtx<'_>,
    rtnl: &crate::vif_hooks::RtnlHeld,
    req: &Request<'_>,
    attr: Attr<'_>,
) -> Result {
    let core = &ctl.shared.core;
    let done = match attr.kind {
        cfg::CLUSTER_PREFIX => {
            let (ip, len) = parse_address(attr.nested())
                .ok_or_else(|| missing(req, c"idcstat: prefix needs ipv4 or ipv6"))?;
            let prefix = Prefix::from_mapped(ip, len.unwrap_or(128))
                .ok_or_else(|| missing(req, c"idcstat: prefix length out of range"))?;
            core.add_cluster_prefix(prefix)
        }
        cfg::HOST_ADDR => {
            let (ip, _) = parse_address(attr.nested())
                .ok_or_else(|| missing(req, c"idcstat: host-addr needs ipv4 or ipv6"))?;
            core.add_host_addr(ip)
        }
        cfg::UPLINK_IFINDEX => {
            let ifindex = attr
                .u32()
                .ok_or_else(|| missing(req, c"idcstat: bad uplink"))?;
            core.add_uplink(ifindex)
        }
        cfg::VIF => {
            let vif = parse_vif(attr.nested())
                .ok_or_else(|| missing(req, c"idcstat: vif needs ifindex, domid, generation"))?;
            ctl.set_vif(rtnl, vif)
        }
        cfg::SWAP_RANGE => {
            let nested = attr.nested();
            let (domid, generation, range) = parse_swap_range(nested).ok_or_else(|| {
                missing(
                    req,
                    c"idcstat: swap-range needs domid, generation, dev, nr-sectors",
                )
            })?;
            core.set_swap_range(domid, generation, range)
        }
        _ => Ok(()),
    };
    done.map_err(|err| control_error(req, err))
}

fn parse_vif(attrs: Attrs<'_>) -> Option<VifIdentity> {
    Some(VifIdentity {
        ifindex: attrs.find(v::IFINDEX)?.u32()?,
        domid: domid_of(attrs.find(v::DOMID))?,
        devid: attrs
            .find(v::DEVID)
            .and_then(|x| x.u32())
            .map_or(0, |id| (id & 0xffff) as u16),
        generation: attrs.find(v::GENERATION)?.u32()?,
        mac: attrs.find(v::MAC).and_then(|x| x.array::<6>()).map(MacAddr),
    })
}

fn parse_swap_range(attrs: Attrs<'_>) -> Option<(u16, u32, SwapRange)> {
    Some((
        domid_of(attrs.find(s::DOMID))?,
        attrs.find(s::GENERATION)?.u32()?,
        SwapRange {
            dev: attrs.find(s::DEV)?.u32()?,
            start_sector: attrs
                .find(s::START_SECTOR)
                .and_then(|x| x.uint())
                .unwrap_or(0),
            nr_sectors: attrs.find(s::NR_SECTORS)?.uint()?,
        },
    ))
}

fn departed_ack(shared: &Shared, req: &Request<'_>) -> Result {
    let attrs = req.attrs();
    let domid =
        domid_of(attrs.find(d::DOMID)).ok_or_else(|| missing(req, c"idcstat: domid required"))?;
    let generation = attrs
        .find(d::GENERATION)
        .and_then(|x| x.u32())
        .ok_or_else(|| missing(req, c"idcstat: generation required"))?;
    shared
        .with_control(|ctl| ctl.shared.core.departed_ack(domid, generation))
        .map_err(|err| control_error(req, err))
}
