//! A tiny deterministic cluster for scenario tests: it turns per-VM rates into
//! cumulative reports (as an agent would), feeds the RMN, and executes actions.
#![allow(dead_code)] // each test file uses a different subset of the harness

use reunion_model::{
    Action, ActionKind, ActionOutcome, ActionResult, DomId, DomainReport, DomainState,
    DomainTraffic, DomainUuid, HostCapacity, HostId, HostReport, PeerKey, PeerTraffic, RmnConfig,
    TrafficCounters, MIB,
};
use reunion_rmn::{Rmn, Round};
use std::collections::BTreeMap;

pub const INTERVAL_MS: u64 = 10_000;
pub const GIGABIT: u64 = 1_000_000_000;
/// Bytes per second that fill a gigabit link.
pub const LINK_BYTES: f64 = GIGABIT as f64 / 8.0;

#[derive(Debug, Clone)]
pub struct HostSpec {
    pub cpus: u32,
    pub mem_total: u64,
    pub mem_free: u64,
    pub link_bps: u64,
    pub dom0_cores: f64,
    pub migration_in_flight: bool,
}

impl Default for HostSpec {
    fn default() -> Self {
        Self {
            cpus: 4,
            mem_total: 8192 * MIB,
            mem_free: 4096 * MIB,
            link_bps: GIGABIT,
            dom0_cores: 0.0,
            migration_in_flight: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Vm {
    pub uuid: DomainUuid,
    pub name: String,
    pub host: String,
    pub domid: u32,
    pub state: DomainState,
    pub cpu_cores: f64,
    pub mem: u64,
    pub max_mem: u64,
    pub swap_write_pps: f64,
    /// External (client) traffic, bytes/s each direction.
    pub external_bps: f64,
    // cumulative counters
    cpu_ns: u64,
    swap_w: u64,
    external: TrafficCounters,
    peers: BTreeMap<DomainUuid, TrafficCounters>,
}

#[derive(Debug, Clone)]
pub struct Cluster {
    pub hosts: BTreeMap<String, HostSpec>,
    pub vms: BTreeMap<DomainUuid, Vm>,
    /// Symmetric flows: (a, b) → bytes/s each way.
    pub flows: BTreeMap<(DomainUuid, DomainUuid), f64>,
    pub time_ms: u64,
    seq: BTreeMap<String, u64>,
    dom0_ns: BTreeMap<String, u64>,
    next_domid: u32,
}

pub fn uuid(n: u128) -> DomainUuid {
    DomainUuid::from_u128(n)
}

impl Cluster {
    pub fn new() -> Self {
        Self {
            hosts: BTreeMap::new(),
            vms: BTreeMap::new(),
            flows: BTreeMap::new(),
            time_ms: 1_000_000,
            seq: BTreeMap::new(),
            dom0_ns: BTreeMap::new(),
            next_domid: 1,
        }
    }

    pub fn host(&mut self, name: &str, spec: HostSpec) -> &mut Self {
        self.hosts.insert(name.to_string(), spec);
        self
    }

    pub fn vm(&mut self, n: u128, host: &str, cpu_cores: f64, mem_mib: u64) -> &mut Self {
        let domid = self.next_domid;
        self.next_domid += 1;
        self.vms.insert(
            uuid(n),
            Vm {
                uuid: uuid(n),
                name: format!("vm{n}"),
                host: host.to_string(),
                domid,
                state: DomainState::Running,
                cpu_cores,
                mem: mem_mib * MIB,
                max_mem: mem_mib * MIB,
                swap_write_pps: 0.0,
                external_bps: 0.0,
                cpu_ns: 0,
                swap_w: 0,
                external: TrafficCounters::default(),
                peers: BTreeMap::new(),
            },
        );
        self
    }

    pub fn vm_mut(&mut self, n: u128) -> &mut Vm {
        self.vms.get_mut(&uuid(n)).expect("vm exists")
    }

    pub fn flow(&mut self, a: u128, b: u128, bytes_per_s: f64) -> &mut Self {
        let (x, y) = if a < b {
            (uuid(a), uuid(b))
        } else {
            (uuid(b), uuid(a))
        };
        self.flows.insert((x, y), bytes_per_s);
        self
    }

    /// Advances one interval: accumulates counters from the current rates.
    pub fn advance(&mut self) {
        self.time_ms += INTERVAL_MS;
        let secs = INTERVAL_MS as f64 / 1000.0;
        let hosts: BTreeMap<DomainUuid, String> = self
            .vms
            .values()
            .map(|v| (v.uuid, v.host.clone()))
            .collect();
        for vm in self.vms.values_mut() {
            if vm.state != DomainState::Running {
                continue;
            }
            vm.cpu_ns += (vm.cpu_cores * 1e9 * secs) as u64;
            vm.swap_w += (vm.swap_write_pps * secs) as u64;
            let ext = (vm.external_bps * secs) as u64;
            vm.external.nic_tx_bytes += ext;
            vm.external.nic_rx_bytes += ext;
        }
        for (&(a, b), &rate) in &self.flows {
            let bytes = (rate * secs) as u64;
            let same_host = hosts.get(&a) == hosts.get(&b);
            for (me, peer) in [(a, b), (b, a)] {
                if let Some(vm) = self.vms.get_mut(&me) {
                    if vm.state != DomainState::Running {
                        continue;
                    }
                    let c = vm.peers.entry(peer).or_default();
                    if same_host {
                        c.idc_tx_bytes += bytes;
                        c.idc_rx_bytes += bytes;
                    } else {
                        c.nic_tx_bytes += bytes;
                        c.nic_rx_bytes += bytes;
                    }
                }
            }
        }
        for (name, spec) in &self.hosts {
            *self.dom0_ns.entry(name.clone()).or_insert(0) += (spec.dom0_cores * 1e9 * secs) as u64;
        }
    }

    pub fn reports(&mut self) -> Vec<HostReport> {
        let mut reports = Vec::new();
        for (name, spec) in &self.hosts {
            let seq = self.seq.entry(name.clone()).or_insert(0);
            *seq += 1;
            let domains = self
                .vms
                .values()
                .filter(|v| &v.host == name)
                .map(|v| DomainReport {
                    uuid: v.uuid,
                    domid: DomId(v.domid),
                    name: v.name.clone(),
                    state: v.state,
                    cpu_time_ns: v.cpu_ns,
                    mem_bytes: v.mem,
                    max_mem_bytes: v.max_mem,
                    swap_write_pages: v.swap_w,
                    swap_read_pages: 0,
                    ips: vec![],
                    macs: vec![],
                    traffic: DomainTraffic {
                        peers: v
                            .peers
                            .iter()
                            .map(|(p, c)| PeerTraffic {
                                peer: PeerKey::Domain(*p),
                                counters: *c,
                            })
                            .collect(),
                        external: v.external,
                        other: TrafficCounters::default(),
                    },
                })
                .collect();
            reports.push(HostReport {
                host: HostId::new(name.as_str()),
                seq: *seq,
                time_ms: self.time_ms,
                interval_ms: INTERVAL_MS,
                generation: 1,
                capacity: HostCapacity {
                    physical_cpus: spec.cpus,
                    mem_total_bytes: spec.mem_total,
                    mem_free_bytes: spec.mem_free,
                    nic_bandwidth_bps: spec.link_bps,
                },
                dom0_cpu_time_ns: self.dom0_ns.get(name).copied().unwrap_or(0),
                migration_in_flight: spec.migration_in_flight,
                domains,
            });
        }
        reports
    }

    /// One interval: advance, ingest every report, decide.
    pub fn tick(&mut self, rmn: &mut Rmn) -> Round {
        self.advance();
        for report in self.reports() {
            rmn.ingest(self.time_ms, report).expect("valid report");
        }
        rmn.decide(self.time_ms)
    }

    /// Runs `n` ticks without executing actions; returns all rounds.
    pub fn ticks(&mut self, rmn: &mut Rmn, n: usize) -> Vec<Round> {
        (0..n).map(|_| self.tick(rmn)).collect()
    }

    /// Executes an action instantly (a migration restarts the VM's counters on
    /// the destination with a new domid) and answers the RMN.
    pub fn execute(&mut self, rmn: &mut Rmn, action: &Action) {
        match &action.kind {
            ActionKind::MemSet {
                uuid, target_bytes, ..
            } => {
                let vm = self.vms.get_mut(uuid).expect("vm");
                let grown = target_bytes.saturating_sub(vm.mem);
                vm.mem = *target_bytes;
                let host = self.hosts.get_mut(&vm.host).expect("host");
                host.mem_free = host.mem_free.saturating_sub(grown);
            }
            ActionKind::Migrate {
                uuid, destination, ..
            } => {
                let domid = self.next_domid;
                self.next_domid += 1;
                let vm = self.vms.get_mut(uuid).expect("vm");
                let old = std::mem::replace(&mut vm.host, destination.as_str().to_string());
                vm.domid = domid;
                vm.cpu_ns = 0;
                vm.swap_w = 0;
                vm.external = TrafficCounters::default();
                vm.peers.clear();
                let mem = vm.mem;
                if let Some(h) = self.hosts.get_mut(&old) {
                    h.mem_free += mem;
                }
                if let Some(h) = self.hosts.get_mut(destination.as_str()) {
                    h.mem_free = h.mem_free.saturating_sub(mem);
                }
            }
        }
        rmn.action_result(
            self.time_ms,
            &ActionResult {
                id: action.id,
                outcome: ActionOutcome::Ok,
            },
        )
        .expect("action in flight");
    }
}

pub fn rmn(config: RmnConfig) -> Rmn {
    Rmn::new(config).expect("valid config")
}

/// The first migration in a set of rounds: (victim uuid, destination host).
pub fn first_migration(rounds: &[Round]) -> Option<(DomainUuid, String)> {
    rounds
        .iter()
        .flat_map(|r| r.records.iter())
        .find_map(|rec| match &rec.action {
            Some(Action {
                kind:
                    ActionKind::Migrate {
                        uuid, destination, ..
                    },
                ..
            }) => Some((*uuid, destination.as_str().to_string())),
            _ => None,
        })
}
