//! How many processes one measurement starts.
//!
//! On the Xen testbed (TCG) `xl info` took 1.45 s and `xl list -v` 1.77 s, and
//! an agent running both every 3-5 s kept an idle dom0 at about 75 % CPU. With
//! libxenstat a measurement starts no process once every domain is known: only
//! a new domain costs a fork (its `static-max`) and a few xenstore reads. `xl`
//! stays the fallback: without libxenstat, with a library that lacks a
//! function, and for an interval whose reading fails.
//!
//! Every fake command (`xl`, `xenstore-read`) appends its arguments to one log,
//! so the log's lines are the measurement's forks.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reunion_agent::fake::{FakeIdcstat, FakeNodeStats, MapXenstore};
use reunion_agent::hypervisor::{DomainFlags, HostInfo};
use reunion_agent::node_stats::{DomainStats, NodeStats, NodeStatsSource};
use reunion_agent::profiler::{Profiler, ProfilerSettings};
use reunion_agent::xen::{MeasurementSource, Xen};
use reunion_agent::xenstat::Xenstat;
use reunion_agent::xl::Xl;
use reunion_agent::AgentError;
use reunion_model::{DomId, DomainReport, DomainState, DomainUuid, HostId, HostReport};

const WEB: &str = "6f1c2a3e-0d4b-4c1a-9a7e-2b1f3c4d5e6f";
const DB: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

const FAKE_XL: &str = r#"#!/bin/sh
printf 'xl %s\n' "$*" >> "$(dirname "$0")/forks"
case "$1" in
info) printf 'host : x\nnr_cpus : 2\ntotal_memory : 2047\nfree_memory : 600\n' ;;
list) printf 'Name ID Mem VCPUs State Time(s) UUID Reason-Code Security-Label\n'
      printf 'Domain-0 0 1024 2 r----- 10.5 00000000-0000-0000-0000-000000000000 - -\n'
      printf 'web 5 256 1 -b---- 2.2 6f1c2a3e-0d4b-4c1a-9a7e-2b1f3c4d5e6f - -\n'
      printf 'db 6 512 1 -b---- 3.3 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d - -\n' ;;
*) exit 2 ;;
esac
"#;

const FAKE_XENSTORE_READ: &str = r#"#!/bin/sh
printf 'xenstore-read %s\n' "$*" >> "$(dirname "$0")/forks"
case "$1" in
*/memory/static-max) echo 1048576 ;;
*) exit 1 ;;
esac
"#;

struct Host {
    dir: PathBuf,
    xl: Xl,
    xenstore: Arc<MapXenstore>,
    stats: FakeNodeStats,
}

fn host(name: &str) -> Host {
    let dir = std::env::temp_dir().join(format!("reunion-forks-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let script = |file: &str, text: &str| {
        let path = dir.join(file);
        std::fs::write(&path, text).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path.display().to_string()
    };
    let xl = Xl {
        xl: script("xl", FAKE_XL),
        xenstore_read: script("xenstore-read", FAKE_XENSTORE_READ),
        transport_command: "true".into(),
        command_timeout: Duration::from_secs(10),
        migrate_timeout: Duration::from_secs(10),
    };
    let xenstore = Arc::new(MapXenstore::new(&[
        ("/local/domain/5/vm", &format!("/vm/{WEB}")),
        ("/local/domain/6/vm", &format!("/vm/{DB}")),
        ("/local/domain/0/backend/vif/5/0/mac", "00:16:3e:00:00:05"),
    ]));
    let stats = FakeNodeStats::new(NodeStats {
        info: HostInfo {
            physical_cpus: 2,
            mem_total_bytes: 2047 << 20,
            mem_free_bytes: 600 << 20,
        },
        domains: vec![
            domain(0, "Domain-0", 10_512_345_678, 1024 << 20),
            domain(5, "web", 2_234_567_891, 256 << 20),
            domain(6, "db", 3_345_678_912, 512 << 20),
        ],
    });
    Host {
        dir,
        xl,
        xenstore,
        stats,
    }
}

fn domain(domid: u32, name: &str, cpu_time_ns: u64, mem_bytes: u64) -> DomainStats {
    DomainStats {
        domid: DomId(domid),
        name: name.into(),
        flags: DomainFlags {
            blocked: true,
            ..DomainFlags::default()
        },
        cpu_time_ns,
        mem_bytes,
    }
}

fn profiler(xen: Xen, xenstore: Arc<MapXenstore>) -> Profiler {
    Profiler::new(
        ProfilerSettings {
            host: HostId::new("xen-a"),
            nic_bandwidth_bps: 1_000_000_000,
            interval_ms: 2000,
            swap_vdev: "xvdb".into(),
            cluster_prefixes: Vec::new(),
            uplinks: Vec::new(),
            generation_base: 1,
        },
        Arc::new(xen),
        xenstore,
        Box::new(FakeIdcstat::default()),
    )
}

/// The processes started so far, one line each.
fn forks(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("forks"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Measures once; returns the report and the processes it started.
fn measure(profiler: &mut Profiler, dir: &Path) -> (HostReport, Vec<String>) {
    let before = forks(dir).len();
    let report = profiler.measure(false).expect("measure");
    (report, forks(dir).split_off(before))
}

fn by_name<'a>(report: &'a HostReport, name: &str) -> &'a DomainReport {
    report
        .domains
        .iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("{name} is reported"))
}

fn uuid(text: &str) -> DomainUuid {
    DomainUuid::parse(text).expect("uuid")
}

#[test]
fn with_libxenstat_a_measurement_of_known_domains_starts_no_process() {
    let h = host("libxenstat");
    let boxed: Box<dyn NodeStatsSource> = Box::new(h.stats.clone());
    let xen = Xen::new(h.xl.clone(), h.xenstore.clone(), Ok(boxed));
    assert_eq!(xen.source(), MeasurementSource::Libxenstat);
    let mut profiler = profiler(xen, h.xenstore.clone());

    // First interval: two new domains, one `static-max` fork each, no `xl`.
    let (report, started) = measure(&mut profiler, &h.dir);
    assert_eq!(
        started,
        vec![
            "xenstore-read /local/domain/5/memory/static-max",
            "xenstore-read /local/domain/6/memory/static-max",
        ]
    );
    let vm_reads = |xs: &MapXenstore| xs.reads().iter().filter(|p| p.ends_with("/vm")).count();
    assert_eq!(vm_reads(&h.xenstore), 2, "one UUID read per new domain");
    assert_eq!(report.capacity.physical_cpus, 2);
    assert_eq!(report.capacity.mem_free_bytes, 600 << 20);
    assert_eq!(report.dom0_cpu_time_ns, 10_512_345_678);
    let web = by_name(&report, "web");
    assert_eq!(web.uuid, uuid(WEB));
    assert_eq!(web.name, "web");
    assert_eq!(
        web.cpu_time_ns, 2_234_567_891,
        "nanoseconds, not xl's 0.1 s"
    );
    assert_eq!(web.mem_bytes, 256 << 20);
    assert_eq!(web.max_mem_bytes, 1 << 30);
    assert_eq!(web.state, DomainState::Running);
    assert_eq!(by_name(&report, "db").uuid, uuid(DB));

    // Later intervals: nothing new, nothing started, nothing read from xenstore.
    let xenstore_reads = h.xenstore.reads().len();
    for _ in 0..3 {
        let (report, started) = measure(&mut profiler, &h.dir);
        assert_eq!(started, Vec::<String>::new());
        assert_eq!(report.domains.len(), 2);
    }
    assert_eq!(h.xenstore.reads().len(), xenstore_reads);
    assert_eq!(*h.stats.reads.lock().expect("reads"), 4, "one reading each");
}

#[test]
fn without_libxenstat_every_measurement_runs_xl_info_and_xl_list() {
    let h = host("no-library");
    let missing: Result<Box<dyn NodeStatsSource>, AgentError> =
        Err(AgentError::Xenstat("not found (libxenstat.so: ...)".into()));
    let xen = Xen::new(h.xl.clone(), h.xenstore.clone(), missing);
    assert_eq!(xen.source(), MeasurementSource::Xl);
    let mut profiler = profiler(xen, h.xenstore.clone());
    measure(&mut profiler, &h.dir);
    for _ in 0..2 {
        let (report, started) = measure(&mut profiler, &h.dir);
        assert_eq!(started, vec!["xl info", "xl list -v"]);
        assert_eq!(by_name(&report, "web").uuid, uuid(WEB));
        assert_eq!(
            by_name(&report, "web").cpu_time_ns,
            2_200_000_000,
            "xl's 0.1 s"
        );
    }
}

/// A library that lacks one of libxenstat's functions (here the C library)
/// is refused when the agent starts, and the agent measures with `xl`.
#[test]
fn a_library_lacking_a_function_leaves_the_agent_on_xl() {
    let h = host("lacking");
    let opened =
        Xenstat::open_from(&["libc.so.6"]).map(|x| Box::new(x) as Box<dyn NodeStatsSource>);
    let xen = Xen::new(h.xl.clone(), h.xenstore.clone(), opened);
    assert_eq!(xen.source(), MeasurementSource::Xl);
    let mut profiler = profiler(xen, h.xenstore.clone());
    let (report, started) = measure(&mut profiler, &h.dir);
    assert_eq!(&started[..2], ["xl info", "xl list -v"]);
    assert_eq!(report.domains.len(), 2);
}

#[test]
fn a_failed_reading_uses_xl_for_that_interval_only() {
    let h = host("failing");
    let boxed: Box<dyn NodeStatsSource> = Box::new(h.stats.clone());
    let mut profiler = profiler(
        Xen::new(h.xl.clone(), h.xenstore.clone(), Ok(boxed)),
        h.xenstore.clone(),
    );
    measure(&mut profiler, &h.dir);
    *h.stats.failure.lock().expect("failure") = Some("xenstat_get_node failed".into());
    let (report, started) = measure(&mut profiler, &h.dir);
    assert_eq!(started, vec!["xl info", "xl list -v"]);
    assert_eq!(report.domains.len(), 2, "still reported, from xl");
    *h.stats.failure.lock().expect("failure") = None;
    let (report, started) = measure(&mut profiler, &h.dir);
    assert_eq!(started, Vec::<String>::new(), "back on libxenstat");
    assert_eq!(by_name(&report, "web").cpu_time_ns, 2_234_567_891);
}

#[test]
fn a_domain_whose_uuid_cannot_be_read_is_measured_with_xl() {
    let h = host("no-uuid");
    h.stats
        .reading
        .lock()
        .expect("reading")
        .domains
        .push(domain(7, "half-built", 0, 1 << 20));
    let boxed: Box<dyn NodeStatsSource> = Box::new(h.stats.clone());
    let mut profiler = profiler(
        Xen::new(h.xl.clone(), h.xenstore.clone(), Ok(boxed)),
        h.xenstore.clone(),
    );
    let (report, started) = measure(&mut profiler, &h.dir);
    assert_eq!(&started[..2], ["xl info", "xl list -v"]);
    assert_eq!(report.domains.len(), 2, "xl's list, which has no domain 7");
    h.xenstore.set(
        "/local/domain/7/vm",
        "/vm/11111111-2222-4333-8444-555555555555",
    );
    let (report, started) = measure(&mut profiler, &h.dir);
    assert!(started.iter().all(|s| !s.starts_with("xl ")), "{started:?}");
    assert_eq!(report.domains.len(), 3);
}

/// libxenstat skips domains whose name it cannot read from xenstore: a
/// reading without dom0 would report an empty host and no dom0 CPU time.
#[test]
fn a_reading_without_dom0_is_not_trusted() {
    let h = host("no-dom0");
    h.stats
        .reading
        .lock()
        .expect("reading")
        .domains
        .retain(|d| d.domid != DomId(0));
    let boxed: Box<dyn NodeStatsSource> = Box::new(h.stats.clone());
    let mut profiler = profiler(
        Xen::new(h.xl.clone(), h.xenstore.clone(), Ok(boxed)),
        h.xenstore.clone(),
    );
    let (report, started) = measure(&mut profiler, &h.dir);
    assert_eq!(&started[..2], ["xl info", "xl list -v"]);
    assert_eq!(report.dom0_cpu_time_ns, 10_500_000_000, "from xl");
}
