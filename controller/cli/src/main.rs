//! `reunion`: one binary, one subcommand per role.
//!
//! Each subcommand lives in `commands/<name>.rs`, which defines its clap `Args`
//! and a `run` function. This file only dispatches.

mod commands;

use clap::{Parser, Subcommand};

/// reunion: an automatic load manager for Xen clusters that removes hotspots by
/// memory ballooning and live migration while keeping VMs that talk to each other
/// on the same physical host (IDC-aware migration).
#[derive(Debug, Parser)]
#[command(name = "reunion", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a simulated cluster through the RMN core and write events, summary and plots.
    Sim(commands::sim::SimArgs),
    /// Run the built-in scenarios with every policy and print the comparison (the main job without Xen).
    Demo(commands::demo::DemoArgs),
    /// Run the node agent in dom0: read idcstat and Xen, report to the RMN, execute its commands.
    Agent(commands::agent::AgentArgs),
    /// Run the RMN daemon: collect reports, detect hotspots, decide and command migrations.
    Rmn(commands::rmn::RmnArgs),
    /// Live, xentop-like view of domains with IDC and NIC rates and top peers.
    Top(commands::top::TopArgs),
    /// Print the RMN's last decisions with their evidence, in readable form.
    Explain(commands::explain::ExplainArgs),
    /// Show hosts, agents' health and in-flight actions.
    Status(commands::status::StatusArgs),
    /// Dump everything the local idcstat kernel module knows (domains, counters, peers).
    Idcstat(commands::idcstat::IdcstatArgs),
    /// Transport for `xl migrate -s`: connect to a destination agent's one-shot migration channel.
    #[command(hide = true)]
    MigrateTransport(commands::migrate_transport::MigrateTransportArgs),
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("REUNION_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if cli.command.prints_for_a_pipe() {
        die_quietly_on_closed_stdout();
    }
    match cli.command {
        Command::Sim(args) => commands::sim::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Agent(args) => commands::agent::run(args),
        Command::Rmn(args) => commands::rmn::run(args),
        Command::Top(args) => commands::top::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Status(args) => commands::status::run(args),
        Command::Idcstat(args) => commands::idcstat::run(args),
        Command::MigrateTransport(args) => commands::migrate_transport::run(args),
    }
}

impl Command {
    /// Whether the command is an operator's tool whose output is often piped
    /// into `head` or `less`. The daemons and the migration transport are not:
    /// they write to sockets and pipes whose closing is an error to report.
    fn prints_for_a_pipe(&self) -> bool {
        matches!(
            self,
            Command::Sim(_)
                | Command::Demo(_)
                | Command::Top(_)
                | Command::Explain(_)
                | Command::Status(_)
                | Command::Idcstat(_)
        )
    }
}

/// Restores SIGPIPE's default action, so that `reunion explain 50 | head`
/// ends quietly when `head` closes the pipe. Rust ignores SIGPIPE, which turns
/// the closed pipe into an error that `println!` answers with a panic.
fn die_quietly_on_closed_stdout() {
    use nix::sys::signal::{signal, SigHandler, Signal};
    // SAFETY: SIG_DFL installs no handler of ours, so nothing runs in signal
    // context; this runs before any thread is started.
    if let Err(err) = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) } {
        tracing::debug!("could not restore SIGPIPE: {err}");
    }
}
