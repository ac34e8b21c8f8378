//! Each policy's gap to the optimum on small instances.

use std::fmt::Write as _;

use reunion_model::RmnConfig;

use crate::cluster::Cluster;
use crate::error::SimError;
use crate::generator::{generate, GeneratorConfig};
use crate::optimum::{best_within, cross_host_mbps, feasible, snapshot, Limits};
use crate::run::{run, RunOptions};

use super::generated::POLICIES;

/// Most moves the exhaustive search explores (C(14,4)·5^4 ≈ 625k placements).
pub const MAX_SEARCH_MOVES: usize = 4;

/// Markdown rows for one seed: per policy, its moves, its inter-VM cross-host
/// traffic, the optimum's within as many moves from the placement at the first
/// hotspot, and the gap. Demands are those at the first hotspot.
pub fn evaluate(
    config: &GeneratorConfig,
    rmn: &RmnConfig,
    hosts: usize,
    seed: u64,
    out: &mut String,
) -> Result<Vec<Option<f64>>, SimError> {
    let scenario = generate(config, hosts, seed)?;
    if scenario.vms.len() > 14 || hosts > 6 {
        let _ = writeln!(
            out,
            "| {seed} | {} | (skipped: over 6 hosts or 14 VMs) | | | | | |",
            scenario.vms.len()
        );
        return Ok(Vec::new());
    }
    let initial = Cluster::from_scenario(&scenario, seed)?;
    let start: Vec<usize> = initial.vms.iter().map(|v| v.host).collect();
    // The state at the first hotspot: no policy has moved anything yet, so the
    // `none` run finds its time; demands are taken there.
    let untouched = run(
        &scenario,
        rmn,
        &RunOptions {
            policy: reunion_model::PolicyKind::None,
            seed: Some(seed),
            record_series: false,
        },
    )?;
    let Some(first_hotspot_s) = untouched.summary.first_hotspot_s else {
        let _ = writeln!(
            out,
            "| {seed} | {} | (no hotspot: nothing to optimize) | | | | | |",
            scenario.vms.len()
        );
        return Ok(Vec::new());
    };
    let snap = snapshot(&initial, first_hotspot_s);
    let limits = Limits {
        cpu: rmn.cpu_threshold,
        nic: rmn.nic_threshold,
    };
    let mut gaps = Vec::new();
    for policy in POLICIES {
        let result = run(
            &scenario,
            rmn,
            &RunOptions {
                policy,
                seed: Some(seed),
                record_series: false,
            },
        )?;
        let moves = result.summary.migrations as usize;
        let final_placement: Vec<usize> = result.cluster.vms.iter().map(|v| v.host).collect();
        // `+ 0.0` turns a -0.0 sum into 0.0 for printing.
        let policy_mbps = cross_host_mbps(&snap, &final_placement) + 0.0;
        let policy_ok = feasible(&snap, &final_placement, limits);
        let budget = moves.min(MAX_SEARCH_MOVES);
        let best = best_within(&snap, &start, budget, limits);
        let (opt_text, gap_text, gap) = match &best {
            Some(b) => {
                let gap = if b.cross_host_mbps > 0.0 {
                    (policy_mbps - b.cross_host_mbps) / b.cross_host_mbps
                } else if policy_mbps > 0.0 {
                    f64::INFINITY
                } else {
                    0.0
                };
                (
                    format!(
                        "{:.1} ({} moves, {} placements)",
                        b.cross_host_mbps + 0.0,
                        b.moves,
                        b.examined
                    ),
                    if gap.is_finite() {
                        format!("{:+.1} %", gap * 100.0)
                    } else {
                        format!("+{policy_mbps:.1} Mb/s over 0")
                    },
                    Some(gap),
                )
            }
            None => ("none feasible".to_string(), "n/a".to_string(), None),
        };
        gaps.push(gap);
        let _ = writeln!(
            out,
            "| {seed} | {} | {policy} | {moves}{} | {policy_mbps:.1} | {} | {opt_text} | {gap_text} |",
            scenario.vms.len(),
            if moves > MAX_SEARCH_MOVES { format!(" (search capped at {MAX_SEARCH_MOVES})") } else { String::new() },
            if policy_ok { "yes" } else { "no" },
        );
    }
    Ok(gaps)
}

/// Table header for [`evaluate`]'s rows.
pub const HEADER: &str = "| seed | VMs | policy | migrations | its inter-VM cross-host Mb/s | its hosts all under thresholds | optimum Mb/s within as many moves | gap |\n|---|---|---|---|---|---|---|---|";
