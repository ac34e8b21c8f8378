//! One RMN decision round (ingest every host report, detect, decide) on a
//! synthetic cluster, and the RMN's memory per VM, measured with a counting
//! allocator.
//!
//! `cargo bench -p reunion-rmn --bench decision_round` runs 10k VMs / 500 hosts
//! and 100k VMs / 5k hosts; `-- --quick` runs only the first. Each VM has 8
//! peers (4 in its group on its host, 4 on other hosts); 5% of hosts are CPU
//! hotspots. The RMN runs in dry-run with unlimited caps so every timed round
//! serves every hotspot (the worst case: nothing is excluded as migrating).

use reunion_model::{
    DomId, DomainReport, DomainState, DomainTraffic, DomainUuid, HostCapacity, HostId, HostReport,
    PeerKey, PeerTraffic, RmnConfig, TrafficCounters, MIB,
};
use reunion_rmn::Rmn;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

/// Counts live heap bytes.
struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments, so
// `System`'s guarantees hold; the counter has no effect on the memory returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const VMS_PER_HOST: usize = 20;
const GROUP: usize = 5;
const REMOTE_PEERS: usize = 4;
const INTERVAL_MS: u64 = 10_000;

struct Synthetic {
    hosts: usize,
    vms: usize,
    remote: Vec<[usize; REMOTE_PEERS]>,
}

impl Synthetic {
    fn new(hosts: usize) -> Self {
        let vms = hosts * VMS_PER_HOST;
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        let remote = (0..vms)
            .map(|v| {
                let host = v / VMS_PER_HOST;
                let mut peers = [0; REMOTE_PEERS];
                for k in 0..REMOTE_PEERS {
                    let mut other = next() % vms;
                    while other / VMS_PER_HOST == host || peers[..k].contains(&other) {
                        other = next() % vms;
                    }
                    peers[k] = other;
                }
                peers
            })
            .collect();
        Self { hosts, vms, remote }
    }

    fn is_hot(host: usize) -> bool {
        host % 20 == 0 // 5%
    }

    fn reports(&self, round: u64) -> Vec<HostReport> {
        let seconds = (round * INTERVAL_MS) as f64 / 1000.0;
        (0..self.hosts)
            .map(|h| {
                let cores = if Self::is_hot(h) { 0.74 } else { 0.3 }; // 92.5% or 37.5% of 16 CPUs
                let domains = (0..VMS_PER_HOST)
                    .map(|i| {
                        let v = h * VMS_PER_HOST + i;
                        let group_start = h * VMS_PER_HOST + (i / GROUP) * GROUP;
                        let mut peers: Vec<PeerTraffic> = (group_start..group_start + GROUP)
                            .filter(|&p| p != v)
                            .map(|p| peer(p, (20_000.0 * seconds) as u64, true))
                            .collect();
                        peers.extend(
                            self.remote[v]
                                .iter()
                                .map(|&p| peer(p, (50_000.0 * seconds) as u64, false)),
                        );
                        DomainReport {
                            uuid: DomainUuid::from_u128(v as u128 + 1),
                            domid: DomId(i as u32 + 1),
                            name: format!("vm{v}"),
                            state: DomainState::Running,
                            cpu_time_ns: (cores * 1e9 * seconds) as u64,
                            mem_bytes: 4096 * MIB,
                            max_mem_bytes: 8192 * MIB,
                            swap_write_pages: 0,
                            swap_read_pages: 0,
                            ips: vec![],
                            macs: vec![],
                            traffic: DomainTraffic {
                                peers,
                                external: TrafficCounters {
                                    nic_tx_bytes: (100_000.0 * seconds) as u64,
                                    nic_rx_bytes: (100_000.0 * seconds) as u64,
                                    ..Default::default()
                                },
                                other: TrafficCounters::default(),
                            },
                        }
                    })
                    .collect();
                HostReport {
                    host: HostId::new(format!("host{h:05}")),
                    seq: round,
                    time_ms: round * INTERVAL_MS,
                    interval_ms: INTERVAL_MS,
                    generation: 1,
                    capacity: HostCapacity {
                        physical_cpus: 16,
                        mem_total_bytes: 256 * 1024 * MIB,
                        mem_free_bytes: 176 * 1024 * MIB,
                        nic_bandwidth_bps: 10_000_000_000,
                    },
                    dom0_cpu_time_ns: (0.2 * 1e9 * seconds) as u64,
                    migration_in_flight: false,
                    domains,
                }
            })
            .collect()
    }
}

fn peer(p: usize, bytes: u64, idc: bool) -> PeerTraffic {
    let counters = if idc {
        TrafficCounters {
            idc_tx_bytes: bytes,
            idc_rx_bytes: bytes,
            ..Default::default()
        }
    } else {
        TrafficCounters {
            nic_tx_bytes: bytes,
            nic_rx_bytes: bytes,
            ..Default::default()
        }
    };
    PeerTraffic {
        peer: PeerKey::Domain(DomainUuid::from_u128(p as u128 + 1)),
        counters,
    }
}

fn run(hosts: usize, timed_rounds: u64) {
    let cluster = Synthetic::new(hosts);
    let config = RmnConfig {
        dry_run: true,
        max_concurrent_migrations: usize::MAX,
        ..RmnConfig::default()
    };
    let before = LIVE_BYTES.load(Ordering::Relaxed);
    let mut rmn = Rmn::new(config).expect("config");
    let warmup = 4;
    for round in 1..=warmup {
        for report in cluster.reports(round) {
            rmn.ingest(round * INTERVAL_MS, report).expect("ingest");
        }
        drop(rmn.decide(round * INTERVAL_MS));
    }
    let mut times: Vec<Duration> = Vec::new();
    let mut decide_times: Vec<Duration> = Vec::new();
    let mut decisions = 0;
    for round in warmup + 1..=warmup + timed_rounds {
        let reports = cluster.reports(round);
        let start = Instant::now();
        for report in reports {
            rmn.ingest(round * INTERVAL_MS, report).expect("ingest");
        }
        let ingested = Instant::now();
        let out = rmn.decide(round * INTERVAL_MS);
        decide_times.push(ingested.elapsed());
        times.push(start.elapsed());
        decisions = out.records.iter().filter(|r| r.action.is_some()).count();
        assert_eq!(out.records.len(), hosts / 20, "every hot host judged");
    }
    let live = LIVE_BYTES.load(Ordering::Relaxed) - before;
    times.sort();
    decide_times.sort();
    let decide_median = decide_times[decide_times.len() / 2];
    let median = times[times.len() / 2];
    let max = times[times.len() - 1];
    println!(
        "{:>7} VMs / {:>5} hosts: round median {:>8.1} ms (decide {:.1} ms), max {:>8.1} ms over {} rounds; {} hotspots, {} moves decided; RMN memory {:.0} B/VM ({:.1} MiB total)",
        cluster.vms,
        hosts,
        median.as_secs_f64() * 1e3,
        decide_median.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3,
        timed_rounds,
        hosts / 20,
        decisions,
        live as f64 / cluster.vms as f64,
        live as f64 / (1024.0 * 1024.0),
    );
    drop(rmn);
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    run(500, 10);
    if !quick {
        run(5000, 5);
    }
}
