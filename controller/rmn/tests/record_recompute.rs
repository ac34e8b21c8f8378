//! A decision record holds every input of its decision: recompute the winner
//! (victim and destination) from the record alone, with the formulas of
//! docs/policy.md written out again here, independently of the library.

mod common;

use common::{Cluster, HostSpec, LINK_BYTES};
use reunion_model::{
    CandidateRecord, CandidateScore, CandidateVerdict, DecisionOutcome, DecisionRecord,
    DestinationVerdict, PolicyKind, Resource, RmnConfig, VictimSelection,
};

fn scenario() -> Cluster {
    let mut c = Cluster::new();
    c.host("s", HostSpec::default());
    c.host(
        "p",
        HostSpec {
            cpus: 8,
            ..Default::default()
        },
    );
    c.host("l", HostSpec::default());
    c.host("m", HostSpec::default());
    c.vm(1, "s", 1.0, 1024)
        .vm(2, "s", 1.0, 1024)
        .vm(3, "s", 0.8, 512)
        .vm(4, "s", 0.8, 512);
    c.vm(10, "p", 1.0, 1024).vm(11, "m", 0.5, 1024);
    c.flow(1, 2, 0.2 * LINK_BYTES);
    c.flow(3, 10, 0.05 * LINK_BYTES);
    c.flow(4, 11, 0.051 * LINK_BYTES); // within epsilon of VM 3: NIC decides
    c
}

/// Migration records of a run, round-tripped through JSON as `reunion explain` reads them.
fn migration_records(policy: PolicyKind, victim_selection: VictimSelection) -> Vec<DecisionRecord> {
    let mut cluster = scenario();
    let mut rmn = common::rmn(RmnConfig {
        policy,
        victim_selection,
        ..RmnConfig::default()
    });
    let rounds = cluster.ticks(&mut rmn, 6);
    let lines: Vec<String> = rounds
        .iter()
        .flat_map(|r| &r.records)
        .map(|r| serde_json::to_string(r).expect("serialize"))
        .collect();
    lines
        .iter()
        .map(|l| serde_json::from_str::<DecisionRecord>(l).expect("parse"))
        .filter(|r| matches!(r.outcome, DecisionOutcome::Migrate { .. }))
        .collect()
}

fn primary(c: &CandidateRecord) -> f64 {
    match &c.score {
        CandidateScore::Idc(t) => {
            let nds = t.is.min(t.ab).min(t.nbound);
            let nb = t.nic - nds;
            let flag = |b: bool| if b { 1.0 } else { 0.0 };
            let v = t.cpu_share * flag(t.cpu_flag) + t.mem_share * flag(t.mem_flag) + nb;
            assert!((nds - t.nds).abs() < 1e-12 && (nb - t.network_benefit).abs() < 1e-12);
            assert!(
                (v - t.volume).abs() < 1e-12,
                "recorded volume {} vs {v}",
                t.volume
            );
            v
        }
        CandidateScore::Sandpiper(t) => {
            let cl = |x: f64| x.clamp(0.0, 0.99);
            let volume = 1.0 / ((1.0 - cl(t.cpu)) * (1.0 - cl(t.mem)) * (1.0 - cl(t.net)));
            let vsr = volume / (t.size_bytes as f64 / (1024.0 * 1024.0));
            assert!((volume - t.volume).abs() < 1e-9 && (vsr - t.vsr).abs() < 1e-9);
            vsr
        }
        CandidateScore::Memory(_) => panic!("not a migration candidate"),
    }
}

/// The best item: the highest `key`; items within `epsilon` of it are equal
/// and the highest `tie` among them wins.
fn best_by<'a, T>(
    items: &[&'a T],
    epsilon: f64,
    key: impl Fn(&T) -> f64,
    tie: impl Fn(&T) -> f64,
) -> &'a T {
    let top = items
        .iter()
        .map(|i| key(i))
        .fold(f64::NEG_INFINITY, f64::max);
    items
        .iter()
        .filter(|i| top - key(i) <= epsilon)
        .max_by(|a, b| tie(a).total_cmp(&tie(b)))
        .copied()
        .expect("non-empty")
}

fn check(record: &DecisionRecord) {
    let epsilon = if record.policy == PolicyKind::Idc {
        record.epsilon
    } else {
        0.0
    };
    let mut remaining: Vec<&CandidateRecord> = record
        .candidates
        .iter()
        .filter(|c| {
            matches!(
                c.verdict,
                CandidateVerdict::Chosen
                    | CandidateVerdict::NoDestination
                    | CandidateVerdict::Outranked
            )
        })
        .collect();
    // The thesis's rank order, recomputed: the best remaining, repeatedly.
    let mut ranked: Vec<&CandidateRecord> = Vec::new();
    while !remaining.is_empty() {
        let best = best_by(&remaining, epsilon, primary, |c| c.nic_traffic);
        ranked.push(best);
        remaining.retain(|c| c.uuid != best.uuid);
    }
    let sufficient_rule =
        record.policy == PolicyKind::Idc && record.victim_selection == VictimSelection::Sufficient;
    let sufficient: Vec<(usize, f64)> = if sufficient_rule {
        ranked
            .iter()
            .enumerate()
            .filter_map(|(rank, c)| {
                let e = c.move_effect.as_ref()?;
                recheck_move_effect(record, c);
                e.sufficient.then_some((rank, e.cross_host_delta))
            })
            .collect()
    } else {
        Vec::new()
    };
    let winner = if let Some(least) = sufficient
        .iter()
        .map(|&(_, delta)| delta)
        .min_by(f64::total_cmp)
    {
        // The least cross-host delta; within epsilon of it, the thesis's rank.
        let rank = sufficient
            .iter()
            .filter(|&&(_, delta)| delta - least <= record.epsilon)
            .map(|&(rank, _)| rank)
            .min()
            .expect("non-empty");
        ranked[rank]
    } else {
        // The thesis: walk the ranking; each best either had no destination or won.
        *ranked
            .iter()
            .find(|c| c.verdict != CandidateVerdict::NoDestination)
            .expect("a winner")
    };
    assert_eq!(winner.verdict, CandidateVerdict::Chosen, "{}", winner.name);
    for c in &ranked {
        if !sufficient_rule && c.uuid != winner.uuid {
            // Ranked above the winner: no destination; below: not examined.
            let above = ranked.iter().position(|x| x.uuid == c.uuid)
                < ranked.iter().position(|x| x.uuid == winner.uuid);
            let expected = if above {
                CandidateVerdict::NoDestination
            } else {
                CandidateVerdict::Outranked
            };
            assert_eq!(c.verdict, expected, "{}", c.name);
        }
    }
    let DecisionOutcome::Migrate {
        uuid, destination, ..
    } = &record.outcome
    else {
        unreachable!()
    };
    assert_eq!(&winner.uuid, uuid);
    let fits: Vec<_> = winner
        .destinations
        .iter()
        .filter(|d| d.verdict == DestinationVerdict::Fits)
        .collect();
    let chosen = match record.policy {
        PolicyKind::Idc => best_by(&fits, record.epsilon, |d| d.nsd, |d| -d.host_volume),
        _ => best_by(&fits, 0.0, |d| -d.host_volume, |d| -d.host_volume),
    };
    assert_eq!(&chosen.host, destination);
}

/// A move effect's terms, recomputed: Is from the score, Nsd from its
/// destination's record, sufficiency from the hotspot evidence.
fn recheck_move_effect(record: &DecisionRecord, c: &CandidateRecord) {
    let e = c.move_effect.as_ref().expect("move effect");
    let CandidateScore::Idc(t) = &c.score else {
        panic!("not an IDC candidate")
    };
    assert_eq!(e.lost_idc, t.is);
    let dest = c
        .destinations
        .iter()
        .find(|d| d.host == e.destination)
        .expect("its destination is listed");
    assert_eq!(dest.verdict, DestinationVerdict::Fits);
    assert_eq!(e.gained_idc, dest.nsd);
    assert!((e.cross_host_delta - (e.lost_idc - e.gained_idc)).abs() < 1e-12);
    let under = |resource: Resource, after: f64| {
        record
            .hotspot
            .resources
            .iter()
            .find(|r| r.resource == resource)
            .is_none_or(|r| !r.overloaded || after <= r.threshold)
    };
    let memory_hot = record.hotspot.is_overloaded(Resource::Memory);
    let expected = !memory_hot
        && under(Resource::Cpu, e.source_cpu_after)
        && under(Resource::Nic, e.source_nic_after);
    assert_eq!(e.sufficient, expected, "{}", c.name);
}

#[test]
fn idc_sufficient_winner_recomputes_from_the_record() {
    let records = migration_records(PolicyKind::Idc, VictimSelection::Sufficient);
    assert!(!records.is_empty());
    for r in &records {
        check(r);
    }
    // VMs 3 and 4 both suffice and bring their peer's traffic home (Δ within
    // epsilon: −0.050 and −0.051); the group members 1 and 2 would split 0.2.
    let first = &records[0];
    assert!(first
        .candidates
        .iter()
        .filter(|c| c.name == "vm1" || c.name == "vm2")
        .all(|c| c
            .move_effect
            .as_ref()
            .is_some_and(|e| e.cross_host_delta > 0.19)));
    let DecisionOutcome::Migrate { name, .. } = &first.outcome else {
        unreachable!()
    };
    assert_eq!(name, "vm4", "{}", first.why);
    assert!(
        first.why.contains("cross-host traffic the least"),
        "{}",
        first.why
    );
}

#[test]
fn idc_winner_recomputes_from_the_record() {
    let records = migration_records(PolicyKind::Idc, VictimSelection::Volume);
    assert!(!records.is_empty());
    for r in &records {
        check(r);
    }
    // The epsilon tie-break between VMs 3 and 4 is the one that decided.
    let DecisionOutcome::Migrate { name, .. } = &records[0].outcome else {
        unreachable!()
    };
    assert_eq!(name, "vm4", "{}", records[0].why);
    assert!(
        records[0].why.contains("loses on NIC traffic"),
        "{}",
        records[0].why
    );
}

#[test]
fn sandpiper_winner_recomputes_from_the_record() {
    let records = migration_records(PolicyKind::Sandpiper, VictimSelection::Sufficient);
    assert!(!records.is_empty());
    for r in &records {
        check(r);
    }
}
