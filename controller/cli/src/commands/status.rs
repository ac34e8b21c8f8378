//! `reunion status`: hosts, agents' health, in-flight actions.

use std::time::Duration;

use anyhow::Context;
use reunion_rmnd::status::ClusterStatus;

/// Show every configured host (agent connected? last report? utilizations)
/// and the actions in flight, from the RMN daemon's `/status` endpoint.
///
/// Example: `reunion status --rmn 127.0.0.1:9464`
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The RMN's metrics/status address (`metrics_listen` in its config).
    #[arg(long, default_value = "127.0.0.1:9464", env = "REUNION_RMN_HTTP")]
    rmn: String,
    /// Print the raw JSON instead of tables.
    #[arg(long)]
    json: bool,
}

/// Fetches the status from the daemon.
pub fn fetch(rmn: &str) -> anyhow::Result<ClusterStatus> {
    let body = reunion_rmnd::http::get(rmn, "/status", Duration::from_secs(5))
        .with_context(|| format!("cannot read http://{rmn}/status (is `reunion rmn` running, and is this its metrics_listen?)"))?;
    serde_json::from_str(&body).context("the daemon's /status is not valid status JSON")
}

fn percent(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

/// Renders the status as text.
pub fn render(status: &ClusterStatus) -> String {
    let mut out = format!(
        "policy {}{}, {} rounds, {} hosts, {} in flight\n\n",
        status.policy,
        if status.dry_run { " (dry run)" } else { "" },
        status.rounds,
        status.hosts.len(),
        status.in_flight.len()
    );
    out.push_str(&format!(
        "{:<20} {:<7} {:>10} {:>8} {:>7} {:>7} {:>7} {:<9}\n",
        "HOST", "AGENT", "LAST-RPT", "DOMAINS", "CPU", "MEM", "NIC", "MIGRATING"
    ));
    for h in &status.hosts {
        out.push_str(&format!(
            "{:<20} {:<7} {:>10} {:>8} {:>7} {:>7} {:>7} {:<9}\n",
            h.host,
            if h.connected { "up" } else { "DOWN" },
            h.report_age_s
                .map_or("never".into(), |s| format!("{s:.1}s ago")),
            h.domains,
            percent(h.cpu),
            percent(h.mem),
            percent(h.nic),
            if h.migration_in_flight { "yes" } else { "" }
        ));
    }
    if !status.in_flight.is_empty() {
        out.push_str("\nIN FLIGHT\n");
        for f in &status.in_flight {
            out.push_str(&format!(
                "  #{:<5} {:<22} {:>7.1}s  {}\n",
                f.id, f.phase, f.age_s, f.what
            ));
        }
    }
    out
}

/// Runs the subcommand.
pub fn run(args: StatusArgs) -> anyhow::Result<()> {
    let status = fetch(&args.rmn)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        print!("{}", render(&status));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reunion_rmnd::status::{HostStatus, InFlightStatus};

    #[test]
    fn render_shows_down_agents_and_in_flight_actions() {
        let status = ClusterStatus {
            policy: "idc".into(),
            dry_run: true,
            rounds: 7,
            hosts: vec![
                HostStatus {
                    host: "xen-a".into(),
                    connected: true,
                    report_age_s: Some(1.5),
                    reports: 10,
                    domains: 3,
                    cpu: Some(0.912),
                    mem: Some(0.5),
                    nic: Some(0.1),
                    migration_in_flight: true,
                },
                HostStatus {
                    host: "xen-b".into(),
                    ..HostStatus::default()
                },
            ],
            in_flight: vec![InFlightStatus {
                id: 4,
                what: "migrate web xen-a -> xen-c".into(),
                age_s: 3.0,
                phase: "awaiting-destination".into(),
            }],
            ..ClusterStatus::default()
        };
        let text = render(&status);
        assert!(text.contains("(dry run)"), "{text}");
        assert!(text.contains("91.2%"), "{text}");
        let b = text
            .lines()
            .find(|l| l.starts_with("xen-b"))
            .expect("xen-b row");
        assert!(b.contains("DOWN") && b.contains("never"), "{b}");
        assert!(
            text.contains("#4") && text.contains("awaiting-destination"),
            "{text}"
        );
    }
}
