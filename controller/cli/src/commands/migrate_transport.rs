//! `reunion migrate-transport` (not implemented yet).

/// Arguments of `reunion migrate-transport`.
#[derive(Debug, clap::Args)]
pub struct MigrateTransportArgs {}

/// Runs the subcommand.
pub fn run(_args: MigrateTransportArgs) -> anyhow::Result<()> {
    anyhow::bail!("`reunion migrate-transport` is not implemented yet")
}
