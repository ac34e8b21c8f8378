//! The policy formulas: invariants of Nds/NB/V, Sandpiper's clamped volume,
//! and the epsilon ranking.

use proptest::prelude::*;
use reunion_rmn::formulas::{
    available_bandwidth, idc_score, rank_with_epsilon, sandpiper_score, sandpiper_volume,
    IdcInputs, SANDPIPER_CLAMP,
};

fn inputs(nic: f64, is: f64, ab: f64) -> IdcInputs {
    IdcInputs {
        cpu_share: 0.3,
        mem_share: 0.2,
        cpu_flag: true,
        mem_flag: false,
        nic,
        is,
        ab,
        nbound: 0.28,
    }
}

#[test]
fn volume_matches_the_thesis_example() {
    // CPU overload: V = 0.3·1 + 0.2·0 + (0.1 − min(0.5, 0.6, 0.28)).
    let s = idc_score(inputs(0.1, 0.5, 0.6));
    assert!((s.nds - 0.28).abs() < 1e-12);
    assert!((s.network_benefit - (0.1 - 0.28)).abs() < 1e-12);
    assert!((s.volume - (0.3 + 0.1 - 0.28)).abs() < 1e-12);
    assert!(s.net_flag, "N_i is always 1");
}

#[test]
fn available_bandwidth_is_spare_link_after_the_move() {
    // Host TX 0.9 of link, victim 0.3: 0.6 remains, AB = 0.4.
    let ab = available_bandwidth(90.0, 10.0, 30.0, 0.0, 100.0);
    assert!((ab - 0.4).abs() < 1e-12);
    assert_eq!(available_bandwidth(0.0, 0.0, 50.0, 50.0, 100.0), 1.0);
}

#[test]
fn sandpiper_clamps_each_utilization() {
    assert_eq!(sandpiper_volume(0.0, 0.0, 0.0), 1.0);
    let capped = sandpiper_volume(0.0, 0.0, 5.0);
    assert!((capped - 1.0 / (1.0 - SANDPIPER_CLAMP)).abs() < 1e-9);
    let s = sandpiper_score(0.5, 0.5, 0.5, 1024 * 1024 * 1024);
    assert!((s.volume - 8.0).abs() < 1e-12);
    assert!((s.vsr - 8.0 / 1024.0).abs() < 1e-12);
}

#[test]
fn epsilon_tiers_break_ties_by_the_second_key() {
    // (volume, nic): 0.50 and 0.495 are equal within 0.01; the second has more NIC.
    let mut items = vec![(0.50, 0.1, 'a'), (0.495, 0.3, 'b'), (0.40, 0.9, 'c')];
    rank_with_epsilon(&mut items, 0.01, |i| i.0, |i| i.1, |i| i.2);
    assert_eq!(items.iter().map(|i| i.2).collect::<String>(), "bac");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn nds_is_the_minimum_and_volume_grows_with_nic(
        nic in 0.0f64..2.0, is in 0.0f64..2.0, ab in 0.0f64..1.0, extra in 0.0f64..1.0,
    ) {
        let s = idc_score(inputs(nic, is, ab));
        prop_assert!(s.nds <= is && s.nds <= ab && s.nds <= 0.28);
        prop_assert!(s.nds == is || s.nds == ab || s.nds == 0.28);
        prop_assert!(idc_score(inputs(nic + extra, is, ab)).volume >= s.volume);
        // More IDC never makes a VM a better victim.
        prop_assert!(idc_score(inputs(nic, is + extra, ab)).volume <= s.volume);
    }

    #[test]
    fn sandpiper_volume_is_finite_and_at_least_one(
        cpu in -1.0f64..10.0, mem in -1.0f64..10.0, net in prop::num::f64::ANY,
    ) {
        let v = sandpiper_volume(cpu, mem, net);
        prop_assert!(v.is_finite() && v >= 1.0);
    }

    #[test]
    fn ranking_is_a_permutation_led_by_a_near_best(
        values in prop::collection::vec((0.0f64..1.0, 0.0f64..1.0), 1..30),
        epsilon in 0.0f64..0.2,
    ) {
        let mut items: Vec<(f64, f64, usize)> =
            values.iter().enumerate().map(|(i, v)| (v.0, v.1, i)).collect();
        rank_with_epsilon(&mut items, epsilon, |i| i.0, |i| i.1, |i| i.2);
        let mut ids: Vec<usize> = items.iter().map(|i| i.2).collect();
        ids.sort_unstable();
        prop_assert_eq!(ids, (0..values.len()).collect::<Vec<_>>());
        let best = values.iter().map(|v| v.0).fold(f64::MIN, f64::max);
        prop_assert!(items[0].0 >= best - epsilon);
        if epsilon == 0.0 {
            prop_assert!(items.windows(2).all(|w| w[0].0 >= w[1].0));
        }
    }
}
