//! `reunion migrate-transport`: the `-s` transport of `xl migrate`.

/// Transport for `xl migrate -s "reunion migrate-transport"`: connects to the
/// destination agent's one-shot, authenticated migration channel and relays
/// stdin/stdout. Started by `xl` under `reunion agent`, which passes the
/// channel's address, id and key in the environment; not for manual use.
#[derive(Debug, clap::Args)]
pub struct MigrateTransportArgs {
    /// Destination host (xl passes it first; must match the host the agent validated).
    host: String,
    /// What xl asks to run on the destination (`xl migrate-receive ...`):
    /// ignored, the destination agent runs a fixed `xl migrate-receive`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    remote_command: Vec<String>,
}

/// Runs the subcommand.
pub fn run(args: MigrateTransportArgs) -> anyhow::Result<()> {
    tracing::debug!(host = %args.host, ignored = ?args.remote_command, "migration transport");
    reunion_agent::migration::run_transport(&args.host, &|name| std::env::var(name).ok())?;
    Ok(())
}
