//! Host reports, built from the cluster's cumulative counters exactly as a node
//! agent builds them from xenstat and idcstat (see `reunion_model`'s contract).

use reunion_model::{
    DomainReport, DomainState, DomainTraffic, HostCapacity, HostId, HostReport, PeerKey,
    PeerTraffic, TrafficCounters, MIB,
};

use crate::cluster::{Bytes, Cluster};

/// The agents' counter epoch: the simulated agents never restart.
pub const GENERATION: u64 = 1;

fn to_u64(value: f64) -> u64 {
    if value.is_finite() && value > 0.0 {
        value as u64
    } else {
        0
    }
}

fn counters(idc: Bytes, nic: Bytes) -> TrafficCounters {
    TrafficCounters {
        idc_tx_bytes: to_u64(idc.tx),
        idc_rx_bytes: to_u64(idc.rx),
        nic_tx_bytes: to_u64(nic.tx),
        nic_rx_bytes: to_u64(nic.rx),
    }
}

/// One report per host, as of simulated time `now_s`; `seq` is the report number.
pub fn host_reports(cluster: &Cluster, now_s: f64, interval_s: f64, seq: u64) -> Vec<HostReport> {
    let time_ms = to_u64((now_s * 1000.0).round());
    let interval_ms = to_u64((interval_s * 1000.0).round());
    let free_mib = cluster.free_mib_all();
    let mut reports: Vec<HostReport> = cluster
        .hosts
        .iter()
        .enumerate()
        .map(|(h, host)| HostReport {
            host: HostId::new(host.name.clone()),
            seq,
            time_ms,
            interval_ms,
            generation: GENERATION,
            capacity: HostCapacity {
                physical_cpus: host.cpus,
                mem_total_bytes: host.memory_mib * MIB,
                mem_free_bytes: free_mib[h] * MIB,
                nic_bandwidth_bps: to_u64(host.nic_mbps * 1e6),
            },
            dom0_cpu_time_ns: to_u64(host.dom0_cpu_ns),
            migration_in_flight: cluster.migrating_host(h),
            domains: Vec::new(),
        })
        .collect();
    for (v, vm) in cluster.vms.iter().enumerate() {
        let mut peers = Vec::with_capacity(vm.counters.peers.len());
        for p in &vm.counters.peers {
            let peer = &cluster.vms[p.peer];
            if p.idc != Bytes::default() {
                peers.push(PeerTraffic {
                    peer: PeerKey::Domain(peer.uuid),
                    counters: counters(p.idc, Bytes::default()),
                });
            }
            if p.nic != Bytes::default() {
                // An agent sees a remote peer only by its address.
                peers.push(PeerTraffic {
                    peer: PeerKey::Ip(peer.ip),
                    counters: counters(Bytes::default(), p.nic),
                });
            }
        }
        let migrating = cluster.migration_of(v);
        reports[vm.host].domains.push(DomainReport {
            uuid: vm.uuid,
            domid: vm.domid,
            name: vm.name.clone(),
            state: if migrating.is_some() {
                DomainState::Migrating
            } else {
                DomainState::Running
            },
            cpu_time_ns: to_u64(vm.counters.cpu_ns),
            mem_bytes: vm.alloc_mib * MIB,
            max_mem_bytes: vm.max_mib * MIB,
            swap_write_pages: to_u64(vm.counters.swap_write_pages),
            swap_read_pages: to_u64(vm.counters.swap_read_pages),
            ips: vec![vm.ip],
            macs: vec![vm.mac],
            traffic: DomainTraffic {
                peers,
                external: counters(Bytes::default(), vm.counters.external),
                other: TrafficCounters::default(),
            },
        });
        if let Some(m) = migrating {
            // The paused incoming copy `xl migrate-receive` created.
            reports[m.destination].domains.push(DomainReport {
                uuid: vm.uuid,
                domid: m.incoming_domid,
                name: vm.name.clone(),
                state: DomainState::Paused,
                cpu_time_ns: 0,
                mem_bytes: vm.alloc_mib * MIB,
                max_mem_bytes: vm.max_mib * MIB,
                swap_write_pages: 0,
                swap_read_pages: 0,
                ips: vec![vm.ip],
                macs: vec![vm.mac],
                traffic: DomainTraffic::default(),
            });
        }
    }
    for report in &mut reports {
        report.normalize();
    }
    reports
}
