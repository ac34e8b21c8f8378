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
