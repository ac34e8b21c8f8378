//! A report's time is when its CPU times were read, not when the report was done.
//!
//! On a loaded testbed host the xenstore lookups for a new domain took seconds after
//! the CPU times were read; stamping the report afterwards shortened the gap to the
//! next (quick) report, and the RMN computed a burning guest at several hundred
//! percent CPU (an AR(1) prediction of 703 % for a one-CPU host).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use reunion_agent::fake::{lock_world, FakeHost, FakeHypervisor, FakeIdcstat, SharedWorld};
use reunion_agent::hypervisor::{HostInfo, XenDomain};
use reunion_agent::profiler::{Profiler, ProfilerSettings};
use reunion_agent::xenstore::Xenstore;
use reunion_agent::AgentError;
use reunion_model::{DomId, DomainState, DomainUuid, HostId};

/// An empty xenstore that is slow while `slow` is set (a loaded dom0).
struct SlowXenstore {
    slow: Arc<AtomicBool>,
}

impl SlowXenstore {
    fn pause(&self) {
        if self.slow.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(300));
        }
    }
}

impl Xenstore for SlowXenstore {
    fn read(&self, _path: &str) -> Result<Option<String>, AgentError> {
        self.pause();
        Ok(None)
    }
    fn list(&self, _path: &str) -> Result<Vec<String>, AgentError> {
        self.pause();
        Ok(Vec::new())
    }
}

#[test]
fn cpu_rate_between_a_slow_and_a_quick_report_is_the_burn_rate() {
    let uuid = DomainUuid::from_u128(5);
    let world = SharedWorld::default();
    {
        let mut w = lock_world(&world);
        w.hosts.insert(
            "xen-a".into(),
            FakeHost {
                info: HostInfo {
                    physical_cpus: 1,
                    mem_total_bytes: 2 << 30,
                    mem_free_bytes: 1 << 30,
                },
                domains: vec![XenDomain {
                    uuid,
                    name: "burner".into(),
                    domid: DomId(5),
                    state: DomainState::Running,
                    cpu_time_ns: 0,
                    mem_bytes: 256 << 20,
                }],
                migrate_failure: None,
            },
        );
        // One vCPU flat out: its CPU time grows by one second per second.
        w.busy_cpus.insert(uuid, 1.0);
    }
    let slow = Arc::new(AtomicBool::new(true));
    let mut profiler = Profiler::new(
        ProfilerSettings {
            host: HostId::new("xen-a"),
            nic_bandwidth_bps: 1_000_000_000,
            interval_ms: 1000,
            swap_vdev: "xvdb".into(),
            cluster_prefixes: Vec::new(),
            uplinks: Vec::new(),
            generation_base: 1,
        },
        Arc::new(FakeHypervisor {
            world: world.clone(),
            host: "xen-a".into(),
        }),
        Arc::new(SlowXenstore { slow: slow.clone() }),
        Box::new(FakeIdcstat::default()),
    );
    // First report: the domain is new, so its xenstore lookups (slow) follow the CPU read.
    let first = profiler.measure(false).expect("first report");
    slow.store(false, Ordering::SeqCst);
    // Second report at once: cached lookups, quick.
    let second = profiler.measure(false).expect("second report");
    let cpu = |r: &reunion_model::HostReport| {
        r.domains
            .iter()
            .find(|d| d.uuid == uuid)
            .map(|d| d.cpu_time_ns)
            .expect("the burner is reported")
    };
    let cpu_ns = cpu(&second).saturating_sub(cpu(&first)) as f64;
    let wall_ns = second.time_ms.saturating_sub(first.time_ms) as f64 * 1e6;
    // Millisecond stamps over a gap of a few ms: allow that rounding, nothing like the
    // 300 ms per lookup a late stamp leaves out.
    assert!(
        cpu_ns <= wall_ns + 2e6,
        "CPU time grew by {cpu_ns} ns in a report gap of {wall_ns} ns: the first report was stamped after its CPU read"
    );
}
