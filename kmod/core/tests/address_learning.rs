//! Each domain's MAC and addresses are learned from what it sends: its first frame's
//! source MAC, IPv4/IPv6 sources, ARP sender, NDP advertisement targets.

mod common;

use common::frames::{arp, ipv4_udp, ipv6_udp, ndp_advert};
use common::{configure_cluster, mac, small_geometry, v4, Region, ROUTER_MAC};
use idcstat_core::addr::{IpAddr16, MacAddr};
use idcstat_core::classify::Direction::Tx;
use idcstat_core::engine::Accounted;
use idcstat_core::snapshot::Category;

const GLOBAL: [u8; 16] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x21];
const LINK_LOCAL: [u8; 16] = [
    0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x16, 0x3e, 0xff, 0xfe, 0, 0, 1,
];
const ADVERTISED: [u8; 16] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99];

#[test]
fn mac_learned_from_first_frame_makes_the_domain_local_for_others() {
    let region = Region::new(small_geometry());
    let core = region.core();
    configure_cluster(&core);
    core.vif_appeared(11, b"vif1.0").unwrap();
    core.vif_appeared(12, b"vif2.0").unwrap();
    let slot1 = core.find_domain(1, None).unwrap();
    // Before domain 1 has sent anything, domain 2's frames to its MAC are not IDC.
    let to_1 = ipv4_udp(mac(1), mac(2), v4(10, 0, 0, 2), v4(10, 0, 0, 1), 10);
    let before = core.account_frame(12, Tx, 0, &to_1, to_1.len() as u32);
    assert!(
        matches!(
            before,
            Accounted::Counted {
                category: Category::Nic,
                ..
            }
        ),
        "{before:?}"
    );
    let from_1 = arp(
        MacAddr::BROADCAST,
        mac(1),
        v4(10, 0, 0, 1),
        v4(10, 0, 0, 2),
        false,
    );
    core.account_frame(11, Tx, 0, &from_1, from_1.len() as u32);
    assert_eq!(core.domain_mac(slot1), Some(mac(1)));
    assert_eq!(
        core.domain_snapshot(slot1).unwrap().ipv4,
        Some([10, 0, 0, 1]),
        "ARP sender learned"
    );
    let after = core.account_frame(12, Tx, 0, &to_1, to_1.len() as u32);
    assert!(
        matches!(
            after,
            Accounted::Counted {
                category: Category::Idc,
                ..
            }
        ),
        "{after:?}"
    );
}

#[test]
fn ipv4_ipv6_and_ndp_addresses_are_learned() {
    let region = Region::new(small_geometry());
    let core = region.core();
    configure_cluster(&core);
    core.vif_appeared(11, b"vif1.0").unwrap();
    let slot = core.find_domain(1, None).unwrap();
    for frame in [
        ipv4_udp(ROUTER_MAC, mac(1), v4(10, 0, 0, 33), v4(10, 0, 9, 9), 10),
        ipv6_udp(ROUTER_MAC, mac(1), GLOBAL, ADVERTISED, 10),
        ipv6_udp(ROUTER_MAC, mac(1), LINK_LOCAL, GLOBAL, 10),
    ] {
        core.account_frame(11, Tx, 0, &frame, frame.len() as u32);
    }
    let snapshot = core.domain_snapshot(slot).unwrap();
    assert_eq!(snapshot.ipv4, Some([10, 0, 0, 33]));
    assert_eq!(snapshot.ipv6_global, Some(IpAddr16::from_v6(GLOBAL)));
    assert_eq!(
        snapshot.ipv6_link_local,
        Some(IpAddr16::from_v6(LINK_LOCAL))
    );
    let advert = ndp_advert(mac(1), LINK_LOCAL, ADVERTISED);
    core.account_frame(11, Tx, 0, &advert, advert.len() as u32);
    assert_eq!(
        core.domain_snapshot(slot).unwrap().ipv6_global,
        Some(IpAddr16::from_v6(ADVERTISED))
    );
}

#[test]
fn frames_with_a_foreign_source_mac_or_unspecified_sources_teach_nothing() {
    let region = Region::new(small_geometry());
    let core = region.core();
    core.vif_appeared(11, b"vif1.0").unwrap();
    let slot = core.find_domain(1, None).unwrap();
    let first = ipv4_udp(
        ROUTER_MAC,
        mac(1),
        v4(0, 0, 0, 0),
        v4(255, 255, 255, 255),
        10,
    );
    core.account_frame(11, Tx, 0, &first, first.len() as u32);
    assert_eq!(
        core.domain_snapshot(slot).unwrap().ipv4,
        None,
        "0.0.0.0 (DHCP) is not an address"
    );
    let bridged = ipv4_udp(ROUTER_MAC, mac(77), v4(10, 0, 0, 77), v4(10, 0, 0, 9), 10);
    core.account_frame(11, Tx, 0, &bridged, bridged.len() as u32);
    assert_eq!(core.domain_snapshot(slot).unwrap().ipv4, None);
    assert_eq!(
        core.domain_mac(slot),
        Some(mac(1)),
        "only the first source MAC is learned"
    );
}

#[test]
fn the_agents_mac_overrides_a_learned_one() {
    let region = Region::new(small_geometry());
    let core = region.core();
    core.vif_appeared(11, b"vif1.0").unwrap();
    let spoofed = ipv4_udp(ROUTER_MAC, mac(66), v4(10, 0, 0, 66), v4(10, 0, 0, 9), 10);
    core.account_frame(11, Tx, 0, &spoofed, spoofed.len() as u32);
    let identity = idcstat_core::lifecycle::VifIdentity {
        ifindex: 11,
        domid: 1,
        devid: 0,
        generation: 1,
        mac: Some(mac(1)),
    };
    core.set_vif_identity(identity, 0).unwrap();
    let slot = core.find_domain(1, None).unwrap();
    assert_eq!(core.domain_mac(slot), Some(mac(1)));
    let vif = (0..core.layout().vif_slots)
        .find_map(|i| core.vif_at(i))
        .unwrap();
    assert!(vif.mac_confirmed);
    // The spoofed MAC no longer makes domain 1 local.
    core.vif_appeared(12, b"vif2.0").unwrap();
    let to_spoofed = ipv4_udp(mac(66), mac(2), v4(10, 0, 0, 2), v4(10, 0, 0, 66), 10);
    let outcome = core.account_frame(12, Tx, 0, &to_spoofed, to_spoofed.len() as u32);
    assert!(
        !matches!(
            outcome,
            Accounted::Counted {
                category: Category::Idc,
                ..
            }
        ),
        "{outcome:?}"
    );
}
