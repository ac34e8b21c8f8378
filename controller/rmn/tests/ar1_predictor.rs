//! The AR(1) predictor: the formula, its edge cases and its invariants.

use proptest::prelude::*;
use reunion_rmn::ar1::{predict, Fit, PHI_MAX};

#[test]
fn worked_example_from_the_issue() {
    let mut window = vec![0.5; 8];
    window.extend([0.95; 4]);
    match Fit::of(&window) {
        Fit::Model { mean, phi, current } => {
            assert!((mean - 0.65).abs() < 1e-12);
            assert!((phi - 3825.0 / 5400.0).abs() < 1e-12);
            assert_eq!(current, 0.95);
        }
        other => panic!("expected a model, got {other:?}"),
    }
    assert!((predict(&window).expect("prediction") - 0.8625).abs() < 1e-3);
}

#[test]
fn fewer_than_three_samples_give_no_prediction() {
    assert_eq!(predict(&[]), None);
    assert_eq!(predict(&[0.9]), None);
    assert_eq!(predict(&[0.9, 0.9]), None);
    assert!(predict(&[0.9, 0.9, 0.9]).is_some());
}

#[test]
fn zero_variance_predicts_the_current_value() {
    assert_eq!(predict(&[0.7; 12]), Some(0.7));
    assert_eq!(Fit::of(&[0.3; 5]), Fit::Flat { current: 0.3 });
}

#[test]
fn alternating_series_clamps_phi_to_zero() {
    // Negative autocorrelation: φ < 0 is clamped to 0, prediction = mean.
    let window = [0.2, 0.8, 0.2, 0.8, 0.2, 0.8];
    assert!((predict(&window).expect("prediction") - 0.5).abs() < 1e-12);
}

#[test]
fn non_finite_samples_give_no_prediction() {
    assert_eq!(predict(&[0.5, f64::NAN, 0.5]), None);
    assert_eq!(predict(&[0.5, f64::INFINITY, 0.5]), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// φ ∈ [0, 1), so the prediction lies between the mean and the current value.
    #[test]
    fn prediction_lies_between_mean_and_current(window in prop::collection::vec(0.0f64..2.0, 3..24)) {
        let mean = window.iter().sum::<f64>() / window.len() as f64;
        let current = *window.last().expect("non-empty");
        let p = predict(&window).expect("prediction");
        let (lo, hi) = if mean < current { (mean, current) } else { (current, mean) };
        prop_assert!(p >= lo - 1e-9 && p <= hi + 1e-9, "{p} not in [{lo}, {hi}]");
        if let Fit::Model { phi, .. } = Fit::of(&window) {
            prop_assert!((0.0..=PHI_MAX).contains(&phi));
        }
    }

    /// Scaling the series scales the prediction (units do not matter).
    #[test]
    fn prediction_is_scale_equivariant(window in prop::collection::vec(0.01f64..1.0, 3..16), k in 1.0f64..1000.0) {
        let scaled: Vec<f64> = window.iter().map(|v| v * k).collect();
        let a = predict(&window).expect("p");
        let b = predict(&scaled).expect("p");
        prop_assert!((a * k - b).abs() <= 1e-6 * b.abs().max(1.0));
    }
}

/// Detection latency depends on the step's height over the window's mean:
/// from idle to just over the threshold takes a whole window (docs/policy.md).
#[test]
fn step_from_idle_to_90_percent_needs_a_full_window() {
    let mut window: Vec<f64> = vec![0.0; 12];
    let mut first_over = None;
    for report in 1..=12 {
        window.remove(0);
        window.push(0.9);
        if predict(&window).expect("prediction") > 0.85 {
            first_over = Some(report);
            break;
        }
    }
    assert_eq!(first_over, Some(12));
}

#[test]
fn third_report_of_the_50_to_95_step_predicts_about_83_percent() {
    let mut window = vec![0.5; 9];
    window.extend([0.95; 3]);
    let p = predict(&window).expect("prediction");
    assert!((p - 0.828).abs() < 1e-3, "{p}");
}
