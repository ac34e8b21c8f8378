//! Agents vanish and come back; the RMN restarts and rebuilds its view.

mod common;

use std::time::Duration;

use common::*;

#[test]
fn agent_loss_is_noticed_and_a_restarted_agent_is_served_again() {
    let world = world(&[("xen-a", vec![domain(1, 5, "web")])]);
    let engine = ScriptedEngine::default();
    let rmn = start_rmn(&["xen-a"], engine.clone(), false, 0, "loss");
    let agent = start_agent(&world, "xen-a", rmn.agent_address, &[]);
    assert!(wait_until(Duration::from_secs(10), || status(&rmn).hosts
        [0]
    .connected));
    agent.stop();
    assert!(wait_until(Duration::from_secs(10), || !status(&rmn).hosts
        [0]
    .connected));
    let before = reports_from(&engine, "xen-a");
    let agent = start_agent(&world, "xen-a", rmn.agent_address, &[]);
    assert!(wait_until(Duration::from_secs(10), || {
        status(&rmn).hosts[0].connected && reports_from(&engine, "xen-a") > before + 2
    }));
    agent.stop();
    rmn.shutdown();
}

#[test]
fn restarted_rmn_rebuilds_its_view_from_the_next_reports() {
    let world = world(&[
        ("xen-a", vec![domain(1, 5, "web")]),
        ("xen-b", vec![domain(2, 6, "db")]),
    ]);
    let first = ScriptedEngine::default();
    let rmn = start_rmn(&["xen-a", "xen-b"], first.clone(), false, 0, "restart1");
    let port = rmn.agent_address.port();
    let a = start_agent(&world, "xen-a", rmn.agent_address, &["xen-b"]);
    let b = start_agent(&world, "xen-b", rmn.agent_address, &["xen-a"]);
    assert!(wait_until(Duration::from_secs(10), || {
        reports_from(&first, "xen-a") > 0 && reports_from(&first, "xen-b") > 0
    }));
    rmn.shutdown();

    // Same address, fresh process state: the agents reconnect with backoff.
    let second = ScriptedEngine::default();
    let rmn = start_rmn(&["xen-a", "xen-b"], second.clone(), false, port, "restart2");
    assert!(wait_until(Duration::from_secs(20), || {
        reports_from(&second, "xen-a") > 0 && reports_from(&second, "xen-b") > 0
    }));
    let log = second.log();
    let uuids: Vec<_> = log
        .reports
        .iter()
        .flat_map(|r| r.domains.iter().map(|d| d.uuid))
        .collect();
    assert!(uuids.contains(&reunion_model::DomainUuid::from_u128(1)));
    assert!(uuids.contains(&reunion_model::DomainUuid::from_u128(2)));
    drop(log);
    a.stop();
    b.stop();
    rmn.shutdown();
}

#[test]
fn a_host_that_stopped_reporting_is_not_a_migration_destination() {
    use reunion_agent::fake::lock_world;
    use reunion_model::{Action, ActionId, ActionKind, ActionOutcome, DomId, DomainUuid, HostId};
    let world = world(&[("xen-a", vec![domain(1, 5, "web")]), ("xen-b", vec![])]);
    let engine = ScriptedEngine::default();
    let rmn = start_rmn(
        &["xen-a", "xen-b"],
        engine.clone(),
        false,
        0,
        "gone-destination",
    );
    let a = start_agent(&world, "xen-a", rmn.agent_address, &["xen-b"]);
    let b = start_agent(&world, "xen-b", rmn.agent_address, &["xen-a"]);
    assert!(wait_until(Duration::from_secs(10), || reports_from(
        &engine, "xen-b"
    ) > 0));
    b.stop();
    assert!(wait_until(Duration::from_secs(10), || {
        !status(&rmn)
            .hosts
            .iter()
            .any(|h| h.host == "xen-b" && h.connected)
    }));
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
        |_| true,
    ));
    assert!(wait_until(Duration::from_secs(10), || !engine
        .log()
        .results
        .is_empty()));
    assert!(matches!(&engine.log().results[0].outcome,
        ActionOutcome::Failed { stderr } if stderr.contains("not reporting")));
    assert!(lock_world(&world).calls.is_empty());
    a.stop();
    rmn.shutdown();
}

#[test]
fn status_lists_every_configured_host_from_the_first_request() {
    let engine = ScriptedEngine::default();
    let rmn = start_rmn(&["xen-a", "xen-b"], engine, false, 0, "first-status");
    // No waiting: the very first answer must already name both hosts, as
    // disconnected, rather than an empty cluster.
    let hosts: Vec<_> = status(&rmn)
        .hosts
        .into_iter()
        .map(|h| (h.host, h.connected))
        .collect();
    assert_eq!(
        hosts,
        vec![("xen-a".to_string(), false), ("xen-b".to_string(), false)]
    );
    rmn.shutdown();
}
