//! Destination choice: which hosts can take a victim without becoming the next
//! hotspot, and which of them the policy prefers.

use crate::ar1;
use crate::collector::{DomIdx, HostIdx, LoadCollector};
use crate::formulas::rank_with_epsilon;
use crate::rates::TrafficRates;
use crate::round_context::RoundContext;
use crate::source_after::SourceAfter;
use reunion_model::{DestinationRecord, DestinationVerdict, PolicyKind, Resource, RmnConfig};

/// A victim's load, as a destination would receive it.
#[derive(Debug, Clone, PartialEq)]
pub struct VictimLoad {
    /// Its host.
    pub source: HostIdx,
    /// Latest CPU, cores.
    pub cpu_cores: f64,
    /// max(latest, AR(1) prediction) of its CPU, cores.
    pub cpu_cores_predicted: f64,
    /// Allocated memory, bytes.
    pub mem_bytes: u64,
    /// All its traffic, bytes/s.
    pub traffic: TrafficRates,
    /// Its NIC traffic with peers on each other host, by host index (sorted).
    pub per_host: Vec<(HostIdx, TrafficRates)>,
    /// The host it last left and when.
    pub left: Option<(HostIdx, u64)>,
}

impl VictimLoad {
    /// Builds the load of domain `idx` (which must have rates).
    pub fn of(collector: &LoadCollector, idx: DomIdx, window: usize) -> Option<Self> {
        let dom = collector.domain(idx)?;
        let rates = dom.rates?;
        let cpu_window: Vec<f64> = dom
            .history
            .last_n(window)
            .map(|s| f64::from(s.cpu_cores))
            .collect();
        let predicted = ar1::predict(&cpu_window).unwrap_or(rates.cpu_cores);
        let mut per_host: Vec<(HostIdx, TrafficRates)> = Vec::new();
        for peer in &dom.peers {
            let Some(peer_host) = collector
                .resolve_peer(&peer.key)
                .and_then(|p| collector.domain(p))
                .map(|p| p.owner)
            else {
                continue;
            };
            if peer_host == dom.owner {
                continue;
            }
            let rates = peer.rates();
            let nic = TrafficRates {
                nic_tx: rates.nic_tx,
                nic_rx: rates.nic_rx,
                ..TrafficRates::default()
            };
            match per_host.binary_search_by_key(&peer_host, |e| e.0) {
                Ok(pos) => per_host[pos].1.add(&nic),
                Err(pos) => per_host.insert(pos, (peer_host, nic)),
            }
        }
        Some(Self {
            source: dom.owner,
            cpu_cores: rates.cpu_cores,
            cpu_cores_predicted: predicted.max(rates.cpu_cores),
            mem_bytes: dom.mem_bytes,
            traffic: rates.traffic,
            per_host,
            left: dom.left,
        })
    }

    /// Its NIC traffic with peers on `host` (Nsd in bytes/s, both directions).
    pub fn toward(&self, host: HostIdx) -> TrafficRates {
        self.per_host
            .binary_search_by_key(&host, |e| e.0)
            .map_or_else(|_| TrafficRates::default(), |pos| self.per_host[pos].1)
    }
}

/// One destination's evaluation (the record is built only for listed ones).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Evaluation {
    host: HostIdx,
    /// CPU cores the move adds to this host (the victim's, and dom0's network work).
    added_cores: f64,
    nsd: f64,
    host_volume: f64,
    /// (host volume, name) order of the host this round.
    light_rank: u32,
    cpu_after: f64,
    mem_after: f64,
    nic_after: f64,
    verdict: DestinationVerdict,
}

/// The outcome of placing one victim.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// The chosen host, if any fits.
    pub winner: Option<HostIdx>,
    /// CPU cores the move adds to the chosen host (victim and network work).
    pub winner_cores: f64,
    /// Nsd toward the chosen host (fraction of the source's link).
    pub winner_nsd: f64,
    /// Listed destinations, best ranked first.
    pub records: Vec<DestinationRecord>,
    /// Examined but not listed.
    pub unlisted: u64,
}

/// Cores a move adds to the destination: the victim's predicted CPU, plus
/// dom0's work for its NIC traffic there (`nic_bytes`, both directions), minus
/// the difference for the traffic with the destination's domains, which turns
/// from NIC into IDC. Never below zero.
fn moved_cores(
    config: &RmnConfig,
    victim: &VictimLoad,
    toward: TrafficRates,
    nic_bytes: f64,
) -> f64 {
    let gbps = |bytes_per_s: f64| bytes_per_s * 8.0 / 1e9;
    let becomes_idc = gbps(toward.nic_tx + toward.nic_rx);
    let network = config.nic_cpu_cores_per_gbps * gbps(nic_bytes)
        + (config.idc_cpu_cores_per_gbps - config.nic_cpu_cores_per_gbps) * becomes_idc;
    (victim.cpu_cores_predicted + network).max(0.0)
}

/// Projects the victim onto `dest` and judges it.
fn evaluate(
    collector: &LoadCollector,
    ctx: &RoundContext,
    config: &RmnConfig,
    victim: &VictimLoad,
    source_after: &SourceAfter,
    dest: HostIdx,
    now_ms: u64,
) -> Evaluation {
    let host = &collector.hosts[dest];
    let view = &ctx.hosts[dest];
    let source = &collector.hosts[victim.source];
    let source_link = source.capacity.nic_bandwidth_bps as f64 / 8.0;
    let link = host.capacity.nic_bandwidth_bps as f64 / 8.0;
    let cpus = f64::from(host.capacity.physical_cpus);
    let toward = victim.toward(dest);
    let nsd = toward.nic() / source_link;

    let (cpu_now, cpu_pred) = view.current_and_predicted(Resource::Cpu);
    let (nic_now, nic_pred) = view.current_and_predicted(Resource::Nic);
    let promised = view.promised;
    let mut added_cores = victim.cpu_cores;
    let (cpu_after, nic_after) = if config.predict_destination {
        // Base load: the worse of now and the AR(1) prediction. The victim:
        // its predicted CPU; its NIC traffic minus what becomes IDC here (Id =
        // Nsd), plus its former IDC at the source, which now crosses the NIC
        // (bounded by NBound, as Nds).
        let base_cpu = cpu_pred.map_or(cpu_now, |p| p.max(cpu_now));
        let nbound_bytes = config.nbound * source_link;
        let nds_tx = victim.traffic.idc_tx.min(nbound_bytes);
        let nds_rx = victim.traffic.idc_rx.min(nbound_bytes);
        let victim_tx = (victim.traffic.nic_tx - toward.nic_tx).max(0.0) + nds_tx;
        let victim_rx = (victim.traffic.nic_rx - toward.nic_rx).max(0.0) + nds_rx;
        added_cores = moved_cores(config, victim, toward, victim_tx + victim_rx);
        let cpu = base_cpu + (added_cores + promised.cpu_cores) / cpus;
        // What the destination's domains sent to the victim was NIC TX here and
        // becomes IDC.
        let tx =
            (host.load.traffic.nic_tx - toward.nic_rx).max(0.0) + victim_tx + promised.nic.nic_tx;
        let rx =
            (host.load.traffic.nic_rx - toward.nic_tx).max(0.0) + victim_rx + promised.nic.nic_rx;
        let trend = nic_pred.map_or(0.0, |p| (p - nic_now).max(0.0));
        (cpu, tx.max(rx) / link + trend)
    } else {
        // The thesis's check: enough resources now for the victim as it is.
        let cpu = cpu_now + (victim.cpu_cores + promised.cpu_cores) / cpus;
        let nic = nic_now + (victim.traffic.nic() + promised.nic.nic()) / link;
        (cpu, nic)
    };
    let committed_mem = victim.mem_bytes.saturating_add(promised.mem_bytes);
    let total_mem = host.capacity.mem_total_bytes as f64;
    let mem_after = (host.capacity.mem_total_bytes
        - host
            .capacity
            .mem_free_bytes
            .min(host.capacity.mem_total_bytes)) as f64
        / total_mem
        + committed_mem as f64 / total_mem;

    let return_blocked = victim.left.is_some_and(|(left, at)| {
        left == dest && now_ms.saturating_sub(at) < config.return_block_s.saturating_mul(1000)
    });
    let verdict = if dest == victim.source || view.excluded.is_some() || view.hot {
        DestinationVerdict::Unavailable
    } else if view.migrations >= config.max_migrations_per_host {
        DestinationVerdict::Busy
    } else if return_blocked {
        DestinationVerdict::ReturnBlocked
    } else if committed_mem > host.capacity.mem_free_bytes {
        DestinationVerdict::NoRoom {
            resource: Resource::Memory,
        }
    } else if cpu_after > 1.0 {
        DestinationVerdict::NoRoom {
            resource: Resource::Cpu,
        }
    } else if nic_after > 1.0 {
        DestinationVerdict::NoRoom {
            resource: Resource::Nic,
        }
    } else if cpu_after > config.cpu_threshold - config.hysteresis
        && !source_after.relieves(config, Resource::Cpu, cpu_after)
    {
        DestinationVerdict::WouldBeHotspot {
            resource: Resource::Cpu,
        }
    } else if nic_after > config.nic_threshold - config.hysteresis
        && !source_after.relieves(config, Resource::Nic, nic_after)
    {
        DestinationVerdict::WouldBeHotspot {
            resource: Resource::Nic,
        }
    } else {
        DestinationVerdict::Fits
    };
    Evaluation {
        host: dest,
        added_cores,
        nsd,
        host_volume: view.host_volume,
        light_rank: view.light_rank,
        cpu_after,
        mem_after,
        nic_after,
        verdict,
    }
}

/// Orders destinations best first under `policy`.
///
/// IDC policy: most traffic with the victim's peers there first (Nsd, equal
/// within epsilon), then the lightest (lowest host volume), then by name.
/// Sandpiper: the lightest, then by name. (`light_rank` is the order by host
/// volume, then name.)
fn rank(config: &RmnConfig, evaluations: &mut [Evaluation]) {
    match config.policy {
        PolicyKind::Sandpiper | PolicyKind::None => {
            evaluations.sort_by_key(|e| e.light_rank);
        }
        PolicyKind::Idc => rank_with_epsilon(
            evaluations,
            config.epsilon,
            |e| e.nsd,
            |e| -e.host_volume,
            |e| e.light_rank,
        ),
    }
}

/// The best `n` of `evaluations` in ranking order, plus every host with
/// traffic to the victim (Nsd > 0), without sorting them all: under either
/// policy, among hosts with Nsd = 0 only the `n` lightest can rank in the
/// first `n` places (they share one tier and the lighter comes first), so an
/// O(H) selection replaces the O(H log H) sort at thousands of hosts.
fn best_ranked(config: &RmnConfig, evaluations: Vec<Evaluation>, n: usize) -> Vec<Evaluation> {
    let (mut ranked, mut rest): (Vec<Evaluation>, Vec<Evaluation>) =
        evaluations.into_iter().partition(|e| e.nsd > 0.0);
    if rest.len() > n {
        rest.select_nth_unstable_by_key(n - 1, |e| e.light_rank);
        rest.truncate(n);
    }
    ranked.extend(rest);
    rank(config, &mut ranked);
    ranked
}

/// Evaluates every other host for `victim` (whose source would be
/// `source_after` without it), ranks those that fit and picks the
/// best (the ranking is among fitting hosts only, as the thesis filters first).
///
/// The record lists the best `max_recorded_destinations` fitting hosts, as many
/// rejected ones (best ranked, to show why they lost), and every peer host.
pub fn place(
    collector: &LoadCollector,
    ctx: &RoundContext,
    config: &RmnConfig,
    victim: &VictimLoad,
    source_after: &SourceAfter,
    now_ms: u64,
) -> Placement {
    let (fits, rejected): (Vec<Evaluation>, Vec<Evaluation>) = (0..collector.hosts.len())
        .filter(|&dest| dest != victim.source)
        .map(|dest| evaluate(collector, ctx, config, victim, source_after, dest, now_ms))
        .partition(|e| e.verdict == DestinationVerdict::Fits);
    let total = fits.len() + rejected.len();
    let limit = config.max_recorded_destinations.max(1);
    let fits = best_ranked(config, fits, limit);
    let rejected = best_ranked(config, rejected, limit);
    let records: Vec<DestinationRecord> = fits
        .iter()
        .enumerate()
        .chain(rejected.iter().enumerate())
        .filter(|(rank, e)| *rank < limit || e.nsd > 0.0)
        .map(|(_, e)| DestinationRecord {
            host: collector.hosts[e.host].id.clone(),
            nsd: e.nsd,
            host_volume: e.host_volume,
            predicted_cpu: e.cpu_after,
            predicted_mem: e.mem_after,
            predicted_nic: e.nic_after,
            verdict: e.verdict,
        })
        .collect();
    Placement {
        winner: fits.first().map(|e| e.host),
        winner_cores: fits.first().map_or(0.0, |e| e.added_cores),
        winner_nsd: fits.first().map_or(0.0, |e| e.nsd),
        unlisted: (total - records.len()) as u64,
        records,
    }
}
