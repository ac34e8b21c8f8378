//! `reunion agent`: the node agent in dom0.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use reunion_agent::agent::{Agent, RmnLink};
use reunion_agent::config::AgentConfig;
use reunion_agent::executor::Executor;
use reunion_agent::hypervisor::Hypervisor;
use reunion_agent::idcstat::{IdcstatSource, NoIdcstat};
use reunion_agent::migration::MigrationReceiver;
use reunion_agent::netlink_idcstat::NetlinkIdcstat;
use reunion_agent::profiler::{Profiler, ProfilerSettings};
use reunion_agent::xen::Xen;
use reunion_agent::xenstore::XenstoreCli;
use reunion_agent::xl::Xl;
use reunion_model::HostId;
use reunion_proto::{Psk, SessionOptions};

/// Run the node agent: every interval read Xen (libxenstat, else `xl list -v`
/// and `xl info`), xenstore (UUIDs, vif MACs and vbd backing devices of new
/// domains) and the idcstat module, report to
/// the RMN over the authenticated protocol, and execute its `xl mem-set` and
/// `xl migrate` commands. Reconnects with backoff; never exits on its own.
///
/// Example: `reunion agent --config /etc/reunion/agent.toml`
/// (see docs/operations.md for the file's keys).
#[derive(Debug, clap::Args)]
pub struct AgentArgs {
    /// The agent's TOML config.
    #[arg(long, default_value = "/etc/reunion/agent.toml")]
    config: PathBuf,
    /// Measure once, print the report as JSON and exit (no RMN needed):
    /// checks that xl, xenstore and idcstat are readable.
    #[arg(long)]
    once: bool,
}

fn xenstore(config: &AgentConfig) -> Arc<XenstoreCli> {
    Arc::new(XenstoreCli {
        read: config.xenstore_read.clone(),
        list: config.xenstore_list.clone(),
        timeout: Duration::from_secs(config.command_timeout_s),
    })
}

fn profiler(config: &AgentConfig, xen: Arc<Xen>) -> Profiler {
    let idcstat: Box<dyn IdcstatSource> = if config.idcstat.enabled {
        Box::new(NetlinkIdcstat::default())
    } else {
        tracing::info!("idcstat disabled in the config: reporting CPU and memory only");
        Box::new(NoIdcstat)
    };
    let started_s = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Profiler::new(
        ProfilerSettings {
            host: HostId::new(config.host.clone()),
            nic_bandwidth_bps: config.nic_bandwidth_bps,
            interval_ms: config.interval_s * 1000,
            swap_vdev: config.swap_vdev.clone(),
            cluster_prefixes: config.idcstat.cluster_prefixes.clone(),
            uplinks: config.idcstat.uplinks.clone(),
            // A restarted agent starts a new counter epoch.
            generation_base: started_s << 16,
        },
        xen,
        xenstore(config),
        idcstat,
    )
}

/// Runs the subcommand.
pub fn run(args: AgentArgs) -> anyhow::Result<()> {
    let config = AgentConfig::load(&args.config)?;
    // Measures with libxenstat when it loads (no `xl` per interval; logs which).
    let xen = Arc::new(Xen::open(
        Xl {
            xl: config.xl.clone(),
            xenstore_read: config.xenstore_read.clone(),
            transport_command: config.transport_command.clone(),
            command_timeout: Duration::from_secs(config.command_timeout_s),
            migrate_timeout: Duration::from_secs(config.migrate_timeout_s),
        },
        xenstore(&config),
    ));
    let mut profiler = profiler(&config, xen.clone());
    if args.once {
        let report = profiler.measure(false)?;
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let key = Psk::from_file(&config.key_file)
        .with_context(|| format!("key_file of {}", args.config.display()))?;
    let executor = Executor::new(
        HostId::new(config.host.clone()),
        xen.clone(),
        config.peers.clone(),
    );
    let receiver = MigrationReceiver::new(config.migration_listen, xen.migrate_receive_argv());
    let interval = Duration::from_secs(config.interval_s);
    let agent = Agent::new(
        RmnLink {
            address: config.rmn.clone(),
            identity: config.host.clone(),
            key,
            interval,
            heartbeat: Duration::from_secs(5).min(interval),
            max_backoff: Duration::from_secs(30),
            session: SessionOptions {
                idle_timeout: Some(Duration::from_secs(30).max(interval * 3)),
                ..SessionOptions::default()
            },
        },
        profiler,
        executor,
        receiver,
    );
    tracing::info!(host = %config.host, rmn = %config.rmn, "agent starting");
    agent.run();
    Ok(())
}
