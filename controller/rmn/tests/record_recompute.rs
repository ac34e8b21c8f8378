//! A decision record holds every input of its decision: recompute the winner
//! (victim and destination) from the record alone, with the formulas of
//! docs/policy.md written out again here, independently of the library.

mod common;

use common::{Cluster, HostSpec, LINK_BYTES};
use reunion_model::{
    CandidateRecord, CandidateScore, CandidateVerdict, DecisionOutcome, DecisionRecord,
    DestinationVerdict, PolicyKind, RmnConfig,
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
fn migration_records(policy: PolicyKind) -> Vec<DecisionRecord> {
    let mut cluster = scenario();
    let mut rmn = common::rmn(RmnConfig {
        policy,
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
    // Walk the ranking: each best candidate either had no destination or won.
    let winner = loop {
        let best = best_by(&remaining, epsilon, primary, |c| c.nic_traffic);
        if best.verdict == CandidateVerdict::Chosen {
            break best;
        }
        assert_eq!(
            best.verdict,
            CandidateVerdict::NoDestination,
            "{} ranked first",
            best.name
        );
        remaining.retain(|c| c.uuid != best.uuid);
    };
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

#[test]
fn idc_winner_recomputes_from_the_record() {
    let records = migration_records(PolicyKind::Idc);
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
    let records = migration_records(PolicyKind::Sandpiper);
    assert!(!records.is_empty());
    for r in &records {
        check(r);
    }
}
