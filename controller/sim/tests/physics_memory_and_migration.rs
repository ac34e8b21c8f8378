//! Swap from working-set deficit, mem-set bounds, and live migration cost.

use reunion_sim::cluster::{Cluster, MBIT_PER_MIB};
use reunion_sim::physics::tick;
use reunion_sim::Scenario;

fn cluster(toml: &str) -> Cluster {
    let scenario = Scenario::from_toml(toml).expect("valid scenario");
    Cluster::from_scenario(&scenario, 0).expect("cluster")
}

const BASE: &str = r#"
name = "t"
duration_s = 100
[[host]]
name = "h1"
[[host]]
name = "h2"
[[vm]]
name = "a"
host = "h1"
memory_mib = 512
max_memory_mib = 768
cpu = 0.2
working_set_mib = 612
[[vm]]
name = "b"
host = "h1"
memory_mib = 896
"#;

#[test]
fn working_set_deficit_swaps_and_slows_the_vm() {
    let mut c = cluster(BASE);
    let out = tick(&mut c, 0.0, 1.0);
    let expected = 100.0 * c.constants.swap_pages_per_s_per_mib;
    assert!((out.host_swap[0] - expected).abs() < 1e-9);
    assert!((out.vm_delivered[0] - 512.0 / 612.0).abs() < 1e-9);
    assert_eq!(out.vm_delivered[1], 1.0);
}

#[test]
fn mem_set_is_bounded_by_free_memory_and_max_memory() {
    let mut c = cluster(BASE);
    // 2048 - 512 (dom0) - 512 - 896 = 128 MiB free.
    assert_eq!(c.free_mib(0), 128);
    assert_eq!(c.mem_set(0, 2048), 640);
    assert_eq!(c.free_mib(0), 0);
    let mut c = cluster(&BASE.replace("memory_mib = 896", "memory_mib = 256"));
    assert_eq!(c.mem_set(0, 2048), 768, "max memory caps the target");
    let out = tick(&mut c, 0.0, 1.0);
    assert_eq!(out.host_swap[0], 0.0);
}

#[test]
fn migration_takes_memory_over_bandwidth_and_loads_both_nics() {
    let mut c = cluster(BASE);
    c.start_migration(7, 0, 1, 0.0).expect("room on h2");
    let incoming = c.migrations[0].incoming_domid;
    let expected_s =
        512.0 * MBIT_PER_MIB * c.constants.migration_overhead / c.constants.migration_mbps;
    let mut t = 0.0;
    let mut finished_at = None;
    while t < 100.0 {
        let out = tick(&mut c, t, 1.0);
        t += 1.0;
        if !out.finished.is_empty() {
            finished_at = Some(t);
            break;
        }
        assert!(
            (out.host_nic[0] - 0.5).abs() < 1e-9,
            "source NIC carries the copy"
        );
        assert!(
            (out.host_nic[1] - 0.5).abs() < 1e-9,
            "destination NIC carries the copy"
        );
    }
    let finished_at = finished_at.expect("migration finishes");
    assert_eq!(finished_at, expected_s.ceil());
    assert_eq!(c.vms[0].host, 1);
    assert_eq!(
        c.vms[0].domid, incoming,
        "a new domain instance on the destination"
    );
    assert_eq!(
        c.vms[0].counters.cpu_ns, 0.0,
        "counters restart with the new domain"
    );
}

#[test]
fn migration_needs_memory_on_the_destination() {
    let text = BASE.replace(
        "[[vm]]\nname = \"b\"\nhost = \"h1\"",
        "[[vm]]\nname = \"big\"\nhost = \"h2\"\nmemory_mib = 1400\n[[vm]]\nname = \"b\"\nhost = \"h1\"",
    );
    let mut c = cluster(&text);
    let err = c.start_migration(1, 0, 1, 0.0).expect_err("h2 is full");
    assert!(err.contains("not enough memory"), "{err}");
}
