//! Outputs never depend on hash order or report order: identical inputs give
//! byte-identical rounds.

mod common;

use common::{Cluster, HostSpec, LINK_BYTES};
use reunion_model::{PolicyKind, RmnConfig};

fn cluster() -> Cluster {
    let mut c = Cluster::new();
    for (i, h) in ["h1", "h2", "h3", "h4", "h5"].iter().enumerate() {
        c.host(
            h,
            HostSpec {
                cpus: 4 + i as u32,
                ..Default::default()
            },
        );
    }
    for n in 1..=20u128 {
        let host = ["h1", "h2", "h3", "h4", "h5"][(n % 2) as usize]; // h1, h2 overloaded
        c.vm(n, host, 0.4 + (n % 5) as f64 * 0.1, 512);
    }
    for n in 1..=19u128 {
        c.flow(n, n + 1, (n % 4) as f64 * 0.01 * LINK_BYTES);
    }
    c
}

fn run(policy: PolicyKind, reverse: bool) -> String {
    let mut c = cluster();
    let mut rmn = common::rmn(RmnConfig {
        policy,
        max_concurrent_migrations: 8,
        ..RmnConfig::default()
    });
    let mut out = String::new();
    for _ in 0..12 {
        c.advance();
        let mut reports = c.reports();
        if reverse {
            reports.reverse();
            for r in &mut reports {
                r.domains.reverse();
            }
        }
        for r in reports {
            rmn.ingest(c.time_ms, r).expect("ingest");
        }
        let round = rmn.decide(c.time_ms);
        for a in round.actions.clone() {
            c.execute(&mut rmn, &a);
        }
        out.push_str(&serde_json::to_string(&round).expect("json"));
        out.push('\n');
    }
    out
}

/// Compares two outputs, naming the first differing line (not dumping both).
fn assert_same(a: &str, b: &str, what: &str) {
    for (n, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            let at = x.bytes().zip(y.bytes()).take_while(|(p, q)| p == q).count();
            let from = at.saturating_sub(200);
            panic!(
                "{what}: round {} differs at byte {at}:\n  {}\n  {}",
                n + 1,
                &x[from..(at + 80).min(x.len())],
                &y[from..(at + 80).min(y.len())]
            );
        }
    }
    assert_eq!(a.lines().count(), b.lines().count(), "{what}");
}

#[test]
fn identical_inputs_give_byte_identical_rounds() {
    for policy in [PolicyKind::Idc, PolicyKind::Sandpiper, PolicyKind::None] {
        let a = run(policy, false);
        assert!(a.contains("\"records\":[{"), "the scenario has hotspots");
        assert_same(&a, &run(policy, false), "same order");
        assert_same(&a, &run(policy, true), "report and domain order reversed");
    }
}
