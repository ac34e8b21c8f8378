//! Every message kind survives encode → frame → decode.

use reunion_model::{
    Action, ActionId, ActionKind, ActionOutcome, ActionResult, DomId, DomainUuid, HostId,
};
use reunion_proto::{AgentMessage, FrameReader, FrameWriter, RmnMessage};

fn round_trip_rmn(message: RmnMessage) {
    let mut wire = Vec::new();
    FrameWriter::new(&mut wire, [2; 32], 0)
        .send(&message)
        .expect("send");
    let decoded: RmnMessage = FrameReader::new(wire.as_slice(), [2; 32], 0, 1 << 20)
        .recv()
        .expect("recv");
    assert_eq!(decoded, message);
}

fn round_trip_agent(message: AgentMessage) {
    let mut wire = Vec::new();
    FrameWriter::new(&mut wire, [2; 32], 0)
        .send(&message)
        .expect("send");
    let decoded: AgentMessage = FrameReader::new(wire.as_slice(), [2; 32], 0, 1 << 20)
        .recv()
        .expect("recv");
    assert_eq!(decoded, message);
}

#[test]
fn migrate_and_mem_set_commands_round_trip() {
    round_trip_rmn(RmnMessage::execute(
        Action {
            id: ActionId(7),
            kind: ActionKind::Migrate {
                uuid: DomainUuid::from_u128(1),
                domid: DomId(3),
                source: HostId::new("xen-a"),
                destination: HostId::new("xen-b"),
            },
        },
        Some([1; 32]),
        false,
    ));
    round_trip_rmn(RmnMessage::execute(
        Action {
            id: ActionId(8),
            kind: ActionKind::MemSet {
                host: HostId::new("xen-a"),
                uuid: DomainUuid::from_u128(2),
                domid: DomId(4),
                target_bytes: 256 << 20,
            },
        },
        None,
        true,
    ));
    round_trip_rmn(RmnMessage::Heartbeat);
}

#[test]
fn results_round_trip() {
    round_trip_agent(AgentMessage::result(ActionResult {
        id: ActionId(7),
        outcome: ActionOutcome::Failed {
            stderr: "xl: migration failed".into(),
        },
    }));
    round_trip_agent(AgentMessage::result(ActionResult {
        id: ActionId(8),
        outcome: ActionOutcome::Ok,
    }));
    round_trip_agent(AgentMessage::Heartbeat);
}

#[test]
fn full_host_report_round_trips() {
    use reunion_model::{
        DomainReport, DomainState, DomainTraffic, HostCapacity, HostReport, MacAddr, PeerKey,
        PeerTraffic, TrafficCounters,
    };
    let counters = TrafficCounters {
        idc_tx_bytes: 1,
        idc_rx_bytes: 2,
        nic_tx_bytes: 3,
        nic_rx_bytes: u64::MAX,
    };
    let report = HostReport {
        host: HostId::new("xen-a"),
        seq: 4,
        time_ms: 40_000,
        interval_ms: 10_000,
        generation: 9,
        capacity: HostCapacity {
            physical_cpus: 8,
            mem_total_bytes: 64 << 30,
            mem_free_bytes: 1 << 30,
            nic_bandwidth_bps: 10_000_000_000,
        },
        dom0_cpu_time_ns: 123,
        migration_in_flight: true,
        domains: vec![DomainReport {
            uuid: DomainUuid::from_u128(5),
            domid: DomId(12),
            name: "web-1".into(),
            state: DomainState::Running,
            cpu_time_ns: 5_000_000_000,
            mem_bytes: 512 << 20,
            max_mem_bytes: 1 << 30,
            swap_write_pages: 7,
            swap_read_pages: 8,
            ips: vec![
                "10.0.0.5".parse().expect("ip"),
                "fd00::5".parse().expect("ip"),
            ],
            macs: vec![MacAddr([0, 0x16, 0x3e, 1, 2, 3])],
            traffic: DomainTraffic {
                peers: vec![
                    PeerTraffic {
                        peer: PeerKey::Domain(DomainUuid::from_u128(6)),
                        counters,
                    },
                    PeerTraffic {
                        peer: PeerKey::Ip("10.0.0.9".parse().expect("ip")),
                        counters,
                    },
                    PeerTraffic {
                        peer: PeerKey::Mac(MacAddr([2; 6])),
                        counters,
                    },
                ],
                external: counters,
                other: TrafficCounters::default(),
            },
        }],
    };
    round_trip_agent(AgentMessage::Report(report));
}
