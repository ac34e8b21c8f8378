//! The module unloaded or reloaded: the agent keeps reporting, never crashes,
//! and starts a new counter generation each time the counters may have restarted.

use std::sync::Arc;

use reunion_agent::fake::{
    lock_world, FakeHost, FakeHypervisor, FakeIdcstat, FakeXenstore, SharedWorld,
};
use reunion_agent::hypervisor::{HostInfo, XenDomain};
use reunion_agent::idcstat::{IdcPeer, IdcPeerCounters, IdcstatDomain, IdcstatSnapshot};
use reunion_agent::profiler::{Profiler, ProfilerSettings};
use reunion_model::{DomId, DomainState, DomainUuid, HostId, TrafficCounters};

fn snapshot(epoch: u32, bytes: u64) -> IdcstatSnapshot {
    IdcstatSnapshot {
        reset_epoch: epoch,
        domains: vec![IdcstatDomain {
            domid: DomId(5),
            generation: 1,
            departed: false,
            ips: Vec::new(),
            peers: vec![IdcPeerCounters {
                peer: IdcPeer::Ip("10.0.0.9".parse().expect("ip")),
                counters: TrafficCounters {
                    nic_tx_bytes: bytes,
                    ..TrafficCounters::default()
                },
            }],
            external: TrafficCounters::default(),
            other: TrafficCounters::default(),
            swap_read_sectors: 0,
            swap_write_sectors: 0,
        }],
    }
}

#[test]
fn outage_and_reload_start_new_generations_and_reports_continue() {
    let world = SharedWorld::default();
    lock_world(&world).hosts.insert(
        "xen-a".into(),
        FakeHost {
            info: HostInfo {
                physical_cpus: 2,
                mem_total_bytes: 4 << 30,
                mem_free_bytes: 1 << 30,
            },
            domains: vec![XenDomain {
                uuid: DomainUuid::from_u128(1),
                name: "web".into(),
                domid: DomId(5),
                state: DomainState::Running,
                cpu_time_ns: 0,
                mem_bytes: 256 << 20,
            }],
            migrate_failure: None,
        },
    );
    let idcstat = FakeIdcstat::default();
    *idcstat.snapshot.lock().expect("lock") = snapshot(1, 1000);
    let mut profiler = Profiler::new(
        ProfilerSettings {
            host: HostId::new("xen-a"),
            nic_bandwidth_bps: 1_000_000_000,
            interval_ms: 1000,
            swap_vdev: "xvdb".into(),
            cluster_prefixes: vec!["10.0.0.0/16".into()],
            uplinks: vec!["eth0".into()],
            generation_base: 100,
        },
        Arc::new(FakeHypervisor {
            world: world.clone(),
            host: "xen-a".into(),
        }),
        Arc::new(FakeXenstore),
        Box::new(idcstat.clone()),
    );
    let first = profiler.measure(false).expect("report");
    assert_eq!(first.domains[0].traffic.total().nic_tx_bytes, 1000);
    // The module's configuration was pushed from the agent's config.
    let pushed = idcstat
        .config
        .lock()
        .expect("lock")
        .clone()
        .expect("configured");
    assert_eq!(pushed.cluster_prefixes, vec!["10.0.0.0/16".to_string()]);

    *idcstat.unloaded.lock().expect("lock") = true;
    let during = profiler.measure(false).expect("still reports");
    assert_eq!(during.domains.len(), 1, "CPU and memory still reported");
    assert_eq!(during.domains[0].traffic.total().nic_tx_bytes, 0);
    assert_ne!(during.generation, first.generation);

    // Reloaded: counters restarted from zero under a new epoch.
    *idcstat.unloaded.lock().expect("lock") = false;
    *idcstat.snapshot.lock().expect("lock") = snapshot(2, 10);
    let after = profiler.measure(false).expect("report");
    assert_eq!(after.domains[0].traffic.total().nic_tx_bytes, 10);
    assert_ne!(after.generation, during.generation);
    assert!(after.seq > during.seq && during.seq > first.seq);
    assert!(after.validate().is_ok());
}
