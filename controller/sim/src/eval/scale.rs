//! Simulated seconds per wall second on large clusters.

use std::time::Instant;

use reunion_model::{PolicyKind, RmnConfig};

use crate::error::SimError;
use crate::generator::{generate, GeneratorConfig};
use crate::run::{run, RunOptions};

/// One scale measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleResult {
    /// VMs simulated.
    pub vms: usize,
    /// Hosts simulated.
    pub hosts: usize,
    /// Simulated seconds.
    pub simulated_s: f64,
    /// Wall-clock seconds.
    pub wall_s: f64,
    /// CPU seconds of this thread (Linux `/proc/thread-self/schedstat`), which
    /// other processes on a shared machine do not inflate; `None` elsewhere.
    pub cpu_s: Option<f64>,
    /// Migrations the RMN made.
    pub migrations: u64,
}

/// Generates a cluster with about `vms` VMs (hosts chosen so the generator's
/// per-host counts give that many), runs the IDC policy for `duration_s`.
pub fn measure(
    config: &GeneratorConfig,
    rmn: &RmnConfig,
    vms: usize,
    duration_s: f64,
    seed: u64,
) -> Result<ScaleResult, SimError> {
    let per_host = config.services.per_host
        * f64::from(config.services.tiers_min + config.services.tiers_max)
        / 2.0
        + config.lone.per_host;
    let hosts = ((vms as f64 / per_host).round() as usize).max(1);
    let mut config = config.clone();
    config.duration_s = duration_s;
    config.surges.start_s = [duration_s * 0.2, duration_s * 0.6];
    let scenario = generate(&config, hosts, seed)?;
    let cpu_before = thread_cpu_s();
    let started = Instant::now();
    let out = run(
        &scenario,
        rmn,
        &RunOptions {
            policy: PolicyKind::Idc,
            seed: Some(seed),
            record_series: false,
        },
    )?;
    Ok(ScaleResult {
        vms: scenario.vms.len(),
        hosts,
        simulated_s: duration_s,
        wall_s: started.elapsed().as_secs_f64(),
        cpu_s: thread_cpu_s()
            .zip(cpu_before)
            .map(|(after, before)| after - before),
        migrations: out.summary.migrations,
    })
}

/// CPU time this thread has run, seconds (first field of schedstat, in ns).
fn thread_cpu_s() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
}
