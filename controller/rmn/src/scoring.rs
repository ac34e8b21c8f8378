//! Victim candidates on a hotspot and their scores under each policy.

use crate::collector::{DomIdx, HostIdx, LoadCollector};
use crate::formulas::{
    available_bandwidth, idc_score, rank_with_epsilon, sandpiper_score, IdcInputs,
};
use crate::rates::TrafficRates;
use reunion_model::{CandidateScore, HotspotEvidence, PolicyKind, Resource, RmnConfig};

/// One scored candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// The domain.
    pub idx: DomIdx,
    /// Its score terms.
    pub score: CandidateScore,
    /// The ranking value (IDC volume or Sandpiper VSR).
    pub primary: f64,
    /// Its NIC traffic, fraction of the source link (tie-break).
    pub nic: f64,
}

/// Scores domain `idx` on `host` under `policy` (which must migrate).
/// `mem_flag` is M_i: set when the memory hotspot could not be solved by
/// ballooning.
pub fn score(
    collector: &LoadCollector,
    config: &RmnConfig,
    host: HostIdx,
    idx: DomIdx,
    evidence: &HotspotEvidence,
    mem_flag: bool,
) -> Option<Scored> {
    let entry = &collector.hosts[host];
    let dom = collector.domain(idx)?;
    let rates = dom.rates.unwrap_or_default();
    let link = entry.capacity.nic_bandwidth_bps as f64 / 8.0;
    let cpu_share = rates.cpu_cores / f64::from(entry.capacity.physical_cpus);
    let mem_share = dom.mem_bytes as f64 / entry.capacity.mem_total_bytes as f64;
    let traffic: TrafficRates = rates.traffic;
    let nic = traffic.nic() / link;
    let (score, primary) = match config.policy {
        PolicyKind::Sandpiper => {
            let terms = sandpiper_score(
                cpu_share,
                mem_share,
                nic + traffic.idc() / link,
                dom.mem_bytes,
            );
            let vsr = terms.vsr;
            (CandidateScore::Sandpiper(terms), vsr)
        }
        PolicyKind::Idc | PolicyKind::None => {
            let terms = idc_score(IdcInputs {
                cpu_share,
                mem_share,
                cpu_flag: evidence.is_overloaded(Resource::Cpu),
                mem_flag,
                nic,
                is: traffic.idc() / link,
                ab: available_bandwidth(
                    entry.load.traffic.nic_tx,
                    entry.load.traffic.nic_rx,
                    traffic.nic_tx,
                    traffic.nic_rx,
                    link,
                ),
                nbound: config.nbound,
            });
            let volume = terms.volume;
            (CandidateScore::Idc(terms), volume)
        }
    };
    Some(Scored {
        idx,
        score,
        primary,
        nic,
    })
}

/// Orders candidates best first: the IDC policy by volume, equal within
/// epsilon broken by more NIC traffic; Sandpiper by VSR (exact ties by NIC).
/// Remaining ties by UUID.
pub fn rank(collector: &LoadCollector, config: &RmnConfig, scored: &mut [Scored]) {
    let epsilon = match config.policy {
        PolicyKind::Idc | PolicyKind::None => config.epsilon,
        PolicyKind::Sandpiper => 0.0,
    };
    rank_with_epsilon(
        scored,
        epsilon,
        |s| s.primary,
        |s| s.nic,
        |s| collector.domain(s.idx).map(|d| d.uuid),
    );
}
