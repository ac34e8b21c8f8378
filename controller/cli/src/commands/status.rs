//! `reunion status` (not implemented yet).

/// Arguments of `reunion status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {}

/// Runs the subcommand.
pub fn run(_args: StatusArgs) -> anyhow::Result<()> {
    anyhow::bail!("`reunion status` is not implemented yet")
}
