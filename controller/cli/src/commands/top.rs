//! `reunion top` (not implemented yet).

/// Arguments of `reunion top`.
#[derive(Debug, clap::Args)]
pub struct TopArgs {}

/// Runs the subcommand.
pub fn run(_args: TopArgs) -> anyhow::Result<()> {
    anyhow::bail!("`reunion top` is not implemented yet")
}
