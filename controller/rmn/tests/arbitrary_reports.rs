//! Any sequence of well-formed but arbitrary reports (counters that jump or
//! go backwards, random states, unknown peers, extreme capacities) neither
//! panics the core nor makes it nondeterministic.

use proptest::prelude::*;
use reunion_model::{
    DomId, DomainReport, DomainState, DomainTraffic, DomainUuid, HostCapacity, HostId, HostReport,
    PeerKey, PeerTraffic, PolicyKind, RmnConfig, TrafficCounters,
};
use reunion_rmn::Rmn;
use std::net::{IpAddr, Ipv4Addr};

fn state() -> impl Strategy<Value = DomainState> {
    prop_oneof![
        4 => Just(DomainState::Running),
        1 => Just(DomainState::Paused),
        1 => Just(DomainState::Migrating),
        1 => Just(DomainState::Crashed),
    ]
}

fn counters() -> impl Strategy<Value = TrafficCounters> {
    (any::<u64>(), 0u64..1 << 40, any::<u32>(), 0u64..1 << 40).prop_map(|(a, b, c, d)| {
        TrafficCounters {
            idc_tx_bytes: a,
            idc_rx_bytes: b,
            nic_tx_bytes: u64::from(c),
            nic_rx_bytes: d,
        }
    })
}

fn domain() -> impl Strategy<Value = DomainReport> {
    (
        0u128..8,
        state(),
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        0u64..1 << 20,
        prop::collection::btree_map(0u128..10, counters(), 0..4),
        counters(),
    )
        .prop_map(
            |(id, state, cpu, mem, max, swap, peers, external)| DomainReport {
                uuid: DomainUuid::from_u128(id),
                domid: DomId(id as u32 % 3),
                name: format!("d{id}"),
                state,
                cpu_time_ns: cpu,
                mem_bytes: mem,
                max_mem_bytes: max,
                swap_write_pages: swap,
                swap_read_pages: swap / 2,
                ips: vec![IpAddr::V4(Ipv4Addr::new(10, 0, 0, id as u8))],
                macs: vec![],
                traffic: DomainTraffic {
                    peers: peers
                        .into_iter()
                        .map(|(p, counters)| PeerTraffic {
                            peer: if p % 2 == 0 {
                                PeerKey::Domain(DomainUuid::from_u128(p))
                            } else {
                                PeerKey::Ip(IpAddr::V4(Ipv4Addr::new(10, 0, 0, p as u8)))
                            },
                            counters,
                        })
                        .collect(),
                    external,
                    other: TrafficCounters::default(),
                },
            },
        )
}

fn report() -> impl Strategy<Value = HostReport> {
    (
        0u8..3,
        0u64..5_000_000,
        0u64..2,
        1u32..64,
        1u64..u64::MAX,
        any::<u64>(),
        1u64..u64::MAX,
        any::<u64>(),
        any::<bool>(),
        prop::collection::btree_map(0u128..8, domain(), 0..5),
    )
        .prop_map(
            |(
                host,
                time_ms,
                generation,
                cpus,
                mem_total,
                mem_free,
                bps,
                dom0,
                migrating,
                domains,
            )| {
                HostReport {
                    host: HostId::new(format!("h{host}")),
                    seq: 0,
                    time_ms,
                    interval_ms: 10_000,
                    generation,
                    capacity: HostCapacity {
                        physical_cpus: cpus,
                        mem_total_bytes: mem_total,
                        mem_free_bytes: mem_free,
                        nic_bandwidth_bps: bps,
                    },
                    dom0_cpu_time_ns: dom0,
                    migration_in_flight: migrating,
                    domains: domains.into_values().collect(),
                }
            },
        )
}

fn run(policy: PolicyKind, reports: &[HostReport]) -> String {
    let mut rmn = Rmn::new(RmnConfig {
        policy,
        ..RmnConfig::default()
    })
    .expect("config");
    let mut out = String::new();
    for (n, report) in reports.iter().enumerate() {
        let mut report = report.clone();
        report.seq = n as u64 + 1;
        let now = (n as u64 + 1) * 10_000;
        let _ = rmn.ingest(now, report);
        if n % 3 == 2 {
            let round = rmn.decide(now);
            for action in &round.actions {
                let result = reunion_model::ActionResult {
                    id: action.id,
                    outcome: reunion_model::ActionOutcome::Ok,
                };
                let _ = rmn.action_result(now, &result);
            }
            out.push_str(&serde_json::to_string(&round).expect("json"));
        }
    }
    let _ = rmn.traffic_table();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_reports_never_panic_and_stay_deterministic(
        reports in prop::collection::vec(report(), 1..24),
        policy in prop_oneof![Just(PolicyKind::Idc), Just(PolicyKind::Sandpiper), Just(PolicyKind::None)],
    ) {
        let first = run(policy, &reports);
        prop_assert_eq!(first, run(policy, &reports));
    }
}
