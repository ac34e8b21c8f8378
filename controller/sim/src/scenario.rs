//! The scenario file format (TOML): hosts, VMs with placement and group, demand
//! series and traffic. docs/scenarios.md documents every field.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::constants::SimConstants;
use crate::error::SimError;
use crate::series::SeriesSpec;

/// A whole scenario as written in its TOML file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name, used in tables and plot titles.
    pub name: String,
    /// What the scenario shows.
    #[serde(default)]
    pub description: String,
    /// Simulated length in seconds.
    pub duration_s: f64,
    /// Simulation step in seconds (default 1). Reports still come every
    /// `report_interval_s`.
    #[serde(default = "default_tick")]
    pub tick_s: f64,
    /// Seconds between host reports (default 10, as the thesis's agents).
    #[serde(default = "default_report_interval")]
    pub report_interval_s: f64,
    /// Seed of the random series when `--seed` is not given.
    #[serde(default)]
    pub seed: u64,
    /// Overrides of the model's constants.
    #[serde(default)]
    pub model: SimConstants,
    /// Physical hosts.
    #[serde(rename = "host")]
    pub hosts: Vec<HostSpec>,
    /// Guest VMs.
    #[serde(rename = "vm")]
    pub vms: Vec<VmSpec>,
    /// Directed traffic between two VMs.
    #[serde(rename = "flow", default)]
    pub flows: Vec<FlowSpec>,
    /// Traffic matrices (dense form of flows).
    #[serde(rename = "matrix", default)]
    pub matrices: Vec<MatrixSpec>,
}

fn default_tick() -> f64 {
    1.0
}
fn default_report_interval() -> f64 {
    10.0
}

/// One physical host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostSpec {
    /// Unique host name.
    pub name: String,
    /// CPU capacity in calibration cores (default 1, the thesis's nodes).
    #[serde(default = "default_cpus")]
    pub cpus: u32,
    /// Physical memory in MiB (default 2048, the thesis's nodes).
    #[serde(default = "default_host_memory")]
    pub memory_mib: u64,
    /// Memory dom0 keeps for itself in MiB (default 512).
    #[serde(default = "default_dom0_memory")]
    pub dom0_memory_mib: u64,
    /// NIC bandwidth per direction in Mb/s (default 1000).
    #[serde(default = "default_nic")]
    pub nic_mbps: f64,
}

fn default_cpus() -> u32 {
    1
}
fn default_host_memory() -> u64 {
    2048
}
fn default_dom0_memory() -> u64 {
    512
}
fn default_nic() -> f64 {
    1000.0
}

/// One guest VM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmSpec {
    /// Unique VM name (its UUID is derived from it).
    pub name: String,
    /// Initial host.
    pub host: String,
    /// Group (service) it belongs to; none for a lone VM.
    #[serde(default)]
    pub group: Option<String>,
    /// Initially allocated memory in MiB.
    pub memory_mib: u64,
    /// Most memory the VM may be given (default: `memory_mib`).
    #[serde(default)]
    pub max_memory_mib: Option<u64>,
    /// CPU demand in calibration cores, before network processing.
    #[serde(default)]
    pub cpu: SeriesSpec,
    /// Working set in MiB; above the allocation the VM swaps.
    #[serde(default)]
    pub working_set_mib: SeriesSpec,
    /// Traffic to clients outside the cluster, Mb/s.
    #[serde(default)]
    pub external_tx_mbps: SeriesSpec,
    /// Traffic from clients outside the cluster, Mb/s.
    #[serde(default)]
    pub external_rx_mbps: SeriesSpec,
}

/// Traffic from one VM to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowSpec {
    /// Sending VM.
    pub from: String,
    /// Receiving VM.
    pub to: String,
    /// Demanded rate from `from` to `to`, Mb/s.
    pub mbps: SeriesSpec,
    /// Demanded rate back from `to` to `from`, Mb/s (default none).
    #[serde(default)]
    pub reply_mbps: Option<SeriesSpec>,
}

/// A dense traffic matrix: `mbps[i][j]` is the rate from `vms[i]` to `vms[j]`,
/// multiplied by `scale` over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixSpec {
    /// The VMs, in row/column order.
    pub vms: Vec<String>,
    /// Rows of rates in Mb/s; the diagonal must be zero.
    pub mbps: Vec<Vec<f64>>,
    /// Multiplier over time (default 1).
    #[serde(default)]
    pub scale: Option<SeriesSpec>,
}

impl Scenario {
    /// Parses and checks a scenario.
    pub fn from_toml(text: &str) -> Result<Self, SimError> {
        let scenario: Scenario = toml::from_str(text)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Reads, parses and checks a scenario file.
    pub fn load(path: &std::path::Path) -> Result<Self, SimError> {
        let text = std::fs::read_to_string(path).map_err(|source| SimError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text)
    }

    /// Serializes back to TOML (used by the generator).
    pub fn to_toml(&self) -> Result<String, SimError> {
        toml::to_string(self).map_err(|e| SimError::Scenario(format!("cannot serialize: {e}")))
    }

    /// Checks names, references and ranges.
    pub fn validate(&self) -> Result<(), SimError> {
        let bad = |msg: String| Err(SimError::Scenario(msg));
        if !(self.duration_s.is_finite() && self.duration_s > 0.0) {
            return bad("duration_s must be > 0".into());
        }
        if !(self.tick_s.is_finite() && self.tick_s > 0.0 && self.tick_s <= self.report_interval_s)
        {
            return bad("tick_s must be > 0 and <= report_interval_s".into());
        }
        let ratio = self.report_interval_s / self.tick_s;
        if (ratio - ratio.round()).abs() > 1e-9 {
            return bad("report_interval_s must be a whole number of ticks".into());
        }
        if self.hosts.is_empty() {
            return bad("a scenario needs at least one [[host]]".into());
        }
        let mut hosts = BTreeSet::new();
        for h in &self.hosts {
            if !hosts.insert(h.name.as_str()) {
                return bad(format!("duplicate host name {:?}", h.name));
            }
            if !(h.cpus > 0 && h.nic_mbps > 0.0 && h.memory_mib > h.dom0_memory_mib) {
                return bad(format!(
                    "host {:?}: cpus and nic_mbps must be > 0 and memory_mib > dom0_memory_mib",
                    h.name
                ));
            }
        }
        let mut vms = BTreeSet::new();
        for vm in &self.vms {
            if !vms.insert(vm.name.as_str()) {
                return bad(format!("duplicate vm name {:?}", vm.name));
            }
            if !hosts.contains(vm.host.as_str()) {
                return bad(format!("vm {:?}: unknown host {:?}", vm.name, vm.host));
            }
            if vm.memory_mib == 0 || vm.max_memory_mib.is_some_and(|m| m < vm.memory_mib) {
                return bad(format!(
                    "vm {:?}: memory_mib must be > 0 and max_memory_mib >= memory_mib",
                    vm.name
                ));
            }
        }
        for h in &self.hosts {
            let used: u64 = self
                .vms
                .iter()
                .filter(|vm| vm.host == h.name)
                .map(|vm| vm.memory_mib)
                .sum();
            if used + h.dom0_memory_mib > h.memory_mib {
                return bad(format!(
                    "host {:?}: its VMs need {used} MiB but only {} MiB are free for guests",
                    h.name,
                    h.memory_mib - h.dom0_memory_mib
                ));
            }
        }
        for f in &self.flows {
            for end in [&f.from, &f.to] {
                if !vms.contains(end.as_str()) {
                    return bad(format!("flow {} -> {}: unknown vm {end:?}", f.from, f.to));
                }
            }
            if f.from == f.to {
                return bad(format!(
                    "flow {} -> {}: a VM cannot talk to itself",
                    f.from, f.to
                ));
            }
        }
        for (index, m) in self.matrices.iter().enumerate() {
            for name in &m.vms {
                if !vms.contains(name.as_str()) {
                    return bad(format!("matrix {index}: unknown vm {name:?}"));
                }
            }
            if m.mbps.len() != m.vms.len() || m.mbps.iter().any(|row| row.len() != m.vms.len()) {
                return bad(format!("matrix {index}: mbps must be {0}x{0}", m.vms.len()));
            }
            for (i, row) in m.mbps.iter().enumerate() {
                if row[i] != 0.0 || row.iter().any(|v| !v.is_finite() || *v < 0.0) {
                    return bad(format!(
                        "matrix {index}: rates must be finite, >= 0, with a zero diagonal"
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        name = "minimal"
        duration_s = 60
        [[host]]
        name = "h1"
        [[vm]]
        name = "a"
        host = "h1"
        memory_mib = 256
        cpu = { kind = "step", before = 0.2, after = 0.9, at_s = 30 }
        [[vm]]
        name = "b"
        host = "h1"
        memory_mib = 256
        [[flow]]
        from = "a"
        to = "b"
        mbps = 100
    "#;

    #[test]
    fn parses_minimal_scenario_with_defaults() {
        let s = Scenario::from_toml(MINIMAL).expect("valid");
        assert_eq!(s.hosts[0].memory_mib, 2048);
        assert_eq!(s.hosts[0].nic_mbps, 1000.0);
        assert_eq!(s.tick_s, 1.0);
        assert_eq!(s.report_interval_s, 10.0);
        assert_eq!(s.flows.len(), 1);
    }

    #[test]
    fn rejects_unknown_host() {
        let text = MINIMAL.replacen(
            "host = \"h1\"\n        memory_mib = 256\n        cpu",
            "host = \"h9\"\n        memory_mib = 256\n        cpu",
            1,
        );
        let err = Scenario::from_toml(&text).expect_err("unknown host");
        assert!(err.to_string().contains("unknown host"), "{err}");
    }

    #[test]
    fn rejects_overcommitted_host() {
        let text = MINIMAL.replace("memory_mib = 256", "memory_mib = 1000");
        let err = Scenario::from_toml(&text).expect_err("overcommitted");
        assert!(err.to_string().contains("free for guests"), "{err}");
    }

    #[test]
    fn rejects_unknown_field() {
        let text = MINIMAL.replace("duration_s = 60", "duration_s = 60\nbogus = 1");
        assert!(Scenario::from_toml(&text).is_err());
    }
}
