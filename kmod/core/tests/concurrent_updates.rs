//! Several CPUs (threads) count one domain at once: per-CPU shards and atomic shards
//! both give exact totals, concurrent inserts of the same peers make no duplicates,
//! and a concurrent reader sees counters that never go backwards.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use common::frames::ipv4_udp;
use common::{
    add_domain, configure_cluster, ifindex_of, mac, small_geometry, v4, Region, ROUTER_MAC,
};
use idcstat_core::classify::Direction::Tx;
use idcstat_core::geometry::Geometry;
use idcstat_core::snapshot::Category;

const THREADS: u32 = 4;
const PACKETS_PER_THREAD: usize = 20_000;
const PEERS: usize = 12;

fn run(geometry: Geometry) {
    let region = Region::new(geometry);
    let core = region.core();
    configure_cluster(&core);
    let me = add_domain(&core, 1);
    let frames: Vec<Vec<u8>> = (0..PEERS)
        .map(|i| {
            ipv4_udp(
                ROUTER_MAC,
                mac(1),
                v4(10, 0, 0, 1),
                v4(10, 0, 6, i as u8 + 1),
                i * 10,
            )
        })
        .collect();
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut last = 0u64;
            while !done.load(Ordering::Relaxed) {
                let now = core.domain_snapshot(me).unwrap().tx.total().packets;
                assert!(now >= last, "counter went backwards: {last} -> {now}");
                last = now;
            }
        });
        let writers: Vec<_> = (0..THREADS)
            .map(|cpu| {
                let (core, frames) = (&core, &frames);
                scope.spawn(move || {
                    for n in 0..PACKETS_PER_THREAD {
                        let frame = &frames[(n + cpu as usize) % PEERS];
                        core.account_frame(ifindex_of(1), Tx, cpu, frame, frame.len() as u32);
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
        reader.join().unwrap();
    });
    let snapshot = core.domain_snapshot(me).unwrap();
    let total_packets = u64::from(THREADS) * PACKETS_PER_THREAD as u64;
    assert_eq!(snapshot.tx.get(Category::Nic).packets, total_packets);
    let frames = &frames;
    let expected_bytes: u64 = (0..THREADS as usize)
        .flat_map(|cpu| {
            (0..PACKETS_PER_THREAD).map(move |n| frames[(n + cpu) % PEERS].len() as u64)
        })
        .sum();
    assert_eq!(snapshot.tx.get(Category::Nic).bytes, expected_bytes);
    let entries: Vec<_> = (0..core.peer_slots())
        .filter_map(|i| core.peer_snapshot(me, 1, i))
        .collect();
    let keys: HashSet<_> = entries.iter().map(|e| e.ip).collect();
    assert_eq!(
        entries.len(),
        PEERS,
        "no duplicate entries from racing inserts"
    );
    assert_eq!(keys.len(), PEERS);
    assert_eq!(
        entries.iter().map(|e| e.traffic.packets).sum::<u64>(),
        total_packets
    );
    assert_eq!(core.other_snapshot(me, 1).unwrap().traffic.packets, 0);
}

#[test]
fn per_cpu_shards_give_exact_totals() {
    run(Geometry {
        shards: THREADS,
        nr_cpus: THREADS,
        ..small_geometry()
    });
}

#[test]
fn shared_shards_use_atomics_and_give_exact_totals() {
    run(Geometry {
        shards: 1,
        nr_cpus: THREADS,
        ..small_geometry()
    });
}

#[test]
fn cpu_ids_beyond_the_shard_count_still_count_exactly() {
    // A glue bug (cpu >= shards) must not lose counts: those CPUs use atomic adds, and
    // so must everyone sharing their shard, which is why shards < nr_cpus switches
    // the whole core to atomics.
    run(Geometry {
        shards: 2,
        nr_cpus: THREADS,
        ..small_geometry()
    });
}
