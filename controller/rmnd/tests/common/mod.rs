//! Shared fixtures: a scripted decision engine, a daemon on loopback, and
//! agents with fake Xen and idcstat adapters.
#![allow(dead_code)] // Each test file uses a different subset.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use reunion_agent::agent::{Agent, RmnLink};
use reunion_agent::executor::Executor;
use reunion_agent::fake::{FakeHost, FakeHypervisor, FakeIdcstat, FakeXenstore, SharedWorld};
use reunion_agent::hypervisor::{HostInfo, XenDomain};
use reunion_agent::migration::MigrationReceiver;
use reunion_agent::profiler::{Profiler, ProfilerSettings};
use reunion_model::{
    Action, ActionResult, DomId, DomainState, DomainUuid, HostId, HostReport, RmnConfig,
};
use reunion_proto::{Psk, SessionOptions};
use reunion_rmnd::{DecisionEngine, EngineRound, RmndConfig, RunningDaemon};

/// When a planned action becomes due.
pub type Due = fn(&EngineLog) -> bool;

/// What the scripted engine saw, shared with the test.
#[derive(Debug, Default)]
pub struct EngineLog {
    /// Actions to emit at the next round whose predicate holds.
    pub planned: Vec<(Action, Due)>,
    /// Every ingested report.
    pub reports: Vec<HostReport>,
    /// Every result.
    pub results: Vec<ActionResult>,
    /// Rounds run.
    pub rounds: u64,
}

/// An engine that emits planned actions once their predicate holds.
#[derive(Debug, Clone, Default)]
pub struct ScriptedEngine(pub Arc<Mutex<EngineLog>>);

impl ScriptedEngine {
    pub fn log(&self) -> std::sync::MutexGuard<'_, EngineLog> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl DecisionEngine for ScriptedEngine {
    fn ingest(&mut self, _now_ms: u64, report: HostReport) -> Result<(), String> {
        report.validate().map_err(|e| e.to_string())?;
        self.log().reports.push(report);
        Ok(())
    }
    fn decide(&mut self, _now_ms: u64) -> EngineRound {
        let mut log = self.log();
        log.rounds += 1;
        let planned = std::mem::take(&mut log.planned);
        let (ready, waiting): (Vec<_>, Vec<_>) = planned.into_iter().partition(|(_, p)| p(&log));
        log.planned = waiting;
        EngineRound {
            round: log.rounds,
            actions: ready.into_iter().map(|(a, _)| a).collect(),
            records: Vec::new(),
        }
    }
    fn action_result(&mut self, _now_ms: u64, result: &ActionResult) -> Result<(), String> {
        self.log().results.push(result.clone());
        Ok(())
    }
}

pub fn key_of(host: &str) -> Psk {
    let mut bytes = [0u8; 32];
    for (i, b) in host.bytes().enumerate() {
        bytes[i % 32] ^= b;
    }
    bytes[31] = 0x5a;
    Psk::from_bytes(bytes)
}

pub fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("reunion-rmnd-test-{}-{name}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir.join("decisions.jsonl")
}

/// Starts a daemon on loopback with 1 s rounds for `hosts`.
pub fn start_rmn(
    hosts: &[&str],
    engine: ScriptedEngine,
    dry_run: bool,
    port: u16,
    name: &str,
) -> RunningDaemon {
    let rmn = RmnConfig {
        interval_s: 1,
        dry_run,
        ..RmnConfig::default()
    };
    start_rmn_with(hosts, Box::new(engine), rmn, port, name)
}

/// Starts a daemon with any engine and RMN configuration.
pub fn start_rmn_with(
    hosts: &[&str],
    engine: Box<dyn DecisionEngine>,
    rmn: RmnConfig,
    port: u16,
    name: &str,
) -> RunningDaemon {
    let config = RmndConfig {
        listen: ([127, 0, 0, 1], port).into(),
        metrics_listen: ([127, 0, 0, 1], 0).into(),
        decision_log: temp_path(name),
        agents: hosts
            .iter()
            .map(|h| (h.to_string(), PathBuf::from("unused")))
            .collect(),
        heartbeat_s: 1,
        migration_timeout_s: 30,
        max_frame_bytes: 1 << 20,
        rmn,
    };
    let keys: BTreeMap<String, Psk> = hosts.iter().map(|h| (h.to_string(), key_of(h))).collect();
    reunion_rmnd::start(&config, keys, engine).expect("daemon starts")
}

pub fn domain(uuid: u128, domid: u32, name: &str) -> XenDomain {
    XenDomain {
        uuid: DomainUuid::from_u128(uuid),
        name: name.into(),
        domid: DomId(domid),
        state: DomainState::Running,
        cpu_time_ns: 0,
        mem_bytes: 256 << 20,
    }
}

pub fn world(hosts: &[(&str, Vec<XenDomain>)]) -> SharedWorld {
    let world = SharedWorld::default();
    {
        let mut w = reunion_agent::fake::lock_world(&world);
        for (name, domains) in hosts {
            w.hosts.insert(
                name.to_string(),
                FakeHost {
                    info: HostInfo {
                        physical_cpus: 2,
                        mem_total_bytes: 4 << 30,
                        mem_free_bytes: 2 << 30,
                    },
                    domains: domains.clone(),
                    migrate_failure: None,
                },
            );
        }
    }
    world
}

/// A running fake agent.
pub struct AgentHandle {
    pub stop: Arc<AtomicBool>,
    pub thread: JoinHandle<()>,
}

impl AgentHandle {
    pub fn stop(self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = self.thread.join();
    }
}

pub fn start_agent(
    world: &SharedWorld,
    host: &str,
    rmn: std::net::SocketAddr,
    peers: &[&str],
) -> AgentHandle {
    start_agent_listening(world, host, rmn, peers, ([127, 0, 0, 1], 0).into())
}

/// An agent whose migration channel listens on `migration_listen`.
pub fn start_agent_listening(
    world: &SharedWorld,
    host: &str,
    rmn: std::net::SocketAddr,
    peers: &[&str],
    migration_listen: std::net::SocketAddr,
) -> AgentHandle {
    let hypervisor = Arc::new(FakeHypervisor {
        world: world.clone(),
        host: host.to_string(),
    });
    let profiler = Profiler::new(
        ProfilerSettings {
            host: HostId::new(host),
            nic_bandwidth_bps: 1_000_000_000,
            interval_ms: 200,
            swap_vdev: "xvdb".into(),
            cluster_prefixes: Vec::new(),
            uplinks: Vec::new(),
            generation_base: 1,
        },
        hypervisor.clone(),
        Arc::new(FakeXenstore),
        Box::new(FakeIdcstat::default()),
    );
    let executor = Executor::new(
        HostId::new(host),
        hypervisor,
        peers
            .iter()
            .map(|p| (p.to_string(), "127.0.0.1:1".to_string()))
            .collect(),
    );
    let receiver = MigrationReceiver::new(migration_listen, vec!["cat".into()]);
    let agent = Agent::new(
        RmnLink {
            address: rmn.to_string(),
            identity: host.to_string(),
            key: key_of(host),
            interval: Duration::from_millis(200),
            heartbeat: Duration::from_millis(500),
            max_backoff: Duration::from_millis(500),
            session: SessionOptions {
                idle_timeout: Some(Duration::from_secs(10)),
                ..SessionOptions::default()
            },
        },
        profiler,
        executor,
        receiver,
    );
    let stop = agent.stop_flag();
    let thread = thread::spawn(move || agent.run());
    AgentHandle { stop, thread }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
pub fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if condition() {
            return true;
        }
        thread::sleep(Duration::from_millis(50));
    }
    condition()
}

pub fn status(daemon: &RunningDaemon) -> reunion_rmnd::status::ClusterStatus {
    let body = reunion_rmnd::http::get(
        &daemon.http_address.to_string(),
        "/status",
        Duration::from_secs(2),
    )
    .expect("status");
    serde_json::from_str(&body).expect("status JSON")
}

pub fn reports_from(engine: &ScriptedEngine, host: &str) -> usize {
    engine
        .log()
        .reports
        .iter()
        .filter(|r| r.host.as_str() == host)
        .count()
}
