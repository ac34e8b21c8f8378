//! The thesis's qualitative claims (chapters 1 and 3), run end to end through
//! the real RMN core in the simulator, and the adversarial cases where IDC
//! awareness cannot help.
//!
//! The claims are about the thesis's policies, whose destination check is
//! "enough resources now" (thesis 3.3): they run with `predict_destination =
//! false`. With the RMN's default destination prediction, Sandpiper also
//! avoids the moves that overload a destination; that case is checked too.

use reunion_model::{PolicyKind, RmnConfig};
use reunion_sim::builtin::BUILTIN_SCENARIOS;
use reunion_sim::output::{Event, Summary};
use reunion_sim::run::{run, RunOptions};
use reunion_sim::Scenario;

/// The thesis's RMN: destinations checked for room now, no load prediction.
fn thesis_config() -> RmnConfig {
    RmnConfig {
        predict_destination: false,
        ..RmnConfig::default()
    }
}

fn simulate(file: &str, policy: PolicyKind) -> (Vec<Event>, Summary) {
    simulate_with(file, policy, &thesis_config())
}

fn simulate_with(file: &str, policy: PolicyKind, config: &RmnConfig) -> (Vec<Event>, Summary) {
    let (_, text) = BUILTIN_SCENARIOS
        .iter()
        .find(|(name, _)| *name == file)
        .expect("built-in scenario");
    let scenario = Scenario::from_toml(text).expect("valid");
    let out = run(
        &scenario,
        config,
        &RunOptions {
            policy,
            seed: None,
            record_series: false,
        },
    )
    .expect("run");
    (out.events, out.summary)
}

fn first_migration(events: &[Event]) -> (String, String) {
    let e = events
        .iter()
        .find(|e| e.kind == "migrate")
        .expect("a migration");
    (e.domain.clone(), e.destination.clone().unwrap_or_default())
}

#[test]
fn cpu_overload_idc_moves_the_lone_vm_and_sandpiper_a_group_member() {
    let (idc, idc_sum) = simulate("group-vs-lone.toml", PolicyKind::Idc);
    let (sp, sp_sum) = simulate("group-vs-lone.toml", PolicyKind::Sandpiper);
    assert_eq!(first_migration(&idc).0, "batch");
    let sp_victim = first_migration(&sp).0;
    assert!(
        sp_victim == "web" || sp_victim == "app",
        "sandpiper moved {sp_victim}"
    );
    assert!(idc_sum.hotspot_s_total < sp_sum.hotspot_s_total);
    assert!(idc_sum.nic_bytes < sp_sum.nic_bytes);
}

#[test]
fn idc_sends_a_vm_to_its_peers_host_and_sandpiper_to_the_lightest() {
    let (idc, idc_sum) = simulate("peer-on-busy-host.toml", PolicyKind::Idc);
    let (sp, _) = simulate("peer-on-busy-host.toml", PolicyKind::Sandpiper);
    assert_eq!(first_migration(&idc), ("client".into(), "h2".into()));
    assert_eq!(first_migration(&sp), ("client".into(), "h3".into()));
    assert!(
        idc_sum.idc_bytes > 0.0,
        "the pair talks over IDC after the move"
    );
}

#[test]
fn network_benefit_keeps_the_high_idc_vm() {
    let (idc, _) = simulate("network-benefit.toml", PolicyKind::Idc);
    let (sp, _) = simulate("network-benefit.toml", PolicyKind::Sandpiper);
    assert_eq!(first_migration(&idc).0, "b");
    assert!(idc.iter().all(|e| e.domain != "a"), "a must stay");
    assert_eq!(first_migration(&sp).0, "a");
}

#[test]
fn memory_is_provisioned_before_any_migration() {
    let (events, summary) = simulate("memory-first.toml", PolicyKind::Idc);
    let first_migration = events.iter().position(|e| e.kind == "migrate");
    let first_mem_set = events
        .iter()
        .position(|e| e.kind == "mem_set")
        .expect("mem-set");
    assert!(first_migration.is_none_or(|m| first_mem_set < m));
    assert!(summary.mem_set_bytes > 0);
}

#[test]
fn adversarial_cases_idc_no_worse_than_sandpiper() {
    for file in ["no-inter-vm-traffic.toml", "all-external.toml"] {
        let (_, idc) = simulate(file, PolicyKind::Idc);
        let (_, sp) = simulate(file, PolicyKind::Sandpiper);
        let (_, none) = simulate(file, PolicyKind::None);
        assert!(
            none.hotspot_s_total > 0.0,
            "{file}: the scenario must overload something"
        );
        assert!(
            idc.hotspot_s_total <= sp.hotspot_s_total,
            "{file}: {} > {}",
            idc.hotspot_s_total,
            sp.hotspot_s_total
        );
        assert!(idc.migrations <= sp.migrations, "{file}");
        assert!(idc.delivered_mean >= sp.delivered_mean - 1e-9, "{file}");
    }
}

#[test]
fn with_destination_prediction_idc_is_still_no_worse_on_the_thesis_cases() {
    let config = RmnConfig::default();
    for file in [
        "group-vs-lone.toml",
        "peer-on-busy-host.toml",
        "network-benefit.toml",
    ] {
        let (idc_events, idc) = simulate_with(file, PolicyKind::Idc, &config);
        let (_, sp) = simulate_with(file, PolicyKind::Sandpiper, &config);
        assert!(!idc_events.is_empty(), "{file}: the RMN must act");
        assert!(
            idc.hotspot_s_total <= sp.hotspot_s_total,
            "{file}: hotspot-s {} > {}",
            idc.hotspot_s_total,
            sp.hotspot_s_total
        );
        assert!(
            idc.inter_vm_nic_bytes <= sp.inter_vm_nic_bytes,
            "{file}: NIC {} > {}",
            idc.inter_vm_nic_bytes,
            sp.inter_vm_nic_bytes
        );
    }
}
