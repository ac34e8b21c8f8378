//! The AR(1) predictor of the hotspot detector (thesis eq. 4).

/// Fewer samples than this: no prediction.
pub const MIN_SAMPLES: usize = 3;

/// φ is clamped below this (φ ∈ [0, 1)): with φ = 1 the "prediction" would
/// just repeat the last value and mean reversion would vanish.
pub const PHI_MAX: f64 = 0.999;

/// The AR(1) model fitted to one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fit {
    /// Fewer than [`MIN_SAMPLES`] samples, or a non-finite sample.
    Insufficient,
    /// Zero variance: the prediction is the current value.
    Flat {
        /// The newest sample.
        current: f64,
    },
    /// A proper fit.
    Model {
        /// μ, the window's mean.
        mean: f64,
        /// φ, the lag-1 autocorrelation, clamped to [0, PHI_MAX].
        phi: f64,
        /// The newest sample u_k.
        current: f64,
    },
}

impl Fit {
    /// Fits AR(1) to `window` (oldest first): μ the mean and
    /// φ = Σ(u_t−μ)(u_{t+1}−μ) / Σ(u_t−μ)², clamped to [0, PHI_MAX].
    pub fn of(window: &[f64]) -> Self {
        let Some(&current) = window.last() else {
            return Fit::Insufficient;
        };
        if window.len() < MIN_SAMPLES || window.iter().any(|v| !v.is_finite()) {
            return Fit::Insufficient;
        }
        let mean = window.iter().sum::<f64>() / window.len() as f64;
        let variance_sum: f64 = window.iter().map(|u| (u - mean) * (u - mean)).sum();
        // Relative test: a window of identical values can leave rounding dust.
        if variance_sum <= f64::EPSILON * mean.abs().max(1.0) * window.len() as f64 {
            return Fit::Flat { current };
        }
        let lagged: f64 = window
            .windows(2)
            .map(|pair| (pair[0] - mean) * (pair[1] - mean))
            .sum();
        let phi = (lagged / variance_sum).clamp(0.0, PHI_MAX);
        Fit::Model { mean, phi, current }
    }

    /// The prediction of the next value: `μ + φ(u_k − μ)`, the current value when
    /// flat, `None` when insufficient.
    pub fn predict(self) -> Option<f64> {
        match self {
            Fit::Insufficient => None,
            Fit::Flat { current } => Some(current),
            Fit::Model { mean, phi, current } => Some(mean + phi * (current - mean)),
        }
    }
}

/// Predicts the next value of `window` (oldest first); see [`Fit::of`].
pub fn predict(window: &[f64]) -> Option<f64> {
    Fit::of(window).predict()
}
