//! A domid that another domain takes over gets that domain's UUID, even though
//! libxenstat lists domains by domid and the agent reads UUIDs from xenstore
//! only for domains it has not seen: the report, the maximum memory and the
//! generation given to idcstat all follow the new domain.

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;

use reunion_agent::fake::{FakeIdcstat, FakeNodeStats, MapXenstore};
use reunion_agent::hypervisor::{DomainFlags, HostInfo};
use reunion_agent::idcstat::generation_of;
use reunion_agent::node_stats::{DomainStats, NodeStats, NodeStatsSource};
use reunion_agent::profiler::{Profiler, ProfilerSettings};
use reunion_agent::xen::Xen;
use reunion_agent::xl::Xl;
use reunion_model::{DomId, DomainUuid, HostId};

const OLD: &str = "6f1c2a3e-0d4b-4c1a-9a7e-2b1f3c4d5e6f";
const NEW: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

/// `xenstore-read` answering `static-max` from a file the test rewrites.
const FAKE_XENSTORE_READ: &str = r#"#!/bin/sh
dir=$(dirname "$0")
printf '%s\n' "$*" >> "$dir/forks"
case "$1" in
/local/domain/5/memory/static-max) cat "$dir/static-max" ;;
*) exit 1 ;;
esac
"#;

fn guest(name: &str, cpu_time_ns: u64) -> DomainStats {
    DomainStats {
        domid: DomId(5),
        name: name.into(),
        flags: DomainFlags::default(),
        cpu_time_ns,
        mem_bytes: 128 << 20,
    }
}

fn reading(guest: DomainStats) -> NodeStats {
    let dom0 = DomainStats {
        domid: DomId(0),
        name: "Domain-0".into(),
        flags: DomainFlags::default(),
        cpu_time_ns: 1,
        mem_bytes: 1 << 30,
    };
    NodeStats {
        info: HostInfo {
            physical_cpus: 1,
            mem_total_bytes: 2 << 30,
            mem_free_bytes: 1 << 30,
        },
        domains: vec![dom0, guest],
    }
}

fn uuid(text: &str) -> DomainUuid {
    DomainUuid::parse(text).expect("uuid")
}

#[test]
fn a_reused_domid_reports_the_new_domain() {
    let dir = std::env::temp_dir().join(format!("reunion-domid-reuse-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let read = dir.join("xenstore-read");
    std::fs::write(&read, FAKE_XENSTORE_READ).expect("write");
    std::fs::set_permissions(&read, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::write(dir.join("static-max"), "262144\n").expect("static-max");
    let xenstore = Arc::new(MapXenstore::new(&[
        ("/local/domain/5/vm", &format!("/vm/{OLD}")),
        ("/local/domain/0/backend/vif/5/0/mac", "00:16:3e:00:00:05"),
    ]));
    let stats = FakeNodeStats::new(reading(guest("web", 9_000_000_000)));
    let boxed: Box<dyn NodeStatsSource> = Box::new(stats.clone());
    let xen = Xen::new(
        Xl {
            xl: "/nonexistent/xl".into(),
            xenstore_read: read.display().to_string(),
            transport_command: "true".into(),
            command_timeout: Duration::from_secs(10),
            migrate_timeout: Duration::from_secs(10),
        },
        xenstore.clone(),
        Ok(boxed),
    );
    let idcstat = FakeIdcstat::default();
    let mut profiler = Profiler::new(
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
        xenstore.clone(),
        Box::new(idcstat.clone()),
    );
    let vif_generation = || {
        idcstat
            .config
            .lock()
            .expect("config")
            .as_ref()
            .and_then(|c| c.vifs.first().map(|v| v.generation))
    };

    let report = profiler.measure(false).expect("old");
    assert_eq!(report.domains[0].uuid, uuid(OLD));
    assert_eq!(report.domains[0].max_mem_bytes, 256 << 20);
    assert_eq!(vif_generation(), Some(generation_of(uuid(OLD))));

    // Between two readings "web" is destroyed and "db" created under domid 5.
    xenstore.set("/local/domain/5/vm", &format!("/vm/{NEW}"));
    std::fs::write(dir.join("static-max"), "524288\n").expect("static-max");
    *stats.reading.lock().expect("reading") = reading(guest("db", 20_000_000));
    let report = profiler.measure(false).expect("new");
    assert_eq!(report.domains[0].name, "db");
    assert_eq!(report.domains[0].uuid, uuid(NEW));
    assert_eq!(report.domains[0].max_mem_bytes, 512 << 20, "read again");
    assert_eq!(vif_generation(), Some(generation_of(uuid(NEW))));

    // A third domain, again under domid 5 and named like the one before it:
    // its CPU time restarted, which gives it away.
    const THIRD: &str = "11111111-2222-4333-8444-555555555555";
    xenstore.set("/local/domain/5/vm", &format!("/vm/{THIRD}"));
    *stats.reading.lock().expect("reading") = reading(guest("db", 1_000_000));
    let report = profiler.measure(false).expect("third");
    assert_eq!(report.domains[0].uuid, uuid(THIRD));

    // The same domain again: no more xenstore reads.
    let reads = xenstore.reads().len();
    *stats.reading.lock().expect("reading") = reading(guest("db", 2_000_000));
    let report = profiler.measure(false).expect("same");
    assert_eq!(report.domains[0].uuid, uuid(THIRD));
    assert_eq!(xenstore.reads().len(), reads);
}
