//! The hotspot after one of its domains leaves: the prediction that tells
//! whether a single move suffices (`victim_selection = "sufficient"`) and how
//! much a move relieves the source (`hysteresis_relief`).

use crate::collector::LoadCollector;
use crate::placement::VictimLoad;
use crate::round_context::RoundContext;
use reunion_model::{Resource, RmnConfig};

/// The source host before and after the victim leaves, per judged resource.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourceAfter {
    /// Current CPU utilization (the hotspot evidence).
    pub cpu_now: f64,
    /// CPU utilization after the move, by prediction.
    pub cpu: f64,
    /// Current NIC utilization.
    pub nic_now: f64,
    /// NIC utilization after the move, by prediction.
    pub nic: f64,
    /// Whether the source's CPU is overloaded.
    pub cpu_overloaded: bool,
    /// Whether the source's NIC is overloaded.
    pub nic_overloaded: bool,
    /// Whether the source's memory is overloaded (no single-move sufficiency
    /// is claimed then: the swap a move removes is not predicted).
    pub mem_overloaded: bool,
}

impl SourceAfter {
    /// Predicts the source of `victim` without it.
    ///
    /// Base load: the worse of now and the AR(1) prediction, as for a
    /// destination. Removed: the victim's current cores and dom0's work for
    /// its traffic (its NIC traffic at `nic_cpu_cores_per_gbps`, its IDC at
    /// `idc_cpu_cores_per_gbps`), minus the NIC work its co-located peers now
    /// need for what was IDC (bounded by NBound, as Nds). NIC: its NIC
    /// traffic leaves; its former IDC now crosses the source's NIC the other
    /// way round (what peers sent it is now NIC TX here).
    pub fn of(
        collector: &LoadCollector,
        ctx: &RoundContext,
        config: &RmnConfig,
        victim: &VictimLoad,
    ) -> Self {
        let host = &collector.hosts[victim.source];
        let view = &ctx.hosts[victim.source];
        let link = host.capacity.nic_bandwidth_bps as f64 / 8.0;
        let cpus = f64::from(host.capacity.physical_cpus);
        let gbps = |bytes_per_s: f64| bytes_per_s * 8.0 / 1e9;
        let (cpu_now, cpu_pred) = view.current_and_predicted(Resource::Cpu);
        let (nic_now, nic_pred) = view.current_and_predicted(Resource::Nic);
        let nbound_bytes = config.nbound * link;
        let t = &victim.traffic;
        let nds_tx = t.idc_tx.min(nbound_bytes);
        let nds_rx = t.idc_rx.min(nbound_bytes);
        let network = config.nic_cpu_cores_per_gbps * gbps(t.nic_tx + t.nic_rx)
            + config.idc_cpu_cores_per_gbps * gbps(t.idc_tx + t.idc_rx)
            - config.nic_cpu_cores_per_gbps * gbps(nds_tx + nds_rx);
        let base_cpu = cpu_pred.map_or(cpu_now, |p| p.max(cpu_now));
        let cpu = (base_cpu - (victim.cpu_cores + network) / cpus).max(0.0);
        let tx = (host.load.traffic.nic_tx - t.nic_tx).max(0.0) + nds_rx;
        let rx = (host.load.traffic.nic_rx - t.nic_rx).max(0.0) + nds_tx;
        let trend = nic_pred.map_or(0.0, |p| (p - nic_now).max(0.0));
        let overloaded = |r: Resource| view.evidence.as_ref().is_some_and(|e| e.is_overloaded(r));
        Self {
            cpu_now,
            cpu,
            nic_now,
            nic: tx.max(rx) / link + trend,
            cpu_overloaded: overloaded(Resource::Cpu),
            nic_overloaded: overloaded(Resource::Nic),
            mem_overloaded: overloaded(Resource::Memory),
        }
    }

    /// The move alone brings every overloaded resource to or under its
    /// threshold. Never for a memory hotspot.
    pub fn sufficient(&self, config: &RmnConfig) -> bool {
        !self.mem_overloaded
            && (self.cpu_overloaded || self.nic_overloaded)
            && (!self.cpu_overloaded || self.cpu <= config.cpu_threshold)
            && (!self.nic_overloaded || self.nic <= config.nic_threshold)
    }

    /// Whether a destination ending at `dest_after` of `resource` inside the
    /// hysteresis band is acceptable: `hysteresis_relief` is on, the resource
    /// is overloaded at the source, the destination stays at or under the
    /// threshold, and the larger of source and destination after the move is
    /// more than `hysteresis` below the source now.
    pub fn relieves(&self, config: &RmnConfig, resource: Resource, dest_after: f64) -> bool {
        let (overloaded, now, after, threshold) = match resource {
            Resource::Cpu => (
                self.cpu_overloaded,
                self.cpu_now,
                self.cpu,
                config.cpu_threshold,
            ),
            Resource::Nic => (
                self.nic_overloaded,
                self.nic_now,
                self.nic,
                config.nic_threshold,
            ),
            Resource::Memory => return false,
        };
        config.hysteresis_relief
            && overloaded
            && dest_after <= threshold
            && dest_after.max(after) < now - config.hysteresis
    }
}
