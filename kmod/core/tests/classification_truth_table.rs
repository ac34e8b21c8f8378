//! Every row of the classification rule (thesis §3.4.1 as refined by issue 4), checked
//! through the per-packet entry point and the resulting counters.

mod common;

use common::frames::{arp, ipv4_udp, ipv6_udp, ndp_advert, other, vlan_tagged};
use common::{
    add_domain, configure_cluster, ifindex_of, mac, small_geometry, v4, Region, ROUTER_MAC,
};
use idcstat_core::addr::{IpAddr16, MacAddr};
use idcstat_core::classify::Direction::{self, Rx, Tx};
use idcstat_core::engine::Accounted;
use idcstat_core::snapshot::Category;

const FD00_5: [u8; 16] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5];
const FD00_1: [u8; 16] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const DOC_V6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

struct Row {
    name: &'static str,
    direction: Direction,
    frame: Vec<u8>,
    category: Category,
}

fn rows() -> Vec<Row> {
    let me = mac(1);
    let peer = mac(2);
    let my_ip = v4(10, 0, 0, 1);
    let row = |name, direction, frame, category| Row {
        name,
        direction,
        frame,
        category,
    };
    vec![
        row(
            "tx broadcast ARP",
            Tx,
            arp(MacAddr::BROADCAST, me, my_ip, v4(10, 0, 0, 2), false),
            Category::Bcast,
        ),
        row(
            "tx to local domain MAC",
            Tx,
            ipv4_udp(peer, me, my_ip, v4(10, 0, 0, 2), 100),
            Category::Idc,
        ),
        row(
            "tx ARP reply to local domain",
            Tx,
            arp(peer, me, my_ip, v4(10, 0, 0, 2), true),
            Category::Idc,
        ),
        row(
            "tx to remote cluster IP",
            Tx,
            ipv4_udp(ROUTER_MAC, me, my_ip, v4(10, 0, 5, 7), 200),
            Category::Nic,
        ),
        row(
            "tx outside cluster",
            Tx,
            ipv4_udp(ROUTER_MAC, me, my_ip, v4(8, 8, 8, 8), 50),
            Category::External,
        ),
        row(
            "tx to dom0",
            Tx,
            ipv4_udp(ROUTER_MAC, me, my_ip, v4(10, 0, 0, 254), 10),
            Category::Dom0,
        ),
        row(
            "tx unicast ARP to router",
            Tx,
            arp(ROUTER_MAC, me, my_ip, v4(10, 0, 0, 9), true),
            Category::NonIp,
        ),
        row(
            "tx LLDP-like EtherType",
            Tx,
            other(ROUTER_MAC, me, 0x88cc, 40),
            Category::NonIp,
        ),
        row(
            "tx truncated IPv4",
            Tx,
            ipv4_udp(ROUTER_MAC, me, my_ip, v4(10, 0, 5, 7), 0)[..30].to_vec(),
            Category::NonIp,
        ),
        row(
            "tx IPv6 to cluster",
            Tx,
            ipv6_udp(ROUTER_MAC, me, FD00_1, FD00_5, 64),
            Category::Nic,
        ),
        row(
            "tx IPv6 outside cluster",
            Tx,
            ipv6_udp(ROUTER_MAC, me, FD00_1, DOC_V6, 64),
            Category::External,
        ),
        row(
            "tx NDP advert (multicast)",
            Tx,
            ndp_advert(me, FD00_1, FD00_1),
            Category::Bcast,
        ),
        row(
            "tx VLAN-tagged to remote cluster IP",
            Tx,
            vlan_tagged(&ipv4_udp(ROUTER_MAC, me, my_ip, v4(10, 0, 5, 8), 20), 7),
            Category::Nic,
        ),
        row("tx runt below 14 bytes", Tx, vec![0xff; 9], Category::NonIp),
        row(
            "rx from local domain",
            Rx,
            ipv4_udp(me, peer, v4(10, 0, 0, 2), my_ip, 300),
            Category::Idc,
        ),
        row(
            "rx from remote cluster IP",
            Rx,
            ipv4_udp(me, ROUTER_MAC, v4(10, 0, 5, 7), my_ip, 30),
            Category::Nic,
        ),
        row(
            "rx from outside",
            Rx,
            ipv4_udp(me, ROUTER_MAC, v4(1, 1, 1, 1), my_ip, 30),
            Category::External,
        ),
        row(
            "rx from dom0",
            Rx,
            ipv4_udp(me, ROUTER_MAC, v4(10, 0, 0, 254), my_ip, 30),
            Category::Dom0,
        ),
        row(
            "rx broadcast from local domain",
            Rx,
            arp(MacAddr::BROADCAST, peer, v4(10, 0, 0, 2), my_ip, false),
            Category::Bcast,
        ),
        row(
            "rx ARP from router",
            Rx,
            arp(me, ROUTER_MAC, v4(10, 0, 0, 9), my_ip, true),
            Category::NonIp,
        ),
    ]
}

#[test]
fn each_row_lands_in_its_category() {
    let region = Region::new(small_geometry());
    let core = region.core();
    configure_cluster(&core);
    let me = add_domain(&core, 1);
    add_domain(&core, 2);
    for row in rows() {
        let outcome = core.account_frame(
            ifindex_of(1),
            row.direction,
            0,
            &row.frame,
            row.frame.len() as u32,
        );
        match outcome {
            Accounted::Counted { slot, category, .. } => {
                assert_eq!(slot, me, "{}", row.name);
                assert_eq!(category, row.category, "{}", row.name);
            }
            Accounted::Untracked => panic!("{}: untracked", row.name),
        }
    }
}

#[test]
fn totals_equal_frames_and_bytes_seen() {
    let region = Region::new(small_geometry());
    let core = region.core();
    configure_cluster(&core);
    let me = add_domain(&core, 1);
    add_domain(&core, 2);
    let (mut tx_packets, mut tx_bytes, mut rx_packets, mut rx_bytes) = (0, 0, 0, 0);
    for (i, row) in rows().into_iter().enumerate() {
        let cpu = (i % 2) as u32;
        core.account_frame(
            ifindex_of(1),
            row.direction,
            cpu,
            &row.frame,
            row.frame.len() as u32,
        );
        let len = row.frame.len() as u64;
        match row.direction {
            Tx => (tx_packets, tx_bytes) = (tx_packets + 1, tx_bytes + len),
            Rx => (rx_packets, rx_bytes) = (rx_packets + 1, rx_bytes + len),
        }
    }
    let snapshot = core.domain_snapshot(me).unwrap();
    assert_eq!(snapshot.tx.total().packets, tx_packets);
    assert_eq!(snapshot.tx.total().bytes, tx_bytes);
    assert_eq!(snapshot.rx.total().packets, rx_packets);
    assert_eq!(snapshot.rx.total().bytes, rx_bytes);
    assert_eq!(snapshot.tx.get(Category::Idc).packets, 2);
    assert_eq!(snapshot.tx.get(Category::Nic).packets, 3);
    assert_eq!(snapshot.tx.get(Category::NonIp).packets, 4);
}

#[test]
fn byte_counts_use_frame_len_not_the_header_copy() {
    let region = Region::new(small_geometry());
    let core = region.core();
    configure_cluster(&core);
    let me = add_domain(&core, 1);
    add_domain(&core, 2);
    let frame = ipv4_udp(mac(2), mac(1), v4(10, 0, 0, 1), v4(10, 0, 0, 2), 1400);
    // The glue copies only the headers; the whole frame length is passed separately.
    core.account_frame(ifindex_of(1), Tx, 0, &frame[..64], frame.len() as u32);
    let snapshot = core.domain_snapshot(me).unwrap();
    assert_eq!(snapshot.tx.get(Category::Idc).bytes, 14 + 20 + 8 + 1400);
}

#[test]
fn idc_and_nic_peers_are_recorded_in_their_tables() {
    let region = Region::new(small_geometry());
    let core = region.core();
    configure_cluster(&core);
    let me = add_domain(&core, 1);
    add_domain(&core, 2);
    for row in rows() {
        core.account_frame(
            ifindex_of(1),
            row.direction,
            0,
            &row.frame,
            row.frame.len() as u32,
        );
    }
    let table = |t: usize| -> Vec<_> {
        (0..core.peer_slots())
            .filter_map(|i| core.peer_snapshot(me, t, i))
            .collect()
    };
    let itx = table(0);
    assert_eq!(itx.len(), 1);
    assert_eq!(itx[0].mac, Some(mac(2)));
    assert_eq!(itx[0].peer_domid, Some(2));
    assert_eq!(
        itx[0].ip,
        Some(v4(10, 0, 0, 2)),
        "IDC entry made by ARP learns the IP from the UDP frame"
    );
    assert_eq!(itx[0].traffic.packets, 2);
    let mut otx: Vec<IpAddr16> = table(1).iter().filter_map(|p| p.ip).collect();
    otx.sort();
    let mut expected = vec![v4(10, 0, 5, 7), v4(10, 0, 5, 8), IpAddr16::from_v6(FD00_5)];
    expected.sort();
    assert_eq!(otx, expected);
    assert_eq!(table(2).len(), 1);
    assert_eq!(
        table(3).iter().filter_map(|p| p.ip).collect::<Vec<_>>(),
        vec![v4(10, 0, 5, 7)]
    );
}

#[test]
fn unknown_ifindex_is_counted_as_untracked() {
    let region = Region::new(small_geometry());
    let core = region.core();
    let frame = ipv4_udp(mac(2), mac(1), v4(10, 0, 0, 1), v4(10, 0, 0, 2), 10);
    assert_eq!(
        core.account_frame(999, Tx, 0, &frame, frame.len() as u32),
        Accounted::Untracked
    );
    let stats = core.global_stats();
    assert_eq!(stats.untracked.packets, 1);
    assert_eq!(stats.untracked.bytes, frame.len() as u64);
}
