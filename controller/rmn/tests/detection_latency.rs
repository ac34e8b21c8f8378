//! The detector's latency with the default window, fixed by the issue: a
//! sustained step 50% → 95% CPU is a hotspot at the 4th report at 95%, a single
//! 100% report among 50% ones never is.

mod common;

use common::{Cluster, HostSpec};
use reunion_model::{Resource, RmnConfig};

fn one_host(cores: f64) -> Cluster {
    let mut cluster = Cluster::new();
    cluster.host(
        "a",
        HostSpec {
            cpus: 4,
            ..Default::default()
        },
    );
    cluster.vm(1, "a", cores, 512);
    cluster
}

#[test]
fn step_to_95_percent_is_detected_at_the_fourth_report() {
    let mut cluster = one_host(2.0);
    let mut rmn = common::rmn(RmnConfig::default());
    // 1 report without a delta, then 13 samples at 50%.
    for round in cluster.ticks(&mut rmn, 14) {
        assert!(round.records.is_empty(), "no hotspot at 50%");
    }
    cluster.vm_mut(1).cpu_cores = 3.8; // 95% of 4 CPUs
    for report_at_95 in 1..=3 {
        let round = cluster.tick(&mut rmn);
        assert!(
            round.records.is_empty(),
            "report {report_at_95} at 95% is too early"
        );
    }
    let round = cluster.tick(&mut rmn);
    assert_eq!(round.records.len(), 1, "the 4th report at 95% is a hotspot");
    let cpu = &round.records[0].hotspot.resources[0];
    assert_eq!(cpu.resource, Resource::Cpu);
    assert!((cpu.current - 0.95).abs() < 1e-6);
    // By hand: μ = 65%, φ = 3825/5400 ≈ 0.708, prediction ≈ 86.25%.
    let predicted = cpu.predicted.expect("prediction");
    assert!((predicted - 0.8625).abs() < 1e-3, "predicted {predicted}");
    assert!(cpu.overloaded);
}

#[test]
fn a_single_spike_is_not_a_hotspot() {
    let mut cluster = one_host(2.0);
    let mut rmn = common::rmn(RmnConfig::default());
    cluster.ticks(&mut rmn, 14);
    cluster.vm_mut(1).cpu_cores = 4.0; // 100%
    let spike = cluster.tick(&mut rmn);
    assert!(
        spike.records.is_empty(),
        "current over, prediction under: no hotspot"
    );
    cluster.vm_mut(1).cpu_cores = 2.0;
    for round in cluster.ticks(&mut rmn, 5) {
        assert!(round.records.is_empty());
    }
}

#[test]
fn fewer_than_three_samples_never_judge() {
    let mut cluster = one_host(4.0); // 100% from the start
    let mut rmn = common::rmn(RmnConfig::default());
    // Report 1: no delta. Reports 2 and 3: one and two samples.
    for round in cluster.ticks(&mut rmn, 3) {
        assert!(round.records.is_empty());
    }
    // Report 4: three flat samples at 100%: prediction = current.
    let round = cluster.tick(&mut rmn);
    assert_eq!(round.records.len(), 1);
    assert_eq!(round.records[0].hotspot.resources[0].predicted, Some(1.0));
}

#[test]
fn hosts_in_migration_are_not_judged() {
    let mut cluster = one_host(4.0);
    cluster
        .hosts
        .get_mut("a")
        .expect("host")
        .migration_in_flight = true;
    let mut rmn = common::rmn(RmnConfig::default());
    for round in cluster.ticks(&mut rmn, 8) {
        assert!(round.records.is_empty());
    }
    cluster
        .hosts
        .get_mut("a")
        .expect("host")
        .migration_in_flight = false;
    assert_eq!(cluster.tick(&mut rmn).records.len(), 1);
}

#[test]
fn dom0_cpu_counts_in_host_utilization() {
    let mut cluster = Cluster::new();
    cluster.host(
        "a",
        HostSpec {
            cpus: 4,
            dom0_cores: 1.6,
            ..Default::default()
        },
    );
    cluster.vm(1, "a", 2.0, 512); // 50% alone, 90% with dom0's netback work
    let mut rmn = common::rmn(RmnConfig::default());
    let rounds = cluster.ticks(&mut rmn, 5);
    let record = rounds
        .iter()
        .flat_map(|r| &r.records)
        .next()
        .expect("hotspot");
    assert!((record.hotspot.resources[0].current - 0.9).abs() < 1e-6);
}
