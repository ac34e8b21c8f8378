//! Figure 3.6: a migrating domain is reported by both hosts for a while. Its
//! statistics are never merged twice nor lost: samples come only from the
//! owning host while the domain runs, and the destination continues the
//! source's history (keyed by UUID).

mod common;

use common::{uuid, Cluster, HostSpec};
use reunion_model::{DomainState, RmnConfig};

fn history_len(rmn: &reunion_rmn::Rmn, n: u128) -> usize {
    rmn.collector()
        .domain_by_uuid(&uuid(n))
        .expect("known")
        .1
        .history
        .len()
}

fn owner(rmn: &reunion_rmn::Rmn, n: u128) -> String {
    let c = rmn.collector();
    let dom = c.domain_by_uuid(&uuid(n)).expect("known").1;
    c.hosts[dom.owner].id.to_string()
}

#[test]
fn history_continues_across_a_migration_without_double_samples() {
    let mut cluster = Cluster::new();
    cluster.host("a", HostSpec::default());
    cluster.host("b", HostSpec::default());
    cluster.vm(1, "a", 1.0, 512);
    let mut rmn = common::rmn(RmnConfig::default());
    cluster.ticks(&mut rmn, 5);
    assert_eq!(history_len(&rmn, 1), 4);

    // Migration starts: the destination shows a paused incoming copy (domid 99,
    // fresh counters) while the source keeps running it.
    let mut incoming = cluster.vms[&uuid(1)].clone();
    incoming.host = "b".into();
    incoming.domid = 99;
    incoming.state = DomainState::Paused;
    cluster.advance();
    let mut reports = cluster.reports();
    let b = reports
        .iter_mut()
        .find(|r| r.host.as_str() == "b")
        .expect("b");
    b.domains.push(reunion_model::DomainReport {
        uuid: uuid(1),
        domid: reunion_model::DomId(99),
        name: "vm1".into(),
        state: DomainState::Paused,
        cpu_time_ns: 0,
        mem_bytes: incoming.mem,
        max_mem_bytes: incoming.max_mem,
        swap_write_pages: 0,
        swap_read_pages: 0,
        ips: vec![],
        macs: vec![],
        traffic: Default::default(),
    });
    for r in reports {
        let summary = rmn.ingest(cluster.time_ms, r).expect("ingest");
        if summary.foreign.contains(&uuid(1)) {
            assert_eq!(summary.domains_sampled, 0, "the paused copy is not sampled");
        }
    }
    assert_eq!(owner(&rmn, 1), "a");
    assert_eq!(
        history_len(&rmn, 1),
        5,
        "one sample for the interval, from the source"
    );

    // Migration completes: the source no longer lists it; the destination runs it.
    cluster.vm_mut(1).host = "b".into();
    cluster.vm_mut(1).domid = 99;
    for _ in 0..3 {
        cluster.tick(&mut rmn);
    }
    assert_eq!(owner(&rmn, 1), "b");
    // The first report on `b` only sets the baseline (a new domid): 2 more samples.
    assert_eq!(
        history_len(&rmn, 1),
        7,
        "history continued, nothing merged twice"
    );
    let b = &rmn.collector().hosts[1];
    assert!((b.latest().expect("sample").cpu - 0.25).abs() < 1e-6);
    let a = &rmn.collector().hosts[0];
    assert_eq!(
        a.latest().expect("sample").cpu,
        0.0,
        "no longer counted at the source"
    );
}

#[test]
fn paused_domains_are_not_sampled() {
    let mut cluster = Cluster::new();
    cluster.host("a", HostSpec::default());
    cluster.vm(1, "a", 1.0, 512);
    let mut rmn = common::rmn(RmnConfig::default());
    cluster.ticks(&mut rmn, 3);
    let before = history_len(&rmn, 1);
    cluster.vm_mut(1).state = DomainState::Paused;
    cluster.ticks(&mut rmn, 3);
    assert_eq!(history_len(&rmn, 1), before);
    cluster.vm_mut(1).state = DomainState::Running;
    cluster.ticks(&mut rmn, 2);
    assert_eq!(history_len(&rmn, 1), before + 2);
}

#[test]
fn lost_reports_lose_no_traffic() {
    let mut cluster = Cluster::new();
    cluster.host("a", HostSpec::default());
    cluster.vm(1, "a", 1.0, 512);
    cluster.vm_mut(1).external_bps = 1000.0;
    let mut rmn = common::rmn(RmnConfig::default());
    cluster.ticks(&mut rmn, 2);
    // Two reports lost: the next delta spans 30 s and gives the same rate.
    cluster.advance();
    cluster.reports();
    cluster.advance();
    cluster.reports();
    cluster.tick(&mut rmn);
    let dom = rmn.collector().domain_by_uuid(&uuid(1)).expect("known").1;
    let rates = dom.rates.expect("rates");
    assert!((rates.traffic.nic_tx - 1000.0).abs() < 1e-6);
    assert!((rates.cpu_cores - 1.0).abs() < 1e-9);
}

#[test]
fn out_of_order_and_invalid_reports_are_rejected_whole() {
    let mut cluster = Cluster::new();
    cluster.host("a", HostSpec::default());
    cluster.vm(1, "a", 1.0, 512);
    let mut rmn = common::rmn(RmnConfig::default());
    cluster.advance();
    let report = cluster.reports().remove(0);
    rmn.ingest(cluster.time_ms, report.clone()).expect("first");
    let err = rmn
        .ingest(cluster.time_ms, report.clone())
        .expect_err("replayed");
    assert!(
        matches!(err, reunion_rmn::RmnError::OutOfOrder { .. }),
        "{err}"
    );
    let mut broken = report;
    broken.seq += 1;
    broken.capacity.physical_cpus = 0;
    assert!(matches!(
        rmn.ingest(cluster.time_ms, broken),
        Err(reunion_rmn::RmnError::Report(_))
    ));
}

#[test]
fn destroyed_domains_are_forgotten_after_two_staleness_periods() {
    let mut cluster = Cluster::new();
    cluster.host("a", HostSpec::default());
    cluster.vm(1, "a", 1.0, 512).vm(2, "a", 0.5, 512);
    let mut rmn = common::rmn(RmnConfig::default());
    cluster.ticks(&mut rmn, 3);
    cluster.vms.remove(&uuid(2));
    // stale_after_s = 35: forgotten once unseen for more than 70 s.
    cluster.ticks(&mut rmn, 7);
    assert!(
        rmn.collector().domain_by_uuid(&uuid(2)).is_some(),
        "kept for 70 s"
    );
    cluster.ticks(&mut rmn, 2);
    assert!(
        rmn.collector().domain_by_uuid(&uuid(2)).is_none(),
        "then forgotten"
    );
    assert!(rmn.collector().domain_by_uuid(&uuid(1)).is_some());
}
