//! `reunion rmn`: the RMN daemon.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use anyhow::Context;
use reunion_rmnd::core_engine::CoreEngine;

/// Run the RMN daemon: accept the agents listed in the config (each
/// authenticated by its own key), run one decision round per interval with
/// the RMN core, send `mem-set`/`migrate` commands, track migrations until the
/// destination reports the domain running, append every decision to the
/// JSON-lines log (`reunion explain` reads it), and serve Prometheus metrics at
/// `/metrics` and the cluster status at `/status`.
///
/// Examples:
///   reunion rmn --config /etc/reunion/rmn.toml
///   reunion rmn --config /etc/reunion/rmn.toml --check
///   reunion rmn --gen-key /etc/reunion/keys/xen-a.key
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct RmnArgs {
    /// The daemon's TOML config (see docs/operations.md).
    #[arg(long, default_value = "/etc/reunion/rmn.toml")]
    config: PathBuf,
    /// Validate the config and every key file, print a summary and exit.
    #[arg(long)]
    check: bool,
    /// Write a new random 256-bit key (64 hex digits, mode 0600) to this file
    /// and exit; copy it to the agent's `key_file` and list it under `[agents]`.
    #[arg(long, value_name = "FILE")]
    gen_key: Option<PathBuf>,
}

/// Runs the subcommand.
pub fn run(args: RmnArgs) -> anyhow::Result<()> {
    if let Some(path) = args.gen_key {
        let key = reunion_proto::Psk::generate()?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))?;
        writeln!(file, "{}", key.to_hex())?;
        println!("wrote a new key to {}", path.display());
        return Ok(());
    }
    let (config, keys) = reunion_rmnd::load(&args.config)?;
    if args.check {
        println!(
            "{}: valid; {} agents ({}), policy {}, interval {} s{}",
            args.config.display(),
            keys.len(),
            keys.keys().cloned().collect::<Vec<_>>().join(", "),
            config.rmn.policy,
            config.rmn.interval_s,
            if config.rmn.dry_run { ", dry run" } else { "" }
        );
        return Ok(());
    }
    let engine = CoreEngine::new(config.rmn.clone())?;
    let daemon = reunion_rmnd::start(&config, keys, Box::new(engine))?;
    tracing::info!(
        agents = %daemon.agent_address,
        http = %daemon.http_address,
        log = %config.decision_log.display(),
        policy = %config.rmn.policy,
        dry_run = config.rmn.dry_run,
        "RMN daemon running"
    );
    daemon.wait();
    Ok(())
}
