//! The `/metrics` endpoint: every promised series is there, and the exposition
//! passes `promtool check metrics` (Debian package `prometheus`).

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

#[test]
fn metrics_cover_hosts_domains_actions_and_rounds_and_pass_promtool() {
    let world = world(&[("xen-a", vec![domain(1, 5, "web")])]);
    let engine = ScriptedEngine::default();
    engine.log().planned.push((
        reunion_model::Action {
            id: reunion_model::ActionId(1),
            kind: reunion_model::ActionKind::MemSet {
                host: reunion_model::HostId::new("xen-a"),
                uuid: reunion_model::DomainUuid::from_u128(1),
                domid: reunion_model::DomId(5),
                target_bytes: 300 << 20,
            },
        },
        |log| !log.reports.is_empty(),
    ));
    let rmn = start_rmn(&["xen-a", "xen-b"], engine.clone(), false, 0, "metrics");
    let agent = start_agent(&world, "xen-a", rmn.agent_address, &[]);
    // Two reports give rates; a round after them publishes the host series.
    assert!(wait_until(Duration::from_secs(20), || {
        let text = reunion_rmnd::http::get(
            &rmn.http_address.to_string(),
            "/metrics",
            Duration::from_secs(2),
        )
        .unwrap_or_default();
        text.contains("reunion_domain_traffic_bytes_per_second{")
            && text.contains("reunion_action_outcomes_total")
    }));
    let text = reunion_rmnd::http::get(
        &rmn.http_address.to_string(),
        "/metrics",
        Duration::from_secs(2),
    )
    .expect("metrics");
    for series in [
        "reunion_host_cpu_utilization{host=\"xen-a\"}",
        "reunion_host_memory_utilization{host=\"xen-a\"}",
        "reunion_host_nic_utilization{host=\"xen-a\"}",
        "reunion_host_swap_write_pages_per_second{host=\"xen-a\"}",
        "reunion_host_agent_connected{host=\"xen-a\"} 1",
        "reunion_host_agent_connected{host=\"xen-b\"} 0",
        "path=\"idc\",direction=\"tx\"",
        "path=\"nic\",direction=\"rx\"",
        "reunion_domain_cpu_utilization{",
        "reunion_rounds_total",
        "reunion_round_duration_seconds_bucket",
        "reunion_actions_in_flight 0",
        "reunion_actions_total{kind=\"mem_set\"} 1",
        "reunion_action_outcomes_total{kind=\"mem_set\",outcome=\"ok\"} 1",
    ] {
        assert!(text.contains(series), "missing {series} in\n{text}");
    }
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool is installed by scripts/setup (Debian package `prometheus`)");
    promtool
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let out = promtool.wait_with_output().expect("promtool");
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    agent.stop();
    rmn.shutdown();
}
