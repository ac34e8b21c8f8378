//! The per-CPU last-hit cache: hits on repeats, stays correct when peers alternate,
//! is private to each CPU, and never survives a domain slot's reuse.

mod common;

use common::frames::ipv4_udp;
use common::{
    add_domain, configure_cluster, ifindex_of, mac, small_geometry, v4, Region, ROUTER_MAC,
};
use idcstat_core::classify::Direction::Tx;
use idcstat_core::engine::{Accounted, IdcstatCore};
use idcstat_core::lifecycle::VifIdentity;
use idcstat_core::peer_table::PeerOutcome;

fn send(core: &IdcstatCore<'_>, cpu: u32, last_octet: u8) -> PeerOutcome {
    let frame = ipv4_udp(
        ROUTER_MAC,
        mac(1),
        v4(10, 0, 0, 1),
        v4(10, 0, 3, last_octet),
        10,
    );
    match core.account_frame(ifindex_of(1), Tx, cpu, &frame, frame.len() as u32) {
        Accounted::Counted {
            peer: Some(outcome),
            ..
        } => outcome,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn repeats_hit_the_cache() {
    let region = Region::new(small_geometry());
    let core = region.core();
    configure_cluster(&core);
    add_domain(&core, 1);
    let PeerOutcome::Inserted(index) = send(&core, 0, 1) else {
        panic!("first packet inserts")
    };
    assert_eq!(send(&core, 0, 1), PeerOutcome::CacheHit(index));
    assert_eq!(send(&core, 0, 1), PeerOutcome::CacheHit(index));
}

#[test]
fn alternating_peers_miss_but_count_right() {
    let region = Region::new(small_geometry());
    let core = region.core();
    configure_cluster(&core);
    let me = add_domain(&core, 1);
    let PeerOutcome::Inserted(a) = send(&core, 0, 1) else {
        panic!()
    };
    let PeerOutcome::Inserted(b) = send(&core, 0, 2) else {
        panic!()
    };
    for _ in 0..5 {
        assert_eq!(send(&core, 0, 1), PeerOutcome::Found(a));
        assert_eq!(send(&core, 0, 2), PeerOutcome::Found(b));
    }
    assert_eq!(core.peer_snapshot(me, 1, a).unwrap().traffic.packets, 6);
    assert_eq!(core.peer_snapshot(me, 1, b).unwrap().traffic.packets, 6);
}

#[test]
fn each_cpu_has_its_own_cache() {
    let region = Region::new(small_geometry());
    let core = region.core();
    configure_cluster(&core);
    add_domain(&core, 1);
    let PeerOutcome::Inserted(a) = send(&core, 0, 1) else {
        panic!()
    };
    let PeerOutcome::Inserted(b) = send(&core, 1, 2) else {
        panic!()
    };
    assert_eq!(send(&core, 0, 1), PeerOutcome::CacheHit(a));
    assert_eq!(send(&core, 1, 2), PeerOutcome::CacheHit(b));
    assert_eq!(send(&core, 1, 1), PeerOutcome::Found(a));
}

#[test]
fn a_reused_slot_starts_with_an_empty_cache_and_table() {
    let mut geometry = small_geometry();
    geometry.max_domains = 1;
    let region = Region::new(geometry);
    let core = region.core();
    configure_cluster(&core);
    add_domain(&core, 1);
    send(&core, 0, 1);
    core.vif_removed(ifindex_of(1), 5);
    core.departed_ack(1, 1).unwrap();
    // domid 1 comes back as a new generation in the same (only) slot.
    let vif = VifIdentity {
        ifindex: ifindex_of(1),
        domid: 1,
        devid: 0,
        generation: 2,
        mac: Some(mac(1)),
    };
    core.set_vif_identity(vif, 6).unwrap();
    assert!(matches!(send(&core, 0, 1), PeerOutcome::Inserted(_)));
    let slot = core.find_domain(1, Some(2)).unwrap();
    let entries: Vec<_> = (0..core.peer_slots())
        .filter_map(|i| core.peer_snapshot(slot, 1, i))
        .collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].traffic.packets, 1);
}
