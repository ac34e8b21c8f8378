//! Generated clusters: every seed × size × policy, with the goals checked.

use std::fmt::Write as _;

use reunion_model::{PolicyKind, RmnConfig};

use crate::error::SimError;
use crate::generator::{generate, GeneratorConfig};
use crate::output::Summary;
use crate::run::{run, RunOptions};

use super::stats::spread;

/// The three policies, in table order.
pub const POLICIES: [PolicyKind; 3] = [PolicyKind::Idc, PolicyKind::Sandpiper, PolicyKind::None];

/// Reads one figure out of a summary.
type Metric = dyn Fn(&Summary) -> f64;

/// One run's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Hosts.
    pub hosts: usize,
    /// Seed.
    pub seed: u64,
    /// VMs in the cluster.
    pub vms: usize,
    /// The run's summary.
    pub summary: Summary,
}

/// CSV header of [`csv_line`].
pub const CSV_HEADER: &str = "hosts,seed,vms,policy,hotspot_s,nic_bytes,inter_vm_nic_bytes,idc_bytes,migrations,migration_bytes,mem_sets,failed_actions,delivered_mean,response_mean,response_p95_mean,response_p95_worst";

/// One CSV line.
pub fn csv_line(r: &Row) -> String {
    let s = &r.summary;
    format!(
        "{},{},{},{},{},{},{},{},{},{},{},{},{:.6},{:.6},{:.6},{:.6}",
        r.hosts,
        r.seed,
        r.vms,
        s.policy,
        s.hotspot_s_total,
        s.nic_bytes,
        s.inter_vm_nic_bytes,
        s.idc_bytes,
        s.migrations,
        s.migration_bytes,
        s.mem_sets,
        s.failed_actions,
        s.delivered_mean,
        s.response_mean,
        s.response_p95_mean,
        s.response_p95_worst
    )
}

/// Runs every policy on the cluster of `hosts` hosts and `seed`.
pub fn run_one(
    config: &GeneratorConfig,
    rmn: &RmnConfig,
    hosts: usize,
    seed: u64,
) -> Result<Vec<Row>, SimError> {
    let scenario = generate(config, hosts, seed)?;
    POLICIES
        .iter()
        .map(|&policy| {
            let out = run(
                &scenario,
                rmn,
                &RunOptions {
                    policy,
                    seed: Some(seed),
                    record_series: false,
                },
            )?;
            Ok(Row {
                hosts,
                seed,
                vms: scenario.vms.len(),
                summary: out.summary,
            })
        })
        .collect()
}

/// Markdown report of one size: every seed, then the spread and the goals.
pub fn report(hosts: usize, rows: &[Row]) -> String {
    let mut out = String::new();
    let get = |seed: u64, p: PolicyKind| {
        rows.iter()
            .find(|r| r.seed == seed && r.summary.policy == p)
    };
    let mut seeds: Vec<u64> = rows.iter().map(|r| r.seed).collect();
    seeds.dedup();
    let _ = writeln!(out, "### {hosts} hosts\n");
    let _ = writeln!(out, "| seed | VMs | hotspot-s idc / sp / none | inter-VM NIC GB idc / sp / none | NIC GB idc / sp | migrations idc / sp | delivered idc / sp / none | mean group RT p95 idc / sp / none |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    let (mut hot_ok, mut mig_ok, mut n) = (0, 0, 0);
    let mut reductions = Vec::new();
    let mut total_reductions = Vec::new();
    for &seed in &seeds {
        let (Some(i), Some(s), Some(z)) = (
            get(seed, PolicyKind::Idc),
            get(seed, PolicyKind::Sandpiper),
            get(seed, PolicyKind::None),
        ) else {
            continue;
        };
        let (i, s, z) = (&i.summary, &s.summary, &z.summary);
        n += 1;
        hot_ok += usize::from(i.hotspot_s_total <= s.hotspot_s_total);
        mig_ok += usize::from(i.migrations <= s.migrations);
        if s.inter_vm_nic_bytes > 0.0 {
            reductions.push(1.0 - i.inter_vm_nic_bytes / s.inter_vm_nic_bytes);
        }
        if s.nic_bytes > 0.0 {
            total_reductions.push(1.0 - i.nic_bytes / s.nic_bytes);
        }
        let _ = writeln!(
            out,
            "| {seed} | {} | {:.0} / {:.0} / {:.0} | {:.2} / {:.2} / {:.2} | {:.2} / {:.2} | {} / {} | {:.4} / {:.4} / {:.4} | {:.2} / {:.2} / {:.2} |",
            rows.iter().find(|r| r.seed == seed).map_or(0, |r| r.vms),
            i.hotspot_s_total, s.hotspot_s_total, z.hotspot_s_total,
            i.inter_vm_nic_bytes / 1e9, s.inter_vm_nic_bytes / 1e9, z.inter_vm_nic_bytes / 1e9,
            i.nic_bytes / 1e9, s.nic_bytes / 1e9,
            i.migrations, s.migrations,
            i.delivered_mean, s.delivered_mean, z.delivered_mean,
            i.response_p95_mean, s.response_p95_mean, z.response_p95_mean,
        );
    }
    let _ = writeln!(out);
    let series = |p: PolicyKind, f: &dyn Fn(&Summary) -> f64| -> Vec<f64> {
        rows.iter()
            .filter(|r| r.summary.policy == p)
            .map(|r| f(&r.summary))
            .collect()
    };
    let _ = writeln!(
        out,
        "| metric (mean ± sd [min, max] over {n} seeds) | idc | sandpiper | none |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    let metrics: [(&str, &Metric); 7] = [
        ("hotspot-seconds", &|s| s.hotspot_s_total),
        ("inter-VM NIC GB", &|s| s.inter_vm_nic_bytes / 1e9),
        ("all NIC GB", &|s| s.nic_bytes / 1e9),
        ("migrations", &|s| s.migrations as f64),
        ("delivered fraction", &|s| s.delivered_mean),
        ("mean group RT p95", &|s| s.response_p95_mean),
        ("worst group RT p95", &|s| s.response_p95_worst),
    ];
    for (name, f) in metrics {
        let _ = writeln!(
            out,
            "| {name} | {:.3} | {:.3} | {:.3} |",
            spread(&series(PolicyKind::Idc, f)),
            spread(&series(PolicyKind::Sandpiper, f)),
            spread(&series(PolicyKind::None, f)),
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Goals, {hosts} hosts:");
    let _ = writeln!(
        out,
        "- IDC hotspot-seconds ≤ Sandpiper's: {hot_ok} of {n} seeds"
    );
    let _ = writeln!(
        out,
        "- no more migrations than Sandpiper: {mig_ok} of {n} seeds"
    );
    let _ = writeln!(
        out,
        "- inter-VM NIC bytes below Sandpiper's by {:.3} (goal ≥ 0.30); {} of {} seeds reach 30 %",
        spread(&reductions),
        reductions.iter().filter(|r| **r >= 0.30).count(),
        reductions.len()
    );
    let _ = writeln!(
        out,
        "- all NIC bytes (clients included) below Sandpiper's by {:.3}\n",
        spread(&total_reductions)
    );
    out
}
