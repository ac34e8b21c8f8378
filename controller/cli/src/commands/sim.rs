//! `reunion sim`: run one scenario through the real RMN core.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use reunion_model::{PolicyKind, RmnConfig};
use reunion_sim::artifacts::{write_run, PlotThresholds};
use reunion_sim::compare::{comparison_table, placement_table};
use reunion_sim::run::{run as run_scenario, RunOptions};
use reunion_sim::Scenario;
use serde::Deserialize as _;

/// Policies `--compare` runs, in table order.
pub const ALL_POLICIES: [PolicyKind; 3] =
    [PolicyKind::Idc, PolicyKind::Sandpiper, PolicyKind::None];

/// Arguments of `reunion sim`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  reunion sim scenarios/group-vs-lone.toml --policy idc --out /tmp/gvl
  reunion sim scenarios/multi-tier-surge.toml --compare --out /tmp/mts

Output in DIR (with --compare, in DIR/<policy>/):
  events.json   every mem-set and migration with the RMN's explanation record
  summary.json  hotspot-seconds per host, NIC/IDC bytes, migrations, per-group
                delivered fraction and response-time proxy (mean, p95)
  no-action.json  the RMN's records of hotspots it judged but left without
                an action (no fitting destination, guards), with its reasons
  timeline.png  per-host CPU, NIC, swap and per-group performance over time,
                migrations marked
  timeline.csv  the numbers behind timeline.png, one row per report interval

The scenario format is described in docs/scenarios.md, the model in
docs/simulator.md. The same scenario and seed always give byte-identical files.")]
pub struct SimArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Migration policy the RMN core uses: idc, sandpiper or none.
    #[arg(long, value_parser = parse_policy, default_value = "idc")]
    pub policy: PolicyKind,
    /// Seed of the scenario's random series (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory.
    #[arg(long, default_value = "reunion-sim-out")]
    pub out: PathBuf,
    /// Run all three policies and print a side-by-side table.
    #[arg(long)]
    pub compare: bool,
    /// RMN configuration: the daemon's config file (its [rmn] table is used) or
    /// a TOML file with just those keys; unset keys take the daemon's defaults
    /// (docs/policy.md). `eval/thesis-rmn.toml` reproduces the thesis exactly.
    #[arg(long)]
    pub rmn_config: Option<PathBuf>,
    /// Skip the PNG plots and timeline.csv (faster on big clusters).
    #[arg(long)]
    pub no_plots: bool,
}

/// Parses `idc`, `sandpiper` or `none`.
pub fn parse_policy(text: &str) -> Result<PolicyKind, String> {
    match text {
        "idc" => Ok(PolicyKind::Idc),
        "sandpiper" => Ok(PolicyKind::Sandpiper),
        "none" => Ok(PolicyKind::None),
        other => Err(format!(
            "unknown policy {other:?}: use idc, sandpiper or none"
        )),
    }
}

/// Loads an RMN configuration file, or the defaults.
pub fn load_rmn_config(path: Option<&Path>) -> anyhow::Result<RmnConfig> {
    let config = match path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read RMN config {}", path.display()))?;
            // Either a daemon config with an [rmn] table, or the table's keys alone.
            let table: toml::Table = toml::from_str(&text)
                .with_context(|| format!("{} is not valid TOML", path.display()))?;
            let rmn = match table.get("rmn") {
                Some(toml::Value::Table(rmn)) => rmn.clone(),
                _ => table,
            };
            RmnConfig::deserialize(rmn)
                .with_context(|| format!("invalid RMN config {}", path.display()))?
        }
        None => RmnConfig::default(),
    };
    config.validate().context("invalid RMN config")?;
    Ok(config)
}

/// The thresholds the plots draw, from the RMN's config.
pub fn plot_thresholds(config: &RmnConfig) -> PlotThresholds {
    (
        config.cpu_threshold,
        config.swap_write_threshold_pages_per_s,
        config.nic_threshold,
    )
}

/// Runs the subcommand.
pub fn run(args: SimArgs) -> anyhow::Result<()> {
    let scenario = Scenario::load(&args.scenario)
        .with_context(|| format!("cannot load scenario {}", args.scenario.display()))?;
    let config = load_rmn_config(args.rmn_config.as_deref())?;
    let policies: Vec<PolicyKind> = if args.compare {
        ALL_POLICIES.to_vec()
    } else {
        vec![args.policy]
    };
    let mut summaries = Vec::new();
    for policy in policies {
        let options = RunOptions {
            policy,
            seed: args.seed,
            record_series: !args.no_plots,
        };
        let output = run_scenario(&scenario, &config, &options).with_context(|| {
            format!(
                "simulation of {} with policy {policy} failed",
                scenario.name
            )
        })?;
        let dir = if args.compare {
            args.out.join(policy.to_string())
        } else {
            args.out.clone()
        };
        write_run(
            &dir,
            &scenario,
            &output,
            plot_thresholds(&config),
            !args.no_plots,
        )
        .with_context(|| format!("cannot write results to {}", dir.display()))?;
        summaries.push(output.summary);
    }
    println!("scenario {}: {}", scenario.name, scenario.description);
    print!("{}", comparison_table(&summaries));
    print!("{}", placement_table(&summaries));
    println!("results in {}", args.out.display());
    Ok(())
}
