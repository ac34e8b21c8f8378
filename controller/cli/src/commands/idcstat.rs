//! `reunion idcstat`: dump everything the local idcstat kernel module knows.

use anyhow::Context;
use idcstat_client::{
    DirectionCounters, DomainState, DomainStats, IdcstatClient, IdcstatConfig, PeerFilter,
    PeerStats, Traffic,
};
use serde::Serialize;

/// Dump the idcstat module's domains with their IDC/NIC counters, and optionally
/// their per-peer tables and the module's configuration.
///
/// Bytes are Ethernet frame lengths at the vif (header included, FCS excluded); tx
/// is what a domain sent, rx what it received. Per-peer tables (--peers) and config
/// changes need root (CAP_NET_ADMIN).
///
/// Examples:
///   reunion idcstat                  # every domain's counters
///   reunion idcstat --domain 5 --peers
///   sudo reunion idcstat --peers --config --json
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Bytes are Ethernet frame lengths at the vif (header included, FCS excluded); \
tx is what a domain sent, rx what it received. idc = with domains on this host, nic = with cluster \
addresses on other hosts, external/bcast/non-ip/dom0 = everything else.\n\n\
Examples:\n  reunion idcstat\n  sudo reunion idcstat --domain 5 --peers\n  sudo reunion idcstat --peers --config --json"
)]
pub struct IdcstatArgs {
    /// Only this domain id.
    #[arg(long)]
    domain: Option<u32>,
    /// Also dump the per-peer tables itx, otx, irx, orx (needs root).
    #[arg(long)]
    peers: bool,
    /// Also show the module's configuration and sizes.
    #[arg(long)]
    config: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Everything one invocation read.
#[derive(Debug, Serialize)]
pub struct IdcstatDump {
    /// Config, when asked for.
    pub config: Option<IdcstatConfig>,
    /// Domains.
    pub domains: Vec<DomainStats>,
    /// Per-peer entries, when asked for.
    pub peers: Vec<PeerStats>,
}

/// Runs the subcommand.
pub fn run(args: IdcstatArgs) -> anyhow::Result<()> {
    let mut client = IdcstatClient::connect().context("cannot talk to the idcstat module")?;
    let config = if args.config {
        Some(client.get_config().context("config-get")?)
    } else {
        None
    };
    let mut domains = client.dump_domains().context("domain dump")?;
    domains.retain(|d| args.domain.is_none_or(|id| d.domid == id));
    let peers = if args.peers {
        client
            .dump_peers(PeerFilter {
                domid: args.domain,
                ..PeerFilter::default()
            })
            .context("peer dump")?
    } else {
        Vec::new()
    };
    let dump = IdcstatDump {
        config,
        domains,
        peers,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&dump)?);
    } else {
        print!("{}", render(&dump));
    }
    Ok(())
}

fn traffic(t: Traffic) -> String {
    format!("{}p/{}", t.packets, bytes(t.bytes))
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut unit = 0;
    let mut scaled = n;
    while scaled >= 10 * 1024 && unit + 1 < UNITS.len() {
        scaled /= 1024;
        unit += 1;
    }
    format!("{scaled}{}", UNITS[unit])
}

fn direction(name: &str, d: &DirectionCounters) -> String {
    format!(
        "  {name} total {}  idc {}  nic {}  external {}  bcast {}  non-ip {}  dom0 {}\n",
        traffic(d.total),
        traffic(d.idc),
        traffic(d.nic),
        traffic(d.external),
        traffic(d.bcast),
        traffic(d.non_ip),
        traffic(d.dom0)
    )
}

/// Renders a dump as text.
pub fn render(dump: &IdcstatDump) -> String {
    let mut out = String::new();
    if let Some(config) = &dump.config {
        let list = |items: Vec<String>| {
            if items.is_empty() {
                "-".to_owned()
            } else {
                items.join(", ")
            }
        };
        out.push_str(&format!(
            "config: abi {}, {} domain slots, {} peers/table, departed timeout {} ms, reset epoch {}\n",
            config.abi_version, config.max_domains, config.peers_per_table, config.departed_timeout_ms, config.reset_epoch
        ));
        out.push_str(&format!(
            "  cluster prefixes: {}\n",
            list(
                config
                    .cluster_prefixes
                    .iter()
                    .map(|p| p.to_string())
                    .collect()
            )
        ));
        out.push_str(&format!(
            "  dom0 addresses: {}\n",
            list(config.host_addrs.iter().map(|a| a.to_string()).collect())
        ));
        out.push_str(&format!(
            "  uplinks: {}\n",
            list(config.uplinks.iter().map(|u| u.to_string()).collect())
        ));
        for vif in &config.vifs {
            let mac = vif.mac.map_or("-".to_owned(), |m| m.to_string());
            out.push_str(&format!(
                "  vif ifindex {} = domain {}.{} gen {} mac {mac}\n",
                vif.ifindex, vif.domid, vif.devid, vif.generation
            ));
        }
        for range in &config.swap_ranges {
            out.push_str(&format!(
                "  swap domain {} gen {}: dev {}:{} sectors {}+{}\n",
                range.domid,
                range.generation,
                range.dev >> 20,
                range.dev & 0xfffff,
                range.start_sector,
                range.nr_sectors
            ));
        }
        out.push_str(&format!(
            "  untracked frames: {}\n\n",
            traffic(config.untracked)
        ));
    }
    if dump.domains.is_empty() {
        out.push_str("no domains (no vifs seen yet)\n");
    }
    for domain in &dump.domains {
        let state = match domain.state {
            DomainState::Active => "active".to_owned(),
            DomainState::Departed => format!("departed {} ms ago", domain.departed_ms.unwrap_or(0)),
            DomainState::Unknown(v) => format!("state {v}"),
        };
        let mac = domain.mac.map_or("-".to_owned(), |m| m.to_string());
        let ipv4 = domain.ipv4.map_or("-".to_owned(), |ip| ip.to_string());
        let ipv6: Vec<String> = domain.ipv6.iter().map(|ip| ip.to_string()).collect();
        out.push_str(&format!(
            "domain {} gen {} {state}  mac {mac}  ipv4 {ipv4}  ipv6 {}  vifs {:?}\n",
            domain.domid,
            domain.generation,
            if ipv6.is_empty() {
                "-".to_owned()
            } else {
                ipv6.join(",")
            },
            domain.ifindexes
        ));
        out.push_str(&direction("tx", &domain.counters.tx));
        out.push_str(&direction("rx", &domain.counters.rx));
        let swap = domain.counters.swap;
        out.push_str(&format!(
            "  swap read {} req/{} sect  write {} req/{} sect  dropped-peers {}\n",
            swap.read_requests,
            swap.read_sectors,
            swap.write_requests,
            swap.write_sectors,
            domain.counters.dropped_peers
        ));
        for peer in dump
            .peers
            .iter()
            .filter(|p| p.domid == domain.domid && p.generation == domain.generation)
        {
            let who = if peer.other {
                "(other: table full)".to_owned()
            } else {
                let mut who = Vec::new();
                who.extend(peer.peer_domid.map(|d| format!("domain {d}")));
                who.extend(peer.ip.map(|ip| ip.to_string()));
                who.extend(peer.mac.map(|m| m.to_string()));
                who.join(" ")
            };
            out.push_str(&format!(
                "    {} {who}  {}\n",
                peer.table.name(),
                traffic(peer.traffic)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use idcstat_client::{DomainCounters, MacAddr, PeerTable};

    #[test]
    fn render_shows_domains_counters_and_peers() {
        let mut counters = DomainCounters::default();
        counters.tx.idc = Traffic {
            packets: 3,
            bytes: 300,
        };
        counters.tx.total = Traffic {
            packets: 3,
            bytes: 300,
        };
        counters.rx.nic = Traffic {
            packets: 1,
            bytes: 20 * 1024 * 1024,
        };
        let dump = IdcstatDump {
            config: None,
            domains: vec![DomainStats {
                domid: 4,
                generation: 1,
                state: DomainState::Departed,
                departed_ms: Some(1500),
                mac: Some(MacAddr([0, 0x16, 0x3e, 0, 0, 4])),
                ipv4: Some("10.0.0.4".parse().unwrap()),
                ipv6: Vec::new(),
                ifindexes: vec![12],
                counters,
                reset_epoch: 0,
            }],
            peers: vec![PeerStats {
                domid: 4,
                generation: 1,
                table: PeerTable::Itx,
                peer_domid: Some(5),
                mac: Some(MacAddr([0, 0x16, 0x3e, 0, 0, 5])),
                ip: Some("10.0.0.5".parse().unwrap()),
                traffic: Traffic {
                    packets: 3,
                    bytes: 300,
                },
                other: false,
            }],
        };
        let text = render(&dump);
        assert!(
            text.contains(
                "domain 4 gen 1 departed 1500 ms ago  mac 00:16:3e:00:00:04  ipv4 10.0.0.4"
            ),
            "{text}"
        );
        assert!(text.contains("tx total 3p/300B  idc 3p/300B"), "{text}");
        assert!(text.contains("nic 1p/20MiB"), "{text}");
        assert!(
            text.contains("    itx domain 5 10.0.0.5 00:16:3e:00:00:05  3p/300B"),
            "{text}"
        );
    }

    #[test]
    fn render_says_when_there_is_nothing() {
        let text = render(&IdcstatDump {
            config: None,
            domains: Vec::new(),
            peers: Vec::new(),
        });
        assert_eq!(text, "no domains (no vifs seen yet)\n");
    }
}
