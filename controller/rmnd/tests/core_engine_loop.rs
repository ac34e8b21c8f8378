//! The real RMN core in the daemon: a CPU hotspot on a fake host is detected
//! from agent reports, a migration is decided, logged, executed by the agents
//! and confirmed by the destination's report.

mod common;

use std::time::Duration;

use common::*;
use reunion_agent::fake::lock_world;
use reunion_model::{DomainUuid, RmnConfig};
use reunion_rmnd::core_engine::CoreEngine;

#[test]
fn cpu_hotspot_is_relieved_by_a_real_core_decision() {
    let world = world(&[
        ("xen-a", vec![domain(1, 5, "web"), domain(2, 6, "db")]),
        ("xen-b", vec![]),
    ]);
    {
        let mut w = lock_world(&world);
        // 1.9 of 2 CPUs: 95% on xen-a, above the 85% threshold.
        w.busy_cpus.insert(DomainUuid::from_u128(1), 1.0);
        w.busy_cpus.insert(DomainUuid::from_u128(2), 0.9);
    }
    let rmn_config = RmnConfig {
        interval_s: 1,
        ..RmnConfig::default()
    };
    let engine = CoreEngine::new(rmn_config.clone()).expect("core");
    let rmn = start_rmn_with(&["xen-a", "xen-b"], Box::new(engine), rmn_config, 0, "core");
    let a = start_agent(&world, "xen-a", rmn.agent_address, &["xen-b"]);
    let b = start_agent(&world, "xen-b", rmn.agent_address, &["xen-a"]);

    assert!(
        wait_until(Duration::from_secs(40), || {
            let w = lock_world(&world);
            w.hosts["xen-a"].domains.len() == 1 && w.hosts["xen-b"].domains.len() == 1
        }),
        "one domain moved to xen-b"
    );
    // The migration is confirmed by xen-b's report and nothing stays in flight.
    assert!(wait_until(Duration::from_secs(10), || {
        let text = reunion_rmnd::http::get(
            &rmn.http_address.to_string(),
            "/metrics",
            Duration::from_secs(2),
        )
        .unwrap_or_default();
        text.contains("reunion_action_outcomes_total{kind=\"migrate\",outcome=\"ok\"} 1")
            && text.contains("reunion_hotspots_total{host=\"xen-a\",resource=\"cpu\"}")
    }));
    // Every decision is in the log, as JSON lines the explain command reads.
    let log = std::fs::read_to_string(temp_path("core")).expect("decision log");
    let records: Vec<reunion_model::DecisionRecord> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("a decision record per line"))
        .collect();
    assert!(records
        .iter()
        .any(|r| r.hotspot.host.as_str() == "xen-a" && r.action.is_some()));
    // Exactly one migration ran: no storm after the hotspot went away.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(lock_world(&world).calls.len(), 1);
    a.stop();
    b.stop();
    rmn.shutdown();
}
