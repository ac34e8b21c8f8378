//! Memory first: a swapping domain grows in fixed steps before anything
//! migrates; migration follows only when it cannot grow.

mod common;

use common::{first_migration, uuid, Cluster, HostSpec};
use reunion_model::{ActionKind, CandidateScore, DecisionOutcome, RmnConfig, MIB};

fn swapping_host(mem_free_mib: u64) -> Cluster {
    let mut c = Cluster::new();
    c.host(
        "s",
        HostSpec {
            mem_free: mem_free_mib * MIB,
            ..Default::default()
        },
    );
    c.host("t", HostSpec::default());
    c.vm(1, "s", 0.5, 256).vm(2, "s", 0.5, 256);
    c.vm_mut(1).max_mem = 512 * MIB;
    c.vm_mut(1).swap_write_pps = 300.0;
    c.vm_mut(2).swap_write_pps = 10.0;
    c
}

#[test]
fn swapping_domain_grows_in_steps_until_its_max_then_migrates() {
    let mut cluster = swapping_host(4096);
    let mut rmn = common::rmn(RmnConfig::default());
    let mut steps = Vec::new();
    let mut migrated = None;
    for _ in 0..30 {
        let round = cluster.tick(&mut rmn);
        for action in round.actions.clone() {
            match &action.kind {
                ActionKind::MemSet {
                    uuid: u,
                    target_bytes,
                    ..
                } => {
                    assert_eq!(*u, uuid(1), "the domain that swaps the most");
                    steps.push(*target_bytes / MIB);
                }
                ActionKind::Migrate { uuid: u, .. } => migrated = Some(*u),
            }
            cluster.execute(&mut rmn, &action);
        }
        if migrated.is_some() {
            break;
        }
    }
    // 256 → 512 MiB in 32 MiB steps; it keeps swapping, so then it migrates.
    assert_eq!(steps, (1..=8).map(|k| 256 + 32 * k).collect::<Vec<u64>>());
    assert_eq!(
        migrated,
        Some(uuid(1)),
        "VM 1 has the larger volume once M_i = 1"
    );
}

#[test]
fn step_is_bounded_by_host_free_memory_and_stops_when_it_is_gone() {
    let mut cluster = swapping_host(40); // room for one 32 MiB step and 8 MiB
    let mut rmn = common::rmn(RmnConfig::default());
    let mut targets = Vec::new();
    let mut first_migration_round = None;
    for n in 0..20 {
        let round = cluster.tick(&mut rmn);
        for action in round.actions.clone() {
            match &action.kind {
                ActionKind::MemSet { target_bytes, .. } => targets.push(*target_bytes / MIB),
                ActionKind::Migrate { .. } => {
                    first_migration_round.get_or_insert(n);
                }
            }
            cluster.execute(&mut rmn, &action);
        }
        if first_migration_round.is_some() {
            break;
        }
    }
    assert_eq!(targets, vec![288, 296]);
    assert!(
        first_migration_round.is_some(),
        "host memory exhausted: migrate"
    );
}

#[test]
fn memory_is_solved_before_cpu() {
    let mut cluster = swapping_host(4096);
    cluster.vm_mut(2).cpu_cores = 3.2; // CPU 92% as well
    let mut rmn = common::rmn(RmnConfig::default());
    let rounds = cluster.ticks(&mut rmn, 6);
    let first = rounds
        .iter()
        .flat_map(|r| &r.records)
        .next()
        .expect("hotspot");
    assert!(first.hotspot.is_overloaded(reunion_model::Resource::Cpu));
    assert!(first.hotspot.is_overloaded(reunion_model::Resource::Memory));
    assert!(matches!(first.outcome, DecisionOutcome::MemoryStep { .. }));
    assert!(matches!(
        first.candidates[0].score,
        CandidateScore::Memory(_)
    ));
    assert_eq!(first_migration(&rounds[..4]), None);
}

#[test]
fn no_memory_step_while_one_is_in_flight() {
    let mut cluster = swapping_host(4096);
    let mut rmn = common::rmn(RmnConfig::default());
    let rounds = cluster.ticks(&mut rmn, 8); // never executes
    let memsets: usize = rounds.iter().map(|r| r.actions.len()).sum();
    assert_eq!(memsets, 1);
    assert!(rounds
        .iter()
        .flat_map(|r| &r.records)
        .any(|r| r.why.contains("still in flight")));
}
