//! What a run measures: hotspot-seconds, traffic totals, group performance and
//! the per-interval time series the plots draw.

use serde::{Deserialize, Serialize};

use crate::cluster::{Cluster, BYTES_PER_MBIT};
use crate::physics::TickOutcome;

/// Thresholds that define a hotspot for the hotspot-seconds metric: the RMN's own
/// (from its config), applied to the true utilization each tick.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HotspotThresholds {
    /// CPU utilization fraction.
    pub cpu: f64,
    /// Swap writes, pages/s.
    pub swap_pages_per_s: f64,
    /// NIC utilization fraction.
    pub nic: f64,
}

/// A fixed log-scale histogram of response-time proxies in [1, 100], so p95 over
/// every tick costs bounded memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    buckets: Vec<u64>,
    count: u64,
}

const BUCKETS: usize = 2000;
const LOG_MAX: f64 = 4.605_170_185_988_091; // ln(100)

impl Default for Histogram {
    fn default() -> Self {
        Self {
            buckets: vec![0; BUCKETS],
            count: 0,
        }
    }
}

impl Histogram {
    /// Adds one sample (clamped into [1, 100]).
    pub fn add(&mut self, value: f64) {
        let x = value.clamp(1.0, 100.0).ln() / LOG_MAX;
        let bucket = ((x * (BUCKETS - 1) as f64).round() as usize).min(BUCKETS - 1);
        self.buckets[bucket] += 1;
        self.count += 1;
    }

    /// The `q` quantile (0..=1), to the bucket width (0.23 %); 0 when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (bucket, &n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return (bucket as f64 / (BUCKETS - 1) as f64 * LOG_MAX).exp();
            }
        }
        100.0
    }
}

/// Per-report-interval means, for the plots.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimeSeries {
    /// End time of each interval, s.
    pub times: Vec<f64>,
    /// `[host][interval]` CPU utilization.
    pub host_cpu: Vec<Vec<f64>>,
    /// `[host][interval]` NIC utilization.
    pub host_nic: Vec<Vec<f64>>,
    /// `[host][interval]` swap writes, pages/s.
    pub host_swap: Vec<Vec<f64>>,
    /// `[group][interval]` delivered fraction.
    pub group_delivered: Vec<Vec<f64>>,
    /// `[group][interval]` response-time proxy.
    pub group_response: Vec<Vec<f64>>,
}

/// Running totals of one simulation.
#[derive(Debug, Clone)]
pub struct Metrics {
    thresholds: HotspotThresholds,
    rho_cap: f64,
    /// Hotspot-seconds per host.
    pub hotspot_s: Vec<f64>,
    /// Start of the first tick in which any host was over a threshold.
    pub first_hotspot_s: Option<f64>,
    elapsed_s: f64,
    /// Application bytes that crossed a NIC.
    pub nic_bytes: f64,
    /// The part of `nic_bytes` between two VMs of the cluster.
    pub inter_vm_nic_bytes: f64,
    /// Application bytes carried by IDC.
    pub idc_bytes: f64,
    /// Bytes sent by live migrations.
    pub migration_bytes: f64,
    delivered_sum: Vec<f64>,
    response_sum: Vec<f64>,
    response_hist: Vec<Histogram>,
    ticks: u64,
    record_series: bool,
    interval: Accumulator,
    /// The per-interval series (empty unless recording).
    pub series: TimeSeries,
}

#[derive(Debug, Clone, Default)]
struct Accumulator {
    ticks: u64,
    host_cpu: Vec<f64>,
    host_nic: Vec<f64>,
    host_swap: Vec<f64>,
    group_delivered: Vec<f64>,
    group_response: Vec<f64>,
}

impl Accumulator {
    fn new(hosts: usize, groups: usize) -> Self {
        Self {
            ticks: 0,
            host_cpu: vec![0.0; hosts],
            host_nic: vec![0.0; hosts],
            host_swap: vec![0.0; hosts],
            group_delivered: vec![0.0; groups],
            group_response: vec![0.0; groups],
        }
    }
}

/// One group's performance in one tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupTick {
    /// Delivered fraction of the slowest member (a request crosses every tier).
    pub delivered: f64,
    /// 1 / (1 - ρ) with ρ the utilization of the group's most loaded resource.
    pub response: f64,
}

/// A group's performance in a tick, from its members' delivered fractions and ρ.
pub fn group_tick(members: &[usize], out: &TickOutcome, rho_cap: f64) -> GroupTick {
    let mut delivered: f64 = 1.0;
    let mut rho: f64 = 0.0;
    for &v in members {
        delivered = delivered.min(out.vm_delivered[v]);
        rho = rho.max(out.vm_rho[v]);
    }
    GroupTick {
        delivered,
        response: 1.0 / (1.0 - rho.min(rho_cap)),
    }
}

impl Metrics {
    /// Empty metrics for a cluster; `record_series` keeps the per-interval series.
    pub fn new(cluster: &Cluster, thresholds: HotspotThresholds, record_series: bool) -> Self {
        let (hosts, groups) = (cluster.hosts.len(), cluster.groups.len());
        let series = TimeSeries {
            host_cpu: vec![Vec::new(); hosts],
            host_nic: vec![Vec::new(); hosts],
            host_swap: vec![Vec::new(); hosts],
            group_delivered: vec![Vec::new(); groups],
            group_response: vec![Vec::new(); groups],
            ..TimeSeries::default()
        };
        Self {
            thresholds,
            rho_cap: cluster.constants.rho_cap,
            hotspot_s: vec![0.0; hosts],
            first_hotspot_s: None,
            elapsed_s: 0.0,
            nic_bytes: 0.0,
            inter_vm_nic_bytes: 0.0,
            idc_bytes: 0.0,
            migration_bytes: 0.0,
            delivered_sum: vec![0.0; groups],
            response_sum: vec![0.0; groups],
            response_hist: vec![Histogram::default(); groups],
            ticks: 0,
            record_series,
            interval: Accumulator::new(hosts, groups),
            series,
        }
    }

    /// Adds one tick of `dt_s` seconds.
    pub fn record(&mut self, cluster: &Cluster, out: &TickOutcome, dt_s: f64) {
        let t = self.thresholds;
        for h in 0..cluster.hosts.len() {
            if out.host_cpu[h] > t.cpu
                || out.host_swap[h] > t.swap_pages_per_s
                || out.host_nic[h] > t.nic
            {
                self.hotspot_s[h] += dt_s;
                self.first_hotspot_s.get_or_insert(self.elapsed_s);
            }
        }
        self.elapsed_s += dt_s;
        self.nic_bytes += out.nic_mbit * BYTES_PER_MBIT;
        self.inter_vm_nic_bytes += out.inter_vm_nic_mbit * BYTES_PER_MBIT;
        self.idc_bytes += out.idc_mbit * BYTES_PER_MBIT;
        self.migration_bytes += out.migration_mbit * BYTES_PER_MBIT;
        self.ticks += 1;
        let acc = &mut self.interval;
        acc.ticks += 1;
        for (g, group) in cluster.groups.iter().enumerate() {
            let perf = group_tick(&group.members, out, self.rho_cap);
            self.delivered_sum[g] += perf.delivered;
            self.response_sum[g] += perf.response;
            self.response_hist[g].add(perf.response);
            if self.record_series {
                acc.group_delivered[g] += perf.delivered;
                acc.group_response[g] += perf.response;
            }
        }
        if self.record_series {
            for h in 0..cluster.hosts.len() {
                acc.host_cpu[h] += out.host_cpu[h];
                acc.host_nic[h] += out.host_nic[h];
                acc.host_swap[h] += out.host_swap[h];
            }
        }
    }

    /// Closes a report interval ending at `now_s` (one point of each series).
    pub fn close_interval(&mut self, now_s: f64) {
        let acc = std::mem::replace(
            &mut self.interval,
            Accumulator::new(self.hotspot_s.len(), self.delivered_sum.len()),
        );
        if !self.record_series || acc.ticks == 0 {
            return;
        }
        let n = acc.ticks as f64;
        let s = &mut self.series;
        s.times.push(now_s);
        let push = |into: &mut Vec<Vec<f64>>, from: &[f64]| {
            for (series, sum) in into.iter_mut().zip(from) {
                series.push(sum / n);
            }
        };
        push(&mut s.host_cpu, &acc.host_cpu);
        push(&mut s.host_nic, &acc.host_nic);
        push(&mut s.host_swap, &acc.host_swap);
        push(&mut s.group_delivered, &acc.group_delivered);
        push(&mut s.group_response, &acc.group_response);
    }

    /// Mean delivered fraction of group `g` over the run.
    pub fn delivered_mean(&self, g: usize) -> f64 {
        if self.ticks == 0 {
            0.0
        } else {
            self.delivered_sum[g] / self.ticks as f64
        }
    }

    /// Mean response-time proxy of group `g`.
    pub fn response_mean(&self, g: usize) -> f64 {
        if self.ticks == 0 {
            0.0
        } else {
            self.response_sum[g] / self.ticks as f64
        }
    }

    /// 95th percentile response-time proxy of group `g`.
    pub fn response_p95(&self, g: usize) -> f64 {
        self.response_hist[g].quantile(0.95)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles() {
        let mut h = Histogram::default();
        for i in 1..=100 {
            h.add(i as f64);
        }
        let p95 = h.quantile(0.95);
        assert!((p95 - 95.0).abs() / 95.0 < 0.01, "{p95}");
        assert!((h.quantile(0.0) - 1.0).abs() < 0.01);
    }

    #[test]
    fn group_is_as_good_as_its_worst_member() {
        let out = TickOutcome {
            vm_delivered: vec![1.0, 0.5, 0.9],
            vm_rho: vec![0.2, 0.5, 0.95],
            ..TickOutcome::default()
        };
        let g = group_tick(&[0, 1], &out, 0.99);
        assert_eq!(g.delivered, 0.5);
        assert!((g.response - 2.0).abs() < 1e-12);
        let saturated = group_tick(
            &[2],
            &TickOutcome {
                vm_delivered: vec![1.0; 3],
                vm_rho: vec![1.0; 3],
                ..TickOutcome::default()
            },
            0.99,
        );
        assert!((saturated.response - 100.0).abs() < 1e-9);
    }
}
