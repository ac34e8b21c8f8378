//! Load generator: N simulated agents, each one authenticated session sending
//! a HostReport every interval (D domains, P peers each, growing counters).
//!
//! `cargo run --release -p reunion-rmnd --example load_agents -- \
//!    <rmn addr> <key dir> <agents> <interval s> <domains per host> <peers per domain> <seconds>`
//!
//! Host `host-<i>` authenticates with `<key dir>/host-<i>.key`. Used by
//! `controller/rmnd/load-test.sh`, which also measures the RMN process.

use std::net::IpAddr;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use reunion_model::{
    DomId, DomainReport, DomainState, DomainTraffic, DomainUuid, HostCapacity, HostId, HostReport,
    PeerKey, PeerTraffic, TrafficCounters,
};
use reunion_proto::{AgentMessage, Psk, SessionOptions};

fn report(
    host: usize,
    seq: u64,
    time_ms: u64,
    domains: usize,
    peers: usize,
    total: usize,
) -> HostReport {
    let t = seq;
    let domains = (0..domains)
        .map(|d| {
            let id = (host * domains + d) as u128 + 1;
            let peers = (0..peers)
                .map(|p| {
                    // Peers spread over the cluster, some local, most remote.
                    let peer = ((host * domains + d) * 7 + p * 131) % (total * domains) + 1;
                    PeerTraffic {
                        peer: PeerKey::Domain(DomainUuid::from_u128(peer as u128)),
                        counters: TrafficCounters {
                            idc_tx_bytes: 1000 * t,
                            idc_rx_bytes: 900 * t,
                            nic_tx_bytes: 5000 * t,
                            nic_rx_bytes: 4000 * t,
                        },
                    }
                })
                .collect();
            DomainReport {
                uuid: DomainUuid::from_u128(id),
                domid: DomId(d as u32 + 1),
                name: format!("vm-{id}"),
                state: DomainState::Running,
                cpu_time_ns: t * 1_000_000_000 * ((d % 4) as u64 + 1) / 8,
                mem_bytes: 512 << 20,
                max_mem_bytes: 1 << 30,
                swap_write_pages: 0,
                swap_read_pages: 0,
                ips: vec![IpAddr::from([
                    10,
                    (id >> 16) as u8,
                    (id >> 8) as u8,
                    id as u8,
                ])],
                macs: Vec::new(),
                traffic: DomainTraffic {
                    peers,
                    external: TrafficCounters {
                        nic_tx_bytes: 10_000 * t,
                        nic_rx_bytes: 10_000 * t,
                        ..TrafficCounters::default()
                    },
                    other: TrafficCounters::default(),
                },
            }
        })
        .collect();
    let mut report = HostReport {
        host: HostId::new(format!("host-{host}")),
        seq,
        time_ms,
        interval_ms: 10_000,
        generation: 1,
        capacity: HostCapacity {
            physical_cpus: 16,
            mem_total_bytes: 64 << 30,
            mem_free_bytes: 32 << 30,
            nic_bandwidth_bps: 10_000_000_000,
        },
        dom0_cpu_time_ns: t * 100_000_000,
        migration_in_flight: false,
        domains,
    };
    report.normalize();
    report
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 8 {
        eprintln!("usage: load_agents <rmn addr> <key dir> <agents> <interval s> <domains> <peers> <seconds>");
        std::process::exit(2);
    }
    let rmn = args[1].clone();
    let key_dir = PathBuf::from(&args[2]);
    let agents: usize = args[3].parse()?;
    let interval = Duration::from_secs(args[4].parse()?);
    let domains: usize = args[5].parse()?;
    let peers: usize = args[6].parse()?;
    let run_for = Duration::from_secs(args[7].parse()?);
    let started = Instant::now();
    let mut handles = Vec::new();
    for i in 0..agents {
        let key = Psk::from_file(&key_dir.join(format!("host-{i}.key")))?;
        let rmn = rmn.clone();
        // Stagger the agents over one interval, like real hosts.
        let offset = interval.mul_f64(i as f64 / agents as f64);
        handles.push(
            thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    thread::sleep(offset);
                    let mut session = match reunion_proto::connect(
                        rmn.as_str(),
                        "rmn",
                        &format!("host-{i}"),
                        &key,
                        &SessionOptions::default(),
                    ) {
                        Ok(s) => s,
                        Err(e) => {
                            eprintln!("host-{i}: {e}");
                            return;
                        }
                    };
                    let mut seq = 0;
                    while started.elapsed() < run_for {
                        seq += 1;
                        let time_ms = started.elapsed().as_millis() as u64;
                        let message =
                            AgentMessage::Report(report(i, seq, time_ms, domains, peers, agents));
                        if let Err(e) = session.writer.send(&message) {
                            eprintln!("host-{i}: {e}");
                            return;
                        }
                        thread::sleep(interval);
                    }
                })?,
        );
    }
    for h in handles {
        let _ = h.join();
    }
    Ok(())
}
