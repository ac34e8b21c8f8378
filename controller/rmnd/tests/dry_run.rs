//! In dry-run mode nothing is executed, even if the engine emits an action.

mod common;

use std::time::Duration;

use common::*;
use reunion_agent::fake::lock_world;
use reunion_model::{Action, ActionId, ActionKind, DomId, DomainUuid, HostId};

#[test]
fn dry_run_executes_nothing() {
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
        |log| log.reports.len() >= 2,
    ));
    let rmn = start_rmn(&["xen-a", "xen-b"], engine.clone(), true, 0, "dry");
    let a = start_agent(&world, "xen-a", rmn.agent_address, &["xen-b"]);
    let b = start_agent(&world, "xen-b", rmn.agent_address, &["xen-a"]);
    assert!(wait_until(Duration::from_secs(20), || engine
        .log()
        .planned
        .is_empty()));
    let rounds = engine.log().rounds;
    assert!(wait_until(Duration::from_secs(10), || engine.log().rounds
        >= rounds + 2));
    assert!(lock_world(&world).calls.is_empty(), "nothing executed");
    assert!(status(&rmn).in_flight.is_empty());
    assert!(status(&rmn).dry_run);
    a.stop();
    b.stop();
    rmn.shutdown();
}
