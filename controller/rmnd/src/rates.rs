//! Rates from two consecutive reports of one host, for metrics and `/status`
//! (the RMN core computes its own for decisions).

use reunion_model::{HostReport, PeerKey, TrafficCounters};

/// One domain's rates.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainRates {
    /// UUID (text).
    pub uuid: String,
    /// Name.
    pub name: String,
    /// CPU, fraction of one CPU.
    pub cpu: f64,
    /// Bytes per second by class and direction.
    pub traffic: [f64; 4],
    /// Bytes per second per peer, largest first.
    pub peers: Vec<(String, f64)>,
}

/// One host's rates.
#[derive(Debug, Clone, PartialEq)]
pub struct HostRates {
    /// CPU, fraction of all physical CPUs, dom0 included.
    pub cpu: f64,
    /// Memory in use, fraction.
    pub mem: f64,
    /// max(NIC TX, NIC RX) / link.
    pub nic: f64,
    /// Swap pages written per second, all domains.
    pub swap_write_pages_per_s: f64,
    /// Per domain.
    pub domains: Vec<DomainRates>,
}

fn per_s(now: u64, before: u64, seconds: f64) -> f64 {
    now.saturating_sub(before) as f64 / seconds
}

fn counters_rate(now: &TrafficCounters, before: &TrafficCounters, s: f64) -> [f64; 4] {
    [
        per_s(now.idc_tx_bytes, before.idc_tx_bytes, s),
        per_s(now.idc_rx_bytes, before.idc_rx_bytes, s),
        per_s(now.nic_tx_bytes, before.nic_tx_bytes, s),
        per_s(now.nic_rx_bytes, before.nic_rx_bytes, s),
    ]
}

fn peer_name(peer: &PeerKey, current: &HostReport) -> String {
    match peer {
        PeerKey::Domain(uuid) => current
            .domains
            .iter()
            .find(|d| d.uuid == *uuid)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| uuid.to_string()),
        PeerKey::Ip(ip) => ip.to_string(),
        PeerKey::Mac(mac) => mac.to_string(),
    }
}

/// Rates between `previous` and `current`, or `None` when they cannot be
/// compared (another generation, or no time passed). Domains whose domid
/// changed are left out.
pub fn host_rates(previous: &HostReport, current: &HostReport) -> Option<HostRates> {
    if previous.generation != current.generation || current.time_ms <= previous.time_ms {
        return None;
    }
    let seconds = (current.time_ms - previous.time_ms) as f64 / 1000.0;
    let cpus = f64::from(current.capacity.physical_cpus.max(1));
    let mut cpu_ns = per_s(current.dom0_cpu_time_ns, previous.dom0_cpu_time_ns, seconds);
    let mut nic = [0.0f64; 2];
    let mut swap = 0.0;
    let mut domains = Vec::new();
    for dom in &current.domains {
        let Some(before) = previous
            .domains
            .iter()
            .find(|d| d.uuid == dom.uuid && d.domid == dom.domid)
        else {
            continue;
        };
        let dom_cpu = per_s(dom.cpu_time_ns, before.cpu_time_ns, seconds);
        cpu_ns += dom_cpu;
        swap += per_s(dom.swap_write_pages, before.swap_write_pages, seconds);
        let traffic = counters_rate(&dom.traffic.total(), &before.traffic.total(), seconds);
        nic[0] += traffic[2];
        nic[1] += traffic[3];
        let mut peers: Vec<(String, f64)> = dom
            .traffic
            .peers
            .iter()
            .map(|p| {
                let old = before
                    .traffic
                    .peers
                    .iter()
                    .find(|o| o.peer == p.peer)
                    .map(|o| o.counters)
                    .unwrap_or_default();
                let r = counters_rate(&p.counters, &old, seconds);
                (peer_name(&p.peer, current), r.iter().sum())
            })
            .filter(|(_, rate)| *rate > 0.0)
            .collect();
        peers.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        domains.push(DomainRates {
            uuid: dom.uuid.to_string(),
            name: dom.name.clone(),
            cpu: dom_cpu / 1e9,
            traffic,
            peers,
        });
    }
    let link_bytes_per_s = current.capacity.nic_bandwidth_bps.max(1) as f64 / 8.0;
    let mem_total = current.capacity.mem_total_bytes.max(1) as f64;
    Some(HostRates {
        cpu: cpu_ns / 1e9 / cpus,
        mem: 1.0 - current.capacity.mem_free_bytes as f64 / mem_total,
        nic: nic[0].max(nic[1]) / link_bytes_per_s,
        swap_write_pages_per_s: swap,
        domains,
    })
}
