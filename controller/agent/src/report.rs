//! Building the [`HostReport`] from what Xen, xenstore and idcstat say: a pure function.

use std::collections::BTreeMap;

use reunion_model::{
    DomId, DomainReport, DomainTraffic, DomainUuid, HostCapacity, HostId, HostReport, PeerKey,
    PeerTraffic, TrafficCounters,
};

use crate::hypervisor::{HostInfo, XenDomain};
use crate::idcstat::{generation_of, IdcPeer, IdcstatDomain, IdcstatSnapshot};
use crate::xenstore::DomainDevices;

/// Sectors (512 bytes) per page (4096 bytes).
const SECTORS_PER_PAGE: u64 = 8;

/// Everything one report is built from.
#[derive(Debug)]
pub struct ReportInputs<'a> {
    /// This host.
    pub host: &'a HostId,
    /// Report sequence number.
    pub seq: u64,
    /// Agent's monotonic clock, ms.
    pub time_ms: u64,
    /// Nominal interval, ms.
    pub interval_ms: u64,
    /// Counter epoch.
    pub generation: u64,
    /// CPUs and memory.
    pub info: HostInfo,
    /// Physical NIC speed, bits per second (from the agent's config).
    pub nic_bandwidth_bps: u64,
    /// `xl list`, dom0 included.
    pub domains: &'a [XenDomain],
    /// Max memory per domid, bytes.
    pub max_mem: &'a BTreeMap<DomId, u64>,
    /// xenstore facts per domid.
    pub devices: &'a BTreeMap<DomId, DomainDevices>,
    /// The module's counters.
    pub idcstat: &'a IdcstatSnapshot,
    /// Whether a migration to or from this host runs.
    pub migration_in_flight: bool,
}

/// The module's live entry for a domain: the one with the generation the agent
/// gave it, else (before the module was told) the newest one of that domid.
fn live_entry(
    snapshot: &IdcstatSnapshot,
    domid: DomId,
    uuid: DomainUuid,
) -> Option<&IdcstatDomain> {
    let candidates = || {
        snapshot
            .domains
            .iter()
            .filter(move |d| d.domid == domid && !d.departed)
    };
    let expected = generation_of(uuid);
    candidates()
        .find(|d| d.generation == expected)
        .or_else(|| candidates().max_by_key(|d| d.generation))
}

/// Builds a normalized report.
pub fn build_report(inputs: &ReportInputs<'_>) -> HostReport {
    let uuid_of: BTreeMap<DomId, DomainUuid> =
        inputs.domains.iter().map(|d| (d.domid, d.uuid)).collect();
    let mut dom0_cpu_time_ns = 0;
    let mut domains = Vec::with_capacity(inputs.domains.len());
    for domain in inputs.domains {
        if domain.domid == DomId(0) {
            dom0_cpu_time_ns = domain.cpu_time_ns;
            continue;
        }
        let devices = inputs.devices.get(&domain.domid);
        let mut report = DomainReport {
            uuid: domain.uuid,
            domid: domain.domid,
            name: domain.name.clone(),
            state: domain.state,
            cpu_time_ns: domain.cpu_time_ns,
            mem_bytes: domain.mem_bytes,
            max_mem_bytes: inputs
                .max_mem
                .get(&domain.domid)
                .copied()
                .unwrap_or(domain.mem_bytes)
                .max(domain.mem_bytes),
            swap_write_pages: 0,
            swap_read_pages: 0,
            ips: Vec::new(),
            macs: devices
                .map(|d| d.vifs.iter().map(|vif| vif.mac).collect())
                .unwrap_or_default(),
            traffic: DomainTraffic::default(),
        };
        if let Some(entry) = live_entry(inputs.idcstat, domain.domid, domain.uuid) {
            report.swap_write_pages = entry.swap_write_sectors / SECTORS_PER_PAGE;
            report.swap_read_pages = entry.swap_read_sectors / SECTORS_PER_PAGE;
            report.ips = entry.ips.clone();
            let mut peers: BTreeMap<PeerKey, TrafficCounters> = BTreeMap::new();
            let mut other = entry.other;
            for peer in &entry.peers {
                let key = match peer.peer {
                    IdcPeer::LocalDomain(domid) => match uuid_of.get(&domid) {
                        Some(uuid) if domid != DomId(0) => PeerKey::Domain(*uuid),
                        // A local domid xl no longer lists (or dom0): no peer to name.
                        _ => {
                            other = other.wrapping_add(peer.counters);
                            continue;
                        }
                    },
                    IdcPeer::Ip(ip) => PeerKey::Ip(ip),
                    IdcPeer::Mac(mac) => PeerKey::Mac(mac),
                };
                let slot = peers.entry(key).or_default();
                *slot = slot.wrapping_add(peer.counters);
            }
            report.traffic = DomainTraffic {
                peers: peers
                    .into_iter()
                    .map(|(peer, counters)| PeerTraffic { peer, counters })
                    .collect(),
                external: entry.external,
                other,
            };
        }
        domains.push(report);
    }
    let mut report = HostReport {
        host: inputs.host.clone(),
        seq: inputs.seq,
        time_ms: inputs.time_ms,
        interval_ms: inputs.interval_ms,
        generation: inputs.generation,
        capacity: HostCapacity {
            physical_cpus: inputs.info.physical_cpus,
            mem_total_bytes: inputs.info.mem_total_bytes,
            mem_free_bytes: inputs.info.mem_free_bytes,
            nic_bandwidth_bps: inputs.nic_bandwidth_bps,
        },
        dom0_cpu_time_ns,
        migration_in_flight: inputs.migration_in_flight,
        domains,
    };
    report.normalize();
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idcstat::IdcPeerCounters;
    use reunion_model::{DomainState, MacAddr};

    fn dom(domid: u32, uuid: u128) -> XenDomain {
        XenDomain {
            uuid: DomainUuid::from_u128(uuid),
            name: format!("d{domid}"),
            domid: DomId(domid),
            state: DomainState::Running,
            cpu_time_ns: 1_000 * u64::from(domid),
            mem_bytes: 256 << 20,
        }
    }

    fn bytes(idc_tx: u64, nic_tx: u64) -> TrafficCounters {
        TrafficCounters {
            idc_tx_bytes: idc_tx,
            nic_tx_bytes: nic_tx,
            ..TrafficCounters::default()
        }
    }

    #[test]
    fn maps_local_peers_to_uuids_and_keeps_dom0_apart() {
        let domains = vec![dom(0, 0), dom(3, 30), dom(4, 40)];
        let snapshot = IdcstatSnapshot {
            reset_epoch: 1,
            domains: vec![IdcstatDomain {
                domid: DomId(3),
                generation: 2,
                departed: false,
                ips: vec!["10.0.0.3".parse().expect("ip")],
                peers: vec![
                    IdcPeerCounters {
                        peer: IdcPeer::LocalDomain(DomId(4)),
                        counters: bytes(100, 0),
                    },
                    IdcPeerCounters {
                        peer: IdcPeer::LocalDomain(DomId(9)),
                        counters: bytes(7, 0),
                    },
                    IdcPeerCounters {
                        peer: IdcPeer::Ip("10.0.1.8".parse().expect("ip")),
                        counters: bytes(0, 50),
                    },
                ],
                external: bytes(0, 5),
                other: TrafficCounters::default(),
                swap_read_sectors: 16,
                swap_write_sectors: 80,
            }],
        };
        let mut devices = BTreeMap::new();
        devices.insert(
            DomId(3),
            DomainDevices {
                vifs: vec![crate::xenstore::Vif {
                    devid: 0,
                    mac: MacAddr([0, 0x16, 0x3e, 0, 0, 3]),
                    name: "vif3.0".into(),
                }],
                ..DomainDevices::default()
            },
        );
        let max_mem = BTreeMap::from([(DomId(3), 1u64 << 30)]);
        let host = HostId::new("xen-a");
        let report = build_report(&ReportInputs {
            host: &host,
            seq: 1,
            time_ms: 10_000,
            interval_ms: 10_000,
            generation: 5,
            info: HostInfo {
                physical_cpus: 2,
                mem_total_bytes: 2 << 30,
                mem_free_bytes: 1 << 30,
            },
            nic_bandwidth_bps: 1_000_000_000,
            domains: &domains,
            max_mem: &max_mem,
            devices: &devices,
            idcstat: &snapshot,
            migration_in_flight: false,
        });
        assert!(report.validate().is_ok());
        assert_eq!(report.dom0_cpu_time_ns, 0);
        assert_eq!(report.domains.len(), 2);
        let d3 = &report.domains[0];
        assert_eq!(d3.uuid, DomainUuid::from_u128(30));
        assert_eq!(d3.max_mem_bytes, 1 << 30);
        assert_eq!(d3.swap_write_pages, 10);
        assert_eq!(d3.swap_read_pages, 2);
        assert_eq!(d3.macs.len(), 1);
        assert_eq!(
            d3.traffic.peers[0].peer,
            PeerKey::Domain(DomainUuid::from_u128(40))
        );
        assert_eq!(d3.traffic.peers.len(), 2);
        // The unknown local domid 9 goes to `other`, not lost.
        assert_eq!(d3.traffic.other.idc_tx_bytes, 7);
        // Nothing lost overall: totals equal the module's.
        assert_eq!(d3.traffic.total().idc_tx_bytes, 107);
        assert_eq!(d3.traffic.total().nic_tx_bytes, 55);
        // Domain 4 has no module entry: reported with zero traffic, not dropped.
        assert_eq!(report.domains[1].traffic, DomainTraffic::default());
    }
}
