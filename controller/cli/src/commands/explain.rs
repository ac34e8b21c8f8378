//! `reunion explain` (not implemented yet).

/// Arguments of `reunion explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {}

/// Runs the subcommand.
pub fn run(_args: ExplainArgs) -> anyhow::Result<()> {
    anyhow::bail!("`reunion explain` is not implemented yet")
}
