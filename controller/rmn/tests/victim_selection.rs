//! The "sufficient" victim rule (beyond the thesis): a group is not split when
//! moving a lone VM removes the hotspot just as well; the thesis's volume rule
//! still decides when no single move suffices.

mod common;

use common::{first_migration, uuid, Cluster, HostSpec, LINK_BYTES};
use reunion_model::{CandidateVerdict, DecisionRecord, RmnConfig, VictimSelection};
use reunion_rmn::Round;

fn config(victim_selection: VictimSelection) -> RmnConfig {
    RmnConfig {
        victim_selection,
        ..RmnConfig::default()
    }
}

fn migration_record(rounds: &[Round]) -> &DecisionRecord {
    rounds
        .iter()
        .flat_map(|r| r.records.iter())
        .find(|r| r.action.is_some())
        .expect("a migration")
}

/// Host `s` (4 CPUs) at 87.5%: a two-VM group (1: 1.6 cores, 2: 1.2 cores)
/// exchanging 6% of the link, and a lone VM 3 (0.7 cores). VM 1 has the
/// highest volume (0.40 − 0.06 = 0.34 against 0.175), but moving VM 3 alone
/// brings `s` to 70%. Two idle hosts.
fn group_with_a_sufficient_lone_vm(lone_mem_mib: u64) -> Cluster {
    let mut c = Cluster::new();
    c.host("s", HostSpec::default());
    c.host("t", HostSpec::default());
    c.host("u", HostSpec::default());
    c.vm(1, "s", 1.6, 1024)
        .vm(2, "s", 1.2, 1024)
        .vm(3, "s", 0.7, lone_mem_mib);
    c.flow(1, 2, 0.06 * LINK_BYTES);
    c
}

#[test]
fn thesis_rule_splits_the_group() {
    let mut cluster = group_with_a_sufficient_lone_vm(1024);
    let mut rmn = common::rmn(config(VictimSelection::Volume));
    let rounds = cluster.ticks(&mut rmn, 6);
    assert_eq!(first_migration(&rounds).map(|m| m.0), Some(uuid(1)));
    // The thesis's rule examines candidates only until one fits.
    let record = migration_record(&rounds);
    assert!(record.candidates[1..]
        .iter()
        .all(|c| c.move_effect.is_none()));
}

#[test]
fn sufficient_rule_moves_the_lone_vm_and_keeps_the_group() {
    let mut cluster = group_with_a_sufficient_lone_vm(1024);
    let mut rmn = common::rmn(config(VictimSelection::Sufficient));
    let rounds = cluster.ticks(&mut rmn, 6);
    assert_eq!(first_migration(&rounds).map(|m| m.0), Some(uuid(3)));
    let record = migration_record(&rounds);
    let effect = |n: u128| {
        let c = record
            .candidates
            .iter()
            .find(|c| c.uuid == uuid(n))
            .expect("candidate");
        (c.verdict, c.move_effect.clone().expect("a destination"))
    };
    let (verdict, lone) = effect(3);
    assert_eq!(verdict, CandidateVerdict::Chosen);
    assert!(lone.sufficient);
    assert!((lone.source_cpu_after - 0.70).abs() < 1e-6, "{lone:?}");
    assert_eq!(lone.cross_host_delta, 0.0);
    let (verdict, member) = effect(1);
    assert_eq!(verdict, CandidateVerdict::Outranked);
    assert!(member.sufficient);
    assert!((member.cross_host_delta - 0.06).abs() < 1e-3, "{member:?}");
    assert!(record.why.contains("changes cross-host traffic the least"));
}

#[test]
fn a_sufficient_vm_that_fits_nowhere_is_passed_over() {
    // VM 3 needs 6 GiB; every other host has 4 GiB free.
    let mut cluster = group_with_a_sufficient_lone_vm(6 * 1024);
    let mut rmn = common::rmn(config(VictimSelection::Sufficient));
    let rounds = cluster.ticks(&mut rmn, 6);
    // VMs 1 and 2 both suffice and split the same traffic: the higher volume.
    assert_eq!(first_migration(&rounds).map(|m| m.0), Some(uuid(1)));
    let record = migration_record(&rounds);
    let lone = record
        .candidates
        .iter()
        .find(|c| c.uuid == uuid(3))
        .expect("candidate");
    assert_eq!(lone.verdict, CandidateVerdict::NoDestination);
}

/// dom0 carries 3 of `s`'s 4 cores; four VMs of 0.15 cores (two of them a
/// group): `s` is at 90% and no single move brings it under 85%.
#[test]
fn thesis_rule_decides_when_no_single_move_suffices() {
    let build = || {
        let mut c = Cluster::new();
        c.host(
            "s",
            HostSpec {
                dom0_cores: 3.0,
                ..HostSpec::default()
            },
        );
        c.host("t", HostSpec::default());
        c.vm(1, "s", 0.15, 512)
            .vm(2, "s", 0.15, 512)
            .vm(3, "s", 0.15, 512)
            .vm(4, "s", 0.15, 512);
        c.flow(1, 2, 0.02 * LINK_BYTES);
        c.vm_mut(4).external_bps = 0.01 * LINK_BYTES;
        c
    };
    let winner = |selection| {
        let mut cluster = build();
        let mut rmn = common::rmn(config(selection));
        let rounds = cluster.ticks(&mut rmn, 6);
        let record = migration_record(&rounds).clone();
        (first_migration(&rounds).map(|m| m.0), record)
    };
    let (thesis, _) = winner(VictimSelection::Volume);
    let (sufficient, record) = winner(VictimSelection::Sufficient);
    assert_eq!(thesis, Some(uuid(4)), "most volume: CPU and client traffic");
    assert_eq!(sufficient, thesis);
    assert!(record
        .candidates
        .iter()
        .filter_map(|c| c.move_effect.as_ref())
        .all(|e| !e.sufficient));
    assert!(
        record.why.contains("thesis's rule decides"),
        "{}",
        record.why
    );
}
