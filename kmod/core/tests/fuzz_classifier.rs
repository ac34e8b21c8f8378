//! Fuzz-style and property tests of the per-packet path: arbitrary bytes never panic
//! and are always counted exactly once; structured random frames classify as a
//! reference model says. Bounded (a few thousand cases) so CI stays fast.

mod common;

use common::frames::{arp, ipv4_udp, vlan_tagged};
use common::{
    add_domain, configure_cluster, ifindex_of, mac, small_geometry, v4, Region, ROUTER_MAC,
};
use idcstat_core::addr::MacAddr;
use idcstat_core::classify::Direction;
use idcstat_core::engine::{Accounted, IdcstatCore};
use idcstat_core::frame::{parse, HEADER_BYTES_NEEDED};
use idcstat_core::snapshot::Category;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn world(region: &Region) -> IdcstatCore<'_> {
    let core = region.core();
    configure_cluster(&core);
    add_domain(&core, 1);
    add_domain(&core, 2);
    core
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_are_counted_once_and_never_panic(
        frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..HEADER_BYTES_NEEDED + 8), 1..24),
        rx in proptest::collection::vec(any::<bool>(), 24),
        cpus in proptest::collection::vec(0u32..3, 24),
    ) {
        let region = Region::new(small_geometry());
        let core = world(&region);
        let slot = core.find_domain(1, None).unwrap();
        let (mut tx_packets, mut rx_packets, mut tx_bytes, mut rx_bytes) = (0u64, 0u64, 0u64, 0u64);
        for (i, frame) in frames.iter().enumerate() {
            let direction = if rx[i] { Direction::Rx } else { Direction::Tx };
            // frame_len may exceed the copied header bytes, as in the kernel.
            let len = frame.len() as u32 * 7;
            let outcome = core.account_frame(ifindex_of(1), direction, cpus[i], frame, len);
            prop_assert!(outcome != Accounted::Untracked, "untracked {:?}", outcome);
            match direction {
                Direction::Tx => { tx_packets += 1; tx_bytes += u64::from(len); }
                Direction::Rx => { rx_packets += 1; rx_bytes += u64::from(len); }
            }
        }
        let snapshot = core.domain_snapshot(slot).unwrap();
        prop_assert_eq!(snapshot.tx.total().packets, tx_packets);
        prop_assert_eq!(snapshot.rx.total().packets, rx_packets);
        prop_assert_eq!(snapshot.tx.total().bytes, tx_bytes);
        prop_assert_eq!(snapshot.rx.total().bytes, rx_bytes);
    }

    #[test]
    fn every_prefix_of_a_valid_frame_parses_without_panic(cut in 0usize..80, vlan in any::<bool>()) {
        let base = ipv4_udp(ROUTER_MAC, mac(1), v4(10, 0, 0, 1), v4(10, 0, 5, 5), 20);
        let frame = if vlan { vlan_tagged(&base, 5) } else { base };
        let cut = cut.min(frame.len());
        let parsed = parse(&frame[..cut]);
        prop_assert_eq!(parsed.is_none(), cut < 14);
    }

    #[test]
    fn structured_frames_match_the_reference_model(
        dst_kind in 0u8..4,
        ip_kind in 0u8..4,
        is_arp in any::<bool>(),
        vlan in any::<bool>(),
    ) {
        let region = Region::new(small_geometry());
        let core = world(&region);
        let dst_mac = match dst_kind {
            0 => MacAddr::BROADCAST,
            1 => mac(2),
            2 => MacAddr([0x01, 0x00, 0x5e, 0, 0, 1]),
            _ => ROUTER_MAC,
        };
        let dst_ip = match ip_kind {
            0 => v4(10, 0, 0, 254),
            1 => v4(10, 0, 4, 4),
            2 => v4(9, 9, 9, 9),
            _ => v4(10, 0, 0, 2),
        };
        let mut frame = if is_arp {
            arp(dst_mac, mac(1), v4(10, 0, 0, 1), dst_ip, dst_kind != 0)
        } else {
            ipv4_udp(dst_mac, mac(1), v4(10, 0, 0, 1), dst_ip, 30)
        };
        if vlan {
            frame = vlan_tagged(&frame, 9);
        }
        let expected = if dst_mac.is_group() {
            Category::Bcast
        } else if dst_mac == mac(2) {
            Category::Idc
        } else if is_arp {
            Category::NonIp
        } else {
            match ip_kind { 0 => Category::Dom0, 1 | 3 => Category::Nic, _ => Category::External }
        };
        let outcome = core.account_frame(ifindex_of(1), Direction::Tx, 0, &frame, frame.len() as u32);
        prop_assert_eq!(outcome_category(outcome), Some(expected));
    }
}

fn outcome_category(outcome: Accounted) -> Option<Category> {
    match outcome {
        Accounted::Counted { category, .. } => Some(category),
        Accounted::Untracked => None,
    }
}

/// A deterministic mutation fuzzer (xorshift): flips, truncates and splices bytes of
/// valid frames of every kind, 20 000 iterations, through parse and the full path.
#[test]
fn mutated_frames_never_panic() {
    let region = Region::new(small_geometry());
    let core = world(&region);
    let seeds: Vec<Vec<u8>> = vec![
        ipv4_udp(mac(2), mac(1), v4(10, 0, 0, 1), v4(10, 0, 0, 2), 40),
        vlan_tagged(
            &ipv4_udp(ROUTER_MAC, mac(1), v4(10, 0, 0, 1), v4(10, 0, 5, 5), 40),
            3,
        ),
        arp(
            MacAddr::BROADCAST,
            mac(1),
            v4(10, 0, 0, 1),
            v4(10, 0, 0, 2),
            false,
        ),
        common::frames::ndp_advert(
            mac(1),
            [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            [0xfd; 16],
        ),
        common::frames::ipv6_udp(
            ROUTER_MAC,
            mac(1),
            [0xfd; 16],
            [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3],
            10,
        ),
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut counted = 0u64;
    for i in 0..20_000u64 {
        let mut frame = seeds[(i % seeds.len() as u64) as usize].clone();
        for _ in 0..(next() % 6) {
            let at = (next() as usize) % frame.len().max(1);
            match next() % 4 {
                0 => frame[at] ^= 1 << (next() % 8),
                1 => frame[at] = next() as u8,
                2 => frame.truncate(at),
                _ => frame.insert(at, next() as u8),
            }
            if frame.is_empty() {
                break;
            }
        }
        let direction = if next() % 2 == 0 {
            Direction::Tx
        } else {
            Direction::Rx
        };
        let cpu = (next() % 2) as u32;
        let _ = parse(&frame);
        if let Accounted::Counted { .. } =
            core.account_frame(ifindex_of(1), direction, cpu, &frame, frame.len() as u32)
        {
            counted += 1;
        }
    }
    assert_eq!(counted, 20_000);
    let slot = core.find_domain(1, None).unwrap();
    let snapshot = core.domain_snapshot(slot).unwrap();
    assert_eq!(
        snapshot.tx.total().packets + snapshot.rx.total().packets,
        20_000
    );
}
