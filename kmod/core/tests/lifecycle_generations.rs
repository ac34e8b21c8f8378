//! Domains appear by vif name or by the agent's word, depart with their last vif,
//! stay readable until acknowledged or timed out, and domids are reused safely.

mod common;

use common::frames::ipv4_udp;
use common::{configure_cluster, mac, small_geometry, v4, Region, ROUTER_MAC};
use idcstat_core::classify::Direction::Tx;
use idcstat_core::engine::IdcstatCore;
use idcstat_core::lifecycle::{parse_vif_name, ControlError, VifIdentity, AUTO_GENERATION_BASE};
use idcstat_core::snapshot::{Category, DomainState};

fn identity(ifindex: u32, domid: u16, generation: u32) -> VifIdentity {
    VifIdentity {
        ifindex,
        domid,
        devid: 0,
        generation,
        mac: Some(mac(domid as u8)),
    }
}

fn send_external(core: &IdcstatCore<'_>, ifindex: u32, src: u8) {
    let frame = ipv4_udp(ROUTER_MAC, mac(src), v4(10, 0, 0, src), v4(8, 8, 8, 8), 100);
    core.account_frame(ifindex, Tx, 0, &frame, frame.len() as u32);
}

#[test]
fn vif_names_parse() {
    assert_eq!(parse_vif_name(b"vif3.0"), Some((3, 0)));
    assert_eq!(parse_vif_name(b"vif12.1-emu"), Some((12, 1)));
    assert_eq!(parse_vif_name(b"vif65535.7"), Some((65535, 7)));
    for bad in [
        &b"vif"[..],
        b"vif3",
        b"vif.0",
        b"vif3.",
        b"vif65536.0",
        b"eth0",
        b"vif3.0x",
        b"vifa.0",
        b"vif1.2.3",
    ] {
        assert_eq!(
            parse_vif_name(bad),
            None,
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn named_vif_gets_an_automatic_generation_then_adopts_the_agents() {
    let region = Region::new(small_geometry());
    let core = region.core();
    let (tracked, events) = core.vif_appeared(7, b"vif5.0").unwrap();
    assert!(tracked);
    let appeared = events.appeared.expect("appeared");
    assert_eq!(appeared.domid, 5);
    assert!(appeared.generation >= AUTO_GENERATION_BASE);
    send_external(&core, 7, 5);
    let events = core.set_vif_identity(identity(7, 5, 42), 0).unwrap();
    assert_eq!(events.appeared, None, "adoption keeps the domain");
    let snapshot = core.domain_snapshot(appeared.slot).unwrap();
    assert_eq!(snapshot.generation, 42);
    assert_eq!(snapshot.tx.total().packets, 1, "counters survive adoption");
}

#[test]
fn other_names_and_uplinks_are_not_tracked() {
    let region = Region::new(small_geometry());
    let core = region.core();
    core.add_uplink(3).unwrap();
    assert!(!core.vif_appeared(2, b"eth0").unwrap().0);
    assert!(!core.vif_appeared(3, b"vif1.0").unwrap().0);
    assert_eq!(core.find_domain(1, None), None);
}

#[test]
fn last_vif_gone_departs_and_counters_stay_readable_until_ack() {
    let region = Region::new(small_geometry());
    let core = region.core();
    core.set_vif_identity(identity(10, 1, 1), 0).unwrap();
    core.set_vif_identity(
        VifIdentity {
            ifindex: 11,
            devid: 1,
            ..identity(10, 1, 1)
        },
        0,
    )
    .unwrap();
    send_external(&core, 10, 1);
    send_external(&core, 11, 1);
    let slot = core.find_domain(1, None).unwrap();
    assert_eq!(core.vif_removed(10, 100).departed, None, "one vif left");
    let departed = core.vif_removed(11, 200).departed.expect("departed");
    assert_eq!((departed.domid, departed.generation), (1, 1));
    for _ in 0..3 {
        // Several readers: reading never consumes.
        let snapshot = core.domain_snapshot(slot).unwrap();
        assert_eq!(snapshot.state, DomainState::Departed { at_ms: 200 });
        assert_eq!(snapshot.tx.get(Category::External).packets, 2);
    }
    assert_eq!(core.departed_ack(1, 2), Err(ControlError::NoSuchDomain));
    core.departed_ack(1, 1).unwrap();
    assert_eq!(core.domain_snapshot(slot), None);
    assert_eq!(core.departed_ack(1, 1), Err(ControlError::NoSuchDomain));
}

#[test]
fn active_domains_cannot_be_acknowledged() {
    let region = Region::new(small_geometry());
    let core = region.core();
    core.set_vif_identity(identity(10, 1, 1), 0).unwrap();
    assert_eq!(core.departed_ack(1, 1), Err(ControlError::NotDeparted));
}

#[test]
fn departed_domains_expire_after_the_timeout() {
    let mut geometry = small_geometry();
    geometry.departed_timeout_ms = 1000;
    let region = Region::new(geometry);
    let core = region.core();
    core.set_vif_identity(identity(10, 1, 1), 0).unwrap();
    core.vif_removed(10, 5000);
    assert_eq!(core.expire_departed(5999), 0);
    assert!(core.find_domain(1, Some(1)).is_some());
    assert_eq!(core.expire_departed(6000), 1);
    assert_eq!(core.find_domain(1, Some(1)), None);
}

#[test]
fn domid_reuse_with_a_new_generation_keeps_both_apart() {
    let region = Region::new(small_geometry());
    let core = region.core();
    configure_cluster(&core);
    core.set_vif_identity(identity(10, 1, 1), 0).unwrap();
    send_external(&core, 10, 1);
    // The agent reports domid 1 again with generation 2 on a new vif while the old
    // vif has not been seen going: the old generation departs.
    let events = core.set_vif_identity(identity(20, 1, 2), 50).unwrap();
    assert_eq!(events.departed.map(|d| d.generation), Some(1));
    assert_eq!(events.appeared.map(|d| d.generation), Some(2));
    let old = core.find_domain(1, Some(1)).unwrap();
    let new = core.find_domain(1, Some(2)).unwrap();
    assert_ne!(old, new);
    assert_eq!(
        core.find_domain(1, None),
        Some(new),
        "the active generation is the default"
    );
    send_external(&core, 20, 1);
    send_external(&core, 20, 1);
    assert_eq!(core.domain_snapshot(old).unwrap().tx.total().packets, 1);
    assert_eq!(core.domain_snapshot(new).unwrap().tx.total().packets, 2);
    // Packets on the old ifindex are no longer the domain's.
    send_external(&core, 10, 1);
    assert_eq!(core.global_stats().untracked.packets, 1);
}

#[test]
fn a_full_table_evicts_the_oldest_departed_domain_then_refuses() {
    let mut geometry = small_geometry();
    geometry.max_domains = 2;
    let region = Region::new(geometry);
    let core = region.core();
    core.set_vif_identity(identity(10, 1, 1), 0).unwrap();
    core.set_vif_identity(identity(11, 2, 1), 0).unwrap();
    core.vif_removed(10, 10);
    core.set_vif_identity(identity(12, 3, 1), 20).unwrap();
    assert_eq!(
        core.find_domain(1, None),
        None,
        "departed domain 1 was evicted"
    );
    assert_eq!(core.global_stats().evicted_departed, 1);
    assert_eq!(
        core.set_vif_identity(identity(13, 4, 1), 30),
        Err(ControlError::DomainTableFull)
    );
    assert_eq!(core.global_stats().domain_table_full, 1);
}

#[test]
fn agent_generations_must_stay_below_the_automatic_range() {
    let region = Region::new(small_geometry());
    let core = region.core();
    let result = core.set_vif_identity(identity(10, 1, AUTO_GENERATION_BASE), 0);
    assert_eq!(result, Err(ControlError::InvalidArgument("generation")));
}

#[test]
fn structure_version_moves_on_every_change() {
    let region = Region::new(small_geometry());
    let core = region.core();
    let v0 = core.structure_version();
    core.set_vif_identity(identity(10, 1, 1), 0).unwrap();
    let v1 = core.structure_version();
    assert!(v1 > v0);
    core.vif_removed(10, 1);
    assert!(core.structure_version() > v1);
}

#[test]
fn reset_zeroes_counters_keeps_peers_and_bumps_the_epoch() {
    let region = Region::new(small_geometry());
    let core = region.core();
    configure_cluster(&core);
    core.set_vif_identity(identity(10, 1, 1), 0).unwrap();
    let frame = ipv4_udp(ROUTER_MAC, mac(1), v4(10, 0, 0, 1), v4(10, 0, 4, 4), 10);
    core.account_frame(10, Tx, 0, &frame, frame.len() as u32);
    let slot = core.find_domain(1, None).unwrap();
    core.reset();
    let snapshot = core.domain_snapshot(slot).unwrap();
    assert_eq!(snapshot.tx.total().packets, 0);
    assert_eq!(snapshot.reset_epoch, 1);
    let peers: Vec<_> = (0..core.peer_slots())
        .filter_map(|i| core.peer_snapshot(slot, 1, i))
        .collect();
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0].traffic.packets, 0);
}

#[test]
fn a_vif_moving_to_another_domain_takes_only_its_own_mac() {
    let region = Region::new(small_geometry());
    let core = region.core();
    // Domain 1 has two vifs; vif 11 is then named as domain 2's.
    core.set_vif_identity(
        VifIdentity {
            ifindex: 10,
            domid: 1,
            devid: 0,
            generation: 1,
            mac: Some(mac(10)),
        },
        0,
    )
    .unwrap();
    core.set_vif_identity(
        VifIdentity {
            ifindex: 11,
            domid: 1,
            devid: 1,
            generation: 1,
            mac: Some(mac(11)),
        },
        0,
    )
    .unwrap();
    let events = core.set_vif_identity(identity(11, 2, 1), 0).unwrap();
    assert_eq!(events.departed, None, "domain 1 still has vif 10");
    let one = core.find_domain(1, None).unwrap();
    let two = core.find_domain(2, None).unwrap();
    assert_eq!(core.domain_mac(one), Some(mac(10)));
    assert_eq!(core.domain_mac(two), Some(mac(2)));
    // Frames to mac(10) from domain 2 are still IDC with domain 1.
    let frame = ipv4_udp(mac(10), mac(2), v4(10, 0, 0, 2), v4(10, 0, 0, 1), 10);
    let outcome = core.account_frame(11, Tx, 0, &frame, frame.len() as u32);
    assert!(
        matches!(
            outcome,
            idcstat_core::engine::Accounted::Counted {
                category: Category::Idc,
                ..
            }
        ),
        "{outcome:?}"
    );
}

#[test]
fn an_invalid_mac_changes_nothing() {
    let region = Region::new(small_geometry());
    let core = region.core();
    let bad = VifIdentity {
        ifindex: 10,
        domid: 1,
        devid: 0,
        generation: 1,
        mac: Some(idcstat_core::addr::MacAddr::BROADCAST),
    };
    assert_eq!(
        core.set_vif_identity(bad, 0),
        Err(ControlError::InvalidArgument("mac"))
    );
    assert_eq!(core.find_domain(1, None), None);
}

#[test]
fn a_full_vif_table_leaves_no_domain_behind() {
    let mut geometry = small_geometry();
    geometry.max_vifs = 1; // two vif slots
    let region = Region::new(geometry);
    let core = region.core();
    core.set_vif_identity(identity(10, 1, 1), 0).unwrap();
    core.set_vif_identity(identity(11, 2, 1), 0).unwrap();
    assert_eq!(
        core.set_vif_identity(identity(12, 3, 1), 0),
        Err(ControlError::VifTableFull)
    );
    assert_eq!(core.find_domain(3, None), None);
    assert_eq!(core.global_stats().vif_table_full, 1);
}

#[test]
fn the_automatic_generation_base_is_the_specs() {
    assert_eq!(
        AUTO_GENERATION_BASE,
        idcstat_uapi::family::AUTO_GENERATION_BASE
    );
}
