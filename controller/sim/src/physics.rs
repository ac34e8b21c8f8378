//! One simulation tick: demands, CPU sharing, max-min NIC sharing, per-byte CPU
//! cost, swap, delivered throughput, migration progress and counters.
//!
//! docs/simulator.md states the model and every constant.

use crate::cluster::{Cluster, Migration, BYTES_PER_MBIT};
use crate::maxmin::{max_min_share, FlowDemand};

/// What one tick measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TickOutcome {
    /// Per host: CPU utilization (consumed ÷ capacity, dom0 included), 0..=1.
    pub host_cpu: Vec<f64>,
    /// Per host: NIC utilization, max(TX, RX) ÷ link, migrations included.
    pub host_nic: Vec<f64>,
    /// Per host: swap writes, pages/s.
    pub host_swap: Vec<f64>,
    /// Per VM: delivered fraction of its demand, 0..=1.
    pub vm_delivered: Vec<f64>,
    /// Per VM: utilization of its most loaded resource (for 1/(1-ρ)).
    pub vm_rho: Vec<f64>,
    /// Application megabits that crossed a NIC this tick (each counted once).
    pub nic_mbit: f64,
    /// The part of `nic_mbit` that is traffic between two VMs of the cluster.
    pub inter_vm_nic_mbit: f64,
    /// Application megabits carried by IDC this tick.
    pub idc_mbit: f64,
    /// Migration megabits sent this tick.
    pub migration_mbit: f64,
    /// Migrations that finished this tick (already applied to the cluster).
    pub finished: Vec<Migration>,
}

/// What kind of traffic a max-min flow is.
#[derive(Debug, Clone, Copy)]
enum Carrier {
    /// Index into `cluster.flows`.
    Peer(usize),
    /// External traffic of a VM, sent.
    ExternalTx(usize),
    /// External traffic of a VM, received.
    ExternalRx(usize),
    /// Index into `cluster.migrations`.
    Migration(usize),
}

struct Demands {
    cpu: Vec<f64>,
    memory_factor: Vec<f64>,
    swap_pages_per_s: Vec<f64>,
    external_tx: Vec<f64>,
    external_rx: Vec<f64>,
    flow: Vec<f64>,
}

fn demands(cluster: &mut Cluster, now_s: f64) -> Demands {
    let k = cluster.constants.swap_pages_per_s_per_mib;
    let n = cluster.vms.len();
    let mut d = Demands {
        cpu: Vec::with_capacity(n),
        memory_factor: Vec::with_capacity(n),
        swap_pages_per_s: Vec::with_capacity(n),
        external_tx: Vec::with_capacity(n),
        external_rx: Vec::with_capacity(n),
        flow: Vec::with_capacity(cluster.flows.len()),
    };
    for vm in &mut cluster.vms {
        d.cpu.push(vm.cpu.value_at(now_s));
        let working_set = vm.working_set.value_at(now_s);
        let alloc = vm.alloc_mib as f64;
        let deficit = (working_set - alloc).max(0.0);
        d.memory_factor.push(if deficit > 0.0 {
            alloc / working_set
        } else {
            1.0
        });
        d.swap_pages_per_s.push(k * deficit);
        d.external_tx.push(vm.external_tx.value_at(now_s));
        d.external_rx.push(vm.external_rx.value_at(now_s));
    }
    for flow in &mut cluster.flows {
        d.flow
            .push(flow.rate.value_at(now_s) * flow.scale.value_at(now_s));
    }
    d
}

/// Per-pass results of the sharing computation.
struct Shares {
    /// Granted rate per flow of `cluster.flows` (IDC or NIC), Mb/s.
    flow: Vec<f64>,
    external_tx: Vec<f64>,
    external_rx: Vec<f64>,
    migration: Vec<f64>,
    /// Per VM: granted ÷ offered NIC traffic.
    network_factor: Vec<f64>,
    /// Per VM: NIC traffic ÷ its network bound (max of TX, RX).
    bound_use: Vec<f64>,
    /// Per VM: whether it offered any NIC traffic.
    uses_nic: Vec<bool>,
    /// Per host: CPU scale factor (1 when not oversubscribed).
    cpu_scale: Vec<f64>,
    /// Per host: CPU demanded, cores (guests + dom0).
    cpu_demand: Vec<f64>,
    /// Per VM: guest CPU demanded, cores.
    vm_cpu_demand: Vec<f64>,
    /// Per host: dom0 CPU demanded, cores.
    dom0_cpu_demand: Vec<f64>,
    host_tx: Vec<f64>,
    host_rx: Vec<f64>,
}

fn share(cluster: &Cluster, d: &Demands, work: &[f64]) -> Shares {
    let c = &cluster.constants;
    let hosts = cluster.hosts.len();
    let vms = cluster.vms.len();
    let host_tx = |h: usize| (2 * h) as u32;
    let host_rx = |h: usize| (2 * h + 1) as u32;
    let vm_tx = |v: usize| (2 * hosts + 2 * v) as u32;
    let vm_rx = |v: usize| (2 * hosts + 2 * v + 1) as u32;
    let mut capacities = Vec::with_capacity(2 * hosts + 2 * vms);
    for h in &cluster.hosts {
        capacities.push(h.nic_mbps);
        capacities.push(h.nic_mbps);
    }
    capacities.resize(2 * hosts + 2 * vms, c.vm_network_bound_mbps);

    let mut demands = Vec::new();
    let mut carriers = Vec::new();
    let mut offered_nic = vec![0.0; vms];
    let mut flow_rate = vec![0.0; cluster.flows.len()];
    for (i, f) in cluster.flows.iter().enumerate() {
        let offered = d.flow[i] * work[f.from].min(work[f.to]);
        let (a, b) = (cluster.vms[f.from].host, cluster.vms[f.to].host);
        if a == b {
            flow_rate[i] = offered;
        } else if offered > 0.0 {
            offered_nic[f.from] += offered;
            offered_nic[f.to] += offered;
            demands.push(FlowDemand::new(
                offered,
                &[host_tx(a), host_rx(b), vm_tx(f.from), vm_rx(f.to)],
            ));
            carriers.push(Carrier::Peer(i));
        }
    }
    for v in 0..vms {
        let h = cluster.vms[v].host;
        let tx = d.external_tx[v] * work[v];
        let rx = d.external_rx[v] * work[v];
        offered_nic[v] += tx + rx;
        if tx > 0.0 {
            demands.push(FlowDemand::new(tx, &[host_tx(h), vm_tx(v)]));
            carriers.push(Carrier::ExternalTx(v));
        }
        if rx > 0.0 {
            demands.push(FlowDemand::new(rx, &[host_rx(h), vm_rx(v)]));
            carriers.push(Carrier::ExternalRx(v));
        }
    }
    for (i, m) in cluster.migrations.iter().enumerate() {
        demands.push(FlowDemand::new(
            c.migration_mbps,
            &[host_tx(m.source), host_rx(m.destination)],
        ));
        carriers.push(Carrier::Migration(i));
    }
    let granted = max_min_share(&capacities, &demands);

    let mut s = Shares {
        flow: flow_rate,
        external_tx: vec![0.0; vms],
        external_rx: vec![0.0; vms],
        migration: vec![0.0; cluster.migrations.len()],
        network_factor: vec![1.0; vms],
        bound_use: vec![0.0; vms],
        uses_nic: offered_nic.iter().map(|&o| o > 0.0).collect(),
        cpu_scale: vec![1.0; hosts],
        cpu_demand: vec![0.0; hosts],
        vm_cpu_demand: vec![0.0; vms],
        dom0_cpu_demand: vec![c.dom0_idle_cpu; hosts],
        host_tx: vec![0.0; hosts],
        host_rx: vec![0.0; hosts],
    };
    let mut granted_nic = vec![0.0; vms];
    let mut vm_tx_use = vec![0.0; vms];
    let mut vm_rx_use = vec![0.0; vms];
    for (carrier, rate) in carriers.iter().zip(&granted) {
        match *carrier {
            Carrier::Peer(i) => {
                s.flow[i] = *rate;
                let f = &cluster.flows[i];
                granted_nic[f.from] += rate;
                granted_nic[f.to] += rate;
                vm_tx_use[f.from] += rate;
                vm_rx_use[f.to] += rate;
                s.host_tx[cluster.vms[f.from].host] += rate;
                s.host_rx[cluster.vms[f.to].host] += rate;
            }
            Carrier::ExternalTx(v) => {
                s.external_tx[v] = *rate;
                granted_nic[v] += rate;
                vm_tx_use[v] += rate;
                s.host_tx[cluster.vms[v].host] += rate;
            }
            Carrier::ExternalRx(v) => {
                s.external_rx[v] = *rate;
                granted_nic[v] += rate;
                vm_rx_use[v] += rate;
                s.host_rx[cluster.vms[v].host] += rate;
            }
            Carrier::Migration(i) => {
                s.migration[i] = *rate;
                let m = &cluster.migrations[i];
                s.host_tx[m.source] += rate;
                s.host_rx[m.destination] += rate;
                // dom0 runs the migration on both ends.
                let cost = rate * c.migration_cpu_per_mbps + c.migration_extra_cpu;
                s.dom0_cpu_demand[m.source] += cost;
                s.dom0_cpu_demand[m.destination] += cost;
            }
        }
    }
    for v in 0..vms {
        if offered_nic[v] > 0.0 {
            s.network_factor[v] = (granted_nic[v] / offered_nic[v]).min(1.0);
        }
        s.bound_use[v] = vm_tx_use[v].max(vm_rx_use[v]) / c.vm_network_bound_mbps;
    }

    // CPU: the VM's own work plus its share of the per-byte network cost.
    let guest_share = 1.0 - c.dom0_share_of_network_cpu;
    let network_mbps_nic = granted_nic;
    let mut network_mbps_idc = vec![0.0; vms];
    for (i, f) in cluster.flows.iter().enumerate() {
        if cluster.vms[f.from].host == cluster.vms[f.to].host {
            network_mbps_idc[f.from] += s.flow[i];
            network_mbps_idc[f.to] += s.flow[i];
        }
    }
    for v in 0..vms {
        let h = cluster.vms[v].host;
        let nic_cost = network_mbps_nic[v] * c.nic_cpu_per_mbps;
        // An IDC flow costs `idc_cpu_per_mbps` per host; each end counts it once,
        // so each end carries half.
        let idc_cost = network_mbps_idc[v] * c.idc_cpu_per_mbps * 0.5;
        let guest = d.cpu[v] * work[v] + guest_share * (nic_cost + idc_cost);
        s.vm_cpu_demand[v] = guest;
        s.dom0_cpu_demand[h] += c.dom0_share_of_network_cpu * (nic_cost + idc_cost);
        s.cpu_demand[h] += guest;
    }
    for h in 0..hosts {
        s.cpu_demand[h] += s.dom0_cpu_demand[h];
        let capacity = f64::from(cluster.hosts[h].cpus);
        if s.cpu_demand[h] > capacity {
            s.cpu_scale[h] = capacity / s.cpu_demand[h];
        }
    }
    s
}

/// Advances the cluster by `dt_s` seconds at time `now_s`.
pub fn tick(cluster: &mut Cluster, now_s: f64, dt_s: f64) -> TickOutcome {
    let d = demands(cluster, now_s);
    let c = cluster.constants.clone();
    // `work` is the fraction of its demand a VM can process given memory and
    // CPU; it scales the traffic the VM offers. The NIC then shares that
    // traffic max-min, and what the NIC cuts lowers the delivered fraction.
    let mut work = d.memory_factor.clone();
    let mut shares = share(cluster, &d, &work);
    for _ in 0..c.sharing_passes {
        for (v, vm) in cluster.vms.iter().enumerate() {
            work[v] *= shares.cpu_scale[vm.host];
        }
        shares = share(cluster, &d, &work);
    }
    let delivered: Vec<f64> = cluster
        .vms
        .iter()
        .enumerate()
        .map(|(v, vm)| work[v] * shares.cpu_scale[vm.host] * shares.network_factor[v])
        .collect();

    let hosts = cluster.hosts.len();
    let mut out = TickOutcome {
        host_cpu: vec![0.0; hosts],
        host_nic: vec![0.0; hosts],
        host_swap: vec![0.0; hosts],
        vm_delivered: delivered,
        vm_rho: vec![0.0; cluster.vms.len()],
        ..TickOutcome::default()
    };
    for h in 0..hosts {
        let capacity = f64::from(cluster.hosts[h].cpus);
        out.host_cpu[h] = (shares.cpu_demand[h] / capacity).min(1.0);
        out.host_nic[h] = shares.host_tx[h].max(shares.host_rx[h]) / cluster.hosts[h].nic_mbps;
        cluster.hosts[h].dom0_cpu_ns +=
            shares.dom0_cpu_demand[h] * shares.cpu_scale[h] * dt_s * 1e9;
    }

    let reads_per_write = c.swap_reads_per_write;
    for (v, vm) in cluster.vms.iter_mut().enumerate() {
        let h = vm.host;
        out.host_swap[h] += d.swap_pages_per_s[v];
        let mut rho = out.host_cpu[h].max(shares.bound_use[v]);
        if shares.uses_nic[v] {
            rho = rho.max(out.host_nic[h]);
        }
        out.vm_rho[v] = rho.min(1.0);
        vm.counters.cpu_ns += shares.vm_cpu_demand[v] * shares.cpu_scale[h] * dt_s * 1e9;
        vm.counters.swap_write_pages += d.swap_pages_per_s[v] * dt_s;
        vm.counters.swap_read_pages += d.swap_pages_per_s[v] * reads_per_write * dt_s;
        vm.counters.external.tx += shares.external_tx[v] * dt_s * BYTES_PER_MBIT;
        vm.counters.external.rx += shares.external_rx[v] * dt_s * BYTES_PER_MBIT;
        out.nic_mbit += (shares.external_tx[v] + shares.external_rx[v]) * dt_s;
    }
    for (i, f) in cluster.flows.iter().enumerate() {
        let mbit = shares.flow[i] * dt_s;
        if mbit <= 0.0 {
            continue;
        }
        let bytes = mbit * BYTES_PER_MBIT;
        let idc = cluster.vms[f.from].host == cluster.vms[f.to].host;
        let (from, to) = (f.from, f.to);
        {
            let p = &mut cluster.vms[from].counters.peers[f.from_slot];
            if idc {
                p.idc.tx += bytes
            } else {
                p.nic.tx += bytes
            }
        }
        {
            let p = &mut cluster.vms[to].counters.peers[f.to_slot];
            if idc {
                p.idc.rx += bytes
            } else {
                p.nic.rx += bytes
            }
        }
        if idc {
            out.idc_mbit += mbit;
        } else {
            out.nic_mbit += mbit;
            out.inter_vm_nic_mbit += mbit;
        }
    }

    // Migration progress; finished ones move their VM.
    let mut still = Vec::with_capacity(cluster.migrations.len());
    let migrations = std::mem::take(&mut cluster.migrations);
    for (i, mut m) in migrations.into_iter().enumerate() {
        let sent = (shares.migration[i] * dt_s).min(m.remaining_mbit);
        m.remaining_mbit -= sent;
        out.migration_mbit += sent;
        if m.remaining_mbit <= 1e-9 {
            out.finished.push(m);
        } else {
            still.push(m);
        }
    }
    cluster.migrations = still;
    for m in &out.finished {
        cluster.finish_migration(m);
    }
    out
}
