//! The daemon's Prometheus metrics: state updated by the daemon's threads,
//! rendered on demand by the HTTP responder.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::exposition::{Exposition, Kind};
use crate::rates::HostRates;

/// Upper bounds of the round-duration histogram, seconds.
const ROUND_BUCKETS: [f64; 10] = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];

/// A host gauge: name, help, and how to read it from the rates.
type HostGauge = (&'static str, &'static str, fn(&HostRates) -> f64);

#[derive(Debug, Default)]
struct State {
    hosts: BTreeMap<String, HostRates>,
    connected: BTreeMap<String, bool>,
    hotspot_now: Vec<(String, String)>,
    hotspots_seen: BTreeMap<(String, String), u64>,
    actions: BTreeMap<String, u64>,
    outcomes: BTreeMap<(String, String), u64>,
    in_flight: usize,
    rounds: u64,
    round_buckets: [u64; ROUND_BUCKETS.len()],
    round_sum: f64,
    reports: u64,
    rejected: BTreeMap<String, u64>,
}

/// Every metric of the daemon.
#[derive(Debug, Default)]
pub struct Metrics {
    state: Mutex<State>,
}

impl Metrics {
    /// Empty metrics.
    pub fn new() -> Self {
        Metrics::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Plain counters and maps stay consistent across a panic elsewhere.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces every host's latest rates (hosts without rates are dropped, so
    /// domains that moved or vanished disappear).
    pub fn set_hosts(&self, hosts: BTreeMap<String, HostRates>) {
        self.lock().hosts = hosts;
    }

    /// Sets whether a host's agent is connected.
    pub fn set_connected(&self, host: &str, connected: bool) {
        self.lock().connected.insert(host.to_string(), connected);
    }

    /// Records the hotspots of one round (`(host, resource)` pairs).
    pub fn set_hotspots(&self, hotspots: &[(String, String)]) {
        let mut state = self.lock();
        for pair in hotspots {
            *state.hotspots_seen.entry(pair.clone()).or_default() += 1;
        }
        state.hotspot_now = hotspots.to_vec();
    }

    /// Counts an action sent.
    pub fn action_sent(&self, kind: &str) {
        *self.lock().actions.entry(kind.to_string()).or_default() += 1;
    }

    /// Counts an action finished.
    pub fn action_finished(&self, kind: &str, outcome: &str) {
        *self
            .lock()
            .outcomes
            .entry((kind.to_string(), outcome.to_string()))
            .or_default() += 1;
    }

    /// Sets the number of actions in flight.
    pub fn set_in_flight(&self, n: usize) {
        self.lock().in_flight = n;
    }

    /// Records one round's duration.
    pub fn round_done(&self, seconds: f64) {
        let mut state = self.lock();
        state.rounds += 1;
        state.round_sum += seconds;
        for (bucket, bound) in state.round_buckets.iter_mut().zip(ROUND_BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }

    /// Counts a report.
    pub fn report_received(&self) {
        self.lock().reports += 1;
    }

    /// Counts a rejected connection or frame.
    pub fn rejected(&self, reason: &str) {
        *self.lock().rejected.entry(reason.to_string()).or_default() += 1;
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let s = self.lock();
        let mut e = Exposition::default();
        let host_gauges: [HostGauge; 4] = [
            (
                "reunion_host_cpu_utilization",
                "Host CPU utilization, fraction of all physical CPUs, dom0 included.",
                |r| r.cpu,
            ),
            (
                "reunion_host_memory_utilization",
                "Host memory in use, fraction.",
                |r| r.mem,
            ),
            (
                "reunion_host_nic_utilization",
                "Host NIC utilization, max(TX, RX) / link, IDC excluded.",
                |r| r.nic,
            ),
            (
                "reunion_host_swap_write_pages_per_second",
                "Swap pages written per second, all domains of the host.",
                |r| r.swap_write_pages_per_s,
            ),
        ];
        for (name, help, value) in host_gauges {
            e.family(name, Kind::Gauge, help);
            for (host, rates) in &s.hosts {
                e.sample(name, &[("host", host)], value(rates));
            }
        }
        e.family(
            "reunion_host_agent_connected",
            Kind::Gauge,
            "1 while the host's agent has a session with the RMN.",
        );
        for (host, up) in &s.connected {
            e.sample(
                "reunion_host_agent_connected",
                &[("host", host)],
                f64::from(u8::from(*up)),
            );
        }
        e.family(
            "reunion_domain_cpu_utilization",
            Kind::Gauge,
            "Domain CPU, fraction of one physical CPU.",
        );
        for (host, rates) in &s.hosts {
            for d in &rates.domains {
                e.sample(
                    "reunion_domain_cpu_utilization",
                    &[("host", host), ("uuid", &d.uuid), ("domain", &d.name)],
                    d.cpu,
                );
            }
        }
        let traffic = "reunion_domain_traffic_bytes_per_second";
        e.family(traffic, Kind::Gauge, "Domain traffic in bytes per second by path (idc: with domains of the same host; nic: through the physical NIC) and direction.");
        for (host, rates) in &s.hosts {
            for d in &rates.domains {
                for (i, (path, direction)) in
                    [("idc", "tx"), ("idc", "rx"), ("nic", "tx"), ("nic", "rx")]
                        .into_iter()
                        .enumerate()
                {
                    e.sample(
                        traffic,
                        &[
                            ("host", host),
                            ("uuid", &d.uuid),
                            ("domain", &d.name),
                            ("path", path),
                            ("direction", direction),
                        ],
                        d.traffic[i],
                    );
                }
            }
        }
        e.family(
            "reunion_hotspot",
            Kind::Gauge,
            "1 while the host was judged a hotspot for the resource in the last round.",
        );
        for (host, resource) in &s.hotspot_now {
            e.sample(
                "reunion_hotspot",
                &[("host", host), ("resource", resource)],
                1.0,
            );
        }
        e.family(
            "reunion_hotspots_total",
            Kind::Counter,
            "Hotspots judged, by host and resource.",
        );
        for ((host, resource), n) in &s.hotspots_seen {
            e.sample(
                "reunion_hotspots_total",
                &[("host", host), ("resource", resource)],
                *n as f64,
            );
        }
        e.family(
            "reunion_actions_total",
            Kind::Counter,
            "Actions sent to agents, by kind.",
        );
        for (kind, n) in &s.actions {
            e.sample("reunion_actions_total", &[("kind", kind)], *n as f64);
        }
        e.family(
            "reunion_action_outcomes_total",
            Kind::Counter,
            "Finished actions, by kind and outcome (ok, failed, timeout, undeliverable).",
        );
        for ((kind, outcome), n) in &s.outcomes {
            e.sample(
                "reunion_action_outcomes_total",
                &[("kind", kind), ("outcome", outcome)],
                *n as f64,
            );
        }
        e.family(
            "reunion_actions_in_flight",
            Kind::Gauge,
            "Actions sent and not finished.",
        );
        e.sample("reunion_actions_in_flight", &[], s.in_flight as f64);
        e.family(
            "reunion_rounds_total",
            Kind::Counter,
            "Decision rounds run.",
        );
        e.sample("reunion_rounds_total", &[], s.rounds as f64);
        let round = "reunion_round_duration_seconds";
        e.family(
            round,
            Kind::Histogram,
            "Time of one decision round (decide, log, dispatch), seconds.",
        );
        for (bound, n) in ROUND_BUCKETS.iter().zip(s.round_buckets) {
            e.sample(
                &format!("{round}_bucket"),
                &[("le", &bound.to_string())],
                n as f64,
            );
        }
        e.sample(
            &format!("{round}_bucket"),
            &[("le", "+Inf")],
            s.rounds as f64,
        );
        e.sample(&format!("{round}_sum"), &[], s.round_sum);
        e.sample(&format!("{round}_count"), &[], s.rounds as f64);
        e.family(
            "reunion_reports_total",
            Kind::Counter,
            "Host reports received.",
        );
        e.sample("reunion_reports_total", &[], s.reports as f64);
        e.family(
            "reunion_rejected_connections_total",
            Kind::Counter,
            "Agent connections or frames rejected, by reason.",
        );
        for (reason, n) in &s.rejected {
            e.sample(
                "reunion_rejected_connections_total",
                &[("reason", reason)],
                *n as f64,
            );
        }
        e.finish()
    }
}
