//! `reunion-eval`: the evaluation of docs/evaluation.md. Each subcommand prints
//! Markdown (pasted into that file) and writes CSV with every seed's run.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use reunion_model::RmnConfig;
use reunion_sim::eval::{generated, optimum_gap, scale};
use reunion_sim::generator::GeneratorConfig;

#[derive(Debug, Parser)]
#[command(
    name = "reunion-eval",
    about = "Evaluate the RMN's policies on generated clusters (docs/evaluation.md)"
)]
struct Cli {
    /// RMN configuration (TOML, the keys of the daemon's [rmn] table); default:
    /// `RmnConfig::default()`. eval/thesis-rmn.toml is the thesis's RMN.
    #[arg(long, global = true)]
    rmn_config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Every seed × size × policy on generated clusters.
    Generated {
        /// Generator distributions.
        #[arg(long, default_value = "eval/generator.toml")]
        config: PathBuf,
        /// Seed list, one per line (# comments allowed).
        #[arg(long, default_value = "eval/seeds.txt")]
        seeds: PathBuf,
        /// Cluster sizes (hosts), comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "4,16,64")]
        hosts: Vec<usize>,
        /// CSV output (one row per run).
        #[arg(long, default_value = "eval/results/generated.csv")]
        csv: PathBuf,
    },
    /// Each policy's gap to the exhaustive optimum on small instances.
    Optimum {
        /// Generator distributions for small instances.
        #[arg(long, default_value = "eval/small.toml")]
        config: PathBuf,
        /// Seed list.
        #[arg(long, default_value = "eval/seeds.txt")]
        seeds: PathBuf,
        /// Hosts per instance (at most 6).
        #[arg(long, default_value_t = 4)]
        hosts: usize,
    },
    /// Write one generated cluster as a scenario file, to inspect it with
    /// `reunion sim FILE --compare`.
    Write {
        /// Generator distributions.
        #[arg(long, default_value = "eval/generator.toml")]
        config: PathBuf,
        /// Hosts.
        #[arg(long)]
        hosts: usize,
        /// Seed.
        #[arg(long)]
        seed: u64,
        /// Scenario file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Simulated seconds per wall second at the given VM counts.
    Scale {
        /// Generator distributions.
        #[arg(long, default_value = "eval/generator.toml")]
        config: PathBuf,
        /// VM counts, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
        vms: Vec<usize>,
        /// Simulated seconds per run.
        #[arg(long, default_value_t = 300.0)]
        duration_s: f64,
    },
}

fn read_seeds(path: &PathBuf) -> anyhow::Result<Vec<u64>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.parse::<u64>()
                .with_context(|| format!("bad seed {l:?} in {}", path.display()))
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let rmn = match &cli.rmn_config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            toml::from_str::<RmnConfig>(&text)
                .with_context(|| format!("invalid RMN config {}", path.display()))?
        }
        None => RmnConfig::default(),
    };
    rmn.validate().context("invalid RMN config")?;
    match cli.command {
        Command::Generated {
            config,
            seeds,
            hosts,
            csv,
        } => {
            let config = GeneratorConfig::load(&config)?;
            let seeds = read_seeds(&seeds)?;
            if let Some(parent) = csv.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut file = std::fs::File::create(&csv)
                .with_context(|| format!("cannot create {}", csv.display()))?;
            writeln!(file, "{}", generated::CSV_HEADER)?;
            for &h in &hosts {
                let mut rows = Vec::new();
                for &seed in &seeds {
                    let result = generated::run_one(&config, &rmn, h, seed)
                        .with_context(|| format!("{h} hosts, seed {seed}"))?;
                    for row in &result {
                        writeln!(file, "{}", generated::csv_line(row))?;
                    }
                    rows.extend(result);
                }
                print!("{}", generated::report(h, &rows));
            }
            println!("CSV: {}", csv.display());
        }
        Command::Optimum {
            config,
            seeds,
            hosts,
        } => {
            let config = GeneratorConfig::load(&config)?;
            println!("{}", optimum_gap::HEADER);
            let mut all = Vec::new();
            let mut out = String::new();
            for seed in read_seeds(&seeds)? {
                all.push(optimum_gap::evaluate(&config, &rmn, hosts, seed, &mut out)?);
            }
            print!("{out}");
            for (i, policy) in generated::POLICIES.iter().enumerate() {
                let gaps: Vec<f64> = all
                    .iter()
                    .filter_map(|g| g.get(i).copied().flatten())
                    .collect();
                let within = gaps.iter().filter(|g| **g <= 0.10).count();
                println!("\n{policy}: within 10 % of the optimum on {within} of {} instances with a feasible optimum", gaps.len());
            }
        }
        Command::Write {
            config,
            hosts,
            seed,
            out,
        } => {
            let config = GeneratorConfig::load(&config)?;
            let scenario = reunion_sim::generator::generate(&config, hosts, seed)?;
            std::fs::write(&out, scenario.to_toml()?)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "wrote {} ({} hosts, {} VMs)",
                out.display(),
                hosts,
                scenario.vms.len()
            );
        }
        Command::Scale {
            config,
            vms,
            duration_s,
        } => {
            let config = GeneratorConfig::load(&config)?;
            println!("| VMs | hosts | simulated s | wall s | simulated s per wall s | CPU s | simulated s per CPU s | migrations |\n|---|---|---|---|---|---|---|---|");
            for n in vms {
                let r = scale::measure(&config, &rmn, n, duration_s, 1)?;
                let cpu = |f: &dyn Fn(f64) -> String| r.cpu_s.map_or("n/a".to_string(), f);
                println!(
                    "| {} | {} | {:.0} | {:.2} | {:.1} | {} | {} | {} |",
                    r.vms,
                    r.hosts,
                    r.simulated_s,
                    r.wall_s,
                    r.simulated_s / r.wall_s,
                    cpu(&|c| format!("{c:.2}")),
                    cpu(&|c| format!("{:.1}", r.simulated_s / c)),
                    r.migrations
                );
            }
        }
    }
    Ok(())
}
