//! `reunion demo` (not implemented yet).

/// Arguments of `reunion demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {}

/// Runs the subcommand.
pub fn run(_args: DemoArgs) -> anyhow::Result<()> {
    anyhow::bail!("`reunion demo` is not implemented yet")
}
