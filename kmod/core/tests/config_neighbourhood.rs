//! Cluster prefixes, dom0 addresses and uplinks: dedupe, capacity, clearing, and their
//! effect on classification.

mod common;

use common::frames::ipv4_udp;
use common::{add_domain, ifindex_of, mac, small_geometry, v4, Region, ROUTER_MAC};
use idcstat_core::addr::Prefix;
use idcstat_core::classify::Direction::Tx;
use idcstat_core::engine::Accounted;
use idcstat_core::geometry::{MAX_CLUSTER_PREFIXES, MAX_UPLINKS};
use idcstat_core::lifecycle::ControlError;
use idcstat_core::snapshot::Category;

fn category_of(core: &idcstat_core::engine::IdcstatCore<'_>, dst: [u8; 4]) -> Category {
    let frame = ipv4_udp(
        ROUTER_MAC,
        mac(1),
        v4(10, 0, 0, 1),
        v4(dst[0], dst[1], dst[2], dst[3]),
        10,
    );
    match core.account_frame(ifindex_of(1), Tx, 0, &frame, frame.len() as u32) {
        Accounted::Counted { category, .. } => category,
        Accounted::Untracked => panic!("untracked"),
    }
}

#[test]
fn prefixes_decide_nic_versus_external_and_can_be_cleared() {
    let region = Region::new(small_geometry());
    let core = region.core();
    add_domain(&core, 1);
    assert_eq!(
        category_of(&core, [192, 168, 1, 5]),
        Category::External,
        "no prefixes: nothing is cluster"
    );
    core.add_cluster_prefix(Prefix::v4([192, 168, 1, 77], 24).unwrap())
        .unwrap();
    assert_eq!(
        core.cluster_prefixes()[0].unwrap().addr(),
        v4(192, 168, 1, 0),
        "host bits are masked"
    );
    assert_eq!(category_of(&core, [192, 168, 1, 5]), Category::Nic);
    assert_eq!(category_of(&core, [192, 168, 2, 5]), Category::External);
    core.clear_cluster_prefixes();
    assert_eq!(category_of(&core, [192, 168, 1, 5]), Category::External);
}

#[test]
fn dom0_addresses_win_over_cluster_prefixes() {
    let region = Region::new(small_geometry());
    let core = region.core();
    add_domain(&core, 1);
    core.add_cluster_prefix(Prefix::v4([10, 0, 0, 0], 8).unwrap())
        .unwrap();
    core.add_host_addr(v4(10, 1, 1, 1)).unwrap();
    assert_eq!(category_of(&core, [10, 1, 1, 1]), Category::Dom0);
    core.clear_host_addrs();
    assert_eq!(category_of(&core, [10, 1, 1, 1]), Category::Nic);
}

#[test]
fn lists_dedupe_and_refuse_when_full() {
    let region = Region::new(small_geometry());
    let core = region.core();
    let p = Prefix::v4([10, 0, 0, 0], 8).unwrap();
    core.add_cluster_prefix(p).unwrap();
    core.add_cluster_prefix(p).unwrap();
    assert_eq!(core.cluster_prefixes().iter().flatten().count(), 1);
    for i in 1..MAX_CLUSTER_PREFIXES {
        core.add_cluster_prefix(Prefix::v4([11, i as u8, 0, 0], 16).unwrap())
            .unwrap();
    }
    assert_eq!(
        core.add_cluster_prefix(Prefix::v4([12, 0, 0, 0], 8).unwrap()),
        Err(ControlError::ConfigFull("cluster prefixes"))
    );
    for i in 0..MAX_UPLINKS as u32 {
        core.add_uplink(1000 + i).unwrap();
    }
    assert_eq!(
        core.add_uplink(2000),
        Err(ControlError::ConfigFull("uplinks"))
    );
    assert!(core.is_uplink(1000));
    core.clear_uplinks();
    assert!(!core.is_uplink(1000));
}

#[test]
fn prefix_lengths_are_validated() {
    assert!(Prefix::v4([10, 0, 0, 0], 33).is_none());
    assert!(Prefix::v6([0; 16], 129).is_none());
    let all_v4 = Prefix::v4([0; 4], 0).unwrap();
    assert!(all_v4.contains(v4(1, 2, 3, 4)));
    assert!(!all_v4.contains(idcstat_core::addr::IpAddr16::from_v6([
        0x20, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    ])));
}
