//! `reunion agent` (not implemented yet).

/// Arguments of `reunion agent`.
#[derive(Debug, clap::Args)]
pub struct AgentArgs {}

/// Runs the subcommand.
pub fn run(_args: AgentArgs) -> anyhow::Result<()> {
    anyhow::bail!("`reunion agent` is not implemented yet")
}
