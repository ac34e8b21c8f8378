//! A full report → decide → command → result loop with two fake hosts.

mod common;

use std::time::Duration;

use common::*;
use reunion_agent::fake::{lock_world, FakeCall};
use reunion_model::{Action, ActionId, ActionKind, ActionOutcome, DomId, DomainUuid, HostId};

fn both_reported(log: &EngineLog) -> bool {
    ["xen-a", "xen-b"]
        .iter()
        .all(|h| log.reports.iter().any(|r| r.host.as_str() == *h))
}

#[test]
fn migration_completes_when_the_destination_reports_the_domain_running() {
    let world = world(&[("xen-a", vec![domain(1, 5, "web")]), ("xen-b", vec![])]);
    let engine = ScriptedEngine::default();
    engine.log().planned.push((
        Action {
            id: ActionId(1),
            kind: ActionKind::Migrate {
                uuid: DomainUuid::from_u128(1),
                domid: DomId(5),
                source: HostId::new("xen-a"),
                destination: HostId::new("xen-b"),
            },
        },
        both_reported,
    ));
    let rmn = start_rmn(&["xen-a", "xen-b"], engine.clone(), false, 0, "loop");
    let a = start_agent(&world, "xen-a", rmn.agent_address, &["xen-b"]);
    let b = start_agent(&world, "xen-b", rmn.agent_address, &["xen-a"]);

    assert!(wait_until(Duration::from_secs(20), || engine
        .log()
        .results
        .len()
        == 1));
    let results = engine.log().results.clone();
    let migrate = results
        .iter()
        .find(|r| r.id == ActionId(1))
        .expect("migrate result");
    assert_eq!(migrate.outcome, ActionOutcome::Ok);
    {
        let w = lock_world(&world);
        assert!(w.hosts["xen-a"].domains.is_empty());
        assert_eq!(w.hosts["xen-b"].domains.len(), 1);
        assert_eq!(
            w.calls,
            vec![FakeCall::Migrate {
                host: "xen-a".into(),
                domid: DomId(5),
                destination: "xen-b".into()
            }]
        );
    }
    // The migration was confirmed by xen-b's report, and status shows nothing in flight.
    assert!(wait_until(Duration::from_secs(5), || {
        let status = status(&rmn);
        status.in_flight.is_empty() && status.hosts.iter().all(|h| h.connected)
    }));
    a.stop();
    b.stop();
    rmn.shutdown();
}

#[test]
fn mem_set_is_executed_and_answered() {
    let world = world(&[("xen-a", vec![domain(7, 3, "db")])]);
    let engine = ScriptedEngine::default();
    engine.log().planned.push((
        Action {
            id: ActionId(10),
            kind: ActionKind::MemSet {
                host: HostId::new("xen-a"),
                uuid: DomainUuid::from_u128(7),
                domid: DomId(3),
                target_bytes: 288 << 20,
            },
        },
        |log| !log.reports.is_empty(),
    ));
    let rmn = start_rmn(&["xen-a"], engine.clone(), false, 0, "memset");
    let a = start_agent(&world, "xen-a", rmn.agent_address, &[]);
    assert!(wait_until(Duration::from_secs(20), || !engine
        .log()
        .results
        .is_empty()));
    assert_eq!(engine.log().results[0].outcome, ActionOutcome::Ok);
    assert_eq!(
        lock_world(&world).hosts["xen-a"].domains[0].mem_bytes,
        288 << 20
    );
    a.stop();
    rmn.shutdown();
}
