//! The guards beyond the thesis, each against the scenario it prevents:
//! cooldown, concurrency caps, hysteresis, return block, dry-run, action
//! timeouts, and destination prediction (load trend, Id and Nds).

mod common;

use common::{first_migration, uuid, Cluster, HostSpec, LINK_BYTES};
use reunion_model::{
    ActionKind, CandidateVerdict, DecisionOutcome, DestinationVerdict, Resource, RmnConfig,
    VictimSelection,
};
use reunion_rmn::Round;

fn records(rounds: &[Round]) -> impl Iterator<Item = &reunion_model::DecisionRecord> {
    rounds.iter().flat_map(|r| r.records.iter())
}

/// Runs until the first action, executes it, returns its victim.
fn run_until_moved(cluster: &mut Cluster, rmn: &mut reunion_rmn::Rmn) -> reunion_model::DomainUuid {
    // A step from a low load to just over a threshold takes the AR(1) detector
    // up to a window's worth of reports.
    for _ in 0..20 {
        let round = cluster.tick(rmn);
        if let Some(action) = round.actions.first() {
            cluster.execute(rmn, action);
            return action.kind.uuid();
        }
    }
    panic!("no action within 20 rounds");
}

/// VM 1 moves from `s` to `t`; then it grows until `t` is hot. Only `u` (16
/// CPUs) could take it again.
fn bounce_setup() -> Cluster {
    let mut c = Cluster::new();
    c.host("s", HostSpec::default());
    c.host("t", HostSpec::default());
    c.host(
        "u",
        HostSpec {
            cpus: 16,
            ..Default::default()
        },
    );
    c.vm(1, "s", 2.0, 1024).vm(2, "s", 1.6, 1024);
    c.vm(9, "u", 3.0, 1024); // so that `t` is the lightest
    c
}

#[test]
fn cooldown_keeps_a_just_moved_vm_in_place() {
    for (cooldown_s, expect_move) in [(300, false), (0, true)] {
        let mut cluster = bounce_setup();
        let mut rmn = common::rmn(RmnConfig {
            cooldown_s,
            ..RmnConfig::default()
        });
        assert_eq!(run_until_moved(&mut cluster, &mut rmn), uuid(1));
        assert_eq!(cluster.vms[&uuid(1)].host, "t");
        cluster.vm_mut(1).cpu_cores = 3.6;
        let rounds = cluster.ticks(&mut rmn, 20); // 200 s < 300 s cooldown
        let moved_again = rounds
            .iter()
            .flat_map(|r| &r.actions)
            .any(|a| a.kind.uuid() == uuid(1));
        assert_eq!(moved_again, expect_move, "cooldown_s = {cooldown_s}");
        if !expect_move {
            let rec = records(&rounds).next().expect("t is judged hot");
            assert_eq!(rec.candidates[0].verdict, CandidateVerdict::CoolingDown);
        }
    }
}

/// Two hot hosts, each with one movable VM, and plenty of room elsewhere.
fn two_hotspots() -> Cluster {
    let mut c = Cluster::new();
    for h in ["s1", "s2"] {
        c.host(h, HostSpec::default());
    }
    c.host(
        "d",
        HostSpec {
            cpus: 16,
            mem_free: 16384 * reunion_model::MIB,
            mem_total: 32768 * reunion_model::MIB,
            ..Default::default()
        },
    );
    c.vm(1, "s1", 2.0, 1024).vm(2, "s1", 1.6, 1024);
    c.vm(3, "s2", 2.0, 1024).vm(4, "s2", 1.6, 1024);
    c
}

#[test]
fn cluster_cap_limits_concurrent_migrations() {
    let config = RmnConfig {
        max_concurrent_migrations: 1,
        max_migrations_per_host: 4,
        ..RmnConfig::default()
    };
    let mut cluster = two_hotspots();
    let mut rmn = common::rmn(config);
    let rounds = cluster.ticks(&mut rmn, 6);
    let total: usize = rounds.iter().map(|r| r.actions.len()).sum();
    assert_eq!(total, 1, "one migration in flight at a time");
    let capped = records(&rounds).any(|r| {
        matches!(&r.outcome, DecisionOutcome::NoAction { reason } if reason.contains("cluster migration cap"))
    });
    assert!(capped);

    let config = RmnConfig {
        max_concurrent_migrations: 2,
        max_migrations_per_host: 4,
        ..RmnConfig::default()
    };
    let mut cluster = two_hotspots();
    let mut rmn = common::rmn(config);
    let rounds = cluster.ticks(&mut rmn, 6);
    assert_eq!(rounds.iter().map(|r| r.actions.len()).sum::<usize>(), 2);
}

#[test]
fn per_host_cap_spreads_or_defers_incoming_migrations() {
    let config = RmnConfig {
        max_concurrent_migrations: 4,
        max_migrations_per_host: 1,
        ..RmnConfig::default()
    };
    let mut cluster = two_hotspots();
    let mut rmn = common::rmn(config);
    let rounds = cluster.ticks(&mut rmn, 6);
    assert_eq!(rounds.iter().map(|r| r.actions.len()).sum::<usize>(), 1);
    let busy = records(&rounds).any(|r| {
        r.candidates.iter().any(|c| {
            c.destinations
                .iter()
                .any(|d| d.host.as_str() == "d" && d.verdict == DestinationVerdict::Busy)
        })
    });
    assert!(busy, "the second hotspot sees `d` busy");
}

/// `s` is hot; `t` is the only other host and would end at 82% CPU: under the
/// 85% threshold, but one fluctuation from the next hotspot (ping-pong).
fn near_threshold_destination() -> Cluster {
    let mut c = Cluster::new();
    c.host("s", HostSpec::default());
    c.host("t", HostSpec::default());
    // Two equal VMs: either would take `t` from 37% to 82%.
    c.vm(1, "s", 1.8, 1024).vm(2, "s", 1.8, 1024);
    c.vm(3, "t", 1.48, 1024);
    c
}

#[test]
fn hysteresis_rejects_destinations_that_would_sit_at_the_threshold() {
    let mut cluster = near_threshold_destination();
    // The band alone; `hysteresis_relief` (tests/hysteresis_relief.rs) accepts this move.
    let mut rmn = common::rmn(RmnConfig {
        hysteresis_relief: false,
        ..RmnConfig::default()
    });
    let rounds = cluster.ticks(&mut rmn, 6);
    assert_eq!(first_migration(&rounds), None);
    let rec = records(&rounds).next().expect("hotspot");
    let t = &rec.candidates[0].destinations[0];
    assert_eq!(
        t.verdict,
        DestinationVerdict::WouldBeHotspot {
            resource: Resource::Cpu
        }
    );
    assert!((t.predicted_cpu - 0.82).abs() < 1e-6);

    let mut cluster = near_threshold_destination();
    let mut rmn = common::rmn(RmnConfig {
        hysteresis: 0.0,
        ..RmnConfig::default()
    });
    let rounds = cluster.ticks(&mut rmn, 6);
    assert_eq!(first_migration(&rounds), Some((uuid(1), "t".to_string())));
}

/// VM 1 leaves `s` for `t`; later `t` gets hot and `s` is the only host with
/// room. Without the return block VM 1 goes straight back (ping-pong).
#[test]
fn return_block_prevents_ping_pong() {
    for (return_block_s, expected_back) in [(1800, 4), (0, 1)] {
        let mut c = Cluster::new();
        c.host(
            "s",
            HostSpec {
                cpus: 8,
                ..Default::default()
            },
        );
        c.host(
            "t",
            HostSpec {
                cpus: 8,
                ..Default::default()
            },
        );
        c.vm(1, "s", 3.6, 1024)
            .vm(2, "s", 1.8, 1024)
            .vm(3, "s", 1.8, 1024);
        c.flow(2, 3, 0.3 * LINK_BYTES); // a group: VM 1 is the lone one
        let mut rmn = common::rmn(RmnConfig {
            return_block_s,
            cooldown_s: 0,
            ..RmnConfig::default()
        });
        assert_eq!(run_until_moved(&mut c, &mut rmn), uuid(1));
        c.vm_mut(2).cpu_cores = 1.0;
        c.vm_mut(3).cpu_cores = 1.0;
        c.vm(4, "t", 3.6, 1024);
        let back = run_until_moved(&mut c, &mut rmn);
        assert_eq!(
            back,
            uuid(expected_back),
            "return_block_s = {return_block_s}"
        );
    }
}

#[test]
fn dry_run_recommends_without_acting() {
    let mut cluster = bounce_setup();
    let mut rmn = common::rmn(RmnConfig {
        dry_run: true,
        ..RmnConfig::default()
    });
    let rounds = cluster.ticks(&mut rmn, 7);
    assert!(rounds.iter().all(|r| r.actions.is_empty()));
    assert_eq!(rmn.in_flight().count(), 0);
    let recommended: Vec<_> = records(&rounds).filter_map(|r| r.action.as_ref()).collect();
    assert!(
        recommended.len() >= 3,
        "recommended every round while the hotspot lasts"
    );
    assert!(records(&rounds).all(|r| r.dry_run));
    assert!(matches!(recommended[0].kind, ActionKind::Migrate { .. }));
}

#[test]
fn unanswered_actions_expire_and_release_the_caps() {
    let mut cluster = two_hotspots();
    let config = RmnConfig {
        max_concurrent_migrations: 1,
        max_migrations_per_host: 4,
        action_timeout_s: 30,
        ..RmnConfig::default()
    };
    let mut rmn = common::rmn(config);
    let rounds = cluster.ticks(&mut rmn, 4);
    let first = rounds
        .iter()
        .flat_map(|r| &r.actions)
        .next()
        .expect("a migration")
        .clone();
    let rounds = cluster.ticks(&mut rmn, 4);
    let expired: Vec<_> = rounds.iter().flat_map(|r| &r.expired).collect();
    assert_eq!(expired, vec![&first]);
    assert!(
        rounds.iter().flat_map(|r| &r.actions).next().is_some(),
        "cap released: the other hotspot moves"
    );
    assert!(
        rmn.action_result(
            cluster.time_ms,
            &reunion_model::ActionResult {
                id: first.id,
                outcome: reunion_model::ActionOutcome::Ok,
            }
        )
        .is_err(),
        "a late result for an expired action is reported, not applied"
    );
}

/// `s` is hot from the start; `t` was at 78% and dips to 45% just when `s` is
/// judged. The thesis's "room now" check takes `t`; the prediction does not.
#[test]
fn destination_prediction_ignores_a_momentary_dip() {
    for (predict_destination, expect) in [(false, Some((uuid(1), "t".to_string()))), (true, None)] {
        let mut c = Cluster::new();
        c.host("s", HostSpec::default());
        c.host("t", HostSpec::default());
        c.vm(1, "s", 1.2, 1024)
            .vm(2, "s", 1.2, 1024)
            .vm(3, "s", 1.2, 1024);
        c.vm(4, "t", 3.12, 1024);
        c.flow(2, 3, 0.3 * LINK_BYTES);
        let mut rmn = common::rmn(RmnConfig {
            predict_destination,
            ..RmnConfig::default()
        });
        let early = c.ticks(&mut rmn, 3);
        assert!(early.iter().all(|r| r.records.is_empty()));
        c.vm_mut(4).cpu_cores = 1.8; // the dip
        let round = c.tick(&mut rmn);
        assert_eq!(
            first_migration(&[round]),
            expect,
            "predict_destination = {predict_destination}"
        );
    }
}

/// The victim's IDC with source peers becomes NIC traffic at the destination
/// too (Nds): a destination with NIC room for the victim's NIC traffic alone
/// can still overflow.
#[test]
fn destination_prediction_counts_former_idc_as_nic() {
    // VM 1 ranks first; when `t` cannot take it, VM 2 (no traffic) goes. (The
    // thesis's victim rule: the "sufficient" rule would pick VM 2 anyway.)
    for (predict_destination, expected_victim) in [(false, 1), (true, 2)] {
        let mut c = Cluster::new();
        c.host("s", HostSpec::default());
        c.host("t", HostSpec::default());
        c.vm(1, "s", 2.0, 1024)
            .vm(2, "s", 1.6, 1024)
            .vm(3, "s", 0.0, 512);
        c.flow(1, 3, 0.25 * LINK_BYTES); // VM 1's IDC
        c.vm_mut(1).external_bps = 0.3 * LINK_BYTES;
        c.vm(4, "t", 0.5, 1024);
        c.vm_mut(4).external_bps = 0.4 * LINK_BYTES; // t: NIC 0.4 (+0.3 = 0.7 ≤ 0.75)
                                                     // The NIC projection alone (dom0's CPU for it is another test's subject).
        let mut rmn = common::rmn(RmnConfig {
            predict_destination,
            nic_cpu_cores_per_gbps: 0.0,
            idc_cpu_cores_per_gbps: 0.0,
            victim_selection: VictimSelection::Volume,
            ..RmnConfig::default()
        });
        let rounds = c.ticks(&mut rmn, 6);
        let victim = first_migration(&rounds).map(|m| m.0);
        assert_eq!(
            victim,
            Some(uuid(expected_victim)),
            "predict_destination = {predict_destination}"
        );
        if predict_destination {
            // 0.4 + 0.3 NIC + 0.25 former IDC = 0.95 > 0.75.
            let rec = records(&rounds).next().expect("hotspot");
            let vm1 = rec
                .candidates
                .iter()
                .find(|c| c.uuid == uuid(1))
                .expect("vm1");
            let t = &vm1.destinations[0];
            assert_eq!(
                t.verdict,
                DestinationVerdict::WouldBeHotspot {
                    resource: Resource::Nic
                }
            );
            assert!((t.predicted_nic - 0.95).abs() < 1e-6, "{}", t.predicted_nic);
        }
    }
}

/// The victim's traffic with peers on the destination becomes IDC there (Id):
/// a destination too full for the victim's NIC traffic by the naive check
/// fits once that traffic leaves its NIC.
#[test]
fn destination_prediction_credits_traffic_that_becomes_idc() {
    // VM 1 ranks first; when `t` cannot take it, VM 2 (no traffic) goes.
    for (predict_destination, expected_victim) in [(false, 2), (true, 1)] {
        let mut c = Cluster::new();
        c.host("s", HostSpec::default());
        c.host("t", HostSpec::default());
        c.vm(1, "s", 2.0, 1024).vm(2, "s", 1.6, 1024);
        c.vm(4, "t", 0.5, 1024);
        c.flow(1, 4, 0.3 * LINK_BYTES); // t's NIC carries it: 0.3, +0.3 naive = 0.6
        c.vm_mut(4).external_bps = 0.2 * LINK_BYTES; // t: 0.5; naive 0.8 > 0.75
        let mut rmn = common::rmn(RmnConfig {
            predict_destination,
            ..RmnConfig::default()
        });
        let rounds = c.ticks(&mut rmn, 6);
        let victim = first_migration(&rounds).map(|m| m.0);
        assert_eq!(
            victim,
            Some(uuid(expected_victim)),
            "predict_destination = {predict_destination}"
        );
    }
}

/// A host whose reports stopped is neither judged nor a destination: its
/// last numbers may be minutes old.
#[test]
fn stale_hosts_are_not_destinations() {
    let mut c = Cluster::new();
    c.host("s", HostSpec::default());
    c.host("t", HostSpec::default());
    c.host(
        "u",
        HostSpec {
            cpus: 8,
            ..Default::default()
        },
    );
    c.vm(1, "s", 2.0, 1024)
        .vm(2, "s", 1.6, 1024)
        .vm(9, "u", 1.0, 1024);
    let mut rmn = common::rmn(RmnConfig {
        stale_after_s: 15,
        ..RmnConfig::default()
    });
    // `t` (the lightest) reports twice, then goes silent for more than 15 s.
    for _ in 0..2 {
        c.tick(&mut rmn);
    }
    c.hosts.remove("t");
    let rounds = c.ticks(&mut rmn, 6);
    assert_eq!(first_migration(&rounds), Some((uuid(1), "u".to_string())));
    let rec = records(&rounds).next().expect("hotspot");
    let t = rec.candidates[0]
        .destinations
        .iter()
        .find(|d| d.host.as_str() == "t")
        .expect("t listed");
    assert_eq!(t.verdict, DestinationVerdict::Unavailable);
}

/// The victim's NIC traffic costs dom0 CPU at the destination (Table 1.1:
/// 2.18 cores per Gb/s on the thesis's hardware): a destination with room for
/// the victim's own CPU can still overflow with its network work.
#[test]
fn destination_prediction_counts_network_cpu() {
    // VM 1: 2 cores and 0.6 Gb/s of client traffic (both directions) ≈ 1.3 dom0 cores.
    for (nic_cpu_cores_per_gbps, expected_victim) in [(0.0, 1), (2.18, 2)] {
        let mut c = Cluster::new();
        c.host("s", HostSpec::default());
        c.host("t", HostSpec::default());
        c.vm(1, "s", 2.0, 1024).vm(2, "s", 1.6, 1024);
        c.vm_mut(1).external_bps = 0.3 * LINK_BYTES;
        c.vm(4, "t", 1.0, 1024); // t: 25%; +2 cores = 75% fits, +3.3 cores does not
        let config = RmnConfig {
            nic_cpu_cores_per_gbps,
            ..RmnConfig::default()
        };
        let rounds = c.ticks(&mut common::rmn(config), 6);
        let victim = first_migration(&rounds).map(|m| m.0);
        assert_eq!(
            victim,
            Some(uuid(expected_victim)),
            "nic_cpu_cores_per_gbps = {nic_cpu_cores_per_gbps}"
        );
    }
}

/// The first sample after a migration still carries its load (dom0 streamed
/// the guest's memory): the hosts involved are not judged on it. Here the
/// source, hot before the move, would look hot again and lose a second VM.
#[test]
fn hosts_are_not_judged_on_a_sample_that_spans_a_migration() {
    let mut c = Cluster::new();
    c.host("s", HostSpec::default());
    c.host(
        "t",
        HostSpec {
            cpus: 8,
            ..Default::default()
        },
    );
    c.vm(1, "s", 2.0, 1024).vm(2, "s", 1.6, 1024);
    let mut rmn = common::rmn(RmnConfig::default());
    let mut moved = false;
    for _ in 0..10 {
        let round = c.tick(&mut rmn);
        if let Some(a) = round.actions.first() {
            c.execute(&mut rmn, a);
            moved = true;
            // The migration's stream kept s's dom0 busy: 1.6 + 2.0 cores = 90%.
            c.hosts.get_mut("s").expect("s").dom0_cores = 2.0;
            break;
        }
    }
    assert!(moved);
    let spanning = c.tick(&mut rmn);
    assert!(
        spanning.records.is_empty(),
        "s is not judged on the sample spanning the migration"
    );
    c.hosts.get_mut("s").expect("s").dom0_cores = 0.0;
    for round in c.ticks(&mut rmn, 4) {
        assert!(
            round.records.is_empty(),
            "s is fine once the migration's load is gone"
        );
    }
}
