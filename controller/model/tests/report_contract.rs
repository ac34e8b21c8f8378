//! Reports and actions survive the wire (JSON and bincode) and validation
//! rejects what the RMN cannot use.

use reunion_model::{
    Action, ActionId, ActionKind, ActionOutcome, ActionResult, DomId, DomainReport, DomainState,
    DomainTraffic, DomainUuid, HostCapacity, HostId, HostReport, MacAddr, PeerKey, PeerTraffic,
    TrafficCounters, MIB,
};
use std::net::{IpAddr, Ipv4Addr};

fn domain(uuid: u128, peers: Vec<PeerTraffic>) -> DomainReport {
    DomainReport {
        uuid: DomainUuid::from_u128(uuid),
        domid: DomId(uuid as u32),
        name: format!("vm{uuid}"),
        state: DomainState::Running,
        cpu_time_ns: 5_000_000_000,
        mem_bytes: 256 * MIB,
        max_mem_bytes: 512 * MIB,
        swap_write_pages: 10,
        swap_read_pages: 3,
        ips: vec![IpAddr::V4(Ipv4Addr::new(10, 0, 0, uuid as u8))],
        macs: vec![MacAddr([0, 0x16, 0x3e, 0, 0, uuid as u8])],
        traffic: DomainTraffic {
            peers,
            external: TrafficCounters {
                nic_tx_bytes: 100,
                nic_rx_bytes: 200,
                ..Default::default()
            },
            other: TrafficCounters::default(),
        },
    }
}

fn report(domains: Vec<DomainReport>) -> HostReport {
    HostReport {
        host: HostId::new("xen-a"),
        seq: 7,
        time_ms: 70_000,
        interval_ms: 10_000,
        generation: 1,
        capacity: HostCapacity {
            physical_cpus: 4,
            mem_total_bytes: 8192 * MIB,
            mem_free_bytes: 1024 * MIB,
            nic_bandwidth_bps: 1_000_000_000,
        },
        dom0_cpu_time_ns: 1_000_000_000,
        migration_in_flight: false,
        domains,
    }
}

fn peer(key: PeerKey, idc_tx: u64) -> PeerTraffic {
    PeerTraffic {
        peer: key,
        counters: TrafficCounters {
            idc_tx_bytes: idc_tx,
            ..Default::default()
        },
    }
}

#[test]
fn report_round_trips_through_json_and_bincode() {
    let mut original = report(vec![
        domain(2, vec![peer(PeerKey::Domain(DomainUuid::from_u128(1)), 5)]),
        domain(
            1,
            vec![peer(PeerKey::Ip(IpAddr::V4(Ipv4Addr::new(10, 0, 1, 9))), 7)],
        ),
    ]);
    original.normalize();
    original.validate().expect("valid");
    let json = serde_json::to_string(&original).expect("json");
    assert_eq!(
        serde_json::from_str::<HostReport>(&json).expect("json back"),
        original
    );
    let config = bincode::config::standard();
    let bytes = bincode::serde::encode_to_vec(&original, config).expect("bincode");
    let (back, used): (HostReport, usize) =
        bincode::serde::decode_from_slice(&bytes, config).expect("bincode back");
    assert_eq!(used, bytes.len());
    assert_eq!(back, original);
}

#[test]
fn normalize_makes_order_irrelevant() {
    let a = domain(1, vec![]);
    let b = domain(2, vec![]);
    let mut first = report(vec![a.clone(), b.clone()]);
    let mut second = report(vec![b, a]);
    first.normalize();
    second.normalize();
    assert_eq!(first, second);
}

#[test]
fn duplicate_domains_and_zero_capacities_are_rejected() {
    let mut twice = report(vec![domain(1, vec![]), domain(1, vec![])]);
    twice.normalize();
    assert!(twice
        .validate()
        .expect_err("dup")
        .to_string()
        .contains("twice"));

    let mut no_cpus = report(vec![]);
    no_cpus.capacity.physical_cpus = 0;
    assert!(no_cpus
        .validate()
        .expect_err("cpus")
        .to_string()
        .contains("physical_cpus"));

    let key = PeerKey::Domain(DomainUuid::from_u128(9));
    let mut dup_peer = report(vec![domain(1, vec![peer(key, 1), peer(key, 2)])]);
    dup_peer.normalize();
    assert!(dup_peer.validate().is_err());
}

#[test]
fn traffic_total_sums_peers_and_buckets() {
    let d = domain(
        1,
        vec![
            peer(PeerKey::Domain(DomainUuid::from_u128(2)), 5),
            peer(PeerKey::Domain(DomainUuid::from_u128(3)), 6),
        ],
    );
    let total = d.traffic.total();
    assert_eq!(total.idc_tx_bytes, 11);
    assert_eq!(total.nic_tx_bytes, 100);
    assert_eq!(total.nic_rx_bytes, 200);
}

#[test]
fn action_json_is_externally_tagged_and_readable() {
    let action = Action {
        id: ActionId(3),
        kind: ActionKind::Migrate {
            uuid: DomainUuid::from_u128(1),
            domid: DomId(5),
            source: HostId::new("a"),
            destination: HostId::new("b"),
        },
    };
    let json = serde_json::to_string(&action).expect("json");
    assert!(json.contains("\"kind\":{\"migrate\":{"), "{json}");
    assert!(
        json.contains("00000000-0000-0000-0000-000000000001"),
        "{json}"
    );
    assert_eq!(action.kind.executing_host(), &HostId::new("a"));
}

/// Actions and results cross the agent/RMN protocol as bincode (serde), which
/// cannot decode internally tagged enums: they must round-trip.
#[test]
fn actions_and_results_round_trip_through_bincode() {
    let config = bincode::config::standard();
    let actions = [
        Action {
            id: ActionId(1),
            kind: ActionKind::MemSet {
                host: HostId::new("a"),
                uuid: DomainUuid::from_u128(7),
                domid: DomId(3),
                target_bytes: 256 << 20,
            },
        },
        Action {
            id: ActionId(2),
            kind: ActionKind::Migrate {
                uuid: DomainUuid::from_u128(8),
                domid: DomId(4),
                source: HostId::new("a"),
                destination: HostId::new("b"),
            },
        },
    ];
    for action in actions {
        let bytes = bincode::serde::encode_to_vec(&action, config).expect("encode");
        let (back, used): (Action, usize) =
            bincode::serde::decode_from_slice(&bytes, config).expect("decode");
        assert_eq!((back, used), (action, bytes.len()));
    }
    for outcome in [
        ActionOutcome::Ok,
        ActionOutcome::Failed {
            stderr: "xl: refused".into(),
        },
    ] {
        let result = ActionResult {
            id: ActionId(9),
            outcome,
        };
        let bytes = bincode::serde::encode_to_vec(&result, config).expect("encode");
        let (back, _): (ActionResult, usize) =
            bincode::serde::decode_from_slice(&bytes, config).expect("decode");
        assert_eq!(back, result);
    }
}

#[test]
fn uuid_order_is_byte_order() {
    let a = DomainUuid::parse("00000000-0000-0000-0000-0000000000ff").expect("uuid");
    let b = DomainUuid::parse("00000000-0000-0000-0000-000000000100").expect("uuid");
    let c = DomainUuid::parse("ff000000-0000-0000-0000-000000000000").expect("uuid");
    assert!(a < b && b < c);
    assert_eq!(a.cmp(&b), a.0.as_bytes().cmp(b.0.as_bytes()));
    assert_eq!(c.cmp(&b), c.0.as_bytes().cmp(b.0.as_bytes()));
}
