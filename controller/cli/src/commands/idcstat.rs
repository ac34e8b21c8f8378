//! `reunion idcstat` (not implemented yet).

/// Arguments of `reunion idcstat`.
#[derive(Debug, clap::Args)]
pub struct IdcstatArgs {}

/// Runs the subcommand.
pub fn run(_args: IdcstatArgs) -> anyhow::Result<()> {
    anyhow::bail!("`reunion idcstat` is not implemented yet")
}
