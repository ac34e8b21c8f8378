//! The hotspot detector: a resource is overloaded only when its current value
//! and its AR(1) prediction both exceed the threshold (thesis 3.4.2).

use crate::ar1;
use crate::collector::{HostEntry, HostSample};
use crate::ring::Ring;
use reunion_model::{HotspotEvidence, Resource, ResourceEvidence, RmnConfig};

/// The three judged resources, in record order.
pub const RESOURCES: [Resource; 3] = [Resource::Cpu, Resource::Memory, Resource::Nic];

/// The value of `resource` in a host sample.
pub fn sample_value(sample: &HostSample, resource: Resource) -> f64 {
    match resource {
        Resource::Cpu => sample.cpu,
        Resource::Memory => sample.swap_write_pps,
        Resource::Nic => sample.nic,
    }
}

/// The configured threshold of `resource`.
pub fn threshold(config: &RmnConfig, resource: Resource) -> f64 {
    match resource {
        Resource::Cpu => config.cpu_threshold,
        Resource::Memory => config.swap_write_threshold_pages_per_s,
        Resource::Nic => config.nic_threshold,
    }
}

/// The AR(1) prediction of `resource` over the last `window` samples of `history`.
pub fn predict(history: &Ring<HostSample>, resource: Resource, window: usize) -> Option<f64> {
    let mut values = [0.0_f64; 64];
    let mut scratch = Vec::new();
    let buffer: &mut [f64] = if window <= values.len() {
        &mut values[..window.min(history.len())]
    } else {
        scratch.resize(window.min(history.len()), 0.0);
        &mut scratch
    };
    for (slot, sample) in buffer.iter_mut().zip(history.last_n(window)) {
        *slot = sample_value(&sample, resource);
    }
    ar1::predict(buffer)
}

/// Judges one resource of one host history.
pub fn judge_resource(
    history: &Ring<HostSample>,
    resource: Resource,
    config: &RmnConfig,
) -> Option<ResourceEvidence> {
    let current = sample_value(&history.latest()?, resource);
    let predicted = predict(history, resource, config.ar_window);
    let limit = threshold(config, resource);
    Some(ResourceEvidence {
        resource,
        current,
        predicted,
        threshold: limit,
        overloaded: current > limit && predicted.is_some_and(|p| p > limit),
    })
}

/// Judges a host on CPU, memory (swap writes) and NIC. `None` when it has no
/// sample yet. The caller skips hosts in migration or stale.
pub fn judge(host: &HostEntry, config: &RmnConfig) -> Option<HotspotEvidence> {
    let resources: Vec<ResourceEvidence> = RESOURCES
        .iter()
        .filter_map(|&r| judge_resource(&host.history, r, config))
        .collect();
    (!resources.is_empty()).then(|| HotspotEvidence {
        host: host.id.clone(),
        resources,
    })
}

/// How far over its thresholds a hotspot is (the largest relative excess of
/// an overloaded resource): the order in which hotspots are served.
pub fn severity(evidence: &HotspotEvidence) -> f64 {
    evidence
        .resources
        .iter()
        .filter(|r| r.overloaded)
        .map(|r| (r.current - r.threshold) / r.threshold)
        .fold(0.0, f64::max)
}
