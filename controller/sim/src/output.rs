//! events.json and summary.json: the run's results in a stable, diff-able form.

use std::path::Path;

use reunion_model::{Action, ActionKind, DecisionRecord, PolicyKind};
use serde::{Deserialize, Serialize};

use crate::cluster::Cluster;
use crate::error::SimError;
use crate::metrics::Metrics;
use crate::scenario::Scenario;

/// How an action ended in the simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum EventResult {
    /// A migration still running when the run ended.
    InFlight,
    /// Done at `at_s` (mem-set: at once; migrate: when the copy finished).
    Completed {
        /// Simulated time it completed, s.
        at_s: f64,
    },
    /// Refused by the executor.
    Failed {
        /// Why.
        reason: String,
    },
}

/// One action of the RMN and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Simulated time the RMN issued it, s.
    pub time_s: f64,
    /// The RMN's action id.
    pub action_id: u64,
    /// `mem_set` or `migrate`.
    pub kind: String,
    /// Domain name.
    pub domain: String,
    /// Domain UUID.
    pub uuid: String,
    /// Host it ran on.
    pub source: String,
    /// Migration destination (none for mem-set).
    pub destination: Option<String>,
    /// Memory moved: bytes copied for a migration (before overhead), the change
    /// of allocation for a mem-set.
    pub amount_bytes: i64,
    /// Outcome.
    pub result: EventResult,
    /// The action as the RMN sent it.
    pub action: Action,
    /// The RMN's explanation record.
    pub explanation: Option<DecisionRecord>,
}

impl Event {
    /// An event for `action`, not yet carried out.
    pub fn new(
        action: &Action,
        now_s: f64,
        record: Option<DecisionRecord>,
        cluster: &Cluster,
        vm: Option<usize>,
    ) -> Self {
        let domain = vm.map_or_else(|| "?".to_string(), |v| cluster.vms[v].name.clone());
        let (kind, source, destination) = match &action.kind {
            ActionKind::MemSet { host, .. } => ("mem_set", host.to_string(), None),
            ActionKind::Migrate {
                source,
                destination,
                ..
            } => ("migrate", source.to_string(), Some(destination.to_string())),
        };
        Self {
            time_s: now_s,
            action_id: action.id.0,
            kind: kind.to_string(),
            domain,
            uuid: action.kind.uuid().to_string(),
            source,
            destination,
            amount_bytes: 0,
            result: EventResult::InFlight,
            action: action.clone(),
            explanation: record,
        }
    }
}

/// One host's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostSummary {
    /// Host name.
    pub host: String,
    /// Seconds over any threshold (true utilization, every tick).
    pub hotspot_s: f64,
}

/// One group's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    /// Group name (a lone VM's name for a lone VM).
    pub group: String,
    /// Whether it is a lone VM.
    pub lone: bool,
    /// Member VMs.
    pub members: Vec<String>,
    /// Host of each member at the end.
    pub final_hosts: Vec<String>,
    /// Mean delivered fraction of demand.
    pub delivered_mean: f64,
    /// Mean response-time proxy 1/(1-ρ).
    pub response_mean: f64,
    /// 95th percentile of the response-time proxy over ticks.
    pub response_p95: f64,
}

/// summary.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Policy.
    pub policy: PolicyKind,
    /// Seed of the random series.
    pub seed: u64,
    /// Simulated seconds.
    pub duration_s: f64,
    /// Hotspot-seconds summed over hosts.
    pub hotspot_s_total: f64,
    /// When the first host went over a threshold, s (none if never).
    pub first_hotspot_s: Option<f64>,
    /// Per host.
    pub hosts: Vec<HostSummary>,
    /// Application bytes that crossed a physical NIC (each flow counted once,
    /// external included, migrations excluded).
    pub nic_bytes: f64,
    /// The part of `nic_bytes` exchanged between two VMs of the cluster (what
    /// placement can turn into IDC; client traffic cannot).
    pub inter_vm_nic_bytes: f64,
    /// Application bytes carried by IDC.
    pub idc_bytes: f64,
    /// Migrations the RMN issued that started.
    pub migrations: u64,
    /// Bytes the migrations sent (with pre-copy overhead).
    pub migration_bytes: f64,
    /// Actions the executor refused.
    pub failed_actions: u64,
    /// Memory provisioning actions.
    pub mem_sets: u64,
    /// Net memory they added, bytes.
    pub mem_set_bytes: i64,
    /// Hotspot decisions that ended without an action.
    pub decisions_without_action: u64,
    /// Mean over groups of the mean delivered fraction.
    pub delivered_mean: f64,
    /// Mean over groups of the mean response-time proxy.
    pub response_mean: f64,
    /// Largest group p95 response-time proxy.
    pub response_p95_worst: f64,
    /// Mean over groups of their p95 response-time proxy.
    pub response_p95_mean: f64,
    /// Per group.
    pub groups: Vec<GroupSummary>,
}

impl Summary {
    /// Summarizes a finished run.
    pub fn build(
        scenario: &Scenario,
        policy: PolicyKind,
        seed: u64,
        cluster: &Cluster,
        metrics: &Metrics,
        events: &[Event],
        decisions_without_action: usize,
    ) -> Self {
        let hosts: Vec<HostSummary> = cluster
            .hosts
            .iter()
            .zip(&metrics.hotspot_s)
            .map(|(h, s)| HostSummary {
                host: h.name.clone(),
                hotspot_s: *s,
            })
            .collect();
        let groups: Vec<GroupSummary> = cluster
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| GroupSummary {
                group: group.name.clone(),
                lone: group.lone,
                members: group
                    .members
                    .iter()
                    .map(|&v| cluster.vms[v].name.clone())
                    .collect(),
                final_hosts: group
                    .members
                    .iter()
                    .map(|&v| cluster.hosts[cluster.vms[v].host].name.clone())
                    .collect(),
                delivered_mean: metrics.delivered_mean(g),
                response_mean: metrics.response_mean(g),
                response_p95: metrics.response_p95(g),
            })
            .collect();
        let n = groups.len().max(1) as f64;
        let started = |e: &&Event| !matches!(e.result, EventResult::Failed { .. });
        Self {
            scenario: scenario.name.clone(),
            policy,
            seed,
            duration_s: scenario.duration_s,
            hotspot_s_total: hosts.iter().map(|h| h.hotspot_s).sum(),
            first_hotspot_s: metrics.first_hotspot_s,
            hosts,
            nic_bytes: metrics.nic_bytes.round(),
            inter_vm_nic_bytes: metrics.inter_vm_nic_bytes.round(),
            idc_bytes: metrics.idc_bytes.round(),
            migrations: events
                .iter()
                .filter(|e| e.kind == "migrate")
                .filter(started)
                .count() as u64,
            migration_bytes: metrics.migration_bytes.round(),
            failed_actions: events
                .iter()
                .filter(|e| matches!(e.result, EventResult::Failed { .. }))
                .count() as u64,
            mem_sets: events
                .iter()
                .filter(|e| e.kind == "mem_set")
                .filter(started)
                .count() as u64,
            mem_set_bytes: events
                .iter()
                .filter(|e| e.kind == "mem_set")
                .map(|e| e.amount_bytes)
                .sum(),
            decisions_without_action: decisions_without_action as u64,
            delivered_mean: groups.iter().map(|g| g.delivered_mean).sum::<f64>() / n,
            response_mean: groups.iter().map(|g| g.response_mean).sum::<f64>() / n,
            response_p95_worst: groups.iter().map(|g| g.response_p95).fold(0.0, f64::max),
            response_p95_mean: groups.iter().map(|g| g.response_p95).sum::<f64>() / n,
            groups,
        }
    }
}

/// Writes `value` as pretty JSON (with a final newline) to `path`.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), SimError> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    std::fs::write(path, text).map_err(|source| SimError::Io {
        path: path.display().to_string(),
        source,
    })
}
