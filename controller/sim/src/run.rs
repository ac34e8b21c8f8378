//! The simulation loop: physics every tick; every report interval the hosts'
//! reports go to the real RMN core, and its actions are carried out.

use std::collections::BTreeMap;

use reunion_model::{
    Action, ActionId, ActionKind, ActionOutcome, ActionResult, DecisionRecord, PolicyKind,
    RmnConfig, MIB,
};
use reunion_rmn::Rmn;

use crate::cluster::Cluster;
use crate::error::SimError;
use crate::metrics::{HotspotThresholds, Metrics};
use crate::output::{Event, EventResult, Summary};
use crate::physics;
use crate::report::host_reports;
use crate::scenario::Scenario;

/// How to run a scenario.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The migration policy the RMN uses.
    pub policy: PolicyKind,
    /// Seed of the random series (default: the scenario's).
    pub seed: Option<u64>,
    /// Keep per-interval series for plots (costs memory on big clusters).
    pub record_series: bool,
}

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// The summary (summary.json).
    pub summary: Summary,
    /// Every action (events.json).
    pub events: Vec<Event>,
    /// Metrics, including the plot series.
    pub metrics: Metrics,
    /// Final cluster state.
    pub cluster: Cluster,
    /// Decision records that produced no action (no feasible victim, caps, ...).
    pub records_without_action: Vec<DecisionRecord>,
}

fn ms(seconds: f64) -> u64 {
    (seconds * 1000.0).round().max(0.0) as u64
}

fn rmn_error(e: impl std::fmt::Display) -> SimError {
    SimError::Rmn(e.to_string())
}

/// Runs `scenario` under the RMN configured by `config` (its `policy` is replaced
/// by `options.policy`).
pub fn run(
    scenario: &Scenario,
    config: &RmnConfig,
    options: &RunOptions,
) -> Result<RunOutput, SimError> {
    let seed = options.seed.unwrap_or(scenario.seed);
    let mut cluster = Cluster::from_scenario(scenario, seed)?;
    let mut config = config.clone();
    config.policy = options.policy;
    config.interval_s = scenario.report_interval_s.round().max(1.0) as u64;
    let mut rmn = Rmn::new(config.clone()).map_err(rmn_error)?;
    let thresholds = HotspotThresholds {
        cpu: config.cpu_threshold,
        swap_pages_per_s: config.swap_write_threshold_pages_per_s,
        nic: config.nic_threshold,
    };
    let mut metrics = Metrics::new(&cluster, thresholds, options.record_series);
    let tick_s = scenario.tick_s;
    let ticks = (scenario.duration_s / tick_s).round() as u64;
    let ticks_per_report = (scenario.report_interval_s / tick_s).round().max(1.0) as u64;

    let mut events: Vec<Event> = Vec::new();
    let mut event_of: BTreeMap<u64, usize> = BTreeMap::new();
    let mut records_without_action = Vec::new();
    let mut seq = 0u64;

    for k in 0..ticks {
        let now_s = k as f64 * tick_s;
        let out = physics::tick(&mut cluster, now_s, tick_s);
        metrics.record(&cluster, &out, tick_s);
        let end_s = (k + 1) as f64 * tick_s;
        for m in &out.finished {
            let result = ActionResult {
                id: ActionId(m.action_id),
                outcome: ActionOutcome::Ok,
            };
            rmn.action_result(ms(end_s), &result).map_err(rmn_error)?;
            if let Some(&e) = event_of.get(&m.action_id) {
                events[e].result = EventResult::Completed { at_s: end_s };
            }
        }
        if (k + 1) % ticks_per_report != 0 {
            continue;
        }
        metrics.close_interval(end_s);
        seq += 1;
        let now_ms = ms(end_s);
        for report in host_reports(&cluster, end_s, scenario.report_interval_s, seq) {
            rmn.ingest(now_ms, report).map_err(rmn_error)?;
        }
        let round = rmn.decide(now_ms);
        let mut record_of: BTreeMap<u64, DecisionRecord> = BTreeMap::new();
        for record in round.records {
            match &record.action {
                Some(action) => {
                    record_of.insert(action.id.0, record);
                }
                None => records_without_action.push(record),
            }
        }
        for action in round.actions {
            let record = record_of.remove(&action.id.0);
            let (event, immediate) = execute(&mut cluster, &action, record, end_s);
            if let Some(outcome) = immediate {
                rmn.action_result(
                    now_ms,
                    &ActionResult {
                        id: action.id,
                        outcome,
                    },
                )
                .map_err(rmn_error)?;
            }
            event_of.insert(action.id.0, events.len());
            events.push(event);
        }
    }
    let summary = Summary::build(
        scenario,
        options.policy,
        seed,
        &cluster,
        &metrics,
        &events,
        records_without_action.len(),
    );
    Ok(RunOutput {
        summary,
        events,
        metrics,
        cluster,
        records_without_action,
    })
}

/// Carries out one action. Returns its event and, unless it is a migration that
/// started, the result to send back at once.
fn execute(
    cluster: &mut Cluster,
    action: &Action,
    record: Option<DecisionRecord>,
    now_s: f64,
) -> (Event, Option<ActionOutcome>) {
    let failed = |reason: String| ActionOutcome::Failed { stderr: reason };
    let vm = cluster.vm_by_uuid(action.kind.uuid());
    let mut event = Event::new(action, now_s, record, cluster, vm);
    let check = |cluster: &Cluster, host: &str, domid| -> Result<usize, String> {
        let v = vm.ok_or_else(|| format!("unknown domain {}", action.kind.uuid()))?;
        let vm = &cluster.vms[v];
        if cluster.hosts[vm.host].name != host || vm.domid != domid {
            return Err(format!(
                "domain {} is domid {} on {}, not domid {domid} on {host}",
                vm.name, vm.domid, cluster.hosts[vm.host].name
            ));
        }
        Ok(v)
    };
    let outcome = match &action.kind {
        ActionKind::MemSet {
            host,
            domid,
            target_bytes,
            ..
        } => match check(cluster, host.as_str(), *domid) {
            Ok(v) => {
                let before = cluster.vms[v].alloc_mib;
                let after = cluster.mem_set(v, target_bytes / MIB);
                event.amount_bytes = (after as i64 - before as i64) * MIB as i64;
                event.result = EventResult::Completed { at_s: now_s };
                Some(ActionOutcome::Ok)
            }
            Err(reason) => Some(failed(reason)),
        },
        ActionKind::Migrate {
            domid,
            source,
            destination,
            ..
        } => {
            let started = check(cluster, source.as_str(), *domid).and_then(|v| {
                let dest = cluster
                    .host_by_name(destination.as_str())
                    .ok_or_else(|| format!("unknown host {destination}"))?;
                cluster.start_migration(action.id.0, v, dest, now_s)?;
                Ok(v)
            });
            match started {
                Ok(v) => {
                    event.amount_bytes = (cluster.vms[v].alloc_mib * MIB) as i64;
                    event.result = EventResult::InFlight;
                    None
                }
                Err(reason) => Some(failed(reason)),
            }
        }
    };
    if let Some(ActionOutcome::Failed { stderr }) = &outcome {
        event.result = EventResult::Failed {
            reason: stderr.clone(),
        };
    }
    (event, outcome)
}
