//! The load collector: per-host and per-domain history, keyed so that a
//! migrating domain's statistics are neither merged twice nor lost (thesis
//! Figure 3.6).

use crate::rates::{counter_delta, merge_peers, PeerEntry, TrafficRates};
use crate::ring::Ring;
use reunion_model::{
    DomId, DomainReport, DomainState, DomainUuid, HostCapacity, HostId, HostReport, MacAddr,
    TrafficCounters,
};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Index of a host in the collector's host table (stable for the RMN's life).
pub type HostIdx = usize;
/// Index of a domain in the collector's domain arena.
pub type DomIdx = usize;

/// One host sample: the three judged utilizations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HostSample {
    /// CPU utilization: (Σ domain CPU + dom0 CPU) ÷ physical CPUs.
    pub cpu: f64,
    /// Swap writes per second summed over the host's domains.
    pub swap_write_pps: f64,
    /// NIC utilization: max(NIC TX, NIC RX) × 8 ÷ link bits/s.
    pub nic: f64,
}

/// A host's latest absolute load (rates), the basis of destination projections.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HostLoad {
    /// CPU in cores (physical CPUs busy), dom0 included.
    pub cpu_cores: f64,
    /// Swap writes per second.
    pub swap_write_pps: f64,
    /// Traffic rates summed over its domains, bytes/s.
    pub traffic: TrafficRates,
}

/// The previous report of a host: the baseline of the next host-level delta.
#[derive(Debug, Clone, Copy, PartialEq)]
struct HostBaseline {
    seq: u64,
    time_ms: u64,
    generation: u64,
    dom0_cpu_time_ns: u64,
}

/// Everything the RMN knows about one host.
#[derive(Debug, Clone)]
pub struct HostEntry {
    /// The host.
    pub id: HostId,
    /// Capacities and free memory from the latest report.
    pub capacity: HostCapacity,
    /// The agent's own in-flight-migration flag from the latest report.
    pub migration_in_flight: bool,
    /// RMN time of the latest ingested report.
    pub last_ingest_ms: u64,
    /// RMN time of the report that opened the latest sample's interval.
    pub sample_start_ms: u64,
    /// RMN time a migration involving this host last ended: samples whose
    /// interval started before it still carry the migration's load.
    pub migration_ended_ms: Option<u64>,
    /// Sample history (ring).
    pub history: Ring<HostSample>,
    /// Latest absolute load.
    pub load: HostLoad,
    /// Domains this host owns and reported in its latest report, by UUID order.
    pub residents: Vec<DomIdx>,
    baseline: Option<HostBaseline>,
}

impl HostEntry {
    /// Latest sample, if any.
    pub fn latest(&self) -> Option<HostSample> {
        self.history.latest()
    }

    /// Whether the latest sample's interval overlaps the end of a migration
    /// that involved this host (its dom0 then carried the migration stream).
    pub fn settling(&self) -> bool {
        self.migration_ended_ms
            .is_some_and(|ended| self.sample_start_ms <= ended)
    }
}

/// One domain sample, appended only while the domain runs (f32 keeps 60 samples
/// in 1.2 KiB).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DomainSample {
    /// CPU in cores.
    pub cpu_cores: f32,
    /// Swap writes per second.
    pub swap_write_pps: f32,
    /// NIC bytes/s sent.
    pub nic_tx: f32,
    /// NIC bytes/s received.
    pub nic_rx: f32,
    /// max(IDC TX, IDC RX) bytes/s.
    pub idc: f32,
}

/// The owner's previous report of a domain: the baseline of its next delta.
#[derive(Debug, Clone, Copy, PartialEq)]
struct DomainBaseline {
    host: HostIdx,
    domid: DomId,
    generation: u64,
    time_ms: u64,
    cpu_time_ns: u64,
    swap_write_pages: u64,
    swap_read_pages: u64,
    external: TrafficCounters,
    other: TrafficCounters,
}

/// The latest rates of a domain (from its last valid delta).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DomainRates {
    /// CPU in cores.
    pub cpu_cores: f64,
    /// Swap writes per second.
    pub swap_write_pps: f64,
    /// Swap reads per second.
    pub swap_read_pps: f64,
    /// All traffic (peers, external, other), bytes/s.
    pub traffic: TrafficRates,
}

/// Everything the RMN knows about one domain, keyed by UUID across hosts.
#[derive(Debug, Clone)]
pub struct DomainEntry {
    /// Identity.
    pub uuid: DomainUuid,
    /// Name from the latest owner report.
    pub name: Box<str>,
    /// The host whose reports count for this domain (Figure 3.6).
    pub owner: HostIdx,
    /// Domid on the owner.
    pub domid: DomId,
    /// State in the owner's latest report.
    pub state: DomainState,
    /// Whether the owner's latest report listed it.
    pub present: bool,
    /// Allocated memory, bytes.
    pub mem_bytes: u64,
    /// Maximum memory, bytes.
    pub max_mem_bytes: u64,
    /// Latest rates; kept across a migration until the destination yields its own.
    pub rates: Option<DomainRates>,
    /// Per-peer traffic, sorted by key.
    pub peers: Vec<PeerEntry>,
    /// Samples taken while running, continued across hosts.
    pub history: Ring<DomainSample>,
    /// Own addresses (to resolve IP/MAC peers).
    pub ips: Vec<IpAddr>,
    /// Own MAC addresses.
    pub macs: Vec<MacAddr>,
    /// RMN time this domain was last reported by any host.
    pub last_seen_ms: u64,
    /// RMN time of the last action on it (emission or result): the cooldown clock.
    pub last_action_ms: Option<u64>,
    /// The host it last left and when (RMN time): the return block.
    pub left: Option<(HostIdx, u64)>,
    /// Destination of a migration the executor reported complete: that host's
    /// next "running" report takes ownership whatever order reports arrive in.
    pub moved_to: Option<HostIdx>,
    baseline: Option<DomainBaseline>,
}

/// What [`LoadCollector::ingest`] did with a report, for logs and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestSummary {
    /// Whether a host sample was appended (needs a previous report of the same generation).
    pub host_sampled: bool,
    /// Domains that got a history sample.
    pub domains_sampled: usize,
    /// Domains whose ownership moved to this host (a migration completed).
    pub adopted: Vec<DomainUuid>,
    /// Domains reported here that another host owns (a migration in progress); ignored.
    pub foreign: Vec<DomainUuid>,
}

/// Hosts, domains and the address map.
#[derive(Debug, Clone)]
pub struct LoadCollector {
    history_len: usize,
    /// Host table; index = [`HostIdx`].
    pub hosts: Vec<HostEntry>,
    /// Host name → index (ordered: iteration order of decisions).
    pub host_index: BTreeMap<HostId, HostIdx>,
    /// Domain arena; `None` = free slot.
    pub domains: Vec<Option<DomainEntry>>,
    /// UUID → arena index.
    pub domain_index: BTreeMap<DomainUuid, DomIdx>,
    free_slots: Vec<DomIdx>,
    /// Domains that vanished from their owner's report: the only ones the
    /// garbage collection needs to look at.
    absent: Vec<DomIdx>,
    ip_owner: BTreeMap<IpAddr, DomainUuid>,
    mac_owner: BTreeMap<MacAddr, DomainUuid>,
}

impl LoadCollector {
    /// An empty collector keeping `history_len` samples per host and domain.
    pub fn new(history_len: usize) -> Self {
        Self {
            history_len,
            hosts: Vec::new(),
            host_index: BTreeMap::new(),
            domains: Vec::new(),
            domain_index: BTreeMap::new(),
            free_slots: Vec::new(),
            absent: Vec::new(),
            ip_owner: BTreeMap::new(),
            mac_owner: BTreeMap::new(),
        }
    }

    /// The domain at `idx` (panic-free: `None` for a freed slot).
    pub fn domain(&self, idx: DomIdx) -> Option<&DomainEntry> {
        self.domains.get(idx).and_then(Option::as_ref)
    }

    /// Mutable domain access.
    pub fn domain_mut(&mut self, idx: DomIdx) -> Option<&mut DomainEntry> {
        self.domains.get_mut(idx).and_then(Option::as_mut)
    }

    /// The domain with this UUID.
    pub fn domain_by_uuid(&self, uuid: &DomainUuid) -> Option<(DomIdx, &DomainEntry)> {
        let idx = *self.domain_index.get(uuid)?;
        self.domain(idx).map(|d| (idx, d))
    }

    /// Resolves a peer key to a domain of the cluster.
    pub fn resolve_peer(&self, key: &reunion_model::PeerKey) -> Option<DomIdx> {
        let uuid = match key {
            reunion_model::PeerKey::Domain(uuid) => *uuid,
            reunion_model::PeerKey::Ip(ip) => *self.ip_owner.get(ip)?,
            reunion_model::PeerKey::Mac(mac) => *self.mac_owner.get(mac)?,
        };
        self.domain_index.get(&uuid).copied()
    }

    /// The previous sequence number ingested from `host` in `generation`, if any.
    pub fn last_seq(&self, host: &HostId, generation: u64) -> Option<u64> {
        let idx = *self.host_index.get(host)?;
        let base = self.hosts.get(idx)?.baseline?;
        (base.generation == generation).then_some(base.seq)
    }

    fn host_slot(&mut self, report: &HostReport) -> HostIdx {
        if let Some(&idx) = self.host_index.get(&report.host) {
            return idx;
        }
        let idx = self.hosts.len();
        self.hosts.push(HostEntry {
            id: report.host.clone(),
            capacity: report.capacity,
            migration_in_flight: report.migration_in_flight,
            last_ingest_ms: 0,
            sample_start_ms: 0,
            migration_ended_ms: None,
            history: Ring::new(self.history_len),
            load: HostLoad::default(),
            residents: Vec::new(),
            baseline: None,
        });
        self.host_index.insert(report.host.clone(), idx);
        idx
    }

    fn domain_slot(&mut self, dom: &DomainReport, host: HostIdx, now_ms: u64) -> DomIdx {
        if let Some(&idx) = self.domain_index.get(&dom.uuid) {
            return idx;
        }
        let entry = DomainEntry {
            uuid: dom.uuid,
            name: dom.name.as_str().into(),
            owner: host,
            domid: dom.domid,
            state: dom.state,
            present: true,
            mem_bytes: dom.mem_bytes,
            max_mem_bytes: dom.max_mem_bytes,
            rates: None,
            peers: Vec::new(),
            history: Ring::new(self.history_len),
            ips: Vec::new(),
            macs: Vec::new(),
            last_seen_ms: now_ms,
            last_action_ms: None,
            left: None,
            moved_to: None,
            baseline: None,
        };
        let idx = match self.free_slots.pop() {
            Some(idx) => {
                self.domains[idx] = Some(entry);
                idx
            }
            None => {
                self.domains.push(Some(entry));
                self.domains.len() - 1
            }
        };
        self.domain_index.insert(dom.uuid, idx);
        idx
    }

    /// Whether a report of `dom` from `host` is the one that counts. The owner's
    /// always does. Another host's report takes ownership only once the domain
    /// runs there and the owner no longer reports it running, or the owner went
    /// silent, or a migration to that host is known (`expected_destination`).
    fn claims_ownership(
        &self,
        entry: &DomainEntry,
        dom: &DomainReport,
        host: HostIdx,
        owner_stale: bool,
        expected_destination: Option<HostIdx>,
    ) -> bool {
        if entry.owner == host {
            return true;
        }
        dom.state == DomainState::Running
            && (!entry.present
                || entry.state != DomainState::Running
                || owner_stale
                || expected_destination == Some(host)
                || entry.moved_to == Some(host))
    }

    /// Ingests one validated, normalized report at RMN time `now_ms`.
    ///
    /// `is_stale(host)` tells whether a host's reports stopped arriving;
    /// `migrating_to(uuid)` names the destination of an in-flight migration.
    pub fn ingest(
        &mut self,
        now_ms: u64,
        report: &HostReport,
        is_stale: impl Fn(&HostEntry) -> bool,
        migrating_to: impl Fn(&DomainUuid) -> Option<HostId>,
    ) -> IngestSummary {
        let mut summary = IngestSummary::default();
        let host_idx = self.host_slot(report);
        let host_dt = self.hosts[host_idx].baseline.and_then(|b| {
            (b.generation == report.generation && report.time_ms > b.time_ms)
                .then(|| (report.time_ms - b.time_ms) as f64 / 1000.0)
        });
        let dom0_cores = self.hosts[host_idx].baseline.and_then(|b| {
            let dt = host_dt?;
            let ns = report.dom0_cpu_time_ns.checked_sub(b.dom0_cpu_time_ns)?;
            Some(ns as f64 / 1e9 / dt)
        });
        let mut load = HostLoad {
            cpu_cores: dom0_cores.unwrap_or(0.0),
            ..HostLoad::default()
        };
        let previous_residents = std::mem::take(&mut self.hosts[host_idx].residents);
        let mut residents = Vec::with_capacity(report.domains.len());

        // Reports and residents are both in UUID order: walking them together
        // finds most domains without a map lookup.
        let mut cursor = 0;
        for dom in &report.domains {
            while cursor < previous_residents.len()
                && self
                    .uuid_of(previous_residents[cursor])
                    .is_some_and(|u| u < dom.uuid)
            {
                cursor += 1;
            }
            let idx = match previous_residents.get(cursor) {
                Some(&idx) if self.uuid_of(idx) == Some(dom.uuid) => idx,
                _ => self.domain_slot(dom, host_idx, now_ms),
            };
            let Some(entry) = self.domain(idx) else {
                continue;
            };
            let owner_stale = self.hosts.get(entry.owner).is_none_or(&is_stale);
            let expected = migrating_to(&dom.uuid).and_then(|h| self.host_index.get(&h).copied());
            if !self.claims_ownership(entry, dom, host_idx, owner_stale, expected) {
                summary.foreign.push(dom.uuid);
                if let Some(entry) = self.domain_mut(idx) {
                    entry.last_seen_ms = now_ms;
                }
                continue;
            }
            let adopted = entry.owner != host_idx;
            let old_owner = entry.owner;
            if adopted {
                summary.adopted.push(dom.uuid);
            }
            self.update_addresses(idx, dom);
            let Some(entry) = self.domain_mut(idx) else {
                continue;
            };
            if adopted {
                entry.owner = host_idx;
                entry.left = Some((old_owner, now_ms));
                entry.moved_to = None;
            }
            if let Some(rates) = apply_domain_report(entry, dom, host_idx, report) {
                load.cpu_cores += rates.cpu_cores;
                load.swap_write_pps += rates.swap_write_pps;
                load.traffic.add(&rates.traffic);
                if dom.state == DomainState::Running {
                    summary.domains_sampled += 1;
                }
            }
            entry.last_seen_ms = now_ms;
            entry.present = true;
            residents.push(idx);
        }

        // Residents that vanished from this report: gone from this host
        // (migrated away, destroyed). Ownership stays until another host claims.
        for idx in previous_residents {
            if residents
                .binary_search_by_key(&self.uuid_of(idx), |&r| self.uuid_of(r))
                .is_err()
            {
                let vanished = self.domain_mut(idx).is_some_and(|entry| {
                    let vanished = entry.owner == host_idx && entry.present;
                    if vanished {
                        entry.present = false;
                    }
                    vanished
                });
                if vanished {
                    self.absent.push(idx);
                }
            }
        }

        let host = &mut self.hosts[host_idx];
        host.capacity = report.capacity;
        host.migration_in_flight = report.migration_in_flight;
        if host_dt.is_some() {
            host.sample_start_ms = host.last_ingest_ms;
        }
        host.last_ingest_ms = now_ms;
        host.residents = residents;
        if host_dt.is_some() {
            let cpus = f64::from(report.capacity.physical_cpus);
            let link_bytes = report.capacity.nic_bandwidth_bps as f64 / 8.0;
            host.history.push(HostSample {
                cpu: load.cpu_cores / cpus,
                swap_write_pps: load.swap_write_pps,
                nic: load.traffic.nic() / link_bytes,
            });
            host.load = load;
            summary.host_sampled = true;
        }
        host.baseline = Some(HostBaseline {
            seq: report.seq,
            time_ms: report.time_ms,
            generation: report.generation,
            dom0_cpu_time_ns: report.dom0_cpu_time_ns,
        });
        summary
    }

    fn uuid_of(&self, idx: DomIdx) -> Option<DomainUuid> {
        self.domain(idx).map(|d| d.uuid)
    }

    fn update_addresses(&mut self, idx: DomIdx, dom: &DomainReport) {
        let Some(entry) = self.domain(idx) else {
            return;
        };
        if entry.ips == dom.ips && entry.macs == dom.macs {
            return;
        }
        let (old_ips, old_macs) = (entry.ips.clone(), entry.macs.clone());
        for ip in old_ips {
            if self.ip_owner.get(&ip) == Some(&dom.uuid) {
                self.ip_owner.remove(&ip);
            }
        }
        for mac in old_macs {
            if self.mac_owner.get(&mac) == Some(&dom.uuid) {
                self.mac_owner.remove(&mac);
            }
        }
        for ip in &dom.ips {
            self.ip_owner.insert(*ip, dom.uuid);
        }
        for mac in &dom.macs {
            self.mac_owner.insert(*mac, dom.uuid);
        }
        if let Some(entry) = self.domain_mut(idx) {
            entry.ips = dom.ips.clone();
            entry.macs = dom.macs.clone();
        }
    }

    /// Forgets domains no host reported since `cutoff_ms` (RMN time). They
    /// are in no host's residents, so no index dangles.
    pub fn forget_domains_unseen_since(&mut self, cutoff_ms: u64) {
        let candidates = std::mem::take(&mut self.absent);
        for idx in candidates {
            let Some(entry) = self.domain(idx) else {
                continue;
            };
            if entry.present {
                continue; // back on some host
            }
            if entry.last_seen_ms >= cutoff_ms {
                self.absent.push(idx); // not yet
                continue;
            }
            let Some(entry) = self.domains.get_mut(idx).and_then(Option::take) else {
                continue;
            };
            let uuid = entry.uuid;
            for ip in &entry.ips {
                if self.ip_owner.get(ip) == Some(&uuid) {
                    self.ip_owner.remove(ip);
                }
            }
            for mac in &entry.macs {
                if self.mac_owner.get(mac) == Some(&uuid) {
                    self.mac_owner.remove(mac);
                }
            }
            self.domain_index.remove(&uuid);
            self.free_slots.push(idx);
        }
    }

    /// Approximate heap bytes held per domain (for the memory benchmark).
    pub fn domain_heap_bytes(&self) -> usize {
        self.domains
            .iter()
            .flatten()
            .map(|d| {
                std::mem::size_of::<DomainEntry>()
                    + d.name.len()
                    + d.history.heap_bytes()
                    + d.peers.capacity() * std::mem::size_of::<PeerEntry>()
                    + d.ips.capacity() * std::mem::size_of::<IpAddr>()
                    + d.macs.capacity() * std::mem::size_of::<MacAddr>()
            })
            .sum()
    }
}

/// Applies the owner's report of a domain: gauges, then rates from the delta
/// against the previous owner report if that delta is valid (same host, domid
/// and generation, time advanced, no counter went backwards). Appends a history
/// sample when the domain is running. Returns the rates of a valid delta.
fn apply_domain_report(
    entry: &mut DomainEntry,
    dom: &DomainReport,
    host: HostIdx,
    report: &HostReport,
) -> Option<DomainRates> {
    if *entry.name != *dom.name {
        entry.name = dom.name.as_str().into();
    }
    entry.domid = dom.domid;
    entry.state = dom.state;
    entry.mem_bytes = dom.mem_bytes;
    entry.max_mem_bytes = dom.max_mem_bytes;

    let delta = entry.baseline.and_then(|b| {
        if b.host != host
            || b.domid != dom.domid
            || b.generation != report.generation
            || report.time_ms <= b.time_ms
        {
            return None;
        }
        let seconds = (report.time_ms - b.time_ms) as f64 / 1000.0;
        let cpu_ns = dom.cpu_time_ns.checked_sub(b.cpu_time_ns)?;
        let swap_w = dom.swap_write_pages.checked_sub(b.swap_write_pages)?;
        let swap_r = dom.swap_read_pages.checked_sub(b.swap_read_pages)?;
        let buckets = counter_delta(dom.traffic.external, b.external)?
            .wrapping_add(counter_delta(dom.traffic.other, b.other)?);
        Some((seconds, cpu_ns, swap_w, swap_r, buckets))
    });
    entry.baseline = Some(DomainBaseline {
        host,
        domid: dom.domid,
        generation: report.generation,
        time_ms: report.time_ms,
        cpu_time_ns: dom.cpu_time_ns,
        swap_write_pages: dom.swap_write_pages,
        swap_read_pages: dom.swap_read_pages,
        external: dom.traffic.external,
        other: dom.traffic.other,
    });

    let Some((seconds, cpu_ns, swap_w, swap_r, buckets)) = delta else {
        merge_peers(&mut entry.peers, &dom.traffic, None);
        return None;
    };
    let mut traffic = merge_peers(&mut entry.peers, &dom.traffic, Some(seconds));
    traffic.add(&TrafficRates::from_delta(buckets, seconds));
    let rates = DomainRates {
        cpu_cores: cpu_ns as f64 / 1e9 / seconds,
        swap_write_pps: swap_w as f64 / seconds,
        swap_read_pps: swap_r as f64 / seconds,
        traffic,
    };
    entry.rates = Some(rates);
    if dom.state == DomainState::Running {
        entry.history.push(DomainSample {
            cpu_cores: rates.cpu_cores as f32,
            swap_write_pps: rates.swap_write_pps as f32,
            nic_tx: rates.traffic.nic_tx as f32,
            nic_rx: rates.traffic.nic_rx as f32,
            idc: rates.traffic.idc() as f32,
        });
    }
    Some(rates)
}
