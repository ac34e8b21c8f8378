//! `reunion top`: a live, xentop-like view of domains with IDC and NIC rates.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use reunion_agent::idcstat::{IdcPeer, IdcstatSnapshot, IdcstatSource};
use reunion_agent::netlink_idcstat::NetlinkIdcstat;
use reunion_rmnd::status::{ClusterStatus, DomainStatus};

/// Live view of every domain: IDC vs NIC TX/RX rates and top peers (and CPU,
/// cluster-wide), refreshed every few seconds. Reads cluster-wide from the RMN
/// daemon, or with `--local` from this dom0's idcstat module (root needed for
/// per-peer tables). Works in a plain terminal (ANSI clear-screen only);
/// `--once` prints one snapshot and exits, for scripts and tests.
///
/// Examples: `reunion top --rmn 127.0.0.1:9464 --sort idc`, `reunion top --local --once`
#[derive(Debug, clap::Args)]
pub struct TopArgs {
    /// The RMN's metrics/status address.
    #[arg(long, default_value = "127.0.0.1:9464", env = "REUNION_RMN_HTTP")]
    rmn: String,
    /// Print one snapshot and exit.
    #[arg(long)]
    once: bool,
    /// Refresh period, seconds.
    #[arg(long, default_value_t = 2)]
    delay: u64,
    /// Sort by `cpu`, `idc` (IDC TX+RX), `nic` (NIC TX+RX) or `name`.
    #[arg(long, default_value = "idc", value_parser = ["cpu", "idc", "nic", "name"])]
    sort: String,
    /// Show at most this many domains.
    #[arg(short = 'n', long, default_value_t = 40)]
    count: usize,
    /// Read the local idcstat module instead of the RMN (rates over `--delay`).
    #[arg(long)]
    local: bool,
}

fn rate(bytes_per_s: f64) -> String {
    let bits = bytes_per_s * 8.0;
    if bits >= 1e9 {
        format!("{:.2}G", bits / 1e9)
    } else if bits >= 1e6 {
        format!("{:.1}M", bits / 1e6)
    } else if bits >= 1e3 {
        format!("{:.1}k", bits / 1e3)
    } else {
        format!("{bits:.0}")
    }
}

/// Renders one snapshot (rates in bits per second).
pub fn render(status: &ClusterStatus, sort: &str, count: usize) -> String {
    let mut domains: Vec<&DomainStatus> = status.domains.iter().collect();
    let key = |d: &DomainStatus| match sort {
        "cpu" => d.cpu,
        "nic" => d.nic_tx + d.nic_rx,
        _ => d.idc_tx + d.idc_rx,
    };
    if sort == "name" {
        domains.sort_by(|a, b| a.name.cmp(&b.name));
    } else {
        domains.sort_by(|a, b| key(b).total_cmp(&key(a)).then_with(|| a.name.cmp(&b.name)));
    }
    let mut out = format!(
        "reunion top: {} domains on {} hosts, policy {}{}   (rates in bit/s)\n",
        status.domains.len(),
        status.hosts.len(),
        status.policy,
        if status.dry_run { " (dry run)" } else { "" }
    );
    out.push_str(&format!(
        "{:<18} {:<12} {:>6} {:>8} {:>8} {:>8} {:>8}  {}\n",
        "DOMAIN", "HOST", "CPU%", "IDC-TX", "IDC-RX", "NIC-TX", "NIC-RX", "TOP PEERS"
    ));
    for d in domains.into_iter().take(count) {
        let peers: Vec<String> = d
            .top_peers
            .iter()
            .map(|(peer, r)| format!("{peer}:{}", rate(*r)))
            .collect();
        out.push_str(&format!(
            "{:<18} {:<12} {:>6.1} {:>8} {:>8} {:>8} {:>8}  {}\n",
            d.name,
            d.host,
            d.cpu * 100.0,
            rate(d.idc_tx),
            rate(d.idc_rx),
            rate(d.nic_tx),
            rate(d.nic_rx),
            peers.join(" ")
        ));
    }
    out
}

/// Rates between two snapshots of the local module, as status rows.
fn local_rows(
    before: &IdcstatSnapshot,
    after: &IdcstatSnapshot,
    seconds: f64,
    names: &BTreeMap<u32, String>,
) -> Vec<DomainStatus> {
    let name_of = |domid: u32| {
        names
            .get(&domid)
            .cloned()
            .unwrap_or_else(|| format!("domid {domid}"))
    };
    let per_s = |now: u64, then: u64| now.saturating_sub(then) as f64 / seconds;
    let mut rows = Vec::new();
    for d in after.domains.iter().filter(|d| !d.departed) {
        let old = before
            .domains
            .iter()
            .find(|o| o.domid == d.domid && o.generation == d.generation);
        let total = |dom: &reunion_agent::idcstat::IdcstatDomain| {
            dom.peers
                .iter()
                .fold(dom.external.wrapping_add(dom.other), |acc, p| {
                    acc.wrapping_add(p.counters)
                })
        };
        let now = total(d);
        let then = old.map(total).unwrap_or(now);
        let mut peers: Vec<(String, f64)> = d
            .peers
            .iter()
            .map(|p| {
                let prev = old
                    .and_then(|o| o.peers.iter().find(|q| q.peer == p.peer))
                    .map(|q| q.counters)
                    .unwrap_or(p.counters);
                let label = match p.peer {
                    IdcPeer::LocalDomain(domid) => name_of(domid.0),
                    IdcPeer::Ip(ip) => ip.to_string(),
                    IdcPeer::Mac(mac) => mac.to_string(),
                };
                let rate = per_s(p.counters.idc_tx_bytes, prev.idc_tx_bytes)
                    + per_s(p.counters.idc_rx_bytes, prev.idc_rx_bytes)
                    + per_s(p.counters.nic_tx_bytes, prev.nic_tx_bytes)
                    + per_s(p.counters.nic_rx_bytes, prev.nic_rx_bytes);
                (label, rate)
            })
            .filter(|(_, rate)| *rate > 0.0)
            .collect();
        peers.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        peers.truncate(3);
        rows.push(DomainStatus {
            uuid: String::new(),
            name: name_of(d.domid.0),
            host: "local".into(),
            cpu: 0.0,
            idc_tx: per_s(now.idc_tx_bytes, then.idc_tx_bytes),
            idc_rx: per_s(now.idc_rx_bytes, then.idc_rx_bytes),
            nic_tx: per_s(now.nic_tx_bytes, then.nic_tx_bytes),
            nic_rx: per_s(now.nic_rx_bytes, then.nic_rx_bytes),
            top_peers: peers,
        });
    }
    rows
}

/// Domain names by domid from `xl list -v`, when xl is there.
fn local_names() -> BTreeMap<u32, String> {
    let argv = vec!["xl".to_string(), "list".to_string(), "-v".to_string()];
    reunion_agent::command::run(&argv, &[], Duration::from_secs(10))
        .ok()
        .and_then(|out| reunion_agent::xl::parse_xl_list_verbose(&out.stdout).ok())
        .map(|domains| domains.into_iter().map(|d| (d.domid.0, d.name)).collect())
        .unwrap_or_default()
}

fn local_status(
    source: &mut NetlinkIdcstat,
    before: &mut Option<(Instant, IdcstatSnapshot)>,
    delay: Duration,
) -> anyhow::Result<ClusterStatus> {
    if before.is_none() {
        *before = Some((Instant::now(), source.snapshot()?));
        std::thread::sleep(delay);
    }
    let now = Instant::now();
    let after = source.snapshot()?;
    let (then, old) = before.take().unwrap_or((now, after.clone()));
    let seconds = now.duration_since(then).as_secs_f64().max(0.001);
    let domains = local_rows(&old, &after, seconds, &local_names());
    *before = Some((now, after));
    Ok(ClusterStatus {
        policy: "local idcstat".into(),
        domains,
        ..ClusterStatus::default()
    })
}

/// Runs the subcommand.
pub fn run(args: TopArgs) -> anyhow::Result<()> {
    let delay = Duration::from_secs(args.delay.max(1));
    let mut source = NetlinkIdcstat::default();
    let mut before = None;
    loop {
        let status = if args.local {
            local_status(&mut source, &mut before, delay)?
        } else {
            super::status::fetch(&args.rmn)?
        };
        let text = render(&status, &args.sort, args.count);
        let mut stdout = std::io::stdout().lock();
        if args.once {
            write!(stdout, "{text}")?;
            return Ok(());
        }
        // Home + clear screen: works on any ANSI terminal without a curses library.
        write!(stdout, "\x1b[H\x1b[2J{text}")?;
        stdout.flush()?;
        drop(stdout);
        std::thread::sleep(delay);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reunion_agent::idcstat::{IdcPeerCounters, IdcstatDomain};
    use reunion_model::{DomId, TrafficCounters};

    fn domain(idc_tx: u64, nic_rx: u64) -> IdcstatDomain {
        IdcstatDomain {
            domid: DomId(3),
            generation: 1,
            departed: false,
            ips: Vec::new(),
            peers: vec![IdcPeerCounters {
                peer: IdcPeer::LocalDomain(DomId(4)),
                counters: TrafficCounters {
                    idc_tx_bytes: idc_tx,
                    ..TrafficCounters::default()
                },
            }],
            external: TrafficCounters {
                nic_rx_bytes: nic_rx,
                ..TrafficCounters::default()
            },
            other: TrafficCounters::default(),
            swap_read_sectors: 0,
            swap_write_sectors: 0,
        }
    }

    #[test]
    fn local_rates_come_from_two_snapshots() {
        let before = IdcstatSnapshot {
            reset_epoch: 1,
            domains: vec![domain(1_000, 0)],
        };
        let after = IdcstatSnapshot {
            reset_epoch: 1,
            domains: vec![domain(3_000, 500)],
        };
        let names = BTreeMap::from([(3, "web".to_string()), (4, "db".to_string())]);
        let rows = local_rows(&before, &after, 2.0, &names);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].name, "web");
        assert!((rows[0].idc_tx - 1000.0).abs() < 1e-9);
        assert!((rows[0].nic_rx - 250.0).abs() < 1e-9);
        assert_eq!(rows[0].top_peers, vec![("db".to_string(), 1000.0)]);
    }

    #[test]
    fn render_shows_bits_per_second_and_peers_sorted_by_idc() {
        let row = |name: &str, idc: f64| DomainStatus {
            uuid: String::new(),
            name: name.into(),
            host: "xen-a".into(),
            cpu: 0.5,
            idc_tx: idc,
            idc_rx: 0.0,
            nic_tx: 0.0,
            nic_rx: 0.0,
            top_peers: vec![("db".into(), idc)],
        };
        let status = ClusterStatus {
            policy: "idc".into(),
            domains: vec![row("small", 1_000.0), row("big", 125_000_000.0)],
            ..ClusterStatus::default()
        };
        let text = render(&status, "idc", 10);
        let big = text.find("big").expect("big listed");
        let small = text.find("small").expect("small listed");
        assert!(big < small, "sorted by IDC:\n{text}");
        assert!(text.contains("1.00G"), "125 MB/s is 1 Gbit/s:\n{text}");
        assert!(text.contains("db:8.0k"), "{text}");
    }
}
