//! Swap ranges: requests and sectors inside a domain's range are counted, flushes and
//! I/O elsewhere are not.

mod common;

use common::{small_geometry, Region};
use idcstat_core::lifecycle::{ControlError, VifIdentity};
use idcstat_core::swap::SwapRange;

const SDB: u32 = (8 << 20) | 16;

fn setup() -> Region {
    Region::new(small_geometry())
}

#[test]
fn requests_inside_the_range_are_counted_with_their_sectors() {
    let region = setup();
    let core = region.core();
    core.set_vif_identity(
        VifIdentity {
            ifindex: 10,
            domid: 3,
            devid: 0,
            generation: 1,
            mac: None,
        },
        0,
    )
    .unwrap();
    let slot = core.find_domain(3, None).unwrap();
    core.set_swap_range(
        3,
        1,
        SwapRange {
            dev: SDB,
            start_sector: 1000,
            nr_sectors: 1000,
        },
    )
    .unwrap();
    assert_eq!(core.account_bio(SDB, 1000, 8, true), Some(slot));
    assert_eq!(
        core.account_bio(SDB, 1992, 16, true),
        Some(slot),
        "straddling the end counts the inside part"
    );
    assert_eq!(core.account_bio(SDB, 1500, 64, false), Some(slot));
    assert_eq!(
        core.account_bio(SDB, 500, 8, true),
        None,
        "before the range"
    );
    assert_eq!(
        core.account_bio(SDB, 2000, 8, true),
        None,
        "after the range"
    );
    assert_eq!(
        core.account_bio(SDB + 1, 1500, 8, true),
        None,
        "other device"
    );
    assert_eq!(core.account_bio(SDB, 1500, 0, true), None, "flush");
    let swap = core.domain_snapshot(slot).unwrap().swap;
    assert_eq!((swap.write_requests, swap.write_sectors), (2, 16));
    assert_eq!((swap.read_requests, swap.read_sectors), (1, 64));
}

#[test]
fn whole_device_ranges_and_huge_sectors_do_not_overflow() {
    let region = setup();
    let core = region.core();
    core.set_vif_identity(
        VifIdentity {
            ifindex: 10,
            domid: 3,
            devid: 0,
            generation: 1,
            mac: None,
        },
        0,
    )
    .unwrap();
    core.set_swap_range(
        3,
        1,
        SwapRange {
            dev: SDB,
            start_sector: 0,
            nr_sectors: u64::MAX,
        },
    )
    .unwrap();
    assert!(core
        .account_bio(SDB, u64::MAX - 1, u64::MAX, false)
        .is_some());
    let slot = core.find_domain(3, None).unwrap();
    assert_eq!(
        core.domain_snapshot(slot).unwrap().swap.read_sectors,
        1,
        "only the last sector is inside"
    );
}

#[test]
fn ranges_need_a_known_domain_and_replace_by_device() {
    let region = setup();
    let core = region.core();
    let range = SwapRange {
        dev: SDB,
        start_sector: 0,
        nr_sectors: 10,
    };
    assert_eq!(
        core.set_swap_range(3, 1, range),
        Err(ControlError::NoSuchDomain)
    );
    core.set_vif_identity(
        VifIdentity {
            ifindex: 10,
            domid: 3,
            devid: 0,
            generation: 1,
            mac: None,
        },
        0,
    )
    .unwrap();
    core.set_swap_range(3, 1, range).unwrap();
    core.set_swap_range(
        3,
        1,
        SwapRange {
            start_sector: 100,
            ..range
        },
    )
    .unwrap();
    let slot = core.find_domain(3, None).unwrap();
    assert_eq!(core.swap_range(slot, 0).map(|r| r.start_sector), Some(100));
    assert_eq!(core.swap_range(slot, 1), None);
    core.set_swap_range(
        3,
        1,
        SwapRange {
            dev: SDB + 1,
            ..range
        },
    )
    .unwrap();
    assert_eq!(
        core.set_swap_range(
            3,
            1,
            SwapRange {
                dev: SDB + 2,
                ..range
            }
        ),
        Err(ControlError::ConfigFull("swap ranges of the domain"))
    );
    core.clear_swap_ranges();
    assert_eq!(core.swap_range(slot, 0), None);
    assert_eq!(core.account_bio(SDB, 100, 1, true), None);
}

#[test]
fn departed_domains_count_no_more_swap() {
    let region = setup();
    let core = region.core();
    core.set_vif_identity(
        VifIdentity {
            ifindex: 10,
            domid: 3,
            devid: 0,
            generation: 1,
            mac: None,
        },
        0,
    )
    .unwrap();
    core.set_swap_range(
        3,
        1,
        SwapRange {
            dev: SDB,
            start_sector: 0,
            nr_sectors: 100,
        },
    )
    .unwrap();
    core.vif_removed(10, 1);
    assert_eq!(core.account_bio(SDB, 0, 8, true), None);
}
