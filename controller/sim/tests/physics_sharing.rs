//! CPU sharing, max-min NIC sharing, per-byte network cost and the VM network
//! bound, checked on small hand-computable clusters.

use reunion_sim::cluster::Cluster;
use reunion_sim::physics::tick;
use reunion_sim::Scenario;

fn cluster(toml: &str) -> Cluster {
    let scenario = Scenario::from_toml(toml).expect("valid scenario");
    Cluster::from_scenario(&scenario, 0).expect("cluster")
}

const TWO_HOSTS: &str = r#"
name = "t"
duration_s = 10
[model]
dom0_idle_cpu = 0.0
[[host]]
name = "h1"
[[host]]
name = "h2"
"#;

#[test]
fn oversubscribed_cpu_is_shared_in_proportion_to_demand() {
    let mut c = cluster(&format!(
        "{TWO_HOSTS}
[[vm]]
name = \"a\"
host = \"h1\"
memory_mib = 256
cpu = 0.9
[[vm]]
name = \"b\"
host = \"h1\"
memory_mib = 256
cpu = 0.6
"
    ));
    let out = tick(&mut c, 0.0, 1.0);
    assert!((out.host_cpu[0] - 1.0).abs() < 1e-9);
    // 1 core shared 0.9 : 0.6, so each gets 1/1.5 of its demand.
    for v in 0..2 {
        assert!(
            (out.vm_delivered[v] - 1.0 / 1.5).abs() < 1e-6,
            "{:?}",
            out.vm_delivered
        );
    }
    let cpu_a = c.vms[0].counters.cpu_ns / 1e9;
    assert!((cpu_a - 0.6).abs() < 1e-6, "a got {cpu_a} cores");
}

#[test]
fn colocated_peers_use_idc_and_no_nic() {
    let mut c = cluster(&format!(
        "{TWO_HOSTS}
[[vm]]
name = \"a\"
host = \"h1\"
memory_mib = 256
[[vm]]
name = \"b\"
host = \"h1\"
memory_mib = 256
[[flow]]
from = \"a\"
to = \"b\"
mbps = 500
"
    ));
    let out = tick(&mut c, 0.0, 1.0);
    assert_eq!(out.host_nic[0], 0.0);
    assert!((out.idc_mbit - 500.0).abs() < 1e-9);
    assert_eq!(out.nic_mbit, 0.0);
    // 500 Mb/s of IDC costs 500 × 0.000742 cores on the host.
    let expected = 500.0 * c.constants.idc_cpu_per_mbps;
    assert!(
        (out.host_cpu[0] - expected).abs() < 1e-9,
        "{} vs {expected}",
        out.host_cpu[0]
    );
}

#[test]
fn remote_peers_cost_nic_cpu_on_both_hosts_and_are_bounded_per_vm() {
    let mut c = cluster(&format!(
        "{TWO_HOSTS}
[[vm]]
name = \"a\"
host = \"h1\"
memory_mib = 256
[[vm]]
name = \"b\"
host = \"h2\"
memory_mib = 256
[[flow]]
from = \"a\"
to = \"b\"
mbps = 500
"
    ));
    let out = tick(&mut c, 0.0, 1.0);
    // The guest network bound (283 Mb/s) caps the flow below its demand.
    let bound = c.constants.vm_network_bound_mbps;
    assert!((out.nic_mbit - bound).abs() < 1e-6, "{}", out.nic_mbit);
    assert!((out.host_nic[0] - bound / 1000.0).abs() < 1e-9);
    assert!((out.host_nic[1] - bound / 1000.0).abs() < 1e-9);
    let expected_cpu = bound * c.constants.nic_cpu_per_mbps;
    assert!((out.host_cpu[0] - expected_cpu).abs() < 1e-6);
    assert!((out.host_cpu[1] - expected_cpu).abs() < 1e-6);
    assert!(
        out.vm_delivered[0] < 0.6,
        "network-bound VM cannot deliver its demand"
    );
}

#[test]
fn nic_is_shared_max_min_among_senders() {
    let mut text = TWO_HOSTS.replace(
        "[[host]]\nname = \"h2\"",
        "[[host]]\nname = \"h2\"\nnic_mbps = 300",
    );
    for (name, rate) in [("s1", 50), ("s2", 200), ("s3", 200)] {
        text.push_str(&format!(
            "[[vm]]\nname = \"{name}\"\nhost = \"h1\"\nmemory_mib = 128\n[[flow]]\nfrom = \"{name}\"\nto = \"sink\"\nmbps = {rate}\n"
        ));
    }
    text.push_str(
        "[[vm]]\nname = \"sink\"\nhost = \"h2\"\nmemory_mib = 128\n[model.vm_network_bound_mbps]\n",
    );
    // The sink's own bound would cap at 283; lift it to see the NIC's share.
    let text = text
        .replace("[model.vm_network_bound_mbps]\n", "")
        .replace("[model]\n", "[model]\nvm_network_bound_mbps = 10000\n");
    let mut c = cluster(&text);
    let out = tick(&mut c, 0.0, 1.0);
    // h2's 300 Mb/s RX: s1 gets its 50, s2 and s3 split the remaining 250.
    let received = |v: usize| c.vms[v].counters.peers[0].nic.tx / 125_000.0;
    assert!((received(0) - 50.0).abs() < 1e-6);
    assert!((received(1) - 125.0).abs() < 1e-6);
    assert!((received(2) - 125.0).abs() < 1e-6);
    assert!((out.host_nic[1] - 1.0).abs() < 1e-9);
}

#[test]
fn idc_is_cheaper_than_nic_for_the_same_traffic() {
    let co = |host_b: &str| {
        let mut c = cluster(&format!(
            "{TWO_HOSTS}
[[vm]]
name = \"a\"
host = \"h1\"
memory_mib = 256
cpu = 0.2
[[vm]]
name = \"b\"
host = \"{host_b}\"
memory_mib = 256
cpu = 0.2
[[flow]]
from = \"a\"
to = \"b\"
mbps = 100
reply_mbps = 100
"
        ));
        let out = tick(&mut c, 0.0, 1.0);
        out.host_cpu.iter().sum::<f64>()
    };
    let together = co("h1");
    let apart = co("h2");
    // 200 Mb/s: IDC costs 0.148 cores once; NIC costs 0.436 on each host.
    assert!(apart - together > 0.7, "together {together}, apart {apart}");
}
