//! Minimal dump with the client alone, one `key=value` record per line (handy in
//! QEMU guests and scripts; `reunion idcstat` is the readable one).
//!
//! `cargo run -p idcstat-client --example idcstat_dump [peers]`

use std::process::ExitCode;

use idcstat_client::{IdcstatClient, IdcstatError, PeerFilter};

fn main() -> ExitCode {
    match dump() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn dump() -> Result<(), IdcstatError> {
    let mut client = IdcstatClient::connect()?;
    let config = client.get_config()?;
    for prefix in &config.cluster_prefixes {
        println!("prefix {prefix}");
    }
    for vif in &config.vifs {
        println!(
            "vif ifindex={} domid={} devid={} generation={}",
            vif.ifindex, vif.domid, vif.devid, vif.generation
        );
    }
    for d in client.dump_domains()? {
        let (tx, rx) = (d.counters.tx, d.counters.rx);
        println!(
            "domain domid={} generation={} state={:?} tx={}/{} rx={}/{} idc-tx={}/{} nic-tx={}/{} idc-rx={}/{} nic-rx={}/{}",
            d.domid,
            d.generation,
            d.state,
            tx.total.packets,
            tx.total.bytes,
            rx.total.packets,
            rx.total.bytes,
            tx.idc.packets,
            tx.idc.bytes,
            tx.nic.packets,
            tx.nic.bytes,
            rx.idc.packets,
            rx.idc.bytes,
            rx.nic.packets,
            rx.nic.bytes
        );
    }
    if std::env::args().nth(1).as_deref() == Some("peers") {
        for p in client.dump_peers(PeerFilter::default())? {
            let ip = p.ip.map(|ip| ip.to_string()).unwrap_or_default();
            println!(
                "peer domid={} table={} peer-domid={:?} ip={ip} packets={} bytes={} other={}",
                p.domid,
                p.table.name(),
                p.peer_domid,
                p.traffic.packets,
                p.traffic.bytes,
                p.other
            );
        }
    }
    Ok(())
}
