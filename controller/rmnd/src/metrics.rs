//! Prometheus metrics, rendered in the text exposition format.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::rates::HostRates;

/// `host`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HostLabel {
    /// Host name.
    pub host: String,
}

/// `host`, `resource`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResourceLabels {
    /// Host name.
    pub host: String,
    /// `cpu`, `memory` or `nic`.
    pub resource: String,
}

/// A domain's traffic series.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TrafficLabels {
    /// Host name.
    pub host: String,
    /// Domain UUID.
    pub uuid: String,
    /// Domain name.
    pub domain: String,
    /// `idc` or `nic`.
    pub path: String,
    /// `tx` or `rx`.
    pub direction: String,
}

/// A domain's CPU series.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DomainLabels {
    /// Host name.
    pub host: String,
    /// Domain UUID.
    pub uuid: String,
    /// Domain name.
    pub domain: String,
}

/// An action kind.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ActionLabels {
    /// `mem_set` or `migrate`.
    pub kind: String,
}

/// An action outcome.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// `mem_set` or `migrate`.
    pub kind: String,
    /// `ok`, `failed`, `timeout` or `undeliverable`.
    pub outcome: String,
}

/// A rejection reason.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    /// Short reason.
    pub reason: String,
}

type GaugeF = Gauge<f64, AtomicU64>;

/// Every metric of the daemon.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    host_cpu: Family<HostLabel, GaugeF>,
    host_mem: Family<HostLabel, GaugeF>,
    host_nic: Family<HostLabel, GaugeF>,
    host_swap: Family<HostLabel, GaugeF>,
    host_up: Family<HostLabel, Gauge>,
    domain_cpu: Family<DomainLabels, GaugeF>,
    domain_traffic: Family<TrafficLabels, GaugeF>,
    hotspots: Family<ResourceLabels, Gauge>,
    hotspots_seen: Family<ResourceLabels, Counter>,
    actions: Family<ActionLabels, Counter>,
    outcomes: Family<OutcomeLabels, Counter>,
    in_flight: Gauge,
    rounds: Counter,
    round_seconds: Histogram,
    reports: Counter,
    rejected: Family<ReasonLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("reunion");
        let m = Metrics {
            host_cpu: Family::default(),
            host_mem: Family::default(),
            host_nic: Family::default(),
            host_swap: Family::default(),
            host_up: Family::default(),
            domain_cpu: Family::default(),
            domain_traffic: Family::default(),
            hotspots: Family::default(),
            hotspots_seen: Family::default(),
            actions: Family::default(),
            outcomes: Family::default(),
            in_flight: Gauge::default(),
            rounds: Counter::default(),
            round_seconds: Histogram::new(exponential_buckets(0.0001, 4.0, 10)),
            reports: Counter::default(),
            rejected: Family::default(),
            registry: Registry::default(),
        };
        registry.register(
            "host_cpu_utilization",
            "Host CPU utilization, fraction of all physical CPUs, dom0 included",
            m.host_cpu.clone(),
        );
        registry.register(
            "host_memory_utilization",
            "Host memory in use, fraction",
            m.host_mem.clone(),
        );
        registry.register(
            "host_nic_utilization",
            "Host NIC utilization, max(TX, RX) / link, IDC excluded",
            m.host_nic.clone(),
        );
        registry.register(
            "host_swap_write_pages_per_second",
            "Swap pages written per second, all domains of the host",
            m.host_swap.clone(),
        );
        registry.register(
            "host_agent_connected",
            "1 while the host's agent has a session with the RMN",
            m.host_up.clone(),
        );
        registry.register(
            "domain_cpu_utilization",
            "Domain CPU, fraction of one physical CPU",
            m.domain_cpu.clone(),
        );
        registry.register(
            "domain_traffic_bytes_per_second",
            "Domain traffic by path (idc: same host, nic: physical NIC) and direction",
            m.domain_traffic.clone(),
        );
        registry.register(
            "hotspot",
            "1 while the host is a hotspot for the resource in the last round",
            m.hotspots.clone(),
        );
        registry.register(
            "hotspots",
            "Hotspots judged, by host and resource",
            m.hotspots_seen.clone(),
        );
        registry.register(
            "actions",
            "Actions sent to agents, by kind",
            m.actions.clone(),
        );
        registry.register(
            "action_outcomes",
            "Finished actions, by kind and outcome",
            m.outcomes.clone(),
        );
        registry.register(
            "actions_in_flight",
            "Actions sent and not finished",
            m.in_flight.clone(),
        );
        registry.register("rounds", "Decision rounds run", m.rounds.clone());
        registry.register(
            "round_duration_seconds",
            "Time of one decision round (decide and dispatch)",
            m.round_seconds.clone(),
        );
        registry.register("reports", "Host reports received", m.reports.clone());
        registry.register(
            "rejected_connections",
            "Agent connections or frames rejected, by reason",
            m.rejected.clone(),
        );
        Metrics { registry, ..m }
    }

    /// Records one host's latest rates, replacing its domain series.
    pub fn observe_host(&self, host: &str, rates: &HostRates) {
        let label = HostLabel {
            host: host.to_string(),
        };
        self.host_cpu.get_or_create(&label).set(rates.cpu);
        self.host_mem.get_or_create(&label).set(rates.mem);
        self.host_nic.get_or_create(&label).set(rates.nic);
        self.host_swap
            .get_or_create(&label)
            .set(rates.swap_write_pages_per_s);
        for dom in &rates.domains {
            self.domain_cpu
                .get_or_create(&DomainLabels {
                    host: host.to_string(),
                    uuid: dom.uuid.clone(),
                    domain: dom.name.clone(),
                })
                .set(dom.cpu);
            for (i, (path, direction)) in
                [("idc", "tx"), ("idc", "rx"), ("nic", "tx"), ("nic", "rx")]
                    .into_iter()
                    .enumerate()
            {
                self.domain_traffic
                    .get_or_create(&TrafficLabels {
                        host: host.to_string(),
                        uuid: dom.uuid.clone(),
                        domain: dom.name.clone(),
                        path: path.into(),
                        direction: direction.into(),
                    })
                    .set(dom.traffic[i]);
            }
        }
    }

    /// Forgets every per-domain series (called before re-observing all hosts,
    /// so that migrated or destroyed domains disappear).
    pub fn clear_domains(&self) {
        self.domain_cpu.clear();
        self.domain_traffic.clear();
    }

    /// Sets whether a host's agent is connected.
    pub fn set_connected(&self, host: &str, connected: bool) {
        self.host_up
            .get_or_create(&HostLabel {
                host: host.to_string(),
            })
            .set(i64::from(connected));
    }

    /// Records the hotspots of one round (`(host, resource)` pairs).
    pub fn set_hotspots(&self, hotspots: &[(String, String)]) {
        self.hotspots.clear();
        for (host, resource) in hotspots {
            let labels = ResourceLabels {
                host: host.clone(),
                resource: resource.clone(),
            };
            self.hotspots.get_or_create(&labels).set(1);
            self.hotspots_seen.get_or_create(&labels).inc();
        }
    }

    /// Counts an action sent.
    pub fn action_sent(&self, kind: &str) {
        self.actions
            .get_or_create(&ActionLabels { kind: kind.into() })
            .inc();
    }

    /// Counts an action finished.
    pub fn action_finished(&self, kind: &str, outcome: &str) {
        self.outcomes
            .get_or_create(&OutcomeLabels {
                kind: kind.into(),
                outcome: outcome.into(),
            })
            .inc();
    }

    /// Sets the number of actions in flight.
    pub fn set_in_flight(&self, n: usize) {
        self.in_flight.set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// Records one round's duration.
    pub fn round_done(&self, seconds: f64) {
        self.rounds.inc();
        self.round_seconds.observe(seconds);
    }

    /// Counts a report.
    pub fn report_received(&self) {
        self.reports.inc();
    }

    /// Counts a rejected connection or frame.
    pub fn rejected(&self, reason: &str) {
        self.rejected
            .get_or_create(&ReasonLabel {
                reason: reason.into(),
            })
            .inc();
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
