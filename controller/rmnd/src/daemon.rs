//! The daemon's decision thread: owns the engine, every host's state and the
//! actions in flight. All network I/O happens in other threads ([`crate::server`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crossbeam_channel::{select, tick, Receiver, Sender};
use reunion_model::{
    Action, ActionId, ActionKind, ActionOutcome, ActionResult, DomainState, HostReport,
};
use reunion_proto::{AgentMessage, Psk, RmnMessage};
use tracing::{debug, info, warn};

use crate::decision_log::DecisionLog;
use crate::engine::DecisionEngine;
use crate::metrics::Metrics;
use crate::rates::{host_rates, HostRates};
use crate::server::Inbound;
use crate::status::{ClusterStatus, DomainStatus, HostStatus, InFlightStatus};

/// Timing and mode of the decision thread.
#[derive(Debug, Clone)]
pub struct DaemonSettings {
    /// Decision round period.
    pub interval: Duration,
    /// Heartbeat period.
    pub heartbeat: Duration,
    /// A migration (or any action) unfinished after this long failed.
    pub action_timeout: Duration,
    /// A host silent for this long is no destination.
    pub stale_after: Duration,
    /// Never send an `Execute` (on top of the core's own dry run).
    pub dry_run: bool,
    /// Policy name, for `/status`.
    pub policy: String,
    /// Every configured host.
    pub hosts: Vec<String>,
}

#[derive(Debug, Default)]
struct HostState {
    conn: Option<(u64, Sender<RmnMessage>)>,
    last_report_ms: Option<u64>,
    last: Option<HostReport>,
    rates: Option<HostRates>,
    reports: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    /// The destination was told to expect the migration; the source gets its
    /// command once the destination confirms its channel is open.
    Arming(Psk),
    Sent,
    AwaitingDestination,
}

#[derive(Debug)]
struct Flight {
    action: Action,
    issued_ms: u64,
    phase: Phase,
}

/// How long a destination may take to open its migration channel.
const ARMING_TIMEOUT_MS: u64 = 30_000;

fn kind_label(action: &Action) -> &'static str {
    match action.kind {
        ActionKind::MemSet { .. } => "mem_set",
        ActionKind::Migrate { .. } => "migrate",
    }
}

fn describe(action: &Action) -> String {
    match &action.kind {
        ActionKind::MemSet {
            host,
            uuid,
            target_bytes,
            ..
        } => format!("mem-set {uuid} on {host} to {} MiB", target_bytes >> 20),
        ActionKind::Migrate {
            uuid,
            source,
            destination,
            ..
        } => format!("migrate {uuid} {source} -> {destination}"),
    }
}

/// The decision thread's state.
pub struct Daemon {
    engine: Box<dyn DecisionEngine>,
    log: DecisionLog,
    metrics: Arc<Metrics>,
    status: Arc<Mutex<ClusterStatus>>,
    settings: DaemonSettings,
    hosts: BTreeMap<String, HostState>,
    in_flight: BTreeMap<ActionId, Flight>,
    started: Instant,
    rounds: u64,
}

impl std::fmt::Debug for Daemon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Daemon")
            .field("settings", &self.settings)
            .field("rounds", &self.rounds)
            .finish_non_exhaustive()
    }
}

impl Daemon {
    /// A decision thread over `engine`.
    pub fn new(
        engine: Box<dyn DecisionEngine>,
        log: DecisionLog,
        metrics: Arc<Metrics>,
        status: Arc<Mutex<ClusterStatus>>,
        settings: DaemonSettings,
    ) -> Self {
        let hosts = settings
            .hosts
            .iter()
            .map(|h| (h.clone(), HostState::default()))
            .collect();
        let daemon = Daemon {
            engine,
            log,
            metrics,
            status,
            settings,
            hosts,
            in_flight: BTreeMap::new(),
            started: Instant::now(),
            rounds: 0,
        };
        // Publish before the HTTP side can answer, so `/status` lists every
        // configured host from the first request on, never an empty cluster.
        daemon.publish_status();
        daemon
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Runs until `stop` is set or the network side is gone.
    pub fn run(mut self, events: Receiver<Inbound>, stop: Arc<AtomicBool>) {
        let rounds = tick(self.settings.interval);
        let heartbeats = tick(self.settings.heartbeat);
        self.publish_status();
        while !stop.load(Ordering::Relaxed) {
            select! {
                recv(events) -> event => match event {
                    Ok(event) => self.on_event(event),
                    Err(_) => return,
                },
                recv(rounds) -> _ => self.round(),
                recv(heartbeats) -> _ => {
                    for state in self.hosts.values() {
                        if let Some((_, outbox)) = &state.conn {
                            let _ = outbox.send(RmnMessage::Heartbeat);
                        }
                    }
                }
                default(Duration::from_millis(200)) => {}
            }
        }
    }

    fn on_event(&mut self, event: Inbound) {
        match event {
            Inbound::Connected { host, conn, outbox } => {
                let state = self.hosts.entry(host.clone()).or_default();
                if state.conn.is_some() {
                    info!(%host, "agent reconnected; the old session is closed");
                }
                state.conn = Some((conn, outbox));
                self.metrics.set_connected(&host, true);
                self.publish_status();
            }
            Inbound::Disconnected { host, conn, reason } => {
                if let Some(state) = self.hosts.get_mut(&host) {
                    if state.conn.as_ref().is_some_and(|(c, _)| *c == conn) {
                        state.conn = None;
                        warn!(%host, "agent disconnected: {reason}");
                        self.metrics.set_connected(&host, false);
                        self.publish_status();
                    }
                }
            }
            Inbound::Message {
                host,
                conn,
                message,
            } => {
                let current = self
                    .hosts
                    .get(&host)
                    .and_then(|s| s.conn.as_ref())
                    .is_some_and(|(c, _)| *c == conn);
                if !current {
                    debug!(%host, conn, "message from a replaced session ignored");
                    return;
                }
                self.on_message(&host, message);
            }
        }
    }

    fn on_message(&mut self, host: &str, message: AgentMessage) {
        let now = self.now_ms();
        match message {
            AgentMessage::Heartbeat => {}
            AgentMessage::Report(report) => self.on_report(host, now, report),
            AgentMessage::Result(result) => self.on_result(host, now, result),
            AgentMessage::MigrationArmed { id, error } => self.on_armed(host, now, id, error),
        }
    }

    fn on_armed(&mut self, host: &str, now: u64, id: ActionId, error: Option<String>) {
        let Some(flight) = self.in_flight.get_mut(&id) else {
            debug!(%host, %id, "armed answer for an action no longer in flight");
            return;
        };
        let (ActionKind::Migrate { destination, .. }, Phase::Arming(ticket)) =
            (&flight.action.kind, &flight.phase)
        else {
            warn!(%host, %id, "unexpected migration-armed answer; ignored");
            return;
        };
        if destination.as_str() != host {
            warn!(%host, %id, "migration-armed answer from a host that is not the destination");
            self.metrics.rejected("wrong_host");
            return;
        }
        if let Some(error) = error {
            warn!(%host, %id, "destination could not arm the migration: {error}");
            self.finish(
                id,
                now,
                "failed",
                ActionOutcome::Failed {
                    stderr: format!("destination {host}: {error}"),
                },
            );
            return;
        }
        let ticket = *ticket.as_bytes();
        let source = flight.action.kind.executing_host().as_str().to_string();
        let action = flight.action.clone();
        let Some(outbox) = self.outbox(&source) else {
            self.finish(
                id,
                now,
                "undeliverable",
                ActionOutcome::Failed {
                    stderr: format!("agent of {source} disconnected before the migration started"),
                },
            );
            return;
        };
        info!(%id, "destination ready; sending: {}", describe(&action));
        if let Some(flight) = self.in_flight.get_mut(&id) {
            flight.phase = Phase::Sent;
        }
        let _ = outbox.send(RmnMessage::execute(action, Some(ticket), false));
    }

    fn on_report(&mut self, host: &str, now: u64, report: HostReport) {
        if report.host.as_str() != host {
            warn!(%host, claimed = %report.host, "report for another host refused");
            self.metrics.rejected("wrong_host");
            return;
        }
        self.metrics.report_received();
        if let Err(e) = self.engine.ingest(now, report.clone()) {
            warn!(%host, "report refused by the RMN core: {e}");
            return;
        }
        // A migrated domain is done when its destination reports it running.
        let arrived: Vec<ActionId> = self
            .in_flight
            .iter()
            .filter(|(_, f)| f.phase == Phase::AwaitingDestination)
            .filter(|(_, f)| match &f.action.kind {
                ActionKind::Migrate {
                    uuid, destination, ..
                } => {
                    destination.as_str() == host
                        && report
                            .domains
                            .iter()
                            .any(|d| d.uuid == *uuid && d.state == DomainState::Running)
                }
                ActionKind::MemSet { .. } => false,
            })
            .map(|(id, _)| *id)
            .collect();
        for id in arrived {
            info!(%id, %host, "migrated domain runs on its destination");
            self.finish(id, now, "ok", ActionOutcome::Ok);
        }
        let state = self.hosts.entry(host.to_string()).or_default();
        if let Some(previous) = &state.last {
            state.rates = host_rates(previous, &report);
        }
        state.last = Some(report);
        state.last_report_ms = Some(now);
        state.reports += 1;
    }

    fn on_result(&mut self, host: &str, now: u64, result: ActionResult) {
        let Some(flight) = self.in_flight.get_mut(&result.id) else {
            debug!(%host, id = %result.id, "result for an action no longer in flight");
            return;
        };
        if flight.action.kind.executing_host().as_str() != host {
            warn!(%host, id = %result.id, "result from a host that was not asked; ignored");
            self.metrics.rejected("wrong_host");
            return;
        }
        match (&result.outcome, &flight.action.kind) {
            (ActionOutcome::Ok, ActionKind::Migrate { .. }) => {
                info!(id = %result.id, "xl migrate finished; waiting for the destination's report");
                flight.phase = Phase::AwaitingDestination;
            }
            (ActionOutcome::Ok, ActionKind::MemSet { .. }) => {
                self.finish(result.id, now, "ok", result.outcome);
            }
            (ActionOutcome::Failed { stderr }, _) => {
                warn!(id = %result.id, %host, "action failed: {stderr}");
                self.finish(result.id, now, "failed", result.outcome);
            }
        }
    }

    fn finish(&mut self, id: ActionId, now: u64, label: &str, outcome: ActionOutcome) {
        let Some(flight) = self.in_flight.remove(&id) else {
            return;
        };
        self.metrics
            .action_finished(kind_label(&flight.action), label);
        self.metrics.set_in_flight(self.in_flight.len());
        if let Err(e) = self
            .engine
            .action_result(now, &ActionResult { id, outcome })
        {
            debug!(%id, "RMN core: {e}");
        }
    }

    fn fresh(&self, host: &str, now: u64) -> bool {
        self.hosts.get(host).is_some_and(|s| {
            s.conn.is_some()
                && s.last_report_ms.is_some_and(|t| {
                    now.saturating_sub(t) <= self.settings.stale_after.as_millis() as u64
                })
        })
    }

    fn outbox(&self, host: &str) -> Option<Sender<RmnMessage>> {
        self.hosts
            .get(host)
            .and_then(|s| s.conn.as_ref())
            .map(|(_, o)| o.clone())
    }

    fn round(&mut self) {
        let started = Instant::now();
        let now = self.now_ms();
        let round = self.engine.decide(now);
        self.rounds += 1;
        let mut hotspots = Vec::new();
        for record in &round.records {
            if let Err(e) = self.log.append(record) {
                warn!("{e}");
            }
            for evidence in record.hotspot.resources.iter().filter(|r| r.overloaded) {
                hotspots.push((
                    record.hotspot.host.to_string(),
                    evidence.resource.to_string(),
                ));
            }
        }
        self.metrics.set_hotspots(&hotspots);
        for action in round.actions {
            self.dispatch(action, now);
        }
        let timeout = self.settings.action_timeout.as_millis() as u64;
        let expired: Vec<ActionId> = self
            .in_flight
            .iter()
            .filter(|(_, f)| {
                let age = now.saturating_sub(f.issued_ms);
                age > timeout || (matches!(f.phase, Phase::Arming(_)) && age > ARMING_TIMEOUT_MS)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            warn!(%id, "action timed out");
            self.finish(
                id,
                now,
                "timeout",
                ActionOutcome::Failed {
                    stderr:
                        "timed out: no result, or the destination never reported the domain running"
                            .into(),
                },
            );
        }
        self.metrics.set_hosts(
            self.hosts
                .iter()
                .filter_map(|(host, state)| state.rates.clone().map(|r| (host.clone(), r)))
                .collect(),
        );
        self.metrics.round_done(started.elapsed().as_secs_f64());
        self.publish_status();
    }

    /// Records an action that could not be sent as failed at once, through
    /// the same path as a reported failure, so the engine hears of it.
    fn fail_undeliverable(&mut self, action: Action, now: u64, stderr: String) {
        let id = action.id;
        self.in_flight.insert(
            id,
            Flight {
                action,
                issued_ms: now,
                phase: Phase::Sent,
            },
        );
        self.finish(id, now, "undeliverable", ActionOutcome::Failed { stderr });
    }

    fn dispatch(&mut self, action: Action, now: u64) {
        let kind = kind_label(&action);
        if self.settings.dry_run {
            info!(id = %action.id, "dry run: would {}", describe(&action));
            return;
        }
        let executing = action.kind.executing_host().as_str().to_string();
        let Some(source) = self.outbox(&executing) else {
            warn!(id = %action.id, host = %executing, "agent not connected; action not sent");
            self.fail_undeliverable(action, now, format!("agent of {executing} not connected"));
            return;
        };
        if let ActionKind::Migrate {
            uuid,
            source: from,
            destination,
            ..
        } = &action.kind
        {
            let destination_outbox = self
                .outbox(destination.as_str())
                .filter(|_| self.fresh(destination.as_str(), now));
            let key = reunion_proto::keys::random_bytes();
            let (Some(destination_outbox), Ok(key)) = (destination_outbox, key) else {
                warn!(id = %action.id, %destination, "destination not reporting; migration not sent");
                let stderr = format!("destination {destination} is not reporting");
                self.fail_undeliverable(action.clone(), now, stderr);
                return;
            };
            info!(id = %action.id, %destination, "asking the destination to expect: {}", describe(&action));
            let _ = destination_outbox.send(RmnMessage::ExpectMigration {
                id: action.id,
                uuid: *uuid,
                source: from.clone(),
                ticket: key,
                timeout_ms: self.settings.action_timeout.as_millis() as u64,
            });
            self.metrics.action_sent(kind);
            self.in_flight.insert(
                action.id,
                Flight {
                    action,
                    issued_ms: now,
                    phase: Phase::Arming(Psk::from_bytes(key)),
                },
            );
            self.metrics.set_in_flight(self.in_flight.len());
            return;
        }
        info!(id = %action.id, "sending: {}", describe(&action));
        let _ = source.send(RmnMessage::execute(action.clone(), None, false));
        self.metrics.action_sent(kind);
        self.in_flight.insert(
            action.id,
            Flight {
                action,
                issued_ms: now,
                phase: Phase::Sent,
            },
        );
        self.metrics.set_in_flight(self.in_flight.len());
    }

    fn publish_status(&self) {
        let now = self.now_ms();
        let mut status = ClusterStatus {
            now_ms: now,
            rounds: self.rounds,
            dry_run: self.settings.dry_run,
            policy: self.settings.policy.clone(),
            ..ClusterStatus::default()
        };
        for (host, state) in &self.hosts {
            status.hosts.push(HostStatus {
                host: host.clone(),
                connected: state.conn.is_some(),
                report_age_s: state
                    .last_report_ms
                    .map(|t| now.saturating_sub(t) as f64 / 1000.0),
                reports: state.reports,
                domains: state.last.as_ref().map_or(0, |r| r.domains.len()),
                cpu: state.rates.as_ref().map(|r| r.cpu),
                mem: state.rates.as_ref().map(|r| r.mem),
                nic: state.rates.as_ref().map(|r| r.nic),
                migration_in_flight: state.last.as_ref().is_some_and(|r| r.migration_in_flight),
            });
            for dom in state.rates.iter().flat_map(|r| &r.domains) {
                status.domains.push(DomainStatus {
                    uuid: dom.uuid.clone(),
                    name: dom.name.clone(),
                    host: host.clone(),
                    cpu: dom.cpu,
                    idc_tx: dom.traffic[0],
                    idc_rx: dom.traffic[1],
                    nic_tx: dom.traffic[2],
                    nic_rx: dom.traffic[3],
                    top_peers: dom.peers.iter().take(3).cloned().collect(),
                });
            }
        }
        for (id, flight) in &self.in_flight {
            status.in_flight.push(InFlightStatus {
                id: id.0,
                what: describe(&flight.action),
                age_s: now.saturating_sub(flight.issued_ms) as f64 / 1000.0,
                phase: match flight.phase {
                    Phase::Arming(_) => "arming-destination".into(),
                    Phase::Sent => "sent".into(),
                    Phase::AwaitingDestination => "awaiting-destination".into(),
                },
            });
        }
        *self.status.lock().unwrap_or_else(PoisonError::into_inner) = status;
    }
}
