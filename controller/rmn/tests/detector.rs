//! The hotspot detector's rule as properties: overloaded exactly when the
//! current value and the AR(1) prediction both exceed the threshold.

use proptest::prelude::*;
use reunion_model::{Resource, RmnConfig};
use reunion_rmn::ar1::predict;
use reunion_rmn::collector::HostSample;
use reunion_rmn::detector::judge_resource;
use reunion_rmn::ring::Ring;

fn ring(series: &[f64], capacity: usize) -> Ring<HostSample> {
    let mut ring = Ring::new(capacity);
    for &cpu in series {
        ring.push(HostSample {
            cpu,
            swap_write_pps: cpu * 200.0,
            nic: cpu / 2.0,
        });
    }
    ring
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn overloaded_iff_current_and_prediction_exceed(series in prop::collection::vec(0.0f64..1.0, 1..80)) {
        let config = RmnConfig::default();
        let history = ring(&series, config.history_len);
        let evidence = judge_resource(&history, Resource::Cpu, &config).expect("has samples");
        let window: Vec<f64> = series.iter().rev().take(config.ar_window).rev().copied().collect();
        let predicted = predict(&window);
        let current = *series.last().expect("non-empty");
        prop_assert_eq!(evidence.current, current);
        prop_assert_eq!(evidence.predicted, predicted);
        prop_assert_eq!(evidence.overloaded, current > 0.85 && predicted.is_some_and(|p| p > 0.85));
        // Memory is judged on swap writes per second against 150.
        let memory = judge_resource(&history, Resource::Memory, &config).expect("has samples");
        prop_assert_eq!(memory.threshold, 150.0);
        prop_assert_eq!(memory.current, current * 200.0);
    }

    /// The prediction lies between the window's mean and the current value, so
    /// a current value at or below the threshold is never a hotspot, and a
    /// window entirely above it always is (from 3 samples on).
    #[test]
    fn no_false_alarm_below_and_no_miss_above(series in prop::collection::vec(0.0f64..1.0, 3..40), lift in 0.0f64..0.14) {
        let config = RmnConfig::default();
        let mut below = series.clone();
        if let Some(last) = below.last_mut() {
            *last = last.min(0.85);
        }
        let e = judge_resource(&ring(&below, 60), Resource::Cpu, &config).expect("samples");
        prop_assert!(!e.overloaded);
        let above: Vec<f64> = series.iter().map(|_| 0.86 + lift).collect();
        let e = judge_resource(&ring(&above, 60), Resource::Cpu, &config).expect("samples");
        prop_assert!(e.overloaded);
    }
}

#[test]
fn no_samples_no_evidence() {
    let config = RmnConfig::default();
    assert!(judge_resource(&ring(&[], 60), Resource::Cpu, &config).is_none());
    let two = judge_resource(&ring(&[0.99, 0.99], 60), Resource::Cpu, &config).expect("samples");
    assert_eq!(two.predicted, None);
    assert!(!two.overloaded);
}
