//! A full per-peer table sends new peers' traffic to `other` and counts it in
//! dropped-peers; nothing goes uncounted.

mod common;

use common::frames::ipv4_udp;
use common::{
    add_domain, configure_cluster, ifindex_of, mac, small_geometry, v4, Region, ROUTER_MAC,
};
use idcstat_core::classify::Direction::Tx;
use idcstat_core::engine::Accounted;
use idcstat_core::peer_table::PeerOutcome;
use idcstat_core::snapshot::Category;

const OTX: usize = 1;

#[test]
fn peers_beyond_capacity_go_to_other_and_dropped() {
    let geometry = small_geometry();
    let capacity = geometry.peers_per_table as usize;
    let region = Region::new(geometry);
    let core = region.core();
    configure_cluster(&core);
    let me = add_domain(&core, 1);
    let extra = 5;
    let mut full = 0;
    for i in 0..capacity + extra {
        let frame = ipv4_udp(
            ROUTER_MAC,
            mac(1),
            v4(10, 0, 0, 1),
            v4(10, 0, 9, i as u8 + 1),
            100,
        );
        for _ in 0..3 {
            if let Accounted::Counted {
                peer: Some(PeerOutcome::Full),
                ..
            } = core.account_frame(ifindex_of(1), Tx, 0, &frame, frame.len() as u32)
            {
                full += 1;
            }
        }
    }
    assert_eq!(full, extra * 3);
    let entries: Vec<_> = (0..core.peer_slots())
        .filter_map(|i| core.peer_snapshot(me, OTX, i))
        .collect();
    assert_eq!(entries.len(), capacity);
    assert!(entries.iter().all(|e| e.traffic.packets == 3));
    let other = core.other_snapshot(me, OTX).unwrap();
    assert_eq!(other.traffic.packets, (extra * 3) as u64);
    let snapshot = core.domain_snapshot(me).unwrap();
    assert_eq!(snapshot.dropped_peers, [0, (extra * 3) as u64, 0, 0]);
    assert_eq!(snapshot.peers_used[OTX] as usize, capacity);
    let in_entries: u64 = entries.iter().map(|e| e.traffic.packets).sum();
    assert_eq!(
        snapshot.tx.get(Category::Nic).packets,
        in_entries + other.traffic.packets
    );
}

#[test]
fn known_peers_still_get_counted_when_the_table_is_full() {
    let geometry = small_geometry();
    let capacity = geometry.peers_per_table as usize;
    let region = Region::new(geometry);
    let core = region.core();
    configure_cluster(&core);
    let me = add_domain(&core, 1);
    let frames: Vec<_> = (0..capacity + 1)
        .map(|i| {
            ipv4_udp(
                ROUTER_MAC,
                mac(1),
                v4(10, 0, 0, 1),
                v4(10, 0, 8, i as u8 + 1),
                10,
            )
        })
        .collect();
    for frame in &frames {
        core.account_frame(ifindex_of(1), Tx, 0, frame, frame.len() as u32);
    }
    let first = &frames[0];
    let outcome = core.account_frame(ifindex_of(1), Tx, 1, first, first.len() as u32);
    assert!(
        matches!(
            outcome,
            Accounted::Counted {
                peer: Some(PeerOutcome::Found(_) | PeerOutcome::CacheHit(_)),
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(core.domain_snapshot(me).unwrap().dropped_peers[OTX], 1);
}

#[test]
fn tables_are_independent_per_direction_and_domain() {
    let region = Region::new(small_geometry());
    let core = region.core();
    configure_cluster(&core);
    let a = add_domain(&core, 1);
    let b = add_domain(&core, 2);
    let frame = ipv4_udp(ROUTER_MAC, mac(1), v4(10, 0, 0, 1), v4(10, 0, 7, 7), 10);
    core.account_frame(ifindex_of(1), Tx, 0, &frame, frame.len() as u32);
    let count = |slot, table| {
        (0..core.peer_slots())
            .filter(|&i| core.peer_snapshot(slot, table, i).is_some())
            .count()
    };
    assert_eq!(
        [count(a, 0), count(a, 1), count(a, 2), count(a, 3)],
        [0, 1, 0, 0]
    );
    assert_eq!(
        [count(b, 0), count(b, 1), count(b, 2), count(b, 3)],
        [0, 0, 0, 0]
    );
}
