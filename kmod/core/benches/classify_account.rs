//! Classify + account one frame: last-hit cache hit, miss with 256 peers per table,
//! single thread and two threads on one domain.
//!
//! Run: `cargo bench -p idcstat-core --bench classify_account`
//!
//! Every figure is the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID) per packet,
//! not wall time: the shared 2-core build machine is usually loaded, and CPU time does
//! not count the time a thread waits to be scheduled.

use std::hint::black_box;
use std::sync::atomic::AtomicU64;
use std::sync::Barrier;
use std::time::Duration;

use nix::time::{clock_gettime, ClockId};

use criterion::{criterion_group, criterion_main, Criterion};
use idcstat_core::addr::{MacAddr, Prefix};
use idcstat_core::classify::Direction;
use idcstat_core::engine::IdcstatCore;
use idcstat_core::geometry::Geometry;
use idcstat_core::lifecycle::VifIdentity;

const PEERS: usize = 256;
const SENDER_IFINDEX: u32 = 101;

fn frame(dst_mac: MacAddr, src_mac: MacAddr, src: [u8; 4], dst: [u8; 4]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&dst_mac.0);
    f.extend_from_slice(&src_mac.0);
    f.extend_from_slice(&[0x08, 0x00, 0x45, 0, 0, 84, 0, 0, 0x40, 0, 64, 17, 0, 0]);
    f.extend_from_slice(&src);
    f.extend_from_slice(&dst);
    f.resize(98, 0);
    f
}

struct Setup {
    words: Vec<AtomicU64>,
    geometry: Geometry,
}

impl Setup {
    fn new() -> Self {
        let geometry = Geometry {
            max_domains: 64,
            peers_per_table: PEERS as u32,
            max_vifs: 256,
            shards: 2,
            nr_cpus: 2,
            ..Geometry::default()
        };
        let n = IdcstatCore::required_words(&geometry).expect("geometry");
        Setup {
            words: (0..n).map(|_| AtomicU64::new(0)).collect(),
            geometry,
        }
    }

    /// Sender domain 1, a local peer domain 2, and NIC tables filled with 256 peers.
    fn core(&self) -> (IdcstatCore<'_>, Vec<Vec<u8>>) {
        let core = IdcstatCore::new(self.geometry, &self.words).expect("core");
        core.add_cluster_prefix(Prefix::v4([10, 0, 0, 0], 16).unwrap())
            .unwrap();
        for domid in [1u16, 2] {
            let vif = VifIdentity {
                ifindex: 100 + u32::from(domid),
                domid,
                devid: 0,
                generation: 1,
                mac: Some(MacAddr([0, 0x16, 0x3e, 0, 0, domid as u8])),
            };
            core.set_vif_identity(vif, 0).unwrap();
        }
        let me = MacAddr([0, 0x16, 0x3e, 0, 0, 1]);
        let router = MacAddr([2, 0, 0, 0, 0, 0xfe]);
        let frames: Vec<Vec<u8>> = (0..PEERS)
            .map(|i| {
                frame(
                    router,
                    me,
                    [10, 0, 0, 1],
                    [10, 0, 1 + (i / 200) as u8, (i % 200) as u8 + 1],
                )
            })
            .collect();
        for f in &frames {
            core.account_frame(SENDER_IFINDEX, Direction::Tx, 0, f, f.len() as u32);
        }
        let filled = (0..core.peer_slots())
            .filter(|&i| core.peer_snapshot(0, 1, i).is_some())
            .count();
        assert_eq!(filled, PEERS, "otx table holds 256 peers");
        (core, frames)
    }
}

fn bench(c: &mut Criterion) {
    let setup = Setup::new();
    let (core, frames) = setup.core();
    let idc = frame(
        MacAddr([0, 0x16, 0x3e, 0, 0, 2]),
        MacAddr([0, 0x16, 0x3e, 0, 0, 1]),
        [10, 0, 0, 1],
        [10, 0, 0, 2],
    );
    let nic = &frames[17];
    let mut group = c.benchmark_group("classify_account");
    group.bench_function("nic_hit_1thread", |b| {
        b.iter_custom(|n| send(&core, &frames, nic, false, n, 0))
    });
    group.bench_function("idc_hit_1thread", |b| {
        b.iter_custom(|n| send(&core, &frames, &idc, false, n, 0))
    });
    group.bench_function("nic_miss_256peers_1thread", |b| {
        b.iter_custom(|n| send(&core, &frames, nic, true, n, 0))
    });
    group.bench_function("nic_flow_cache_hit_1thread", |b| {
        b.iter_custom(|n| send_cached(&core, &frames, nic, false, n))
    });
    group.bench_function("nic_flow_cache_miss_256peers_1thread", |b| {
        b.iter_custom(|n| send_cached(&core, &frames, nic, true, n))
    });
    group.bench_function("nic_hit_2threads", |b| {
        b.iter_custom(|n| two_threads(&core, &frames, nic, false, n))
    });
    group.bench_function("nic_miss_256peers_2threads", |b| {
        b.iter_custom(|n| two_threads(&core, &frames, nic, true, n))
    });
    group.finish();
}

fn thread_cpu_time() -> Duration {
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map(Duration::from)
        .unwrap_or_default()
}

/// Sends `iters` packets as CPU `cpu`: always `hit`, or (miss) peers in an order that
/// makes consecutive packets differ, so that the last-hit cache always misses.
/// Returns the thread's CPU time.
fn send(
    core: &IdcstatCore<'_>,
    frames: &[Vec<u8>],
    hit: &[u8],
    miss: bool,
    iters: u64,
    cpu: u32,
) -> Duration {
    let start = thread_cpu_time();
    let mut i = cpu as usize * 31;
    for _ in 0..iters {
        let f = if miss {
            i = (i + 97) % PEERS;
            &frames[i][..]
        } else {
            hit
        };
        black_box(core.account_frame(SENDER_IFINDEX, Direction::Tx, cpu, black_box(f), 98));
    }
    thread_cpu_time().saturating_sub(start)
}

/// `send` through `account_frame_cached` (the kernel's entry) as CPU 0: a hit repeats
/// one frame; a miss changes the peer every packet, so the flow cache misses too and
/// its check and refill come on top of `account_frame`.
fn send_cached(
    core: &IdcstatCore<'_>,
    frames: &[Vec<u8>],
    hit: &[u8],
    miss: bool,
    iters: u64,
) -> Duration {
    let start = thread_cpu_time();
    let mut i = 0usize;
    for _ in 0..iters {
        let f = if miss {
            i = (i + 97) % PEERS;
            &frames[i][..]
        } else {
            hit
        };
        black_box(core.account_frame_cached(SENDER_IFINDEX, Direction::Tx, 0, black_box(f), 98));
    }
    thread_cpu_time().saturating_sub(start)
}

/// Both threads send `iters` packets of one domain at once (CPU ids 0 and 1); returns
/// the larger of the two threads' CPU times, i.e. the per-packet cost under contention.
fn two_threads(
    core: &IdcstatCore<'_>,
    frames: &[Vec<u8>],
    hit: &[u8],
    miss: bool,
    iters: u64,
) -> Duration {
    let barrier = Barrier::new(2);
    let times: Vec<Duration> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2u32)
            .map(|cpu| {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    send(core, frames, hit, miss, iters, cpu)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("bench thread"))
            .collect()
    });
    times.into_iter().max().unwrap_or_default()
}

fn fast() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! { name = benches; config = fast(); targets = bench }
criterion_main!(benches);
