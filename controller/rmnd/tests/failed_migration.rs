//! A failing `xl migrate` is reported once, with its stderr, and not retried.

mod common;

use std::time::Duration;

use common::*;
use reunion_agent::fake::lock_world;
use reunion_model::{Action, ActionId, ActionKind, ActionOutcome, DomId, DomainUuid, HostId};

#[test]
fn failed_migration_is_reported_once_without_a_retry_storm() {
    let world = world(&[("xen-a", vec![domain(1, 5, "web")]), ("xen-b", vec![])]);
    lock_world(&world)
        .hosts
        .get_mut("xen-a")
        .expect("host")
        .migrate_failure = Some("xc: error: Failed to enable logdirty: 95".into());
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
        |log| {
            ["xen-a", "xen-b"]
                .iter()
                .all(|h| log.reports.iter().any(|r| r.host.as_str() == *h))
        },
    ));
    let rmn = start_rmn(&["xen-a", "xen-b"], engine.clone(), false, 0, "failed");
    let a = start_agent(&world, "xen-a", rmn.agent_address, &["xen-b"]);
    let b = start_agent(&world, "xen-b", rmn.agent_address, &["xen-a"]);
    assert!(wait_until(Duration::from_secs(20), || !engine
        .log()
        .results
        .is_empty()));
    // Several more rounds pass.
    let rounds = engine.log().rounds;
    assert!(wait_until(Duration::from_secs(10), || engine.log().rounds
        >= rounds + 3));
    let log = engine.log();
    assert_eq!(log.results.len(), 1, "exactly one result");
    assert!(matches!(&log.results[0].outcome,
        ActionOutcome::Failed { stderr } if stderr.contains("logdirty")));
    drop(log);
    assert_eq!(
        lock_world(&world).calls.len(),
        1,
        "xl migrate ran exactly once"
    );
    assert_eq!(lock_world(&world).hosts["xen-a"].domains.len(), 1);
    a.stop();
    b.stop();
    rmn.shutdown();
}

#[test]
fn destination_that_cannot_open_its_channel_fails_the_migration_before_xl_runs() {
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
        |log| {
            ["xen-a", "xen-b"]
                .iter()
                .all(|h| log.reports.iter().any(|r| r.host.as_str() == *h))
        },
    ));
    // Something else holds xen-b's migration port.
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken = squatter.local_addr().expect("addr");
    let rmn = start_rmn(&["xen-a", "xen-b"], engine.clone(), false, 0, "cannot-arm");
    let a = start_agent(&world, "xen-a", rmn.agent_address, &["xen-b"]);
    let b = start_agent_listening(&world, "xen-b", rmn.agent_address, &["xen-a"], taken);
    assert!(wait_until(Duration::from_secs(20), || !engine
        .log()
        .results
        .is_empty()));
    let log = engine.log();
    assert!(matches!(&log.results[0].outcome,
        ActionOutcome::Failed { stderr } if stderr.contains("cannot listen")));
    drop(log);
    assert!(lock_world(&world).calls.is_empty(), "xl migrate never ran");
    a.stop();
    b.stop();
    rmn.shutdown();
}
