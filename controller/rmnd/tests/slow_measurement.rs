//! A measurement slower than the RMN's idle timeout does not cost the session.
//!
//! On a saturated testbed host one measurement (`xl list`, xenstore, libxenstat,
//! the module's dump) took longer than the RMN's idle timeout; while it ran the
//! agent sent no heartbeats, the RMN closed the session and the report measured
//! meanwhile was lost. The agent measures on its own thread now.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::*;
use reunion_agent::agent::{Agent, RmnLink};
use reunion_agent::executor::Executor;
use reunion_agent::fake::{FakeHypervisor, FakeIdcstat, FakeXenstore};
use reunion_agent::hypervisor::{HostInfo, Hypervisor, MigrationTarget, XenDomain};
use reunion_agent::migration::MigrationReceiver;
use reunion_agent::profiler::{Profiler, ProfilerSettings};
use reunion_agent::AgentError;
use reunion_model::{DomId, HostId};
use reunion_proto::SessionOptions;

/// The daemon's idle timeout with `heartbeat_s = 1` (tests/common) is 4 × 1 + 5 s.
const RMN_IDLE_TIMEOUT: Duration = Duration::from_secs(9);

/// A fake hypervisor whose first `host_info` (the start of the first
/// measurement) outlasts the RMN's idle timeout.
struct SlowFirstMeasurement {
    inner: FakeHypervisor,
    calls: AtomicUsize,
}

impl Hypervisor for SlowFirstMeasurement {
    fn host_info(&self) -> Result<HostInfo, AgentError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            thread::sleep(RMN_IDLE_TIMEOUT + Duration::from_secs(2));
        }
        self.inner.host_info()
    }
    fn domains(&self) -> Result<Vec<XenDomain>, AgentError> {
        self.inner.domains()
    }
    fn max_mem_bytes(&self, domid: DomId) -> Result<u64, AgentError> {
        self.inner.max_mem_bytes(domid)
    }
    fn mem_set(&self, domid: DomId, target_bytes: u64) -> Result<(), AgentError> {
        self.inner.mem_set(domid, target_bytes)
    }
    fn migrate(&self, domid: DomId, target: &MigrationTarget) -> Result<(), AgentError> {
        self.inner.migrate(domid, target)
    }
    fn migrate_receive_argv(&self) -> Vec<String> {
        self.inner.migrate_receive_argv()
    }
}

#[test]
fn a_measurement_longer_than_the_idle_timeout_keeps_the_session_and_its_report() {
    let world = world(&[("xen-a", vec![domain(1, 5, "web")])]);
    let engine = ScriptedEngine::default();
    let rmn = start_rmn(&["xen-a"], engine.clone(), false, 0, "slow-measure");
    let hypervisor = Arc::new(SlowFirstMeasurement {
        inner: FakeHypervisor {
            world: world.clone(),
            host: "xen-a".into(),
        },
        calls: AtomicUsize::new(0),
    });
    let profiler = Profiler::new(
        ProfilerSettings {
            host: HostId::new("xen-a"),
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
    let executor = Executor::new(HostId::new("xen-a"), hypervisor.clone(), Default::default());
    let receiver = MigrationReceiver::new(([127, 0, 0, 1], 0).into(), vec!["cat".into()]);
    let agent = Agent::new(
        RmnLink {
            address: rmn.agent_address.to_string(),
            identity: "xen-a".into(),
            key: key_of("xen-a"),
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

    assert!(
        wait_until(RMN_IDLE_TIMEOUT * 3, || reports_from(&engine, "xen-a") >= 3),
        "no reports after the slow measurement"
    );
    // The report measured during the long first measurement reached the RMN: the
    // session it was meant for stayed up (a dropped session loses it, and the next
    // session starts with report 2).
    let first = engine
        .log()
        .reports
        .iter()
        .find(|r| r.host.as_str() == "xen-a")
        .map(|r| r.seq);
    assert_eq!(first, Some(1), "the first report was lost with its session");
    assert!(status(&rmn).hosts[0].connected);

    stop.store(true, Ordering::Relaxed);
    let _ = thread.join();
    rmn.shutdown();
}
