//! `reunion demo`: the built-in scenarios with every policy, side by side.

use std::path::PathBuf;

use anyhow::Context as _;
use reunion_sim::artifacts::write_run;
use reunion_sim::builtin::BUILTIN_SCENARIOS;
use reunion_sim::compare::{comparison_table, placement_table};
use reunion_sim::plot::{draw_comparison, ComparisonRow};
use reunion_sim::run::{run as run_scenario, RunOptions};
use reunion_sim::Scenario;

use super::sim::{load_rmn_config, plot_thresholds, ALL_POLICIES};

/// Arguments of `reunion demo`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Runs every built-in scenario (the thesis's qualitative cases, a multi-tier
cluster with surges, memory provisioning, and two adversarial cases where IDC
awareness cannot help) with the idc, sandpiper and none policies, through the
real RMN core, and prints one comparison table per scenario.

Written to DIR:
  comparison-nic.png        inter-VM traffic through NICs per scenario and policy
  comparison-hotspots.png   hotspot-seconds per scenario and policy
  comparison-response.png   worst group p95 response-time proxy
  <scenario>/<policy>/      events.json, summary.json, no-action.json, timeline.png, timeline.csv

No Xen needed. Same inputs, byte-identical outputs.")]
pub struct DemoArgs {
    /// Output directory.
    #[arg(long, default_value = "reunion-demo")]
    pub out: PathBuf,
    /// RMN configuration (TOML, keys of the daemon's [rmn] table).
    #[arg(long)]
    pub rmn_config: Option<PathBuf>,
    /// Skip the PNG plots.
    #[arg(long)]
    pub no_plots: bool,
}

/// Runs the subcommand.
pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let config = load_rmn_config(args.rmn_config.as_deref())?;
    let policies: Vec<String> = ALL_POLICIES.iter().map(ToString::to_string).collect();
    let (mut nic, mut hot, mut response) = (Vec::new(), Vec::new(), Vec::new());
    for (file, text) in BUILTIN_SCENARIOS {
        let scenario =
            Scenario::from_toml(text).with_context(|| format!("built-in scenario {file}"))?;
        let mut summaries = Vec::new();
        for policy in ALL_POLICIES {
            let options = RunOptions {
                policy,
                seed: None,
                record_series: !args.no_plots,
            };
            let output = run_scenario(&scenario, &config, &options)
                .with_context(|| format!("{} with policy {policy}", scenario.name))?;
            let dir = args.out.join(&scenario.name).join(policy.to_string());
            write_run(
                &dir,
                &scenario,
                &output,
                plot_thresholds(&config),
                !args.no_plots,
            )
            .with_context(|| format!("cannot write {}", dir.display()))?;
            summaries.push(output.summary);
        }
        println!("== {}: {}", scenario.name, scenario.description);
        print!("{}", comparison_table(&summaries));
        print!("{}", placement_table(&summaries));
        println!();
        let row = |f: &dyn Fn(&reunion_sim::output::Summary) -> f64| ComparisonRow {
            scenario: scenario.name.clone(),
            values: summaries.iter().map(f).collect(),
        };
        nic.push(row(&|s| s.inter_vm_nic_bytes / 1e9));
        hot.push(row(&|s| s.hotspot_s_total));
        response.push(row(&|s| s.response_p95_worst));
    }
    if !args.no_plots {
        draw_comparison(
            &args.out,
            "comparison-nic.png",
            "Traffic between VMs that crossed a physical NIC (lower is better)",
            "GB",
            &policies,
            &nic,
        )?;
        draw_comparison(
            &args.out,
            "comparison-hotspots.png",
            "Hotspot-seconds, summed over hosts (lower is better)",
            "host-seconds",
            &policies,
            &hot,
        )?;
        draw_comparison(
            &args.out,
            "comparison-response.png",
            "Worst group p95 response-time proxy 1/(1-rho) (lower is better)",
            "1/(1-rho)",
            &policies,
            &response,
        )?;
    }
    println!(
        "results and plots in {}/ (comparison-*.png, <scenario>/<policy>/timeline.png)",
        args.out.display()
    );
    Ok(())
}
