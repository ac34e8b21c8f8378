//! A domain being received (`xl migrate-receive`'s paused `NAME--incoming`) has
//! no maximum memory in xenstore yet: the destination keeps reporting.
//!
//! On the Xen testbed the destination agent dropped every report for the whole
//! migration ("measurement failed ... couldn't read path
//! /local/domain/N/memory/static-max"), so the RMN saw it stale.

use std::sync::Arc;

use reunion_agent::fake::{
    lock_world, FakeHost, FakeHypervisor, FakeIdcstat, FakeXenstore, SharedWorld,
};
use reunion_agent::hypervisor::{HostInfo, Hypervisor, MigrationTarget, XenDomain};
use reunion_agent::profiler::{Profiler, ProfilerSettings};
use reunion_agent::AgentError;
use reunion_model::{DomId, DomainState, DomainUuid, HostId};

const INCOMING: DomId = DomId(7);

/// The fake hypervisor, except that the incoming domain has no static-max yet.
struct Receiving(FakeHypervisor);

impl Hypervisor for Receiving {
    fn host_info(&self) -> Result<HostInfo, AgentError> {
        self.0.host_info()
    }
    fn domains(&self) -> Result<Vec<XenDomain>, AgentError> {
        self.0.domains()
    }
    fn max_mem_bytes(&self, domid: DomId) -> Result<u64, AgentError> {
        if domid == INCOMING {
            return Err(AgentError::Command {
                command: "xenstore-read /local/domain/7/memory/static-max".into(),
                reason: "couldn't read path".into(),
            });
        }
        self.0.max_mem_bytes(domid)
    }
    fn mem_set(&self, domid: DomId, target_bytes: u64) -> Result<(), AgentError> {
        self.0.mem_set(domid, target_bytes)
    }
    fn migrate(&self, domid: DomId, target: &MigrationTarget) -> Result<(), AgentError> {
        self.0.migrate(domid, target)
    }
    fn migrate_receive_argv(&self) -> Vec<String> {
        self.0.migrate_receive_argv()
    }
}

fn domain(domid: DomId, name: &str, state: DomainState, mem_bytes: u64) -> XenDomain {
    XenDomain {
        uuid: DomainUuid::from_u128(u128::from(domid.0)),
        name: name.into(),
        domid,
        state,
        cpu_time_ns: 0,
        mem_bytes,
    }
}

#[test]
fn a_domain_without_static_max_is_reported_with_its_current_memory() {
    let world = SharedWorld::default();
    lock_world(&world).hosts.insert(
        "xen-b".into(),
        FakeHost {
            info: HostInfo {
                physical_cpus: 1,
                mem_total_bytes: 2 << 30,
                mem_free_bytes: 1 << 30,
            },
            domains: vec![
                domain(DomId(5), "web", DomainState::Running, 256 << 20),
                domain(INCOMING, "l1--incoming", DomainState::Paused, 96 << 20),
            ],
            migrate_failure: None,
        },
    );
    let mut profiler = Profiler::new(
        ProfilerSettings {
            host: HostId::new("xen-b"),
            nic_bandwidth_bps: 1_000_000_000,
            interval_ms: 1000,
            swap_vdev: "xvdb".into(),
            cluster_prefixes: Vec::new(),
            uplinks: Vec::new(),
            generation_base: 1,
        },
        Arc::new(Receiving(FakeHypervisor {
            world: world.clone(),
            host: "xen-b".into(),
        })),
        Arc::new(FakeXenstore),
        Box::new(FakeIdcstat::default()),
    );
    for _ in 0..2 {
        let report = profiler.measure(true).expect("the host still reports");
        let incoming = report
            .domains
            .iter()
            .find(|d| d.domid == INCOMING)
            .expect("the incoming domain is listed");
        assert_eq!(incoming.max_mem_bytes, 96 << 20);
        let web = report
            .domains
            .iter()
            .find(|d| d.domid == DomId(5))
            .expect("the running domain is listed");
        assert_eq!(web.max_mem_bytes, 1 << 30, "the fake's static-max");
    }
}
