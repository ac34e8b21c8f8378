//! The one RMN configuration type: every threshold and default.
//!
//! It deserializes from TOML (`[rmn]` table of the daemon's config, or a file of
//! its own) with every key optional; missing keys take the defaults below.

use crate::error::ModelError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One mebibyte, in bytes.
pub const MIB: u64 = 1024 * 1024;

/// Which migration policy decides.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// The thesis's IDC-aware policy (volume with network benefit, peer-host preference).
    #[default]
    Idc,
    /// The Sandpiper baseline (thesis eq. 5 and 6): largest VSR to the lightest host.
    Sandpiper,
    /// No migration at all (memory provisioning still runs).
    None,
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PolicyKind::Idc => "idc",
            PolicyKind::Sandpiper => "sandpiper",
            PolicyKind::None => "none",
        })
    }
}

/// How the IDC-aware policy picks its victim among a hotspot's domains.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum VictimSelection {
    /// The thesis (3.3): the highest volume V that has a fitting destination.
    Volume,
    /// Among the domains whose move alone brings the source under its
    /// thresholds (by prediction) and that have a fitting destination, the one
    /// whose move adds the least inter-VM cross-host traffic (its IDC lost at
    /// the source minus its traffic that becomes IDC at the destination); the
    /// thesis's rule when no single move suffices. See docs/policy.md.
    #[default]
    Sufficient,
}

impl fmt::Display for VictimSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VictimSelection::Volume => "volume",
            VictimSelection::Sufficient => "sufficient",
        })
    }
}

/// Every RMN threshold and knob. Utilizations are fractions (0.85 = 85%).
/// See `docs/policy.md` for what each one means and why its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RmnConfig {
    /// Migration policy: `idc` (default), `sandpiper` or `none`.
    pub policy: PolicyKind,
    /// Recommend only: decide and record, but emit no actions.
    pub dry_run: bool,
    /// Nominal report interval, seconds (thesis: 10).
    pub interval_s: u64,
    /// Samples kept per host and per domain (ring length).
    pub history_len: usize,
    /// Samples the AR(1) predictor looks at (window W, ≤ `history_len`, ≥ 3).
    pub ar_window: usize,
    /// Host CPU utilization threshold, fraction of all physical CPUs (thesis: 0.85).
    pub cpu_threshold: f64,
    /// Host swap-write threshold, pages per second summed over its domains (thesis: 150).
    pub swap_write_threshold_pages_per_s: f64,
    /// Host NIC utilization threshold, max(TX, RX) / link (thesis: 0.80).
    pub nic_threshold: f64,
    /// Memory added to a swapping domain per provisioning step, bytes (32 MiB).
    pub mem_step_bytes: u64,
    /// Volumes (and peer traffic to destinations) closer than this are equal;
    /// the tie goes to more NIC traffic (victim) or the lighter host (destination).
    pub epsilon: f64,
    /// NBound: the most NIC traffic one VM can drive, as a fraction of the source
    /// host's link (Table 1.1: 283 Mb/s on gigabit → 0.28).
    pub nbound: f64,
    /// A migrated domain is not migrated again for this long, seconds.
    pub cooldown_s: u64,
    /// A migrated domain is never sent back to a host it left within this long,
    /// seconds (anti ping-pong).
    pub return_block_s: u64,
    /// At most this many migrations in flight in the whole cluster.
    pub max_concurrent_migrations: usize,
    /// At most this many migrations in flight per host (as source or destination).
    pub max_migrations_per_host: usize,
    /// Hysteresis: a destination must stay at least this far below the CPU and
    /// NIC thresholds after the move, by prediction (fraction).
    pub hysteresis: f64,
    /// How the IDC-aware policy picks its victim: `sufficient` (default) or
    /// `volume` (the thesis). Sandpiper always uses its VSR.
    pub victim_selection: VictimSelection,
    /// A destination may end inside the hysteresis band (above threshold −
    /// hysteresis, never above the threshold) when the move lowers the larger
    /// of the source's and the destination's predicted utilization of the
    /// overloaded resource by more than `hysteresis` below the source's
    /// current value. `false`: the band is always refused.
    pub hysteresis_relief: bool,
    /// Predict the victim's load and gained IDC (`Id`) at the destination and
    /// reject destinations that would become hotspots. `false` = the thesis's
    /// plain "has enough resources now" check.
    pub predict_destination: bool,
    /// dom0 CPU to carry NIC traffic, cores per Gb/s (TX + RX), used by the
    /// destination prediction. Table 1.1: 61.7% of a core at 283 Mb/s → 2.18.
    pub nic_cpu_cores_per_gbps: f64,
    /// dom0 CPU to carry IDC traffic, cores per Gb/s. Table 1.1: 82.6% of a
    /// core at 1114 Mb/s → 0.74.
    pub idc_cpu_cores_per_gbps: f64,
    /// A host whose last report is older than this is not judged and not a
    /// destination, seconds.
    pub stale_after_s: u64,
    /// An action without a result after this long counts as failed, seconds.
    pub action_timeout_s: u64,
    /// Per candidate, the decision record lists at most this many destinations
    /// besides the peer hosts (the best ranked); the rest are only counted.
    pub max_recorded_destinations: usize,
}

impl Default for RmnConfig {
    fn default() -> Self {
        Self {
            policy: PolicyKind::Idc,
            dry_run: false,
            interval_s: 10,
            history_len: 60,
            ar_window: 12,
            cpu_threshold: 0.85,
            swap_write_threshold_pages_per_s: 150.0,
            nic_threshold: 0.80,
            mem_step_bytes: 32 * MIB,
            epsilon: 0.01,
            nbound: 0.28,
            cooldown_s: 300,
            return_block_s: 1800,
            max_concurrent_migrations: 2,
            max_migrations_per_host: 1,
            hysteresis: 0.05,
            victim_selection: VictimSelection::Sufficient,
            hysteresis_relief: true,
            predict_destination: true,
            nic_cpu_cores_per_gbps: 2.18,
            idc_cpu_cores_per_gbps: 0.74,
            stale_after_s: 35,
            action_timeout_s: 600,
            max_recorded_destinations: 8,
        }
    }
}

fn out_of_range(
    field: &'static str,
    value: impl fmt::Display,
    expected: &'static str,
) -> ModelError {
    ModelError::ConfigOutOfRange {
        field,
        value: value.to_string(),
        expected,
    }
}

fn check_fraction(field: &'static str, value: f64) -> Result<(), ModelError> {
    if value.is_finite() && value > 0.0 && value <= 1.0 {
        Ok(())
    } else {
        Err(out_of_range(
            field,
            value,
            "a fraction in (0, 1], e.g. 0.85",
        ))
    }
}

impl RmnConfig {
    /// Checks every value; the error names the TOML key and the allowed range.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.interval_s == 0 {
            return Err(out_of_range("interval_s", 0, "at least 1 second"));
        }
        if self.ar_window < 3 {
            return Err(out_of_range(
                "ar_window",
                self.ar_window,
                "at least 3 samples",
            ));
        }
        if self.history_len < self.ar_window {
            return Err(ModelError::ConfigInconsistent(format!(
                "history_len ({}) must be at least ar_window ({})",
                self.history_len, self.ar_window
            )));
        }
        check_fraction("cpu_threshold", self.cpu_threshold)?;
        check_fraction("nic_threshold", self.nic_threshold)?;
        let swap = self.swap_write_threshold_pages_per_s;
        if !(swap.is_finite() && swap > 0.0) {
            return Err(out_of_range(
                "swap_write_threshold_pages_per_s",
                swap,
                "a positive number of pages per second",
            ));
        }
        if self.mem_step_bytes == 0 {
            return Err(out_of_range(
                "mem_step_bytes",
                0,
                "a positive number of bytes",
            ));
        }
        if !(self.epsilon.is_finite() && (0.0..1.0).contains(&self.epsilon)) {
            return Err(out_of_range("epsilon", self.epsilon, "in [0, 1)"));
        }
        if !(self.nbound.is_finite() && self.nbound > 0.0) {
            return Err(out_of_range(
                "nbound",
                self.nbound,
                "a positive fraction of the source link (may exceed 1)",
            ));
        }
        if self.max_concurrent_migrations == 0 {
            return Err(out_of_range(
                "max_concurrent_migrations",
                0,
                "at least 1 (use policy = \"none\" to disable migration)",
            ));
        }
        if self.max_migrations_per_host == 0 {
            return Err(out_of_range(
                "max_migrations_per_host",
                0,
                "at least 1 (use policy = \"none\" to disable migration)",
            ));
        }
        let lowest_threshold = self.cpu_threshold.min(self.nic_threshold);
        if !(self.hysteresis.is_finite()
            && self.hysteresis >= 0.0
            && self.hysteresis < lowest_threshold)
        {
            return Err(out_of_range(
                "hysteresis",
                self.hysteresis,
                "in [0, min(cpu_threshold, nic_threshold))",
            ));
        }
        for (field, value) in [
            ("nic_cpu_cores_per_gbps", self.nic_cpu_cores_per_gbps),
            ("idc_cpu_cores_per_gbps", self.idc_cpu_cores_per_gbps),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(out_of_range(field, value, "cores per Gb/s, 0 or more"));
            }
        }
        if self.stale_after_s < self.interval_s {
            return Err(ModelError::ConfigInconsistent(format!(
                "stale_after_s ({}) must be at least interval_s ({})",
                self.stale_after_s, self.interval_s
            )));
        }
        if self.action_timeout_s == 0 {
            return Err(out_of_range("action_timeout_s", 0, "at least 1 second"));
        }
        if self.max_recorded_destinations == 0 {
            return Err(out_of_range("max_recorded_destinations", 0, "at least 1"));
        }
        Ok(())
    }
}
