//! The simulated cluster's state: hosts, VMs, flows, groups, in-flight
//! migrations, and the cumulative counters the reports are built from.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use reunion_model::{DomId, DomainUuid, MacAddr};

use crate::constants::SimConstants;
use crate::error::SimError;
use crate::scenario::Scenario;
use crate::series::{Series, SeriesSpec};

/// Megabits in one MiB (2^20 bytes × 8 / 10^6).
pub const MBIT_PER_MIB: f64 = 8.388_608;
/// Bytes in one megabit.
pub const BYTES_PER_MBIT: f64 = 125_000.0;

/// One physical host.
#[derive(Debug, Clone)]
pub struct Host {
    /// Name from the scenario.
    pub name: String,
    /// CPU capacity, calibration cores.
    pub cpus: u32,
    /// Physical memory, MiB.
    pub memory_mib: u64,
    /// Memory kept by dom0, MiB.
    pub dom0_memory_mib: u64,
    /// NIC bandwidth per direction, Mb/s.
    pub nic_mbps: f64,
    /// Cumulative dom0 CPU time, ns.
    pub dom0_cpu_ns: f64,
    /// Next domid this host's Xen hands out.
    pub next_domid: u32,
}

/// Cumulative traffic bytes with one peer on one path.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bytes {
    /// Sent to the peer.
    pub tx: f64,
    /// Received from the peer.
    pub rx: f64,
}

/// A VM's counters with one peer, split by path.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PeerCounters {
    /// The peer VM's index.
    pub peer: usize,
    /// Traffic while co-located (IDC).
    pub idc: Bytes,
    /// Traffic while on different hosts (NIC).
    pub nic: Bytes,
}

/// Cumulative counters of one domain instance. They restart from zero when the
/// VM migrates, because the destination runs a new domain (new domid), exactly as
/// Xen's CPU time and idcstat's per-vif counters do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DomainCounters {
    /// CPU time, ns.
    pub cpu_ns: f64,
    /// Swap pages written.
    pub swap_write_pages: f64,
    /// Swap pages read.
    pub swap_read_pages: f64,
    /// Per-peer traffic, one entry per peer in the flow graph.
    pub peers: Vec<PeerCounters>,
    /// Traffic with clients outside the cluster.
    pub external: Bytes,
}

/// One guest VM.
#[derive(Debug, Clone)]
pub struct Vm {
    /// Name from the scenario.
    pub name: String,
    /// Stable identity (derived from the name).
    pub uuid: DomainUuid,
    /// Its IP (for NIC peer keys; no packet is ever sent).
    pub ip: IpAddr,
    /// Its MAC.
    pub mac: MacAddr,
    /// Current domid on its host.
    pub domid: DomId,
    /// Index of the host it runs on.
    pub host: usize,
    /// Index of its group.
    pub group: usize,
    /// Allocated memory, MiB.
    pub alloc_mib: u64,
    /// Most memory it may balloon to, MiB.
    pub max_mib: u64,
    /// CPU demand, calibration cores.
    pub cpu: Series,
    /// Working set, MiB.
    pub working_set: Series,
    /// External TX demand, Mb/s.
    pub external_tx: Series,
    /// External RX demand, Mb/s.
    pub external_rx: Series,
    /// Counters of the current domain instance.
    pub counters: DomainCounters,
}

/// Directed traffic from one VM to another.
#[derive(Debug, Clone)]
pub struct Flow {
    /// Sender index.
    pub from: usize,
    /// Receiver index.
    pub to: usize,
    /// Demanded rate, Mb/s.
    pub rate: Series,
    /// Multiplier (matrix scale; 1 for plain flows).
    pub scale: Series,
    /// Index of `to` in `from`'s peer counters.
    pub from_slot: usize,
    /// Index of `from` in `to`'s peer counters.
    pub to_slot: usize,
}

/// A group (service) of VMs, or one lone VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Group name; a lone VM's group is named after the VM.
    pub name: String,
    /// Whether this is a lone VM rather than a declared group.
    pub lone: bool,
    /// Member VM indices.
    pub members: Vec<usize>,
}

/// A live migration in progress.
#[derive(Debug, Clone, PartialEq)]
pub struct Migration {
    /// The RMN's action id.
    pub action_id: u64,
    /// The VM index.
    pub vm: usize,
    /// Source host index.
    pub source: usize,
    /// Destination host index.
    pub destination: usize,
    /// Megabits still to send.
    pub remaining_mbit: f64,
    /// Megabits in total.
    pub total_mbit: f64,
    /// Domid of the paused incoming copy on the destination.
    pub incoming_domid: DomId,
    /// Simulated time it started, s.
    pub started_s: f64,
}

/// The whole simulated cluster.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Model constants.
    pub constants: SimConstants,
    /// Hosts, in scenario order.
    pub hosts: Vec<Host>,
    /// VMs, in scenario order.
    pub vms: Vec<Vm>,
    /// Flows (plain flows first, then matrix entries).
    pub flows: Vec<Flow>,
    /// Groups, declared groups in order of first appearance, then lone VMs.
    pub groups: Vec<Group>,
    /// Migrations in flight.
    pub migrations: Vec<Migration>,
}

/// A deterministic UUID for a VM name (FNV-1a 128-bit, marked as version 8).
pub fn uuid_for(name: &str) -> DomainUuid {
    let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for byte in name.bytes() {
        hash ^= u128::from(byte);
        hash = hash.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    // Version 8 (custom), RFC 4122 variant.
    hash = (hash & !(0xf << 76)) | (0x8 << 76);
    hash = (hash & !(0x3 << 62)) | (0x2 << 62);
    DomainUuid::from_u128(hash)
}

impl Cluster {
    /// Builds the initial state of a scenario; `seed` fixes its random series.
    pub fn from_scenario(scenario: &Scenario, seed: u64) -> Result<Self, SimError> {
        scenario.validate()?;
        let mut hosts: Vec<Host> = scenario
            .hosts
            .iter()
            .map(|h| Host {
                name: h.name.clone(),
                cpus: h.cpus,
                memory_mib: h.memory_mib,
                dom0_memory_mib: h.dom0_memory_mib,
                nic_mbps: h.nic_mbps,
                dom0_cpu_ns: 0.0,
                next_domid: 1,
            })
            .collect();
        let host_index: BTreeMap<&str, usize> = scenario
            .hosts
            .iter()
            .enumerate()
            .map(|(i, h)| (h.name.as_str(), i))
            .collect();
        let mut groups: Vec<Group> = Vec::new();
        let mut group_index: BTreeMap<String, usize> = BTreeMap::new();
        let mut vms = Vec::with_capacity(scenario.vms.len());
        for (index, spec) in scenario.vms.iter().enumerate() {
            let host = host_index[spec.host.as_str()];
            let domid = DomId(hosts[host].next_domid);
            hosts[host].next_domid += 1;
            let group = match &spec.group {
                Some(name) => *group_index.entry(name.clone()).or_insert_with(|| {
                    groups.push(Group {
                        name: name.clone(),
                        lone: false,
                        members: Vec::new(),
                    });
                    groups.len() - 1
                }),
                None => usize::MAX,
            };
            let series = |spec: &SeriesSpec, what: &str| {
                Series::compile(
                    spec,
                    &format!("vm {:?} {what}", scenario.vms[index].name),
                    seed,
                    &format!("vm/{}/{what}", scenario.vms[index].name),
                )
            };
            let idx = index as u32;
            vms.push(Vm {
                name: spec.name.clone(),
                uuid: uuid_for(&spec.name),
                // 198.18.0.0/15 is reserved for benchmarks: never a real address.
                ip: IpAddr::V4(Ipv4Addr::new(
                    198,
                    18 + (idx >> 16) as u8 % 2,
                    (idx >> 8) as u8,
                    idx as u8,
                )),
                mac: MacAddr([
                    0x00,
                    0x16,
                    0x3e,
                    (idx >> 16) as u8,
                    (idx >> 8) as u8,
                    idx as u8,
                ]),
                domid,
                host,
                group,
                alloc_mib: spec.memory_mib,
                max_mib: spec.max_memory_mib.unwrap_or(spec.memory_mib),
                cpu: series(&spec.cpu, "cpu")?,
                working_set: series(&spec.working_set_mib, "working_set_mib")?,
                external_tx: series(&spec.external_tx_mbps, "external_tx_mbps")?,
                external_rx: series(&spec.external_rx_mbps, "external_rx_mbps")?,
                counters: DomainCounters::default(),
            });
        }
        for (index, vm) in vms.iter_mut().enumerate() {
            if vm.group == usize::MAX {
                groups.push(Group {
                    name: vm.name.clone(),
                    lone: true,
                    members: Vec::new(),
                });
                vm.group = groups.len() - 1;
            }
            groups[vm.group].members.push(index);
        }

        let vm_index: BTreeMap<&str, usize> = scenario
            .vms
            .iter()
            .enumerate()
            .map(|(i, v)| (v.name.as_str(), i))
            .collect();
        let mut directed: Vec<(usize, usize, Series, Series)> = Vec::new();
        for (n, f) in scenario.flows.iter().enumerate() {
            let (a, b) = (vm_index[f.from.as_str()], vm_index[f.to.as_str()]);
            let what = format!("flow {} -> {}", f.from, f.to);
            directed.push((
                a,
                b,
                Series::compile(&f.mbps, &what, seed, &format!("flow/{n}"))?,
                Series::constant(1.0),
            ));
            if let Some(reply) = &f.reply_mbps {
                directed.push((
                    b,
                    a,
                    Series::compile(reply, &what, seed, &format!("flow/{n}/reply"))?,
                    Series::constant(1.0),
                ));
            }
        }
        for (n, m) in scenario.matrices.iter().enumerate() {
            let scale = match &m.scale {
                Some(spec) => Series::compile(
                    spec,
                    &format!("matrix {n} scale"),
                    seed,
                    &format!("matrix/{n}"),
                )?,
                None => Series::constant(1.0),
            };
            for (i, row) in m.mbps.iter().enumerate() {
                for (j, &rate) in row.iter().enumerate() {
                    if rate > 0.0 {
                        directed.push((
                            vm_index[m.vms[i].as_str()],
                            vm_index[m.vms[j].as_str()],
                            Series::constant(rate),
                            scale.clone(),
                        ));
                    }
                }
            }
        }
        let mut flows = Vec::with_capacity(directed.len());
        for (from, to, rate, scale) in directed {
            let from_slot = peer_slot(&mut vms[from].counters.peers, to);
            let to_slot = peer_slot(&mut vms[to].counters.peers, from);
            flows.push(Flow {
                from,
                to,
                rate,
                scale,
                from_slot,
                to_slot,
            });
        }
        Ok(Self {
            constants: scenario.model.clone(),
            hosts,
            vms,
            flows,
            groups,
            migrations: Vec::new(),
        })
    }

    /// Memory Xen can still give to domains on `host`, MiB (incoming migrations
    /// already hold theirs).
    pub fn free_mib(&self, host: usize) -> u64 {
        let used: u64 = self
            .vms
            .iter()
            .filter(|vm| vm.host == host)
            .map(|vm| vm.alloc_mib)
            .sum::<u64>()
            + self
                .migrations
                .iter()
                .filter(|m| m.destination == host)
                .map(|m| self.vms[m.vm].alloc_mib)
                .sum::<u64>();
        let h = &self.hosts[host];
        h.memory_mib.saturating_sub(h.dom0_memory_mib + used)
    }

    /// [`Cluster::free_mib`] of every host, in one pass over the VMs.
    pub fn free_mib_all(&self) -> Vec<u64> {
        let mut used = vec![0u64; self.hosts.len()];
        for vm in &self.vms {
            used[vm.host] += vm.alloc_mib;
        }
        for m in &self.migrations {
            used[m.destination] += self.vms[m.vm].alloc_mib;
        }
        self.hosts
            .iter()
            .zip(used)
            .map(|(h, used)| h.memory_mib.saturating_sub(h.dom0_memory_mib + used))
            .collect()
    }

    /// Whether `host` sends or receives a migration now.
    pub fn migrating_host(&self, host: usize) -> bool {
        self.migrations
            .iter()
            .any(|m| m.source == host || m.destination == host)
    }

    /// The migration of `vm`, if one is in flight.
    pub fn migration_of(&self, vm: usize) -> Option<&Migration> {
        self.migrations.iter().find(|m| m.vm == vm)
    }

    /// Host index by name.
    pub fn host_by_name(&self, name: &str) -> Option<usize> {
        self.hosts.iter().position(|h| h.name == name)
    }

    /// VM index by UUID.
    pub fn vm_by_uuid(&self, uuid: DomainUuid) -> Option<usize> {
        self.vms.iter().position(|vm| vm.uuid == uuid)
    }

    /// Sets a VM's memory target: instantaneous, bounded by its max memory and the
    /// host's free memory. Returns the new allocation, MiB.
    pub fn mem_set(&mut self, vm: usize, target_mib: u64) -> u64 {
        let current = self.vms[vm].alloc_mib;
        let free = self.free_mib(self.vms[vm].host);
        let target = target_mib.min(self.vms[vm].max_mib).min(current + free);
        self.vms[vm].alloc_mib = target;
        target
    }

    /// Starts a live migration if the destination has the memory; returns why not
    /// otherwise.
    pub fn start_migration(
        &mut self,
        action_id: u64,
        vm: usize,
        destination: usize,
        now_s: f64,
    ) -> Result<(), String> {
        let source = self.vms[vm].host;
        if source == destination {
            return Err(format!(
                "{} already runs on {}",
                self.vms[vm].name, self.hosts[destination].name
            ));
        }
        if self.migration_of(vm).is_some() {
            return Err(format!("{} is already migrating", self.vms[vm].name));
        }
        let need = self.vms[vm].alloc_mib;
        let free = self.free_mib(destination);
        if need > free {
            return Err(format!(
                "{}: not enough memory on {} ({need} MiB needed, {free} MiB free)",
                self.vms[vm].name, self.hosts[destination].name
            ));
        }
        let incoming_domid = DomId(self.hosts[destination].next_domid);
        self.hosts[destination].next_domid += 1;
        let total_mbit = need as f64 * MBIT_PER_MIB * self.constants.migration_overhead;
        self.migrations.push(Migration {
            action_id,
            vm,
            source,
            destination,
            remaining_mbit: total_mbit,
            total_mbit,
            incoming_domid,
            started_s: now_s,
        });
        Ok(())
    }

    /// Moves a VM whose migration finished to its destination, with a new domain
    /// instance (new domid, counters from zero).
    pub fn finish_migration(&mut self, migration: &Migration) {
        let vm = &mut self.vms[migration.vm];
        vm.host = migration.destination;
        vm.domid = migration.incoming_domid;
        for peer in &mut vm.counters.peers {
            peer.idc = Bytes::default();
            peer.nic = Bytes::default();
        }
        vm.counters.cpu_ns = 0.0;
        vm.counters.swap_write_pages = 0.0;
        vm.counters.swap_read_pages = 0.0;
        vm.counters.external = Bytes::default();
    }
}

fn peer_slot(peers: &mut Vec<PeerCounters>, peer: usize) -> usize {
    if let Some(slot) = peers.iter().position(|p| p.peer == peer) {
        return slot;
    }
    peers.push(PeerCounters {
        peer,
        ..PeerCounters::default()
    });
    peers.len() - 1
}
