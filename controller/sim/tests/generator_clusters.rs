//! The evaluation's generator: valid, reproducible clusters of the asked size
//! drawn from the committed distributions.

use reunion_sim::generator::{generate, GeneratorConfig};

fn config() -> GeneratorConfig {
    GeneratorConfig::from_toml(include_str!("../../../eval/generator.toml"))
        .expect("committed config parses")
}

#[test]
fn same_seed_same_cluster_other_seed_other_cluster() {
    let c = config();
    let a = generate(&c, 4, 1).expect("generates");
    let b = generate(&c, 4, 1).expect("generates");
    let other = generate(&c, 4, 2).expect("generates");
    assert_eq!(a, b);
    assert_ne!(a, other);
}

#[test]
fn clusters_have_services_lone_vms_and_a_surge() {
    let c = config();
    for hosts in [4, 16] {
        let s = generate(&c, hosts, 7).expect("generates");
        s.validate().expect("valid scenario");
        assert_eq!(s.hosts.len(), hosts);
        let grouped = s.vms.iter().filter(|v| v.group.is_some()).count();
        let lone = s.vms.len() - grouped;
        assert!(grouped >= 2 * hosts / 2, "services present");
        assert_eq!(lone, (1.5 * hosts as f64).round() as usize);
        assert!(!s.flows.is_empty(), "tiers talk to each other");
        let text = s.to_toml().expect("serializes");
        assert!(text.contains("ramp"), "at least one surge");
        let back = reunion_sim::Scenario::from_toml(&text).expect("round-trips");
        assert_eq!(back, s);
    }
}
