//! A domain first seen before its hotplug script wrote the swap disk's
//! `physical-device` (libxl lists a domain while `xl create` still runs): its
//! devices are read again until the key is there, so the module gets the swap
//! range. Before, the devices were read once per domain and such a domain never
//! had its swap counted.

use std::sync::{Arc, PoisonError};

use reunion_agent::fake::{
    lock_world, FakeHost, FakeHypervisor, FakeIdcstat, MapXenstore, SharedWorld,
};
use reunion_agent::hypervisor::{HostInfo, XenDomain};
use reunion_agent::idcstat::IdcstatConfig;
use reunion_agent::profiler::{Profiler, ProfilerSettings};
use reunion_agent::xenstore::DevNumber;
use reunion_model::{DomId, DomainState, DomainUuid, HostId};

const G1: DomId = DomId(1);
const SWAP_DISK: &str = "/local/domain/0/backend/vbd/1/51728";

fn host_with_g1() -> SharedWorld {
    let world = SharedWorld::default();
    lock_world(&world).hosts.insert(
        "xen-a".into(),
        FakeHost {
            info: HostInfo {
                physical_cpus: 1,
                mem_total_bytes: 2 << 30,
                mem_free_bytes: 1 << 30,
            },
            domains: vec![XenDomain {
                uuid: DomainUuid::from_u128(0x1234),
                name: "g1".into(),
                domid: G1,
                state: DomainState::Paused,
                cpu_time_ns: 0,
                mem_bytes: 128 << 20,
            }],
            migrate_failure: None,
        },
    );
    world
}

fn profiler(world: &SharedWorld, xenstore: Arc<MapXenstore>, idcstat: FakeIdcstat) -> Profiler {
    Profiler::new(
        ProfilerSettings {
            host: HostId::new("xen-a"),
            nic_bandwidth_bps: 1_000_000_000,
            interval_ms: 5000,
            swap_vdev: "xvdb".into(),
            cluster_prefixes: Vec::new(),
            uplinks: Vec::new(),
            generation_base: 1,
        },
        Arc::new(FakeHypervisor {
            world: world.clone(),
            host: "xen-a".into(),
        }),
        xenstore,
        Box::new(idcstat),
    )
}

fn pushed(idcstat: &FakeIdcstat) -> IdcstatConfig {
    idcstat
        .config
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
        .expect("a configuration was pushed")
}

fn xenstore_before_hotplug() -> Arc<MapXenstore> {
    Arc::new(MapXenstore::new(&[
        ("/local/domain/0/backend/vif/1/0/mac", "00:16:3e:00:00:01"),
        (&format!("{SWAP_DISK}/dev"), "xvdb"),
    ]))
}

#[test]
fn the_swap_range_is_sent_once_the_hotplug_script_wrote_the_device() {
    let world = host_with_g1();
    let xenstore = xenstore_before_hotplug();
    let idcstat = FakeIdcstat::default();
    let mut profiler = profiler(&world, xenstore.clone(), idcstat.clone());
    profiler.measure(false).expect("first reading");
    assert!(pushed(&idcstat).swap_ranges.is_empty(), "no device yet");
    assert_eq!(pushed(&idcstat).vifs.len(), 1);
    // `stat -L -c %t:%T /dev/nbd1`, as the testbed's hotplug script writes it.
    xenstore.set(&format!("{SWAP_DISK}/physical-device"), "2b:1");
    profiler.measure(false).expect("second reading");
    let ranges = pushed(&idcstat).swap_ranges;
    assert_eq!(ranges.len(), 1, "{ranges:?}");
    assert_eq!(ranges[0].domid, G1);
    assert_eq!(
        ranges[0].device,
        DevNumber {
            major: 43,
            minor: 1
        }
    );
    assert_eq!(
        (ranges[0].start_sector, ranges[0].nr_sectors),
        (0, u64::MAX)
    );
    let reads = xenstore.reads().len();
    profiler.measure(false).expect("third reading");
    assert_eq!(
        xenstore.reads().len(),
        reads,
        "complete devices are not read again"
    );
}

#[test]
fn a_swap_disk_that_never_gets_a_device_is_not_read_forever() {
    let world = host_with_g1();
    let xenstore = xenstore_before_hotplug();
    let mut profiler = profiler(&world, xenstore.clone(), FakeIdcstat::default());
    let mut reads_per_reading = Vec::new();
    for _ in 0..20 {
        let before = xenstore.reads().len();
        profiler.measure(false).expect("reading");
        reads_per_reading.push(xenstore.reads().len() - before);
    }
    assert!(
        reads_per_reading[1] > 0,
        "read again while pending: {reads_per_reading:?}"
    );
    assert_eq!(
        reads_per_reading[19], 0,
        "gave up after a bounded number of intervals: {reads_per_reading:?}"
    );
}
