//! The per-CPU flow cache (`account_frame_cached`): it hits on repeated headers, and
//! whatever happens in between (learning, config, vifs, reset), a core that uses it
//! ends with exactly the same counters, peers and learned addresses as one that
//! does not.

mod common;

use common::frames::{arp, ipv4_udp, ipv6_udp, ndp_advert, vlan_tagged};
use common::{
    add_domain, configure_cluster, ifindex_of, mac, small_geometry, v4, Region, ROUTER_MAC,
};
use idcstat_core::addr::{IpAddr16, MacAddr, Prefix};
use idcstat_core::classify::Direction;
use idcstat_core::engine::{Accounted, IdcstatCore};
use idcstat_core::lifecycle::VifIdentity;
use idcstat_core::peer_table::PeerOutcome;
use idcstat_core::snapshot::Category;
use proptest::prelude::*;

fn v6(last: u8, link_local: bool) -> [u8; 16] {
    let mut a = [0u8; 16];
    if link_local {
        a[0] = 0xfe;
        a[1] = 0x80;
    } else {
        a[0] = 0xfd;
    }
    a[15] = last;
    a
}

/// Frames domain `from` might send or receive: IDC, NIC, external, dom0, broadcast,
/// IPv6 global and link-local, ARP, NDP, VLAN, truncated, and a foreign source.
fn alphabet() -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    for (a, b) in [(1u8, 2u8), (2, 1), (1, 3), (3, 1), (2, 3)] {
        let (ma, mb) = (mac(a), mac(b));
        frames.push(ipv4_udp(mb, ma, v4(10, 0, 0, a), v4(10, 0, 0, b), 18));
        frames.push(ipv4_udp(mb, ma, v4(10, 0, 0, a + 10), v4(10, 0, 0, b), 18));
        frames.push(ipv6_udp(mb, ma, v6(a, false), v6(b, false), 8));
        frames.push(ipv6_udp(mb, ma, v6(a, true), v6(b, true), 8));
        frames.push(arp(mb, ma, v4(10, 0, 0, a), v4(10, 0, 0, b), true));
    }
    for a in 1u8..=3 {
        let ma = mac(a);
        frames.push(ipv4_udp(
            ROUTER_MAC,
            ma,
            v4(10, 0, 0, a),
            v4(10, 0, 1, 5),
            18,
        ));
        frames.push(ipv4_udp(
            ma,
            ROUTER_MAC,
            v4(10, 0, 1, 5),
            v4(10, 0, 0, a),
            18,
        ));
        frames.push(ipv4_udp(
            ROUTER_MAC,
            ma,
            v4(10, 0, 0, a),
            v4(192, 0, 2, 1),
            18,
        ));
        frames.push(ipv4_udp(
            ROUTER_MAC,
            ma,
            v4(10, 0, 0, a),
            v4(10, 0, 0, 254),
            18,
        ));
        frames.push(ipv4_udp(
            MacAddr::BROADCAST,
            ma,
            v4(10, 0, 0, a),
            v4(10, 0, 255, 255),
            18,
        ));
        frames.push(ipv4_udp(
            ROUTER_MAC,
            ma,
            v4(0, 0, 0, 0),
            v4(10, 0, 1, 5),
            18,
        ));
        frames.push(ndp_advert(ma, v6(a, true), v6(a + 20, false)));
        let tagged = ipv4_udp(ROUTER_MAC, ma, v4(10, 0, 0, a), v4(10, 0, 1, 5), 18);
        frames.push(vlan_tagged(&tagged, 7));
        frames.push(tagged[..30].to_vec());
        // A frame this domain forwards for someone else (a bridge inside the guest).
        let foreign = MacAddr([0x02, 0, 0, 0, 0x77, a]);
        frames.push(ipv4_udp(
            ROUTER_MAC,
            foreign,
            v4(10, 0, 7, a),
            v4(10, 0, 1, 5),
            18,
        ));
    }
    frames
}

#[derive(Debug, Clone)]
enum Op {
    Packet {
        frame: usize,
        domid: u16,
        rx: bool,
        cpu: u32,
        len: u32,
    },
    /// The agent renames a vif's domain generation (re-creating the domain).
    Regenerate(u16),
    /// The vif goes (destroy) and comes back.
    Replug(u16),
    ClearPrefixes,
    AddPrefixes,
    Reset,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        20 => (0usize..1000, 1u16..=3, any::<bool>(), 0u32..2, 60u32..1500)
            .prop_map(|(frame, domid, rx, cpu, len)| Op::Packet { frame, domid, rx, cpu, len }),
        1 => (1u16..=3).prop_map(Op::Regenerate),
        1 => (1u16..=3).prop_map(Op::Replug),
        1 => Just(Op::ClearPrefixes),
        1 => Just(Op::AddPrefixes),
        1 => Just(Op::Reset),
    ]
}

/// Domains 1 and 2 with agent-confirmed MACs; domain 3 only by its vif name, so its
/// MAC is learned from its first frame.
fn world(region: &Region) -> IdcstatCore<'_> {
    let core = region.core();
    configure_cluster(&core);
    add_domain(&core, 1);
    add_domain(&core, 2);
    core.vif_appeared(ifindex_of(3), b"vif3.0").expect("vif3.0");
    core
}

/// Which per-packet entry a core is driven through.
#[derive(Debug, Clone, Copy)]
enum Entry {
    /// `account_frame`, no flow cache.
    Plain,
    /// `account_frame_cached`, the flow cache returning the outcome.
    Cached,
    /// `count_frame_cached`, the kernel hook's entry.
    Counted,
}

fn apply(core: &IdcstatCore<'_>, op: &Op, frames: &[Vec<u8>], entry: Entry, generation: u32) {
    match *op {
        Op::Packet {
            frame,
            domid,
            rx,
            cpu,
            len,
        } => {
            let f = &frames[frame % frames.len()];
            let direction = if rx { Direction::Rx } else { Direction::Tx };
            let ifindex = ifindex_of(domid);
            match entry {
                Entry::Plain => {
                    core.account_frame(ifindex, direction, cpu, f, len);
                }
                Entry::Cached => {
                    core.account_frame_cached(ifindex, direction, cpu, f, len);
                }
                Entry::Counted => core.count_frame_cached(ifindex, direction, cpu, f, len),
            }
        }
        Op::Regenerate(domid) => {
            let _ = core.set_vif_identity(
                VifIdentity {
                    ifindex: ifindex_of(domid),
                    domid,
                    devid: 0,
                    generation,
                    mac: (domid != 3).then(|| mac(domid as u8)),
                },
                0,
            );
        }
        Op::Replug(domid) => {
            core.vif_removed(ifindex_of(domid), 0);
            let name = format!("vif{domid}.0");
            let _ = core.vif_appeared(ifindex_of(domid), name.as_bytes());
        }
        Op::ClearPrefixes => core.clear_cluster_prefixes(),
        Op::AddPrefixes => {
            let _ = core.add_cluster_prefix(Prefix::v4([10, 0, 0, 0], 16).unwrap());
        }
        Op::Reset => core.reset(),
    }
}

/// Everything a reader can see.
fn observe(core: &IdcstatCore<'_>) -> String {
    let mut out = String::new();
    for slot in 0..core.domain_slots() {
        out += &format!(
            "{:?}\n{:?}\n",
            core.domain_snapshot(slot),
            core.domain_mac(slot)
        );
        for table in 0..4 {
            for index in 0..core.peer_slots() {
                if let Some(peer) = core.peer_snapshot(slot, table, index) {
                    out += &format!("{peer:?}\n");
                }
            }
            out += &format!("{:?}\n", core.other_snapshot(slot, table));
        }
    }
    out + &format!("{:?}\n", core.global_stats())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn cached_counted_and_uncached_cores_see_the_same(ops in proptest::collection::vec(op(), 1..120)) {
        let frames = alphabet();
        let regions = [Entry::Plain, Entry::Cached, Entry::Counted].map(|e| (e, Region::new(small_geometry())));
        let cores = regions.each_ref().map(|(e, region)| (*e, world(region)));
        for (i, op) in ops.iter().enumerate() {
            let generation = 10 + i as u32;
            for (entry, core) in &cores {
                apply(core, op, &frames, *entry, generation);
            }
        }
        let plain = observe(&cores[0].1);
        prop_assert_eq!(&plain, &observe(&cores[1].1));
        prop_assert_eq!(&plain, &observe(&cores[2].1));
    }
}

fn send(core: &IdcstatCore<'_>, domid: u16, direction: Direction, frame: &[u8]) -> Accounted {
    core.account_frame_cached(ifindex_of(domid), direction, 0, frame, frame.len() as u32)
}

#[test]
fn a_repeated_frame_hits_and_counts_like_the_first() {
    let region = Region::new(small_geometry());
    let core = world(&region);
    let frame = ipv4_udp(mac(2), mac(1), v4(10, 0, 0, 1), v4(10, 0, 0, 2), 18);
    let Accounted::Counted {
        slot,
        category: Category::Idc,
        peer: Some(PeerOutcome::Inserted(index)),
    } = send(&core, 1, Direction::Tx, &frame)
    else {
        panic!("the first frame inserts an IDC peer");
    };
    for _ in 0..3 {
        assert_eq!(
            send(&core, 1, Direction::Tx, &frame),
            Accounted::Counted {
                slot,
                category: Category::Idc,
                peer: Some(PeerOutcome::CacheHit(index)),
            }
        );
    }
    let snapshot = core.domain_snapshot(slot).unwrap();
    assert_eq!(snapshot.tx.get(Category::Idc).packets, 4);
    assert_eq!(snapshot.tx.get(Category::Idc).bytes, 4 * frame.len() as u64);
    assert_eq!(
        core.peer_snapshot(slot, 0, index).unwrap().traffic.packets,
        4
    );
}

#[test]
fn a_learned_mac_turns_a_cached_flow_into_idc() {
    let region = Region::new(small_geometry());
    let core = world(&region);
    // Domain 3's MAC is not known yet: 1 -> 3 is plain cluster traffic.
    let to_3 = ipv4_udp(mac(3), mac(1), v4(10, 0, 0, 1), v4(10, 0, 0, 3), 18);
    for _ in 0..2 {
        assert!(matches!(
            send(&core, 1, Direction::Tx, &to_3),
            Accounted::Counted {
                category: Category::Nic,
                ..
            }
        ));
    }
    // Domain 3 speaks; its MAC is learned, and the cached 1 -> 3 entry is stale.
    let from_3 = ipv4_udp(mac(1), mac(3), v4(10, 0, 0, 3), v4(10, 0, 0, 1), 18);
    send(&core, 3, Direction::Tx, &from_3);
    assert!(matches!(
        send(&core, 1, Direction::Tx, &to_3),
        Accounted::Counted {
            category: Category::Idc,
            ..
        }
    ));
}

#[test]
fn a_new_source_address_is_still_learned_on_a_cached_flow() {
    let region = Region::new(small_geometry());
    let core = world(&region);
    let slot = core.find_domain(1, None).unwrap();
    let first = ipv4_udp(ROUTER_MAC, mac(1), v4(10, 0, 0, 1), v4(10, 0, 1, 5), 18);
    let second = ipv4_udp(ROUTER_MAC, mac(1), v4(10, 0, 0, 9), v4(10, 0, 1, 5), 18);
    let on_cpu = |cpu: u32, frame: &[u8]| {
        core.account_frame_cached(ifindex_of(1), Direction::Tx, cpu, frame, frame.len() as u32)
    };
    on_cpu(0, &first);
    assert!(matches!(
        on_cpu(0, &first),
        Accounted::Counted {
            peer: Some(PeerOutcome::CacheHit(_)),
            ..
        }
    ));
    // CPU 1 sees the domain send from another address, which is learned...
    on_cpu(1, &second);
    assert_eq!(
        core.domain_snapshot(slot).unwrap().ipv4,
        Some([10, 0, 0, 9])
    );
    // ...and CPU 0's cached entry for the first address must not hide the change back.
    on_cpu(0, &first);
    assert_eq!(
        core.domain_snapshot(slot).unwrap().ipv4,
        Some([10, 0, 0, 1])
    );
}

#[test]
fn a_new_ipv6_source_address_is_still_learned_on_a_cached_flow() {
    let region = Region::new(small_geometry());
    let core = world(&region);
    let slot = core.find_domain(1, None).unwrap();
    let (first, second) = (v6(1, false), v6(9, false));
    let frame_from = |src: [u8; 16]| ipv6_udp(ROUTER_MAC, mac(1), src, v6(200, false), 8);
    let (first_frame, second_frame) = (frame_from(first), frame_from(second));
    let on_cpu = |cpu: u32, frame: &[u8]| {
        core.count_frame_cached(ifindex_of(1), Direction::Tx, cpu, frame, frame.len() as u32)
    };
    let learned = || core.domain_snapshot(slot).unwrap().ipv6_global;
    on_cpu(0, &first_frame);
    on_cpu(0, &first_frame);
    assert_eq!(learned(), Some(IpAddr16::from_v6(first)));
    on_cpu(1, &second_frame);
    assert_eq!(learned(), Some(IpAddr16::from_v6(second)));
    // CPU 0's entry for the first address was filled before the change: it must miss.
    on_cpu(0, &first_frame);
    assert_eq!(learned(), Some(IpAddr16::from_v6(first)));
}
