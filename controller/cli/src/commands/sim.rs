//! `reunion sim` (not implemented yet).

/// Arguments of `reunion sim`.
#[derive(Debug, clap::Args)]
pub struct SimArgs {}

/// Runs the subcommand.
pub fn run(_args: SimArgs) -> anyhow::Result<()> {
    anyhow::bail!("`reunion sim` is not implemented yet")
}
