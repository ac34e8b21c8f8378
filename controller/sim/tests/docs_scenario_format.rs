//! The annotated example in `docs/scenarios.md` uses only keys the scenario
//! format knows, and the defaults the document states are the parser's.

use reunion_sim::Scenario;

const SCENARIOS_DOC: &str = include_str!("../../../docs/scenarios.md");

/// The first fenced ```toml block of `doc`.
fn first_toml_block(doc: &str) -> &str {
    doc.split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a ```toml block")
}

#[test]
fn the_documented_example_has_only_known_keys() {
    // The example is a fragment (its flows name VMs it does not define), so it
    // is deserialized, which refuses unknown keys, but not validated.
    let example: Scenario =
        toml::from_str(first_toml_block(SCENARIOS_DOC)).expect("every key is known");
    assert_eq!(example.name, "group-vs-lone");
    assert_eq!(example.hosts.len(), 1);
    assert_eq!(example.vms.len(), 1);
    assert_eq!(example.flows.len(), 1);
    assert_eq!(example.matrices.len(), 1);
    assert!(example.matrices[0].scale.is_some());
    assert_eq!(example.vms[0].max_memory_mib, Some(512));
    assert!((example.model.vm_network_bound_mbps - 283.0).abs() < 1e-9);
}

#[test]
fn the_documented_defaults_are_the_parsers() {
    let minimal = Scenario::from_toml(
        "name = \"m\"\nduration_s = 60\n[[host]]\nname = \"h1\"\n\
         [[vm]]\nname = \"v\"\nhost = \"h1\"\nmemory_mib = 256\n",
    )
    .expect("valid");
    assert!((minimal.tick_s - 1.0).abs() < 1e-12);
    assert!((minimal.report_interval_s - 10.0).abs() < 1e-12);
    assert_eq!(minimal.seed, 0);
    let host = &minimal.hosts[0];
    assert_eq!(host.cpus, 1);
    assert_eq!(host.memory_mib, 2048);
    assert_eq!(host.dom0_memory_mib, 512);
    assert!((host.nic_mbps - 1000.0).abs() < 1e-9);
    assert_eq!(minimal.vms[0].group, None);
    assert_eq!(minimal.vms[0].max_memory_mib, None);
}
