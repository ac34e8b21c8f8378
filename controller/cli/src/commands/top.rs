//! `reunion top`: a live, xentop-like view of domains with IDC and NIC rates.

use std::io::Write;
use std::time::Duration;

use reunion_rmnd::status::{ClusterStatus, DomainStatus};

/// Live view of every domain: CPU, IDC vs NIC TX/RX rates and top peers,
/// refreshed every few seconds, cluster-wide from the RMN daemon. Works in a
/// plain terminal (ANSI clear-screen only); `--once` prints one snapshot and
/// exits, for scripts and tests.
///
/// Example: `reunion top --rmn 127.0.0.1:9464 --sort idc`
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

/// Runs the subcommand.
pub fn run(args: TopArgs) -> anyhow::Result<()> {
    loop {
        let status = super::status::fetch(&args.rmn)?;
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
        std::thread::sleep(Duration::from_secs(args.delay.max(1)));
    }
}
