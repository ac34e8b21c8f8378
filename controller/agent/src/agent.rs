//! The agent's main loop: connect to the RMN, report every interval, execute
//! commands, reconnect with backoff.
//!
//! Measuring runs on its own thread: on a saturated host one measurement
//! (`xl list`, xenstore, libxenstat, the module's dump) can take longer than the
//! RMN's idle timeout, and the session must keep its heartbeats meanwhile.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, select, tick, unbounded, Receiver, Sender, TrySendError};
use reunion_model::HostReport;
use reunion_proto::{AgentMessage, Psk, RmnMessage, Session, SessionOptions};
use tracing::{debug, error, info, warn};

use crate::executor::Executor;
use crate::migration::MigrationReceiver;
use crate::profiler::Profiler;

/// Results kept while disconnected; older ones are dropped with a warning.
const MAX_PENDING: usize = 1024;

/// How the agent reaches the RMN.
#[derive(Debug, Clone)]
pub struct RmnLink {
    /// `host:port`.
    pub address: String,
    /// This host's identity.
    pub identity: String,
    /// Its key.
    pub key: Psk,
    /// Report interval.
    pub interval: Duration,
    /// Heartbeat period (when there is nothing else to send).
    pub heartbeat: Duration,
    /// Longest wait between reconnection attempts.
    pub max_backoff: Duration,
    /// Session limits.
    pub session: SessionOptions,
}

enum Event {
    FromRmn(u64, RmnMessage),
    Lost(u64, String),
    Outgoing(AgentMessage),
    /// A report from the measuring thread.
    Measured(HostReport),
}

/// The running agent.
pub struct Agent {
    link: RmnLink,
    /// Moved to the measuring thread by [`Agent::run`].
    profiler: Option<Profiler>,
    executor: Executor,
    receiver: MigrationReceiver,
    stop: Arc<AtomicBool>,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("rmn", &self.link.address)
            .field("identity", &self.link.identity)
            .finish_non_exhaustive()
    }
}

impl Agent {
    /// Assembles an agent.
    pub fn new(
        link: RmnLink,
        profiler: Profiler,
        executor: Executor,
        receiver: MigrationReceiver,
    ) -> Self {
        Agent {
            link,
            profiler: Some(profiler),
            executor,
            receiver,
            stop: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A flag that makes [`Agent::run`] return when set.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Sleeps up to `duration`, waking early when stopped.
    fn nap(&self, duration: Duration) {
        let end = Instant::now() + duration;
        while !self.stopped() && Instant::now() < end {
            thread::sleep(Duration::from_millis(50).min(end - Instant::now()));
        }
    }

    /// Runs until the stop flag is set. Never gives up on the RMN.
    pub fn run(mut self) {
        let (events_tx, events_rx) = unbounded::<Event>();
        let Some(measure) = self
            .profiler
            .take()
            .and_then(|p| spawn_measuring(p, &events_tx))
        else {
            return;
        };
        let mut pending: VecDeque<AgentMessage> = VecDeque::new();
        let mut backoff = Duration::from_millis(500);
        let mut connection = 0u64;
        while !self.stopped() {
            let session = match reunion_proto::connect(
                self.link.address.as_str(),
                "rmn",
                &self.link.identity,
                &self.link.key,
                &self.link.session,
            ) {
                Ok(session) => session,
                Err(e) => {
                    warn!(rmn = %self.link.address, "cannot connect to the RMN (retry in {backoff:?}): {e}");
                    self.nap(backoff);
                    backoff = (backoff * 2).min(self.link.max_backoff);
                    continue;
                }
            };
            backoff = Duration::from_millis(500);
            connection += 1;
            info!(rmn = %self.link.address, "connected to the RMN");
            let reason = self.serve(
                session,
                connection,
                (&events_tx, &events_rx),
                &measure,
                &mut pending,
            );
            warn!(rmn = %self.link.address, "lost the RMN: {reason}");
        }
    }

    /// Serves one session until it breaks; returns why.
    fn serve(
        &mut self,
        session: Session,
        connection: u64,
        (events_tx, events_rx): (&Sender<Event>, &Receiver<Event>),
        measure: &Sender<bool>,
        pending: &mut VecDeque<AgentMessage>,
    ) -> String {
        let Session {
            mut reader,
            mut writer,
            ..
        } = session;
        let shutdown = match writer.get_ref().try_clone() {
            Ok(s) => s,
            Err(e) => return e.to_string(),
        };
        let tx = events_tx.clone();
        let spawned = thread::Builder::new()
            .name("rmn-reader".into())
            .spawn(move || loop {
                match reader.recv::<RmnMessage>() {
                    Ok(message) => {
                        if tx.send(Event::FromRmn(connection, message)).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Event::Lost(connection, e.to_string()));
                        return;
                    }
                }
            });
        if let Err(e) = spawned {
            return format!("cannot start reader thread: {e}");
        }
        let close = || {
            let _ = shutdown.shutdown(std::net::Shutdown::Both);
        };
        while let Some(message) = pending.pop_front() {
            if let Err(e) = writer.send(&message) {
                pending.push_front(message);
                close();
                return e.to_string();
            }
        }
        let reports = tick(self.link.interval);
        let heartbeats = tick(self.link.heartbeat);
        // Report at once, so a (re)started RMN rebuilds its view without waiting.
        let mut report_now = true;
        loop {
            if self.stopped() {
                close();
                return "stopping".into();
            }
            if report_now {
                report_now = false;
                let in_flight = self.executor.migrations_in_flight() > 0 || self.receiver.busy();
                match measure.try_send(in_flight) {
                    // Full: a request is queued already; its report answers this one too.
                    Ok(()) | Err(TrySendError::Full(_)) => {}
                    Err(TrySendError::Disconnected(_)) => {
                        close();
                        return "the measuring thread stopped".into();
                    }
                }
            }
            select! {
                recv(events_rx) -> event => match event {
                    Ok(Event::Measured(report)) => {
                        if let Err(e) = writer.send(&AgentMessage::Report(report)) {
                            close();
                            return e.to_string();
                        }
                    }
                    Ok(Event::FromRmn(conn, message)) if conn == connection => {
                        self.handle(message, events_tx);
                    }
                    Ok(Event::Lost(conn, reason)) if conn == connection => {
                        close();
                        return reason;
                    }
                    Ok(Event::Outgoing(message)) => {
                        if let Err(e) = writer.send(&message) {
                            if pending.len() >= MAX_PENDING {
                                warn!("dropping the oldest undelivered message: too many pending");
                                pending.pop_front();
                            }
                            pending.push_back(message);
                            close();
                            return e.to_string();
                        }
                    }
                    Ok(_) => debug!("event from an old connection ignored"),
                    Err(_) => return "event channel closed".into(),
                },
                recv(reports) -> _ => report_now = true,
                recv(heartbeats) -> _ => {
                    if let Err(e) = writer.send(&AgentMessage::Heartbeat) {
                        close();
                        return e.to_string();
                    }
                }
                default(Duration::from_millis(200)) => {}
            }
        }
    }

    fn handle(&self, message: RmnMessage, events_tx: &Sender<Event>) {
        match message {
            RmnMessage::Heartbeat => {}
            RmnMessage::Execute {
                action,
                ticket,
                dry_run,
            } => {
                let executor = self.executor.clone();
                let tx = events_tx.clone();
                // Commands may take minutes (migration): one worker thread each.
                let spawned = thread::Builder::new()
                    .name(format!("action-{}", action.id))
                    .spawn(move || {
                        let result = executor.execute(&action, ticket, dry_run);
                        match &result.outcome {
                            reunion_model::ActionOutcome::Ok => {
                                info!(id = %result.id, "action done")
                            }
                            reunion_model::ActionOutcome::Failed { stderr } => {
                                warn!(id = %result.id, "action failed: {stderr}")
                            }
                        }
                        let _ = tx.send(Event::Outgoing(AgentMessage::result(result)));
                    });
                if let Err(e) = spawned {
                    warn!("cannot start an action thread: {e}");
                }
            }
            RmnMessage::ExpectMigration {
                id,
                uuid,
                source,
                ticket,
                timeout_ms,
            } => {
                info!(%id, %uuid, %source, "expecting an incoming migration");
                let error = self
                    .receiver
                    .arm(id, uuid, ticket, Duration::from_millis(timeout_ms))
                    .err()
                    .map(|e| e.to_string());
                let _ = events_tx.send(Event::Outgoing(AgentMessage::MigrationArmed { id, error }));
            }
        }
    }
}

/// Starts the measuring thread: every `bool` sent to the returned channel (whether
/// a migration runs) asks for one measurement, whose report comes back as
/// [`Event::Measured`]. At most one request waits while a measurement runs. The
/// thread ends when the channel's sender is dropped.
fn spawn_measuring(mut profiler: Profiler, events: &Sender<Event>) -> Option<Sender<bool>> {
    let (requests, incoming) = bounded::<bool>(1);
    let events = events.clone();
    let spawned = thread::Builder::new()
        .name("profiler".into())
        .spawn(move || {
            for in_flight in incoming {
                match profiler.measure(in_flight) {
                    Ok(report) => {
                        if events.send(Event::Measured(report)).is_err() {
                            return;
                        }
                    }
                    Err(e) => warn!("measurement failed, no report this interval: {e}"),
                }
            }
        });
    match spawned {
        Ok(_) => Some(requests),
        Err(e) => {
            error!("cannot start the measuring thread, the agent stops: {e}");
            None
        }
    }
}
