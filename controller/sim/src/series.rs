//! Demand time series: how a VM's CPU, working set or traffic varies over time.
//!
//! In a scenario a series is written either as a bare number (a constant) or as a
//! table with a `kind`: `constant`, `step`, `steps`, `ramp`, `periodic` or
//! `random_walk`. See docs/scenarios.md.

use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::rng::SplitMix64;

/// A series as written in a scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SeriesSpec {
    /// A bare number: constant over time.
    Constant(f64),
    /// A shaped series.
    Shape(Shape),
}

impl Default for SeriesSpec {
    fn default() -> Self {
        Self::Constant(0.0)
    }
}

impl From<f64> for SeriesSpec {
    fn from(value: f64) -> Self {
        Self::Constant(value)
    }
}

/// The shapes a series can take. Times are simulated seconds from the start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Shape {
    /// `value` at all times.
    Constant {
        /// The value.
        value: f64,
    },
    /// `before` until `at_s`, then `after`.
    Step {
        /// Value before the step.
        before: f64,
        /// Value from `at_s` on.
        after: f64,
        /// Time of the step.
        at_s: f64,
    },
    /// Piecewise constant: `initial`, then each `[time, value]` point from its time on.
    Steps {
        /// Value before the first point.
        initial: f64,
        /// `[time_s, value]` pairs in increasing time.
        points: Vec<[f64; 2]>,
    },
    /// `from` until `start_s`, linear to `to` at `end_s`, then `to`.
    Ramp {
        /// Starting value.
        from: f64,
        /// Final value.
        to: f64,
        /// Start of the ramp.
        start_s: f64,
        /// End of the ramp.
        end_s: f64,
    },
    /// `mean + amplitude·sin(2π(t + phase_s)/period_s)`.
    Periodic {
        /// Centre value.
        mean: f64,
        /// Half the peak-to-peak swing.
        amplitude: f64,
        /// Period in seconds.
        period_s: f64,
        /// Phase shift in seconds.
        #[serde(default)]
        phase_s: f64,
    },
    /// Starts at `start`; every `every_s` seconds moves by a uniform step in
    /// `[-step, +step]`, clamped to `[min, max]`. The stream is fixed by the run's
    /// seed, this series' `seed` and the series' place in the scenario.
    RandomWalk {
        /// Initial value.
        start: f64,
        /// Largest move per step.
        step: f64,
        /// Lower clamp.
        min: f64,
        /// Upper clamp.
        max: f64,
        /// Seconds between moves (default 10, one report interval).
        #[serde(default = "default_walk_interval")]
        every_s: f64,
        /// Extra seed, so two walks with the same parameters can differ.
        #[serde(default)]
        seed: u64,
    },
}

fn default_walk_interval() -> f64 {
    10.0
}

/// A series ready to evaluate. Random walks keep state, so evaluate at
/// non-decreasing times.
#[derive(Debug, Clone)]
pub struct Series {
    kind: Compiled,
}

#[derive(Debug, Clone)]
enum Compiled {
    Constant(f64),
    Step {
        before: f64,
        after: f64,
        at_s: f64,
    },
    Steps {
        initial: f64,
        points: Vec<[f64; 2]>,
    },
    Ramp {
        from: f64,
        to: f64,
        start_s: f64,
        end_s: f64,
    },
    Periodic {
        mean: f64,
        amplitude: f64,
        period_s: f64,
        phase_s: f64,
    },
    RandomWalk {
        value: f64,
        step: f64,
        min: f64,
        max: f64,
        every_s: f64,
        next_move_s: f64,
        rng: SplitMix64,
    },
}

impl Series {
    /// Checks and compiles a series. `what` names it in errors; `run_seed` and
    /// `stream` fix a random walk's numbers.
    pub fn compile(
        spec: &SeriesSpec,
        what: &str,
        run_seed: u64,
        stream: &str,
    ) -> Result<Self, SimError> {
        let bad = |reason: &str| SimError::Scenario(format!("{what}: {reason}"));
        let finite = |values: &[f64]| values.iter().all(|v| v.is_finite());
        let kind = match spec {
            SeriesSpec::Constant(value) | SeriesSpec::Shape(Shape::Constant { value }) => {
                if !finite(&[*value]) {
                    return Err(bad("value must be finite"));
                }
                Compiled::Constant(*value)
            }
            SeriesSpec::Shape(Shape::Step {
                before,
                after,
                at_s,
            }) => {
                if !finite(&[*before, *after, *at_s]) {
                    return Err(bad("step values must be finite"));
                }
                Compiled::Step {
                    before: *before,
                    after: *after,
                    at_s: *at_s,
                }
            }
            SeriesSpec::Shape(Shape::Steps { initial, points }) => {
                if !finite(&[*initial]) || !points.iter().all(|p| finite(p)) {
                    return Err(bad("steps values must be finite"));
                }
                if points.windows(2).any(|w| w[1][0] < w[0][0]) {
                    return Err(bad("steps points must be in increasing time"));
                }
                Compiled::Steps {
                    initial: *initial,
                    points: points.clone(),
                }
            }
            SeriesSpec::Shape(Shape::Ramp {
                from,
                to,
                start_s,
                end_s,
            }) => {
                if !finite(&[*from, *to, *start_s, *end_s]) || end_s < start_s {
                    return Err(bad("ramp needs finite values and end_s >= start_s"));
                }
                Compiled::Ramp {
                    from: *from,
                    to: *to,
                    start_s: *start_s,
                    end_s: *end_s,
                }
            }
            SeriesSpec::Shape(Shape::Periodic {
                mean,
                amplitude,
                period_s,
                phase_s,
            }) => {
                if !finite(&[*mean, *amplitude, *period_s, *phase_s]) || *period_s <= 0.0 {
                    return Err(bad("periodic needs finite values and period_s > 0"));
                }
                Compiled::Periodic {
                    mean: *mean,
                    amplitude: *amplitude,
                    period_s: *period_s,
                    phase_s: *phase_s,
                }
            }
            SeriesSpec::Shape(Shape::RandomWalk {
                start,
                step,
                min,
                max,
                every_s,
                seed,
            }) => {
                if !finite(&[*start, *step, *min, *max, *every_s]) || min > max || *every_s <= 0.0 {
                    return Err(bad(
                        "random_walk needs finite values, min <= max and every_s > 0",
                    ));
                }
                Compiled::RandomWalk {
                    value: start.clamp(*min, *max),
                    step: step.abs(),
                    min: *min,
                    max: *max,
                    every_s: *every_s,
                    next_move_s: *every_s,
                    rng: SplitMix64::derived(run_seed ^ seed.rotate_left(17), stream),
                }
            }
        };
        Ok(Self { kind })
    }

    /// A constant series.
    pub fn constant(value: f64) -> Self {
        Self {
            kind: Compiled::Constant(value),
        }
    }

    /// The value at time `t_s`, never negative. Random walks advance, so call with
    /// non-decreasing `t_s`.
    pub fn value_at(&mut self, t_s: f64) -> f64 {
        let value = match &mut self.kind {
            Compiled::Constant(value) => *value,
            Compiled::Step {
                before,
                after,
                at_s,
            } => {
                if t_s >= *at_s {
                    *after
                } else {
                    *before
                }
            }
            Compiled::Steps { initial, points } => points
                .iter()
                .take_while(|p| p[0] <= t_s)
                .last()
                .map_or(*initial, |p| p[1]),
            Compiled::Ramp {
                from,
                to,
                start_s,
                end_s,
            } => {
                if t_s <= *start_s {
                    *from
                } else if t_s >= *end_s {
                    *to
                } else {
                    *from + (*to - *from) * (t_s - *start_s) / (*end_s - *start_s)
                }
            }
            Compiled::Periodic {
                mean,
                amplitude,
                period_s,
                phase_s,
            } => {
                let angle = 2.0 * std::f64::consts::PI * (t_s + *phase_s) / *period_s;
                *mean + *amplitude * angle.sin()
            }
            Compiled::RandomWalk {
                value,
                step,
                min,
                max,
                every_s,
                next_move_s,
                rng,
            } => {
                while t_s >= *next_move_s {
                    *value = (*value + rng.uniform(-*step, *step)).clamp(*min, *max);
                    *next_move_s += *every_s;
                }
                *value
            }
        };
        value.max(0.0)
    }

    /// Whether the series ever changes (a constant never does).
    pub fn is_constant(&self) -> bool {
        matches!(self.kind, Compiled::Constant(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(spec: SeriesSpec) -> Series {
        Series::compile(&spec, "test", 1, "s").expect("valid series")
    }

    #[test]
    fn step_changes_at_its_time() {
        let mut s = compile(SeriesSpec::Shape(Shape::Step {
            before: 1.0,
            after: 3.0,
            at_s: 10.0,
        }));
        assert_eq!(s.value_at(9.0), 1.0);
        assert_eq!(s.value_at(10.0), 3.0);
    }

    #[test]
    fn steps_hold_the_latest_point() {
        let mut s = compile(SeriesSpec::Shape(Shape::Steps {
            initial: 1.0,
            points: vec![[10.0, 2.0], [20.0, 0.5]],
        }));
        assert_eq!(s.value_at(0.0), 1.0);
        assert_eq!(s.value_at(15.0), 2.0);
        assert_eq!(s.value_at(25.0), 0.5);
    }

    #[test]
    fn ramp_interpolates() {
        let mut s = compile(SeriesSpec::Shape(Shape::Ramp {
            from: 0.0,
            to: 10.0,
            start_s: 10.0,
            end_s: 20.0,
        }));
        assert_eq!(s.value_at(5.0), 0.0);
        assert!((s.value_at(15.0) - 5.0).abs() < 1e-12);
        assert_eq!(s.value_at(30.0), 10.0);
    }

    #[test]
    fn periodic_swings_around_mean() {
        let mut s = compile(SeriesSpec::Shape(Shape::Periodic {
            mean: 2.0,
            amplitude: 1.0,
            period_s: 40.0,
            phase_s: 0.0,
        }));
        assert!((s.value_at(10.0) - 3.0).abs() < 1e-9);
        assert!((s.value_at(30.0) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn random_walk_is_reproducible_and_clamped() {
        let spec = SeriesSpec::Shape(Shape::RandomWalk {
            start: 0.5,
            step: 0.3,
            min: 0.2,
            max: 0.8,
            every_s: 10.0,
            seed: 3,
        });
        let mut a = compile(spec.clone());
        let mut b = compile(spec);
        let mut moved = false;
        for t in 0..100 {
            let (x, y) = (a.value_at(t as f64 * 5.0), b.value_at(t as f64 * 5.0));
            assert_eq!(x, y);
            assert!((0.2..=0.8).contains(&x));
            moved |= x != 0.5;
        }
        assert!(moved, "the walk must move");
    }

    #[test]
    fn negative_values_read_as_zero() {
        assert_eq!(compile(SeriesSpec::Constant(-1.0)).value_at(0.0), 0.0);
    }

    #[test]
    fn rejects_bad_ramp() {
        let spec = SeriesSpec::Shape(Shape::Ramp {
            from: 0.0,
            to: 1.0,
            start_s: 10.0,
            end_s: 5.0,
        });
        assert!(Series::compile(&spec, "x", 0, "s").is_err());
    }
}
