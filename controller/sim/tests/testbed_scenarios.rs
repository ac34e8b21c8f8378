//! The Xen testbed's demo (`tests/testbed/lib/demo.sh`) and its case 50
//! (`tests/testbed/cases/50-cpu-hotspot.sh`), written as `scenarios/testbed-*.toml`
//! and run through the real RMN core with the testbed's RMN settings.
//!
//! The scenarios carry the workloads as the testbed scripts set them (burn
//! duties, a 3 MB/s stream) on the testbed's platform (one CPU per host, dom0
//! at 0.4 of it, the 10 Mb/s NIC the testbed agents declare). Where the model
//! disagrees with what the testbed expects, the tests below state the
//! disagreement and the range of inputs where the expectation holds.

use std::path::Path;

use reunion_model::{DecisionOutcome, PolicyKind, Resource, RmnConfig};
use reunion_sim::output::Event;
use reunion_sim::run::{run, RunOptions, RunOutput};
use reunion_sim::series::SeriesSpec;
use reunion_sim::Scenario;

/// The RMN as `tests/testbed/lib/agents.sh` configures it (`[rmn]` table);
/// its `interval_s = 3` is replaced by the report interval, as for every
/// simulated run.
fn testbed_rmn_config() -> RmnConfig {
    RmnConfig {
        epsilon: 0.001,
        cooldown_s: 30,
        stale_after_s: 20,
        action_timeout_s: 400,
        ..RmnConfig::default()
    }
}

fn load(file: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .join(file);
    Scenario::load(&path).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// `scenario` with dom0's background load and the p1 -> p2 stream's rate replaced.
fn variant(scenario: &Scenario, dom0_cpu: f64, pair_mbps: f64) -> Scenario {
    let mut s = scenario.clone();
    s.model.dom0_idle_cpu = dom0_cpu;
    let flow = s
        .flows
        .iter_mut()
        .find(|f| f.from == "p1" && f.to == "p2")
        .expect("the pair's flow");
    flow.mbps = SeriesSpec::Constant(pair_mbps);
    s
}

fn simulate(scenario: &Scenario, policy: PolicyKind) -> RunOutput {
    run(
        scenario,
        &testbed_rmn_config(),
        &RunOptions {
            policy,
            seed: None,
            record_series: false,
        },
    )
    .expect("run")
}

/// (domain, source, destination) of every migration, in order.
fn migrations(events: &[Event]) -> Vec<(String, String, String)> {
    events
        .iter()
        .filter(|e| e.kind == "migrate")
        .map(|e| {
            (
                e.domain.clone(),
                e.source.clone(),
                e.destination.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn first_migration(scenario: &Scenario, policy: PolicyKind) -> Option<(String, String, String)> {
    migrations(&simulate(scenario, policy).events)
        .into_iter()
        .next()
}

/// dom0 alone reads 30-50 % of a testbed host's CPU under QEMU TCG (docs/testbed.md).
const DOM0_RANGE: [f64; 3] = [0.3, 0.4, 0.5];
/// The demo's stream, 3 MB/s (`workload stream --rate 3000000`), in Mb/s.
const DEMO_STREAM_MBPS: f64 = 24.0;
/// What the pair got through on the testbed's saturated A (docs/testbed.md, State).
const MEASURED_PAIR_MBPS: f64 = 0.065;

#[test]
fn demo_hotspot_idc_moves_the_lone_burner_not_a_pair_member() {
    let base = load("testbed-demo-hotspot.toml");
    assert_eq!(
        first_migration(&base, PolicyKind::Idc),
        Some(("l1".into(), "A".into(), "B".into()))
    );
    // The choice holds for every dom0 load the testbed shows and for the pair's
    // traffic anywhere from what the testbed measured to what the demo asks for.
    for dom0 in DOM0_RANGE {
        for mbps in [MEASURED_PAIR_MBPS, DEMO_STREAM_MBPS] {
            let first = first_migration(&variant(&base, dom0, mbps), PolicyKind::Idc);
            assert_eq!(
                first.map(|m| m.0).as_deref(),
                Some("l1"),
                "dom0 {dom0}, pair {mbps} Mb/s"
            );
        }
    }
}

#[test]
fn cpu_hotspot_case_idc_moves_l1_and_sandpiper_a_pair_member() {
    for file in ["testbed-cpu-hotspot.toml", "testbed-demo-hotspot.toml"] {
        let scenario = load(file);
        let idc = first_migration(&scenario, PolicyKind::Idc).expect("an IDC migration");
        assert_eq!((idc.0.as_str(), idc.1.as_str()), ("l1", "A"), "{file}");
        let sp = first_migration(&scenario, PolicyKind::Sandpiper).expect("a Sandpiper migration");
        assert!(
            (sp.0 == "p1" || sp.0 == "p2") && sp.1 == "A",
            "{file}: Sandpiper moved {sp:?}"
        );
    }
}

/// Finding: Sandpiper splits the pair only when the pair's traffic is a large
/// part of the declared NIC (its volume counts IDC as network load). At the
/// 65 kbit/s the testbed measured on the saturated A, l1's CPU dominates every
/// volume and Sandpiper moves l1 like the IDC policy; case 50's Sandpiper half
/// needs the pair's traffic to get through (in the model, where the saturated
/// A delivers about a third of what is asked: 7 Mb/s asked still splits it,
/// 5 Mb/s does not).
#[test]
fn sandpiper_moves_l1_when_the_pair_gets_only_the_measured_traffic_through() {
    let base = load("testbed-cpu-hotspot.toml");
    for dom0 in DOM0_RANGE {
        let measured = first_migration(
            &variant(&base, dom0, MEASURED_PAIR_MBPS),
            PolicyKind::Sandpiper,
        );
        assert_eq!(measured.map(|m| m.0).as_deref(), Some("l1"), "dom0 {dom0}");
        let asked = first_migration(
            &variant(&base, dom0, DEMO_STREAM_MBPS),
            PolicyKind::Sandpiper,
        );
        assert!(
            asked.as_ref().is_some_and(|m| m.0 == "p1" || m.0 == "p2"),
            "dom0 {dom0}: {asked:?}"
        );
    }
}

/// Finding: with dom0 at 0.3-0.5 of the CPU, the pair alone (two 40 % burners)
/// still overloads A after l1 left, so the IDC policy splits it next (about
/// 100 s later here: l1's copy over the 10 Mb/s LAN takes 89 s, then one
/// report). Case 50 and the demo check that the pair stayed together right
/// after l1's move; that check races with this second migration.
#[test]
fn after_l1_leaves_the_pair_alone_still_overloads_a_and_idc_splits_it() {
    let base = load("testbed-cpu-hotspot.toml");
    for dom0 in DOM0_RANGE {
        let out = simulate(&variant(&base, dom0, DEMO_STREAM_MBPS), PolicyKind::Idc);
        let moves = migrations(&out.events);
        assert!(moves.len() >= 2, "dom0 {dom0}: {moves:?}");
        assert_eq!(moves[0].0, "l1", "dom0 {dom0}");
        assert!(
            (moves[1].0 == "p1" || moves[1].0 == "p2") && moves[1].1 == "A",
            "dom0 {dom0}: {moves:?}"
        );
        let second = out
            .events
            .iter()
            .filter(|e| e.kind == "migrate")
            .nth(1)
            .and_then(|e| e.explanation.as_ref())
            .expect("the second move's decision record");
        assert_eq!(second.hotspot.host.as_str(), "A");
        assert!(second.hotspot.is_overloaded(Resource::Cpu));
    }
}

/// Finding: at the demo's 3 MB/s the split pair's stream fills the 10 Mb/s NIC
/// the testbed agents declare, so p2's host C is itself a (NIC) hotspot and no
/// destination: the RMN moves nothing and step 2 cannot reunite the pair.
#[test]
fn demo_reunion_at_3_mb_s_p2s_host_is_a_nic_hotspot_and_nothing_moves() {
    let out = simulate(&load("testbed-demo-reunion.toml"), PolicyKind::Idc);
    assert_eq!(migrations(&out.events), vec![]);
    assert!(
        out.records_without_action.iter().any(|r| {
            r.hotspot.host.as_str() == "C"
                && r.hotspot.is_overloaded(Resource::Nic)
                && matches!(r.outcome, DecisionOutcome::NoAction { .. })
        }),
        "C should be judged a NIC hotspot"
    );
}

/// With the stream below the NIC threshold (4 Mb/s = 0.5 MB/s; anything the
/// saturated A delivers under 8 Mb/s) the IDC policy moves p1 to its peer's host
/// for dom0 at 0.3-0.45. At 0.5, p1 (reading about 0.4) fits no host
/// under the 0.80 the destination must stay below, and the RMN moves h1 instead.
#[test]
fn demo_reunion_with_the_stream_under_the_nic_threshold_idc_moves_p1_to_p2s_host() {
    let base = load("testbed-demo-reunion.toml");
    for dom0 in [0.3, 0.4, 0.45] {
        assert_eq!(
            first_migration(&variant(&base, dom0, 4.0), PolicyKind::Idc),
            Some(("p1".into(), "A".into(), "C".into())),
            "dom0 {dom0}"
        );
    }
    assert_eq!(
        first_migration(&variant(&base, 0.5, 4.0), PolicyKind::Idc).map(|m| m.0),
        Some("h1".into())
    );
}
