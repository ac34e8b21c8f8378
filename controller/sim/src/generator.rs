//! Random clusters for the evaluation: multi-tier services, lone VMs and load
//! surges, drawn from distributions fixed in a committed file
//! (eval/generator.toml) so that every seed's cluster can be regenerated.

use serde::{Deserialize, Serialize};

use crate::constants::SimConstants;
use crate::error::SimError;
use crate::rng::SplitMix64;
use crate::scenario::{FlowSpec, HostSpec, Scenario, VmSpec};
use crate::series::{SeriesSpec, Shape};

/// A closed range `[low, high]` to draw uniformly from.
pub type Range = [f64; 2];

/// The generator's distributions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratorConfig {
    /// Simulated seconds per run.
    pub duration_s: f64,
    /// Host shape.
    pub host: HostShape,
    /// Services (groups of tiers).
    pub services: ServiceShape,
    /// Lone VMs.
    pub lone: LoneShape,
    /// Load surges.
    pub surges: SurgeShape,
    /// Initial placement.
    pub placement: PlacementShape,
}

/// Every host is alike.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostShape {
    /// Calibration cores.
    pub cpus: u32,
    /// Memory, MiB.
    pub memory_mib: u64,
    /// dom0's memory, MiB.
    pub dom0_memory_mib: u64,
    /// NIC, Mb/s.
    pub nic_mbps: f64,
}

/// Multi-tier services.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceShape {
    /// Services per host (rounded, at least 1).
    pub per_host: f64,
    /// Fewest tiers.
    pub tiers_min: u32,
    /// Most tiers.
    pub tiers_max: u32,
    /// CPU per tier, cores.
    pub cpu: Range,
    /// Memory per tier, MiB (drawn from these values).
    pub memory_mib: Vec<u64>,
    /// Traffic between adjacent tiers, each way, Mb/s.
    pub tier_mbps: Range,
    /// Client traffic of the front tier, each way, Mb/s.
    pub external_mbps: Range,
}

/// Lone VMs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoneShape {
    /// Lone VMs per host.
    pub per_host: f64,
    /// CPU, cores.
    pub cpu: Range,
    /// Memory, MiB (drawn from these values).
    pub memory_mib: Vec<u64>,
    /// Client traffic each way, Mb/s.
    pub external_mbps: Range,
}

/// Load surges: a VM's CPU (and, for a service, its traffic) multiplied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurgeShape {
    /// Surges per host (rounded, at least 1).
    pub per_host: f64,
    /// Start time, s.
    pub start_s: Range,
    /// Ramp length, s.
    pub ramp_s: Range,
    /// Multiplier of the VM's CPU at the peak.
    pub factor: Range,
    /// Probability that a surge hits a whole service (all tiers and their
    /// traffic) rather than one lone VM.
    pub service_probability: f64,
}

/// How VMs are first placed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementShape {
    /// Probability that a tier is placed on its previous tier's host (if it fits).
    pub colocate_probability: f64,
    /// A host is filled to at most this CPU fraction at the start (by demand).
    pub max_initial_cpu: f64,
}

impl GeneratorConfig {
    /// Parses a generator config.
    pub fn from_toml(text: &str) -> Result<Self, SimError> {
        Ok(toml::from_str(text)?)
    }

    /// Reads a generator config file.
    pub fn load(path: &std::path::Path) -> Result<Self, SimError> {
        let text = std::fs::read_to_string(path).map_err(|source| SimError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text)
    }
}

fn draw(rng: &mut SplitMix64, range: Range) -> f64 {
    rng.uniform(range[0], range[1])
}

fn pick(rng: &mut SplitMix64, values: &[u64]) -> u64 {
    if values.is_empty() {
        return 256;
    }
    values[rng.range_inclusive(0, values.len() as u64 - 1) as usize]
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

struct Draft {
    name: String,
    group: Option<String>,
    cpu: f64,
    memory_mib: u64,
    external: f64,
}

/// Generates a cluster of `hosts` hosts from `config` and `seed`.
pub fn generate(config: &GeneratorConfig, hosts: usize, seed: u64) -> Result<Scenario, SimError> {
    let mut rng = SplitMix64::derived(seed, &format!("cluster/{hosts}"));
    let hosts = hosts.max(1);
    let s = &config.services;
    let mut drafts: Vec<Draft> = Vec::new();
    let mut flows: Vec<FlowSpec> = Vec::new();
    let mut services: Vec<Vec<usize>> = Vec::new();
    let service_count = ((s.per_host * hosts as f64).round() as usize).max(1);
    for svc in 0..service_count {
        let tiers = rng.range_inclusive(
            u64::from(s.tiers_min),
            u64::from(s.tiers_max.max(s.tiers_min)),
        );
        let mut members = Vec::new();
        for tier in 0..tiers {
            members.push(drafts.len());
            drafts.push(Draft {
                name: format!("s{svc}-t{tier}"),
                group: Some(format!("s{svc}")),
                cpu: round2(draw(&mut rng, s.cpu)),
                memory_mib: pick(&mut rng, &s.memory_mib),
                external: if tier == 0 {
                    round2(draw(&mut rng, s.external_mbps))
                } else {
                    0.0
                },
            });
            if tier > 0 {
                let rate = round2(draw(&mut rng, s.tier_mbps));
                flows.push(FlowSpec {
                    from: format!("s{svc}-t{}", tier - 1),
                    to: format!("s{svc}-t{tier}"),
                    mbps: SeriesSpec::Constant(rate),
                    reply_mbps: Some(SeriesSpec::Constant(rate)),
                });
            }
        }
        services.push(members);
    }
    let l = &config.lone;
    let lone_count = (l.per_host * hosts as f64).round() as usize;
    let mut lones = Vec::new();
    for n in 0..lone_count {
        lones.push(drafts.len());
        drafts.push(Draft {
            name: format!("lone{n}"),
            group: None,
            cpu: round2(draw(&mut rng, l.cpu)),
            memory_mib: pick(&mut rng, &l.memory_mib),
            external: round2(draw(&mut rng, l.external_mbps)),
        });
    }

    // Surges: multiply CPU (and service traffic) by a factor, ramped.
    let mut cpu_series: Vec<SeriesSpec> =
        drafts.iter().map(|d| SeriesSpec::Constant(d.cpu)).collect();
    let mut flow_scale: Vec<Option<SeriesSpec>> = vec![None; services.len()];
    let surge_count = ((config.surges.per_host * hosts as f64).round() as usize).max(1);
    for _ in 0..surge_count {
        let start = draw(&mut rng, config.surges.start_s).round();
        let end = start + draw(&mut rng, config.surges.ramp_s).round();
        let factor = round2(draw(&mut rng, config.surges.factor));
        let ramp = |base: f64| {
            SeriesSpec::Shape(Shape::Ramp {
                from: base,
                to: round2(base * factor),
                start_s: start,
                end_s: end,
            })
        };
        if rng.next_f64() < config.surges.service_probability || lones.is_empty() {
            let svc = rng.range_inclusive(0, services.len() as u64 - 1) as usize;
            for &m in &services[svc] {
                cpu_series[m] = ramp(drafts[m].cpu);
            }
            flow_scale[svc] = Some(ramp(1.0));
        } else {
            let v = lones[rng.range_inclusive(0, lones.len() as u64 - 1) as usize];
            cpu_series[v] = ramp(drafts[v].cpu);
        }
    }

    // Placement: services in order, tiers next to their previous tier with some
    // probability, otherwise on a random host with room; lone VMs randomly.
    let h = &config.host;
    let guest_mib = h.memory_mib - h.dom0_memory_mib;
    let cpu_room = f64::from(h.cpus) * config.placement.max_initial_cpu;
    let mut free_mib = vec![guest_mib; hosts];
    let mut cpu_used = vec![0.0; hosts];
    let mut host_of = vec![usize::MAX; drafts.len()];
    let constants = SimConstants::default();
    let mut order: Vec<(usize, Option<usize>)> = Vec::new();
    for members in &services {
        for (i, &m) in members.iter().enumerate() {
            order.push((m, if i > 0 { Some(members[i - 1]) } else { None }));
        }
    }
    order.extend(lones.iter().map(|&v| (v, None)));
    for (v, previous) in order {
        let d = &drafts[v];
        // Rough CPU including the NIC cost of its client traffic.
        let need = d.cpu + 2.0 * d.external * constants.nic_cpu_per_mbps;
        let fits = |host: usize, free: &[u64], used: &[f64]| {
            free[host] >= d.memory_mib && used[host] + need <= cpu_room
        };
        let mut chosen = None;
        if let Some(p) = previous {
            if rng.next_f64() < config.placement.colocate_probability
                && fits(host_of[p], &free_mib, &cpu_used)
            {
                chosen = Some(host_of[p]);
            }
        }
        if chosen.is_none() {
            let start = rng.range_inclusive(0, hosts as u64 - 1) as usize;
            chosen = (0..hosts)
                .map(|k| (start + k) % hosts)
                .find(|&c| fits(c, &free_mib, &cpu_used));
        }
        let Some(host) = chosen.or_else(|| (0..hosts).find(|&c| free_mib[c] >= d.memory_mib))
        else {
            return Err(SimError::Scenario(format!(
                "generator: no host has memory for {} ({} MiB); lower services/lone per_host",
                d.name, d.memory_mib
            )));
        };
        host_of[v] = host;
        free_mib[host] -= d.memory_mib;
        cpu_used[host] += need;
    }

    let host_specs: Vec<HostSpec> = (0..hosts)
        .map(|i| HostSpec {
            name: format!("h{i}"),
            cpus: h.cpus,
            memory_mib: h.memory_mib,
            dom0_memory_mib: h.dom0_memory_mib,
            nic_mbps: h.nic_mbps,
        })
        .collect();
    let vms: Vec<VmSpec> = drafts
        .iter()
        .enumerate()
        .map(|(v, d)| VmSpec {
            name: d.name.clone(),
            host: format!("h{}", host_of[v]),
            group: d.group.clone(),
            memory_mib: d.memory_mib,
            max_memory_mib: None,
            cpu: cpu_series[v].clone(),
            working_set_mib: SeriesSpec::Constant(0.0),
            external_tx_mbps: SeriesSpec::Constant(d.external),
            external_rx_mbps: SeriesSpec::Constant(round2(d.external / 4.0)),
        })
        .collect();
    // Surging services scale their tier traffic with their CPU.
    let mut service_of_flow = Vec::new();
    for (svc, members) in services.iter().enumerate() {
        service_of_flow.extend(std::iter::repeat_n(svc, members.len().saturating_sub(1)));
    }
    let flows = flows
        .into_iter()
        .zip(service_of_flow)
        .map(|(mut f, svc)| {
            if let (
                Some(SeriesSpec::Shape(Shape::Ramp {
                    to, start_s, end_s, ..
                })),
                SeriesSpec::Constant(rate),
            ) = (&flow_scale[svc], &f.mbps)
            {
                let ramp = SeriesSpec::Shape(Shape::Ramp {
                    from: *rate,
                    to: round2(rate * to),
                    start_s: *start_s,
                    end_s: *end_s,
                });
                f.mbps = ramp.clone();
                f.reply_mbps = Some(ramp);
            }
            f
        })
        .collect();
    let scenario = Scenario {
        name: format!("generated-{hosts}h-seed{seed}"),
        description: format!("generated by reunion-sim's generator, {hosts} hosts, seed {seed}"),
        duration_s: config.duration_s,
        tick_s: 1.0,
        report_interval_s: 10.0,
        seed,
        model: SimConstants::default(),
        hosts: host_specs,
        vms,
        flows,
        matrices: Vec::new(),
    };
    scenario.validate()?;
    Ok(scenario)
}
