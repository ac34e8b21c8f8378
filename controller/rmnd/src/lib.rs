//! The RMN daemon: drives the RMN core, talks to agents, logs decisions, exports metrics.
//!
//! Threads: one accept loop and two threads per agent session ([`server`]),
//! one HTTP responder ([`http`]), and one decision thread ([`daemon`]) that
//! owns all state and the engine, fed through a crossbeam channel. Nothing but
//! the decision thread touches the engine, so it needs no lock.

pub mod config;
pub mod core_engine;
pub mod daemon;
pub mod decision_log;
pub mod engine;
pub mod error;
pub mod exposition;
pub mod http;
pub mod metrics;
pub mod rates;
pub mod server;
pub mod status;

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

pub use config::RmndConfig;
pub use engine::{DecisionEngine, EngineRound};
pub use error::RmndError;

use reunion_proto::{Psk, SessionOptions};

/// A started daemon.
#[derive(Debug)]
pub struct RunningDaemon {
    /// Where agents connect (useful with port 0 in tests).
    pub agent_address: SocketAddr,
    /// Where `/metrics` and `/status` are served.
    pub http_address: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl RunningDaemon {
    /// Stops every thread and waits for them.
    pub fn shutdown(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for handle in self.threads.drain(..) {
            let _ = handle.join();
        }
    }

    /// Waits until the daemon stops (never, unless the stop flag is set).
    pub fn wait(mut self) {
        for handle in self.threads.drain(..) {
            let _ = handle.join();
        }
    }

    /// The stop flag (set it from a signal handler).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }
}

/// Binds the listeners and starts the daemon's threads.
pub fn start(
    config: &RmndConfig,
    keys: BTreeMap<String, Psk>,
    engine: Box<dyn DecisionEngine>,
) -> Result<RunningDaemon, RmndError> {
    let listen = |address: SocketAddr| {
        TcpListener::bind(address).map_err(|source| RmndError::Listen {
            address: address.to_string(),
            source,
        })
    };
    let agents = listen(config.listen)?;
    let http = listen(config.metrics_listen)?;
    let agent_address = agents.local_addr().map_err(|source| RmndError::Listen {
        address: config.listen.to_string(),
        source,
    })?;
    let http_address = http.local_addr().map_err(|source| RmndError::Listen {
        address: config.metrics_listen.to_string(),
        source,
    })?;
    let log = decision_log::DecisionLog::open(&config.decision_log)?;
    let metrics = Arc::new(metrics::Metrics::new());
    for host in keys.keys() {
        metrics.set_connected(host, false);
    }
    let status = Arc::new(Mutex::new(status::ClusterStatus::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let interval = Duration::from_secs(config.rmn.interval_s);
    let settings = daemon::DaemonSettings {
        interval,
        heartbeat: Duration::from_secs(config.heartbeat_s),
        action_timeout: Duration::from_secs(config.migration_timeout_s),
        stale_after: Duration::from_secs(config.rmn.stale_after_s),
        dry_run: config.rmn.dry_run,
        policy: config.rmn.policy.to_string(),
        hosts: keys.keys().cloned().collect(),
    };
    let options = SessionOptions {
        max_frame: config.max_frame_bytes,
        handshake_timeout: Duration::from_secs(5),
        idle_timeout: Some(Duration::from_secs(config.heartbeat_s * 4 + 5)),
    };
    let (events_tx, events_rx) = crossbeam_channel::unbounded();
    let daemon = daemon::Daemon::new(engine, log, metrics.clone(), status.clone(), settings);
    let mut threads = Vec::new();
    let spawn = |name: &str, f: Box<dyn FnOnce() + Send>| {
        thread::Builder::new()
            .name(name.into())
            .spawn(f)
            .map_err(|source| RmndError::Listen {
                address: name.to_string(),
                source,
            })
    };
    {
        let stop = stop.clone();
        threads.push(spawn(
            "decide",
            Box::new(move || daemon.run(events_rx, stop)),
        )?);
    }
    {
        let (keys, metrics, stop) = (Arc::new(keys), metrics.clone(), stop.clone());
        threads.push(spawn(
            "accept",
            Box::new(move || {
                if let Err(e) = server::serve(agents, keys, options, events_tx, metrics, stop) {
                    tracing::error!("agent listener failed: {e}");
                }
            }),
        )?);
    }
    {
        let stop = stop.clone();
        threads.push(spawn(
            "http",
            Box::new(move || {
                if let Err(e) = http::serve(http, metrics, status, stop) {
                    tracing::error!("http listener failed: {e}");
                }
            }),
        )?);
    }
    Ok(RunningDaemon {
        agent_address,
        http_address,
        stop,
        threads,
    })
}

/// Loads and validates a config file and its keys.
pub fn load(path: &Path) -> Result<(RmndConfig, BTreeMap<String, Psk>), RmndError> {
    let config = RmndConfig::load(path)?;
    let keys = config.load_keys(path)?;
    Ok((config, keys))
}
