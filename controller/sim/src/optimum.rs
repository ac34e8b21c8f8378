//! The optimum on small instances: among placements reachable from a start in
//! at most `k` moves, with no host over a threshold, the one with the least
//! cross-host (NIC) traffic between VMs, by exhaustive search.
//!
//! Loads are static (demands at one instant, no throttling): a host's CPU is its
//! VMs' demand plus the per-byte network cost of their traffic (constants.rs),
//! its NIC is max(TX, RX), its memory the sum of allocations.

use crate::cluster::Cluster;

/// Demands of every VM and flow at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Per host: (cores, memory for guests MiB, NIC Mb/s).
    pub hosts: Vec<(f64, u64, f64)>,
    /// Per VM: (CPU cores, memory MiB, external TX, external RX).
    pub vms: Vec<(f64, u64, f64, f64)>,
    /// Directed flows (from, to, Mb/s).
    pub flows: Vec<(usize, usize, f64)>,
    /// NIC CPU cost per Mb/s and host end.
    pub nic_cpu_per_mbps: f64,
    /// IDC CPU cost per Mb/s.
    pub idc_cpu_per_mbps: f64,
    /// dom0's idle CPU.
    pub dom0_idle_cpu: f64,
}

/// Thresholds a feasible placement respects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// CPU fraction.
    pub cpu: f64,
    /// NIC fraction.
    pub nic: f64,
}

/// The demands of `cluster` at time `t_s`. Evaluates on a clone, since random
/// walks advance as they are read.
pub fn snapshot(cluster: &Cluster, t_s: f64) -> Snapshot {
    let mut c = cluster.clone();
    Snapshot {
        hosts: c
            .hosts
            .iter()
            .map(|h| {
                (
                    f64::from(h.cpus),
                    h.memory_mib - h.dom0_memory_mib,
                    h.nic_mbps,
                )
            })
            .collect(),
        vms: c
            .vms
            .iter_mut()
            .map(|v| {
                (
                    v.cpu.value_at(t_s),
                    v.alloc_mib,
                    v.external_tx.value_at(t_s),
                    v.external_rx.value_at(t_s),
                )
            })
            .collect(),
        flows: c
            .flows
            .iter_mut()
            .map(|f| (f.from, f.to, f.rate.value_at(t_s) * f.scale.value_at(t_s)))
            .collect(),
        nic_cpu_per_mbps: c.constants.nic_cpu_per_mbps,
        idc_cpu_per_mbps: c.constants.idc_cpu_per_mbps,
        dom0_idle_cpu: c.constants.dom0_idle_cpu,
    }
}

/// Inter-VM traffic that crosses hosts under `placement`, Mb/s.
pub fn cross_host_mbps(snap: &Snapshot, placement: &[usize]) -> f64 {
    snap.flows
        .iter()
        .filter(|(a, b, _)| placement[*a] != placement[*b])
        .map(|(_, _, r)| r)
        .sum()
}

/// Whether every host stays within `limits` and its memory under `placement`.
pub fn feasible(snap: &Snapshot, placement: &[usize], limits: Limits) -> bool {
    let n = snap.hosts.len();
    let mut cpu = vec![snap.dom0_idle_cpu; n];
    let mut mem = vec![0u64; n];
    let mut tx = vec![0.0; n];
    let mut rx = vec![0.0; n];
    for (v, &(c, m, etx, erx)) in snap.vms.iter().enumerate() {
        let h = placement[v];
        cpu[h] += c + (etx + erx) * snap.nic_cpu_per_mbps;
        mem[h] += m;
        tx[h] += etx;
        rx[h] += erx;
    }
    for &(a, b, r) in &snap.flows {
        let (ha, hb) = (placement[a], placement[b]);
        if ha == hb {
            cpu[ha] += r * snap.idc_cpu_per_mbps;
        } else {
            cpu[ha] += r * snap.nic_cpu_per_mbps;
            cpu[hb] += r * snap.nic_cpu_per_mbps;
            tx[ha] += r;
            rx[hb] += r;
        }
    }
    (0..n).all(|h| {
        let (cores, guest_mib, nic) = snap.hosts[h];
        cpu[h] <= limits.cpu * cores && mem[h] <= guest_mib && tx[h].max(rx[h]) <= limits.nic * nic
    })
}

/// The best placement found.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimum {
    /// Host of each VM.
    pub placement: Vec<usize>,
    /// Its cross-host traffic, Mb/s.
    pub cross_host_mbps: f64,
    /// Moves from the start.
    pub moves: usize,
    /// Placements examined.
    pub examined: u64,
}

/// Exhaustive search from `start` with at most `max_moves` moves. `None` when no
/// reachable placement is feasible. Ties go to fewer moves, then to the first
/// found (VMs and hosts in index order), so the answer is deterministic.
pub fn best_within(
    snap: &Snapshot,
    start: &[usize],
    max_moves: usize,
    limits: Limits,
) -> Option<Optimum> {
    let mut search = Search {
        snap,
        start,
        limits,
        placement: start.to_vec(),
        best: None,
        examined: 0,
    };
    search.visit(0, max_moves, 0);
    let examined = search.examined;
    search.best.map(|mut b| {
        b.examined = examined;
        b
    })
}

/// The exhaustive search's state: the placement being built and the best so far.
struct Search<'a> {
    snap: &'a Snapshot,
    start: &'a [usize],
    limits: Limits,
    placement: Vec<usize>,
    best: Option<Optimum>,
    examined: u64,
}

impl Search<'_> {
    /// Scores the current placement, then tries every further move of a VM
    /// numbered `from_vm` or later (each subset of moved VMs is visited once).
    fn visit(&mut self, from_vm: usize, moves_left: usize, moves: usize) {
        self.examined += 1;
        if feasible(self.snap, &self.placement, self.limits) {
            let traffic = cross_host_mbps(self.snap, &self.placement);
            let better = match &self.best {
                None => true,
                Some(b) => {
                    traffic < b.cross_host_mbps - 1e-9
                        || ((traffic - b.cross_host_mbps).abs() <= 1e-9 && moves < b.moves)
                }
            };
            if better {
                self.best = Some(Optimum {
                    placement: self.placement.clone(),
                    cross_host_mbps: traffic,
                    moves,
                    examined: 0,
                });
            }
        }
        if moves_left == 0 {
            return;
        }
        for v in from_vm..self.placement.len() {
            for h in 0..self.snap.hosts.len() {
                if h == self.start[v] {
                    continue;
                }
                self.placement[v] = h;
                self.visit(v + 1, moves_left - 1, moves + 1);
            }
            self.placement[v] = self.start[v];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap() -> Snapshot {
        // Two hosts of 1 core; a and b talk 100 Mb/s; c is a lone CPU hog.
        Snapshot {
            hosts: vec![(1.0, 2048, 1000.0), (1.0, 2048, 1000.0)],
            vms: vec![
                (0.2, 256, 0.0, 0.0),
                (0.2, 256, 0.0, 0.0),
                (0.6, 256, 0.0, 0.0),
            ],
            flows: vec![(0, 1, 100.0)],
            nic_cpu_per_mbps: 0.002,
            idc_cpu_per_mbps: 0.0007,
            dom0_idle_cpu: 0.0,
        }
    }

    #[test]
    fn moving_the_lone_hog_is_optimal() {
        let s = snap();
        let limits = Limits {
            cpu: 0.85,
            nic: 0.8,
        };
        assert!(!feasible(&s, &[0, 0, 0], limits));
        let best = best_within(&s, &[0, 0, 0], 1, limits).expect("feasible in one move");
        assert_eq!(best.placement, vec![0, 0, 1]);
        assert_eq!(best.cross_host_mbps, 0.0);
        assert_eq!(best.moves, 1);
    }

    #[test]
    fn no_moves_means_the_start_or_nothing() {
        let s = snap();
        let limits = Limits {
            cpu: 0.85,
            nic: 0.8,
        };
        assert!(best_within(&s, &[0, 0, 0], 0, limits).is_none());
        assert!(best_within(&s, &[0, 0, 1], 0, limits).is_some());
    }

    #[test]
    fn counts_every_placement_within_the_move_budget() {
        let s = snap();
        let limits = Limits {
            cpu: 10.0,
            nic: 10.0,
        };
        // 1 + C(3,1)·1 + C(3,2)·1 + C(3,3)·1 = 8 placements on two hosts.
        let best = best_within(&s, &[0, 0, 0], 3, limits).expect("all feasible");
        assert_eq!(best.examined, 8);
    }
}
