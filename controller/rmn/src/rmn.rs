//! The RMN core's public face: ingest reports, decide rounds, take results.

use crate::collector::{IngestSummary, LoadCollector};
use crate::error::RmnError;
use crate::in_flight::InFlight;
use crate::planner::{decide_hotspot, RoundInfo};
use crate::round_context::RoundContext;
use crate::traffic_table::{traffic_table, TrafficEdge};
use reunion_model::{
    Action, ActionId, ActionKind, ActionOutcome, ActionResult, DecisionRecord, HostReport,
    RmnConfig,
};
use serde::{Deserialize, Serialize};

/// What one decision round produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Round {
    /// Round counter (1 for the first `decide`).
    pub round: u64,
    /// The caller's time of the round, milliseconds.
    pub time_ms: u64,
    /// Actions to execute now (empty in dry-run), by id.
    pub actions: Vec<Action>,
    /// One record per judged hotspot, in the order they were served.
    pub records: Vec<DecisionRecord>,
    /// Actions that got no result within `action_timeout_s` and count as failed.
    pub expired: Vec<Action>,
}

/// The RMN core: a deterministic state machine. No clock, I/O or randomness:
/// the caller passes its time (`now_ms`) in, and identical call sequences give
/// identical outputs.
#[derive(Debug, Clone)]
pub struct Rmn {
    config: RmnConfig,
    collector: LoadCollector,
    in_flight: InFlight,
    round: u64,
    next_id: u64,
}

impl Rmn {
    /// A fresh RMN; the configuration must validate.
    pub fn new(config: RmnConfig) -> Result<Self, RmnError> {
        config.validate().map_err(RmnError::Config)?;
        Ok(Self {
            collector: LoadCollector::new(config.history_len),
            config,
            in_flight: InFlight::default(),
            round: 0,
            next_id: 1,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &RmnConfig {
        &self.config
    }

    /// The load collector (hosts, domains, histories), read-only.
    pub fn collector(&self) -> &LoadCollector {
        &self.collector
    }

    /// Actions emitted and not yet answered.
    pub fn in_flight(&self) -> impl Iterator<Item = &Action> {
        self.in_flight.iter().map(|o| &o.action)
    }

    /// Ingests one host report received at RMN time `now_ms`. Invalid or
    /// out-of-order reports are rejected whole.
    pub fn ingest(
        &mut self,
        now_ms: u64,
        mut report: HostReport,
    ) -> Result<IngestSummary, RmnError> {
        report.normalize();
        report.validate().map_err(RmnError::Report)?;
        if let Some(last_seq) = self.collector.last_seq(&report.host, report.generation) {
            if report.seq <= last_seq {
                return Err(RmnError::OutOfOrder {
                    host: report.host,
                    seq: report.seq,
                    last_seq,
                });
            }
        }
        let stale_ms = self.config.stale_after_s.saturating_mul(1000);
        let migrating: std::collections::BTreeMap<_, _> = self
            .in_flight
            .iter()
            .filter_map(|o| match &o.action.kind {
                ActionKind::Migrate {
                    uuid, destination, ..
                } => Some((*uuid, destination.clone())),
                ActionKind::MemSet { .. } => None,
            })
            .collect();
        Ok(self.collector.ingest(
            now_ms,
            &report,
            |host| now_ms.saturating_sub(host.last_ingest_ms) > stale_ms,
            |uuid| migrating.get(uuid).cloned(),
        ))
    }

    /// Runs one decision round at RMN time `now_ms`: expires overdue actions,
    /// judges every host, and decides about each hotspot, most severe first.
    pub fn decide(&mut self, now_ms: u64) -> Round {
        self.round += 1;
        let timeout_ms = self.config.action_timeout_s.saturating_mul(1000);
        let expired: Vec<Action> = self
            .in_flight
            .expire_before(now_ms.saturating_sub(timeout_ms))
            .into_iter()
            .map(|o| o.action)
            .collect();
        for action in &expired {
            self.mark_acted(action.kind.uuid(), now_ms);
        }
        // Domains nobody reported for two staleness periods are gone for good.
        let forget_ms = self.config.stale_after_s.saturating_mul(2000);
        self.collector
            .forget_domains_unseen_since(now_ms.saturating_sub(forget_ms));

        let mut ctx = RoundContext::build(&self.collector, &self.in_flight, &self.config, now_ms);
        let info = RoundInfo {
            round: self.round,
            now_ms,
        };
        let mut records = Vec::new();
        let mut actions = Vec::new();
        for host in ctx.hotspots(&self.collector) {
            let id = ActionId(self.next_id);
            let host_id = &self.collector.hosts[host].id;
            let memset_in_flight = self.in_flight.memset_on(host_id);
            let Some(record) = decide_hotspot(
                &self.collector,
                &mut ctx,
                &self.config,
                host,
                id,
                info,
                memset_in_flight,
            ) else {
                continue;
            };
            self.next_id += 1;
            if let (Some(action), false) = (&record.action, self.config.dry_run) {
                self.in_flight.insert(action.clone(), now_ms);
                if matches!(action.kind, ActionKind::Migrate { .. }) {
                    self.mark_acted(action.kind.uuid(), now_ms);
                }
                actions.push(action.clone());
            }
            records.push(record);
        }
        Round {
            round: self.round,
            time_ms: now_ms,
            actions,
            records,
            expired,
        }
    }

    /// Takes an executor's answer at RMN time `now_ms`. A migration (done or
    /// failed) restarts the domain's cooldown and keeps its two hosts from
    /// being judged on a sample that spans it; a completed one also starts
    /// the return block on the source.
    pub fn action_result(
        &mut self,
        now_ms: u64,
        result: &ActionResult,
    ) -> Result<Action, RmnError> {
        let outstanding = self
            .in_flight
            .remove(result.id)
            .ok_or(RmnError::UnknownAction(result.id))?;
        if let ActionKind::Migrate {
            uuid,
            source,
            destination,
            ..
        } = &outstanding.action.kind
        {
            self.mark_acted(*uuid, now_ms);
            for host in [source, destination] {
                if let Some(&idx) = self.collector.host_index.get(host) {
                    self.collector.hosts[idx].migration_ended_ms = Some(now_ms);
                }
            }
            if result.outcome == ActionOutcome::Ok {
                let source_idx = self.collector.host_index.get(source).copied();
                let dest_idx = self.collector.host_index.get(destination).copied();
                if let Some((idx, _)) = self.collector.domain_by_uuid(uuid) {
                    if let Some(dom) = self.collector.domain_mut(idx) {
                        if let Some(source_idx) = source_idx {
                            dom.left = Some((source_idx, now_ms));
                        }
                        if dom.owner != dest_idx.unwrap_or(dom.owner) {
                            dom.moved_to = dest_idx;
                        }
                    }
                }
            }
        }
        Ok(outstanding.action)
    }

    fn mark_acted(&mut self, uuid: reunion_model::DomainUuid, now_ms: u64) {
        if let Some((idx, _)) = self.collector.domain_by_uuid(&uuid) {
            if let Some(dom) = self.collector.domain_mut(idx) {
                dom.last_action_ms = Some(now_ms);
            }
        }
    }

    /// The cluster-wide traffic table, largest first (computed on demand).
    pub fn traffic_table(&self) -> Vec<TrafficEdge> {
        traffic_table(&self.collector)
    }
}
