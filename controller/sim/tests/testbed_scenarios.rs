//! The Xen testbed's demo (`tests/testbed/lib/demo.sh`) and its cases 50 and 60
//! (`tests/testbed/cases/50-cpu-hotspot.sh`, `60-reunion-destination.sh`), written as `scenarios/testbed-*.toml`
//! and run through the real RMN core with the testbed's RMN settings (the
//! default 300 s cooldown among them).
//!
//! The scenarios carry the workloads as the testbed scripts set them (burn
//! duties, a 20 000 B/s = 0.16 Mb/s stream, guest sizes) on the testbed's
//! platform (one CPU per host, an idle dom0 at 0.3 of it, the 10 Mb/s NIC the
//! testbed agents declare, reports every 5 s), with TCG's network cost in each
//! file's `[model]` table: fitted to case 50's Xen readings (each endpoint guest
//! of the 0.16 Mb/s stream about 0.1 CPU), not measured per Mb/s. The tests
//! below assert what the model does over the whole 600 s run for dom0 at 0.3
//! and over 0.3-0.45 (dom0 as it reads under load); where that is not what the
//! testbed expects, they say so and at which inputs.

use std::path::Path;

use reunion_model::{
    CandidateScore, CandidateVerdict, DecisionOutcome, DecisionRecord, PolicyKind, Resource,
    RmnConfig,
};
use reunion_sim::output::Event;
use reunion_sim::run::{run, RunOptions, RunOutput};
use reunion_sim::series::SeriesSpec;
use reunion_sim::Scenario;

/// The RMN as `tests/testbed/lib/agents.sh` configures it (`[rmn]` table):
/// `epsilon`, `stale_after_s` and `action_timeout_s` set, everything else the
/// default. In particular `cooldown_s` is the default 300 s (agents.sh no
/// longer sets 30 s), so a migrated VM stays put for the next 300 s; and
/// `nic_cpu_cores_per_gbps`/`idc_cpu_cores_per_gbps` stay the thesis's Table
/// 1.1, as on the testbed. agents.sh's `interval_s = 3` is replaced by the
/// report interval, as for every simulated run.
fn testbed_rmn_config() -> RmnConfig {
    RmnConfig {
        epsilon: 0.001,
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

/// `scenario` with dom0's background load replaced.
fn with_dom0(scenario: &Scenario, dom0_cpu: f64) -> Scenario {
    let mut s = scenario.clone();
    s.model.dom0_idle_cpu = dom0_cpu;
    s
}

/// `scenario` with VM `name`'s burner set to `cpu`.
fn with_cpu(scenario: &Scenario, name: &str, cpu: f64) -> Scenario {
    let mut s = scenario.clone();
    let vm = s
        .vms
        .iter_mut()
        .find(|vm| vm.name == name)
        .unwrap_or_else(|| panic!("no vm {name}"));
    vm.cpu = SeriesSpec::Constant(cpu);
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

type Move = (String, String, String);

fn mv(domain: &str, source: &str, destination: &str) -> Move {
    (domain.into(), source.into(), destination.into())
}

/// (domain, source, destination) of every migration, in order.
fn migrations(events: &[Event]) -> Vec<Move> {
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

fn first_migration(scenario: &Scenario, policy: PolicyKind) -> Option<Move> {
    migrations(&simulate(scenario, policy).events)
        .into_iter()
        .next()
}

/// Average CPU (cores) VM `name` consumed over the run.
fn vm_cpu(out: &RunOutput, scenario: &Scenario, name: &str) -> f64 {
    let vm = out
        .cluster
        .vms
        .iter()
        .find(|vm| vm.name == name)
        .expect("vm");
    vm.counters.cpu_ns / (scenario.duration_s * 1e9)
}

/// Average CPU (cores) host `name`'s dom0 consumed over the run.
fn dom0_cpu(out: &RunOutput, scenario: &Scenario, name: &str) -> f64 {
    let host = out
        .cluster
        .hosts
        .iter()
        .find(|h| h.name == name)
        .expect("host");
    host.dom0_cpu_ns / (scenario.duration_s * 1e9)
}

/// An idle dom0 reads about 0.3 of a testbed host's CPU under QEMU TCG (the
/// agent's libxenstat reading in the demo runs); up to 0.45 as it reads under load.
const DOM0_RANGE: [f64; 4] = [0.3, 0.35, 0.4, 0.45];
const STEP_1_FILES: [&str; 2] = ["testbed-demo-hotspot.toml", "testbed-cpu-hotspot.toml"];
const REUNION_FILES: [&str; 2] = [
    "testbed-demo-reunion.toml",
    "testbed-reunion-destination.toml",
];
/// The CPU each endpoint guest of the 0.16 Mb/s stream spent on case 50's
/// saturated A, without a burner (docs/testbed.md): p1 0.131, p2 0.116.
const MEASURED_ENDPOINT_CPU: [f64; 2] = [0.131, 0.116];

fn is_pair_member(name: &str) -> bool {
    name == "p1" || name == "p2"
}

/// The fitted `[model]` constants make each endpoint guest of the 0.16 Mb/s
/// stream pay about 0.1 CPU, the same on one host (IDC through dom0's bridge)
/// as across the LAN, and dom0 0.4/0.6 of that per endpoint on top; every
/// testbed file carries the same constants. Checked on hosts with room (no
/// burners), so that every domain gets its full demand.
#[test]
fn fitted_network_cost_is_about_0_1_per_endpoint_guest_same_host_or_not() {
    let reference = load("testbed-demo-hotspot.toml").model;
    for file in STEP_1_FILES.iter().chain(&REUNION_FILES) {
        assert_eq!(load(file).model, reference, "{file}: [model] differs");
    }
    let low = MEASURED_ENDPOINT_CPU[1] - 0.02;
    let high = MEASURED_ENDPOINT_CPU[0];

    // Same host: step 1 without l1's burner.
    let same_host = with_cpu(&load("testbed-demo-hotspot.toml"), "l1", 0.0);
    let out = simulate(&same_host, PolicyKind::Idc);
    assert_eq!(migrations(&out.events), vec![]);
    let same = [
        vm_cpu(&out, &same_host, "p1"),
        vm_cpu(&out, &same_host, "p2"),
    ];
    let same_dom0 = dom0_cpu(&out, &same_host, "A") - 0.3;

    // Across the LAN: step 2 without burners.
    let cross_host = with_cpu(
        &with_cpu(&load("testbed-demo-reunion.toml"), "p1", 0.0),
        "h1",
        0.0,
    );
    let out = simulate(&cross_host, PolicyKind::Idc);
    assert_eq!(migrations(&out.events), vec![]);
    let cross = [
        vm_cpu(&out, &cross_host, "p1"),
        vm_cpu(&out, &cross_host, "p2"),
    ];
    let cross_dom0 = [
        dom0_cpu(&out, &cross_host, "A") - 0.3,
        dom0_cpu(&out, &cross_host, "B") - 0.3,
    ];

    for cpu in same.iter().chain(&cross) {
        assert!((low..=high).contains(cpu), "endpoint guest {cpu}");
        assert!((cpu - same[0]).abs() < 1e-6, "{same:?} vs {cross:?}");
    }
    // dom0 carries both ends of the same-host flow, one end of the cross-host one.
    assert!((same_dom0 - 2.0 * cross_dom0[0]).abs() < 1e-6);
    assert!((cross_dom0[0] - cross_dom0[1]).abs() < 1e-6);
    assert!((cross_dom0[0] - cross[0] * 0.4 / 0.6).abs() < 1e-6);
}

/// Step 1 and case 50 as intended while dom0 reads 0.3-0.38: the IDC policy
/// moves l1 (A → B) and nothing else, so the pair stays together on A.
/// Finding: from dom0 0.39 on, l1 fits nowhere in the model (its reading on
/// the saturated A plus the destination's dom0 reach the 0.85 threshold), no
/// single move relieves A, and the thesis's largest-volume fallback moves p2
/// and then p1 to B (the pair ends together on B, with l1 still burning on A);
/// in case 50 g1 follows to C.
#[test]
fn step_1_idc_moves_only_l1_while_dom0_reads_up_to_0_38() {
    for file in STEP_1_FILES {
        let base = load(file);
        for dom0 in [0.3, 0.35, 0.38] {
            let out = simulate(&with_dom0(&base, dom0), PolicyKind::Idc);
            assert_eq!(
                migrations(&out.events),
                vec![mv("l1", "A", "B")],
                "{file}, dom0 {dom0}"
            );
            assert!(
                !out.records_without_action
                    .iter()
                    .any(|r| r.hotspot.host.as_str() == "A"),
                "{file}, dom0 {dom0}: A still judged hot"
            );
        }
        for dom0 in [0.39, 0.4, 0.45] {
            let mut expected = vec![mv("p2", "A", "B"), mv("p1", "A", "B")];
            if file == "testbed-cpu-hotspot.toml" {
                expected.push(mv("g1", "A", "C"));
            }
            let out = simulate(&with_dom0(&base, dom0), PolicyKind::Idc);
            assert_eq!(migrations(&out.events), expected, "{file}, dom0 {dom0}");
            let first = out.events[0].explanation.as_ref().expect("explanation");
            assert!(
                first.why.contains("no single move"),
                "{file}, dom0 {dom0}: {}",
                first.why
            );
        }
    }
}

/// l1 burns flat out, so its destination B is saturated after the move (dom0
/// plus a whole CPU of demand): the RMN judges B hot but l1, cooling down and
/// then too big for any host, is not moved again. On Xen case 50 l1 went to C
/// and the case checks only the first move and that the pair stays on A.
#[test]
fn step_1_l1_saturates_its_destination_and_stays_there() {
    for file in STEP_1_FILES {
        let out = simulate(&with_dom0(&load(file), 0.3), PolicyKind::Idc);
        assert_eq!(migrations(&out.events), vec![mv("l1", "A", "B")]);
        assert!(
            out.records_without_action.iter().any(|r| {
                r.hotspot.host.as_str() == "B"
                    && r.hotspot.is_overloaded(Resource::Cpu)
                    && matches!(r.outcome, DecisionOutcome::NoAction { .. })
            }),
            "{file}: B should be judged hot with nothing to move"
        );
    }
}

/// Where the model and Xen differ in step 1: the model shares a saturated CPU
/// in proportion to demand, so l1 reads about 0.5 of A at dom0 0.3 (Xen's
/// credit scheduler gave it 0.379, the pair members their full 0.12-0.13).
/// That is why l1 stops fitting B (dom0 + l1 ≥ 0.85) from dom0 0.4 on in the
/// model; on Xen l1 at 0.379 would fit a destination at dom0 0.4 too.
#[test]
fn step_1_l1_reads_about_half_of_a_in_the_model_not_0_379() {
    let out = simulate(&load("testbed-cpu-hotspot.toml"), PolicyKind::Idc);
    let record = out.events[0].explanation.as_ref().expect("explanation");
    let share = |name: &str| {
        let candidate = record
            .candidates
            .iter()
            .find(|c| c.name == name)
            .expect("candidate");
        match &candidate.score {
            CandidateScore::Idc(s) => s.cpu_share,
            other => panic!("{other:?}"),
        }
    };
    let l1 = share("l1");
    assert!((0.45..0.55).contains(&l1), "l1 read {l1}");
    assert!(share("p1") < 0.06, "p1 read {}", share("p1"));
}

/// Sandpiper ranks by volume per MiB: l1's 256 MiB cut its rank, so p2 goes
/// first (A → B), then p1 (A → C: the pair ends split on B and C), at every
/// dom0 load; in case 50 the idle g1 (A → B) follows.
#[test]
fn step_1_sandpiper_splits_the_pair_first() {
    for file in STEP_1_FILES {
        let base = load(file);
        let mut expected = vec![mv("p2", "A", "B"), mv("p1", "A", "C")];
        if file == "testbed-cpu-hotspot.toml" {
            expected.push(mv("g1", "A", "B"));
        }
        for dom0 in DOM0_RANGE {
            let moves =
                migrations(&simulate(&with_dom0(&base, dom0), PolicyKind::Sandpiper).events);
            assert_eq!(moves, expected, "{file}, dom0 {dom0}");
            assert!(is_pair_member(&moves[0].0));
        }
    }
}

/// The hotspot's CPU reading in a decision record (its evidence).
fn hotspot_cpu(record: &DecisionRecord) -> f64 {
    record
        .hotspot
        .resources
        .iter()
        .find(|r| r.resource == Resource::Cpu)
        .expect("cpu evidence")
        .current
}

/// Step 2 and case 60, first moves: at every dom0 load from 0.3 to 0.45 the
/// IDC policy moves p1 to its peer's host B, not to the lighter C (B after
/// the move is predicted at 0.77 for dom0 0.3, 0.84 for dom0 0.45: under the
/// 0.85 threshold); only from dom0 0.48 has B no room, and p1 goes to C.
/// Sandpiper moves p1 to the lightest, C, and then nothing more.
#[test]
fn reunion_first_move_idc_p1_to_peers_host_sandpiper_to_lightest() {
    for file in REUNION_FILES {
        let base = load(file);
        for dom0 in DOM0_RANGE.into_iter().chain([0.47]) {
            let scenario = with_dom0(&base, dom0);
            let out = simulate(&scenario, PolicyKind::Idc);
            assert_eq!(
                migrations(&out.events).first(),
                Some(&mv("p1", "A", "B")),
                "{file}, dom0 {dom0}"
            );
            let first = out.events[0].explanation.as_ref().expect("explanation");
            let to_b = first.candidates[0]
                .destinations
                .iter()
                .find(|d| d.host.as_str() == "B")
                .expect("B examined");
            assert!(
                (0.75..0.85).contains(&to_b.predicted_cpu),
                "{file}, dom0 {dom0}: B predicted at {}",
                to_b.predicted_cpu
            );
            assert_eq!(
                migrations(&simulate(&scenario, PolicyKind::Sandpiper).events),
                vec![mv("p1", "A", "C")],
                "{file}, dom0 {dom0}"
            );
        }
        assert_eq!(
            first_migration(&with_dom0(&base, 0.48), PolicyKind::Idc),
            Some(mv("p1", "A", "C")),
            "{file}, dom0 0.48"
        );
    }
}

/// Sandpiper's volume per MiB (VSR) of `name` in the first decision.
fn first_vsr(scenario: &Scenario, name: &str) -> f64 {
    let out = simulate(scenario, PolicyKind::Sandpiper);
    let record = out.events[0].explanation.as_ref().expect("explanation");
    let candidate = record
        .candidates
        .iter()
        .find(|c| c.name == name)
        .expect("candidate");
    match &candidate.score {
        CandidateScore::Sandpiper(s) => s.vsr,
        other => panic!("{other:?}"),
    }
}

/// Why h1 has 128 MiB: Sandpiper's volume per MiB (VSR) must rank p1 above
/// h1. In the model p1 (20 % plus about 0.1 for its stream) and h1 (30 %)
/// read nearly the same CPU, so with h1 at 96 MiB p1 would lead by under 2 %;
/// at 128 MiB p1's VSR is over 1.3 times h1's at every dom0 load.
#[test]
fn reunion_sandpiper_ranks_p1_well_above_h1_by_volume_per_mib() {
    for file in REUNION_FILES {
        let base = load(file);
        for dom0 in DOM0_RANGE {
            let scenario = with_dom0(&base, dom0);
            let (p1, h1) = (first_vsr(&scenario, "p1"), first_vsr(&scenario, "h1"));
            assert!(p1 > 1.3 * h1, "{file}, dom0 {dom0}: p1 {p1} h1 {h1}");

            let mut small_h1 = scenario.clone();
            let h1_vm = small_h1
                .vms
                .iter_mut()
                .find(|vm| vm.name == "h1")
                .expect("h1");
            assert_eq!(h1_vm.memory_mib, 128, "{file}");
            h1_vm.memory_mib = 96;
            let (p1, h1) = (first_vsr(&small_h1, "p1"), first_vsr(&small_h1, "h1"));
            assert!(
                p1 > h1 && p1 < 1.02 * h1,
                "{file}, dom0 {dom0}, h1 96 MiB: p1 {p1} h1 {h1}"
            );
        }
    }
}

/// With dom0 at 0.3-0.31 the reunion lasts: p1 stays on B with p2 for the
/// whole 600 s run and nothing else moves (B reads about dom0 + 0.535 after
/// p1's move, under the 0.85 threshold).
#[test]
fn reunion_on_b_lasts_the_whole_run_while_dom0_reads_up_to_0_31() {
    for file in REUNION_FILES {
        let base = load(file);
        for dom0 in [0.3, 0.31] {
            let out = simulate(&with_dom0(&base, dom0), PolicyKind::Idc);
            assert_eq!(
                migrations(&out.events),
                vec![mv("p1", "A", "B")],
                "{file}, dom0 {dom0}"
            );
            assert!(
                out.records_without_action.is_empty(),
                "{file}, dom0 {dom0}: a host still judged hot"
            );
        }
    }
}

/// Finding: from dom0 0.32 on the reunion does not last. p1's network cost
/// moves with it (B's dom0 then carries both ends of the pair's flow: TCG's
/// cost, which the RMN's Table 1.1 per-Gb/s figures put at nearly nothing for
/// 0.16 Mb/s, and the RMN took p1's demand from its share of the saturated
/// A), so B reads about dom0 + 0.535, above the RMN's prediction and the 0.85
/// threshold. 105-155 s after the reunion (inside p1's cooldown) the RMN
/// judges B hot; p1 is cooling down (300 s), so the IDC policy moves
/// p2 on to C and the pair is split again, p1 staying on B. Up to dom0 0.4
/// p2's move alone relieves B; from 0.45 no single move does and the thesis's
/// largest-volume fallback picks p2. Nothing moves after that.
#[test]
fn reunion_splits_again_p2_to_c_from_dom0_0_32() {
    for file in REUNION_FILES {
        let base = load(file);
        for dom0 in [0.32, 0.35, 0.4, 0.45] {
            let out = simulate(&with_dom0(&base, dom0), PolicyKind::Idc);
            assert_eq!(
                migrations(&out.events),
                vec![mv("p1", "A", "B"), mv("p2", "B", "C")],
                "{file}, dom0 {dom0}"
            );
            let first = out.events[0].explanation.as_ref().expect("explanation");
            let to_b = first.candidates[0]
                .destinations
                .iter()
                .find(|d| d.host.as_str() == "B")
                .expect("B examined")
                .predicted_cpu;
            let second = &out.events[1];
            let delay = second.time_s - out.events[0].time_s;
            assert!(
                (100.0..160.0).contains(&delay),
                "{file}, dom0 {dom0}: p2 moved {delay} s after p1"
            );
            let record = second.explanation.as_ref().expect("explanation");
            assert_eq!(record.hotspot.host.as_str(), "B");
            let b_cpu = hotspot_cpu(record);
            assert!(
                b_cpu > 0.85 && b_cpu > to_b + 0.05 && (0.52..0.55).contains(&(b_cpu - dom0)),
                "{file}, dom0 {dom0}: B read {b_cpu}, predicted {to_b}"
            );
            let p1 = record
                .candidates
                .iter()
                .find(|c| c.name == "p1")
                .expect("p1 a candidate on B");
            assert_eq!(p1.verdict, CandidateVerdict::CoolingDown);
            assert_eq!(
                record.why.contains("no single move"),
                dom0 >= 0.45,
                "{file}, dom0 {dom0}: {}",
                record.why
            );
        }
    }
}
