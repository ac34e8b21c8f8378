//! The reports the simulator sends are what an agent would send: valid,
//! cumulative, IDC peers by UUID and NIC peers by address, and a migration's
//! paused incoming copy on the destination.

use reunion_model::{DomainState, PeerKey};
use reunion_sim::cluster::Cluster;
use reunion_sim::physics::tick;
use reunion_sim::report::host_reports;
use reunion_sim::Scenario;

const SCENARIO: &str = r#"
name = "t"
duration_s = 100
[[host]]
name = "h1"
[[host]]
name = "h2"
[[vm]]
name = "a"
host = "h1"
memory_mib = 256
cpu = 0.2
external_tx_mbps = 5
[[vm]]
name = "b"
host = "h1"
memory_mib = 256
[[vm]]
name = "c"
host = "h2"
memory_mib = 256
[[flow]]
from = "a"
to = "b"
mbps = 40
[[flow]]
from = "a"
to = "c"
mbps = 8
"#;

fn cluster() -> Cluster {
    Cluster::from_scenario(&Scenario::from_toml(SCENARIO).expect("valid"), 0).expect("cluster")
}

#[test]
fn reports_are_valid_cumulative_and_keyed_like_an_agents() {
    let mut c = cluster();
    let mut previous: Option<Vec<reunion_model::HostReport>> = None;
    for interval in 1..=3u64 {
        for k in 0..10 {
            tick(&mut c, ((interval - 1) * 10 + k) as f64, 1.0);
        }
        let reports = host_reports(&c, interval as f64 * 10.0, 10.0, interval);
        for r in &reports {
            r.validate().expect("valid report");
            assert_eq!(r.seq, interval);
            assert_eq!(r.time_ms, interval * 10_000);
        }
        let a = &reports[0]
            .domains
            .iter()
            .find(|d| d.name == "a")
            .expect("a on h1");
        let b_uuid = c.vms[1].uuid;
        let to_b = a
            .traffic
            .peers
            .iter()
            .find(|p| p.peer == PeerKey::Domain(b_uuid))
            .expect("IDC peer by UUID");
        assert_eq!(to_b.counters.idc_tx_bytes, interval * 10 * 40 * 125_000);
        assert_eq!(to_b.counters.nic_tx_bytes, 0);
        let to_c = a
            .traffic
            .peers
            .iter()
            .find(|p| p.peer == PeerKey::Ip(c.vms[2].ip))
            .expect("NIC peer by IP");
        assert_eq!(to_c.counters.nic_tx_bytes, interval * 10 * 8 * 125_000);
        assert_eq!(a.traffic.external.nic_tx_bytes, interval * 10 * 5 * 125_000);
        if let Some(prev) = &previous {
            let before = prev[0].domains.iter().find(|d| d.name == "a").expect("a");
            assert!(a.cpu_time_ns > before.cpu_time_ns, "CPU time is cumulative");
            assert!(reports[0].dom0_cpu_time_ns > prev[0].dom0_cpu_time_ns);
        }
        previous = Some(reports);
    }
}

#[test]
fn a_migration_shows_on_both_hosts_as_an_agent_sees_it() {
    let mut c = cluster();
    tick(&mut c, 0.0, 1.0);
    c.start_migration(1, 1, 1, 1.0).expect("room");
    let reports = host_reports(&c, 2.0, 10.0, 1);
    assert!(reports.iter().all(|r| r.migration_in_flight));
    let source = reports[0]
        .domains
        .iter()
        .find(|d| d.name == "b")
        .expect("b on source");
    assert_eq!(source.state, DomainState::Migrating);
    let incoming = reports[1]
        .domains
        .iter()
        .find(|d| d.name == "b")
        .expect("incoming copy");
    assert_eq!(incoming.state, DomainState::Paused);
    // domids are per host: the incoming copy gets one no other domain on h2 has.
    assert_eq!(
        reports[1]
            .domains
            .iter()
            .filter(|d| d.domid == incoming.domid)
            .count(),
        1
    );
    assert_eq!(incoming.cpu_time_ns, 0);
    let free_before = reports[1].capacity.mem_free_bytes;
    assert_eq!(
        free_before,
        (2048 - 512 - 256 - 256) * 1024 * 1024,
        "destination reserved the memory"
    );
}
