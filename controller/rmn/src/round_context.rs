//! Per-round view of the cluster: which hosts are judged, hot, or usable as
//! destinations, and the load already promised to each host this round.

use crate::collector::{DomIdx, HostIdx, LoadCollector};
use crate::detector;
use crate::formulas::sandpiper_volume;
use crate::in_flight::InFlight;
use crate::rates::TrafficRates;
use reunion_model::{HotspotEvidence, PolicyKind, Resource, RmnConfig};

/// Why a host is neither judged nor a destination this round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exclusion {
    /// Its reports stopped arriving.
    Stale,
    /// A migration to or from it is running (agent flag or our own action).
    Migrating,
    /// No sample yet.
    NoSamples,
    /// Its latest sample still spans a migration that just ended.
    Settling,
}

/// Load promised to a host by this round's earlier decisions.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Promised {
    /// CPU cores.
    pub cpu_cores: f64,
    /// Memory bytes.
    pub mem_bytes: u64,
    /// NIC bytes/s sent and received.
    pub nic: TrafficRates,
}

/// One host as this round sees it.
#[derive(Debug, Clone)]
pub struct HostView {
    /// Why it is excluded, if it is.
    pub excluded: Option<Exclusion>,
    /// The detector's evidence (judged hosts only).
    pub evidence: Option<HotspotEvidence>,
    /// Whether any resource is overloaded.
    pub hot: bool,
    /// Load measure for "the lightest host": Sandpiper eq. 5 at host level
    /// (net = NIC only for the IDC policy, NIC + IDC for Sandpiper).
    pub host_volume: f64,
    /// Position in the order (host volume, name): ties between equally light
    /// hosts are broken by name through this, without comparing strings.
    pub light_rank: u32,
    /// Migrations in flight involving it, plus this round's.
    pub migrations: usize,
    /// Load promised this round.
    pub promised: Promised,
}

impl HostView {
    /// The evidence's current and predicted value of a resource.
    pub fn current_and_predicted(&self, resource: Resource) -> (f64, Option<f64>) {
        self.evidence
            .as_ref()
            .and_then(|e| e.resources.iter().find(|r| r.resource == resource))
            .map_or((0.0, None), |r| (r.current, r.predicted))
    }
}

/// The round's view of every host, by [`HostIdx`].
#[derive(Debug, Clone)]
pub struct RoundContext {
    /// Per host.
    pub hosts: Vec<HostView>,
    /// Migrations in flight cluster-wide, plus this round's.
    pub cluster_migrations: usize,
    /// Domains with an outstanding action.
    pub busy_domains: std::collections::BTreeSet<reunion_model::DomainUuid>,
}

impl RoundContext {
    /// Builds the view at RMN time `now_ms`.
    pub fn build(
        collector: &LoadCollector,
        in_flight: &InFlight,
        config: &RmnConfig,
        now_ms: u64,
    ) -> Self {
        let per_host = in_flight.migrations_per_host();
        let stale_ms = config.stale_after_s.saturating_mul(1000);
        let hosts = collector
            .hosts
            .iter()
            .map(|host| {
                let migrations = per_host.get(&host.id).copied().unwrap_or(0);
                let excluded = if now_ms.saturating_sub(host.last_ingest_ms) > stale_ms {
                    Some(Exclusion::Stale)
                } else if host.migration_in_flight || migrations > 0 {
                    Some(Exclusion::Migrating)
                } else if host.history.is_empty() {
                    Some(Exclusion::NoSamples)
                } else if host.settling() {
                    Some(Exclusion::Settling)
                } else {
                    None
                };
                let evidence = if excluded.is_none() {
                    detector::judge(host, config)
                } else {
                    None
                };
                let hot = evidence
                    .as_ref()
                    .is_some_and(|e| e.resources.iter().any(|r| r.overloaded));
                let cap = host.capacity;
                let link = cap.nic_bandwidth_bps as f64 / 8.0;
                let mem_used = 1.0 - cap.mem_free_bytes as f64 / cap.mem_total_bytes as f64;
                let cpu = host.latest().map_or(0.0, |s| s.cpu);
                let net = match config.policy {
                    PolicyKind::Sandpiper => {
                        (host.load.traffic.nic() + host.load.traffic.idc()) / link
                    }
                    _ => host.load.traffic.nic() / link,
                };
                HostView {
                    excluded,
                    evidence,
                    hot,
                    host_volume: sandpiper_volume(cpu, mem_used, net),
                    light_rank: 0,
                    migrations,
                    promised: Promised::default(),
                }
            })
            .collect();
        let mut hosts: Vec<HostView> = hosts;
        // host_index iterates by name; a stable sort by volume keeps name order among equals.
        let mut order: Vec<HostIdx> = collector.host_index.values().copied().collect();
        order.sort_by(|&a, &b| hosts[a].host_volume.total_cmp(&hosts[b].host_volume));
        for (rank, idx) in order.into_iter().enumerate() {
            hosts[idx].light_rank = u32::try_from(rank).unwrap_or(u32::MAX);
        }
        Self {
            hosts,
            cluster_migrations: in_flight.migrations(),
            busy_domains: in_flight.domains(),
        }
    }

    /// Hot hosts, most severe first (ties by host name).
    pub fn hotspots(&self, collector: &LoadCollector) -> Vec<HostIdx> {
        let mut hot: Vec<(f64, HostIdx)> = collector
            .host_index
            .values()
            .filter(|&&idx| self.hosts.get(idx).is_some_and(|h| h.hot))
            .map(|&idx| {
                let severity = self.hosts[idx]
                    .evidence
                    .as_ref()
                    .map_or(0.0, detector::severity);
                (severity, idx)
            })
            .collect();
        // host_index iterates by name, and the sort is stable: equal severities stay by name.
        hot.sort_by(|a, b| b.0.total_cmp(&a.0));
        hot.into_iter().map(|(_, idx)| idx).collect()
    }

    /// Whether a domain has an outstanding action.
    pub fn domain_busy(&self, collector: &LoadCollector, idx: DomIdx) -> bool {
        collector
            .domain(idx)
            .is_some_and(|d| self.busy_domains.contains(&d.uuid))
    }
}
