//! `reunion rmn` (not implemented yet).

/// Arguments of `reunion rmn`.
#[derive(Debug, clap::Args)]
pub struct RmnArgs {}

/// Runs the subcommand.
pub fn run(_args: RmnArgs) -> anyhow::Result<()> {
    anyhow::bail!("`reunion rmn` is not implemented yet")
}
