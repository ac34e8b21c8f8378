//! One hotspot, one decision: memory first, then a migration chosen by the
//! policy, within the guards (cooldown, caps, hysteresis, return block).

use crate::collector::{DomIdx, HostIdx, LoadCollector};
use crate::memory;
use crate::placement::{place, VictimLoad};
use crate::rates::TrafficRates;
use crate::round_context::{Promised, RoundContext};
use crate::scoring::{rank, score, Scored};
use crate::source_after::SourceAfter;
use crate::victim_choice::{pick_sufficient, sufficiency_reason, MoveOption};
use reunion_model::{
    Action, ActionId, ActionKind, CandidateRecord, CandidateScore, CandidateVerdict,
    DecisionOutcome, DecisionRecord, DomainState, HotspotEvidence, IdcScore, MoveEffect,
    PolicyKind, Resource, RmnConfig, VictimSelection,
};

/// The fixed parts of a round.
#[derive(Debug, Clone, Copy)]
pub struct RoundInfo {
    /// Round counter.
    pub round: u64,
    /// RMN time.
    pub now_ms: u64,
}

/// Decides what to do about hotspot `host`, updating the round context with
/// the load it promises to a destination. The record's `action` is set when
/// something is to be done (also in dry-run; the caller does not emit it then).
pub fn decide_hotspot(
    collector: &LoadCollector,
    ctx: &mut RoundContext,
    config: &RmnConfig,
    host: HostIdx,
    id: ActionId,
    info: RoundInfo,
    memset_in_flight: bool,
) -> Option<DecisionRecord> {
    let evidence = ctx.hosts.get(host)?.evidence.clone()?;
    let mut record = DecisionRecord {
        id,
        round: info.round,
        time_ms: info.now_ms,
        policy: config.policy,
        dry_run: config.dry_run,
        epsilon: config.epsilon,
        victim_selection: config.victim_selection,
        hotspot: evidence.clone(),
        outcome: DecisionOutcome::NoAction {
            reason: String::new(),
        },
        action: None,
        candidates: Vec::new(),
        why: String::new(),
    };
    let host_id = collector.hosts[host].id.clone();

    let mut mem_flag = false;
    if evidence.is_overloaded(Resource::Memory) {
        if memset_in_flight {
            return Some(no_action(
                record,
                "a memory step on this host is still in flight; waiting for its result",
            ));
        }
        let promised = ctx.hosts[host].promised.mem_bytes;
        let plan = memory::plan(collector, config, host, promised, |idx| {
            ctx.domain_busy(collector, idx)
        });
        record.candidates = plan.candidates;
        if let Some((idx, from, to)) = plan.step {
            let dom = collector.domain(idx)?;
            let promised = &mut ctx.hosts[host].promised.mem_bytes;
            *promised = promised.saturating_add(to.saturating_sub(from));
            record.outcome = DecisionOutcome::MemoryStep {
                uuid: dom.uuid,
                name: dom.name.to_string(),
                from_bytes: from,
                to_bytes: to,
            };
            record.action = Some(Action {
                id,
                kind: ActionKind::MemSet {
                    host: host_id,
                    uuid: dom.uuid,
                    domid: dom.domid,
                    target_bytes: to,
                },
            });
            record.why = format!(
                "memory first: {} swaps the most and is below its max memory; grow it {} → {} MiB",
                dom.name,
                from / reunion_model::MIB,
                to / reunion_model::MIB
            );
            return Some(record);
        }
        // No domain can grow: migrate, with the memory flag set (M_i = 1).
        mem_flag = true;
    }
    let memory_note = if mem_flag {
        "no swapping domain can grow (max memory reached or host memory exhausted); "
    } else {
        ""
    };

    if config.policy == PolicyKind::None {
        return Some(no_action(
            record,
            &format!("{memory_note}policy is none: no migration"),
        ));
    }
    if ctx.cluster_migrations >= config.max_concurrent_migrations {
        let reason = format!(
            "{memory_note}cluster migration cap reached ({} in flight, max_concurrent_migrations = {})",
            ctx.cluster_migrations, config.max_concurrent_migrations
        );
        return Some(no_action(record, &reason));
    }
    if ctx.hosts[host].migrations >= config.max_migrations_per_host {
        let reason = format!("{memory_note}per-host migration cap reached on this host");
        return Some(no_action(record, &reason));
    }

    let hotspot = Hotspot {
        host,
        evidence: &evidence,
        mem_flag,
        memory_note,
    };
    migrate(collector, ctx, config, &hotspot, info, record)
}

/// The hotspot being served by a migration.
#[derive(Debug, Clone, Copy)]
struct Hotspot<'a> {
    host: HostIdx,
    evidence: &'a HotspotEvidence,
    /// M_i: memory overloaded and not solvable by ballooning.
    mem_flag: bool,
    /// Prefix of every explanation (why memory provisioning did not suffice).
    memory_note: &'a str,
}

fn no_action(mut record: DecisionRecord, reason: &str) -> DecisionRecord {
    record.outcome = DecisionOutcome::NoAction {
        reason: reason.to_string(),
    };
    record.why = reason.to_string();
    record
}

/// Why a candidate cannot be a victim at all, if it cannot.
fn ineligibility(
    collector: &LoadCollector,
    ctx: &RoundContext,
    config: &RmnConfig,
    idx: DomIdx,
    now_ms: u64,
) -> Option<CandidateVerdict> {
    let dom = collector.domain(idx)?;
    if ctx.busy_domains.contains(&dom.uuid) {
        Some(CandidateVerdict::InFlight)
    } else if dom
        .last_action_ms
        .is_some_and(|at| now_ms.saturating_sub(at) < config.cooldown_s.saturating_mul(1000))
    {
        Some(CandidateVerdict::CoolingDown)
    } else if dom.state != DomainState::Running || dom.rates.is_none() {
        Some(CandidateVerdict::NotEligible)
    } else {
        None
    }
}

fn migrate(
    collector: &LoadCollector,
    ctx: &mut RoundContext,
    config: &RmnConfig,
    hotspot: &Hotspot<'_>,
    info: RoundInfo,
    mut record: DecisionRecord,
) -> Option<DecisionRecord> {
    let Hotspot {
        host,
        evidence,
        mem_flag,
        memory_note,
    } = *hotspot;
    let residents = &collector.hosts[host].residents;
    let mut eligible: Vec<Scored> = Vec::with_capacity(residents.len());
    let mut ineligible: Vec<(Scored, CandidateVerdict)> = Vec::new();
    for &idx in residents {
        let Some(scored) = score(collector, config, host, idx, evidence, mem_flag) else {
            continue;
        };
        match ineligibility(collector, ctx, config, idx, info.now_ms) {
            None => eligible.push(scored),
            Some(verdict) => ineligible.push((scored, verdict)),
        }
    }
    rank(collector, config, &mut eligible);

    // The thesis examines candidates in rank order until one has a fitting
    // destination; the "sufficient" rule also examines every later one whose
    // move would suffice.
    let examine_all =
        config.policy == PolicyKind::Idc && config.victim_selection == VictimSelection::Sufficient;
    let mut candidates = Vec::with_capacity(eligible.len() + ineligible.len());
    let mut options: Vec<MoveOption> = Vec::new();
    for scored in &eligible {
        let mut candidate = candidate_record(collector, scored, CandidateVerdict::Outranked)?;
        let victim = VictimLoad::of(collector, scored.idx, config.ar_window)?;
        let source_after = SourceAfter::of(collector, ctx, config, &victim);
        // Only a sufficient move can beat the first fitting one: insufficient
        // candidates after it need no placement (O(hosts) each).
        if options.is_empty() || (examine_all && source_after.sufficient(config)) {
            let placement = place(collector, ctx, config, &victim, &source_after, info.now_ms);
            candidate.destinations = placement.records;
            candidate.unlisted_destinations = placement.unlisted;
            match placement.winner {
                Some(dest) => {
                    let lost_idc = idc_terms(&scored.score).map_or(0.0, |t| t.is);
                    candidate.move_effect = Some(MoveEffect {
                        destination: collector.hosts[dest].id.clone(),
                        source_cpu_after: source_after.cpu,
                        source_nic_after: source_after.nic,
                        sufficient: source_after.sufficient(config),
                        lost_idc,
                        gained_idc: placement.winner_nsd,
                        cross_host_delta: lost_idc - placement.winner_nsd,
                    });
                    options.push(MoveOption {
                        position: candidates.len(),
                        dest,
                        added_cores: placement.winner_cores,
                        victim,
                    });
                }
                None => candidate.verdict = CandidateVerdict::NoDestination,
            }
        }
        candidates.push(candidate);
    }
    for (scored, verdict) in &ineligible {
        candidates.push(candidate_record(collector, scored, *verdict)?);
    }
    let pick = if examine_all {
        pick_sufficient(&candidates, &options, config.epsilon).or(options.first())
    } else {
        options.first()
    };
    if let Some(option) = pick {
        candidates[option.position].verdict = CandidateVerdict::Chosen;
    }
    record.candidates = candidates;

    let Some(MoveOption {
        position,
        dest,
        added_cores,
        victim,
    }) = pick.cloned()
    else {
        let reason = if eligible.is_empty() {
            format!(
                "{memory_note}no eligible victim (all cooling down, in flight or without samples)"
            )
        } else {
            format!(
                "{memory_note}no destination fits any of the {} eligible victims",
                eligible.len()
            )
        };
        return Some(no_action(record, &reason));
    };
    let winner = &record.candidates[position];
    let dom = collector.domain(eligible[position].idx)?;
    let dest_id = collector.hosts[dest].id.clone();
    let source_id = collector.hosts[host].id.clone();
    record.why = format!(
        "{memory_note}{}{}",
        victim_reason(config, winner, position, &record.candidates, examine_all),
        destination_reason(config, winner, &dest_id)
    );
    record.outcome = DecisionOutcome::Migrate {
        uuid: dom.uuid,
        name: dom.name.to_string(),
        destination: dest_id.clone(),
    };
    record.action = Some(Action {
        id: record.id,
        kind: ActionKind::Migrate {
            uuid: dom.uuid,
            domid: dom.domid,
            source: source_id,
            destination: dest_id,
        },
    });
    promise(ctx, host, dest, &victim, added_cores);
    Some(record)
}

/// Books the move in the round context: the destination receives the
/// victim's load, both hosts count one more migration.
fn promise(
    ctx: &mut RoundContext,
    source: HostIdx,
    dest: HostIdx,
    victim: &VictimLoad,
    added_cores: f64,
) {
    let toward = victim.toward(dest);
    let moved = Promised {
        cpu_cores: added_cores,
        mem_bytes: victim.mem_bytes,
        nic: TrafficRates {
            nic_tx: (victim.traffic.nic_tx - toward.nic_tx).max(0.0),
            nic_rx: (victim.traffic.nic_rx - toward.nic_rx).max(0.0),
            ..TrafficRates::default()
        },
    };
    let promised = &mut ctx.hosts[dest].promised;
    promised.cpu_cores += moved.cpu_cores;
    promised.mem_bytes = promised.mem_bytes.saturating_add(moved.mem_bytes);
    promised.nic.add(&moved.nic);
    ctx.hosts[dest].migrations += 1;
    ctx.hosts[source].migrations += 1;
    ctx.cluster_migrations += 1;
}

fn candidate_record(
    collector: &LoadCollector,
    scored: &Scored,
    verdict: CandidateVerdict,
) -> Option<CandidateRecord> {
    let dom = collector.domain(scored.idx)?;
    Some(CandidateRecord {
        uuid: dom.uuid,
        name: dom.name.to_string(),
        domid: dom.domid,
        score: scored.score.clone(),
        nic_traffic: scored.nic,
        verdict,
        destinations: Vec::new(),
        unlisted_destinations: 0,
        move_effect: None,
    })
}

pub(crate) fn idc_terms(score: &CandidateScore) -> Option<&IdcScore> {
    match score {
        CandidateScore::Idc(terms) => Some(terms),
        _ => None,
    }
}

fn victim_reason(
    config: &RmnConfig,
    winner: &CandidateRecord,
    position: usize,
    all: &[CandidateRecord],
    examine_all: bool,
) -> String {
    let fallback_note = if examine_all {
        if let Some(reason) = sufficiency_reason(config, winner, all) {
            return reason;
        }
        "no single move brings the source under its thresholds, so the thesis's rule decides: "
    } else {
        ""
    };
    let skipped = all[..position]
        .iter()
        .filter(|c| c.verdict == CandidateVerdict::NoDestination)
        .count();
    let skipped_note = if skipped > 0 {
        format!(" ({skipped} better-ranked candidates had no fitting destination)")
    } else {
        String::new()
    };
    let runner_up = all
        .iter()
        .skip(position + 1)
        .find(|c| c.verdict == CandidateVerdict::Outranked);
    match &winner.score {
        CandidateScore::Idc(t) => {
            let tie = runner_up
                .and_then(|r| idc_terms(&r.score).map(|rt| (r, rt)))
                .filter(|(_, rt)| (t.volume - rt.volume).abs() <= config.epsilon);
            let tie_note = match tie {
                Some((r, _)) if winner.nic_traffic > r.nic_traffic => format!(
                    "; {} is within epsilon {} of it and loses on NIC traffic {:.4} < {:.4}",
                    r.name, config.epsilon, r.nic_traffic, winner.nic_traffic
                ),
                Some((r, _)) => format!(
                    "; {} is within epsilon {} of it with the same NIC traffic; the lower UUID wins",
                    r.name, config.epsilon
                ),
                None => String::new(),
            };
            format!(
                "{fallback_note}{} has the largest volume V = {:.3} (CPU {:.3}×{} + Mem {:.3}×{} + NB {:.3}, NB = NIC {:.3} − Nds {:.3}){tie_note}{skipped_note}",
                winner.name,
                t.volume,
                t.cpu_share,
                u8::from(t.cpu_flag),
                t.mem_share,
                u8::from(t.mem_flag),
                t.network_benefit,
                t.nic,
                t.nds
            )
        }
        CandidateScore::Sandpiper(t) => format!(
            "{} has the largest VSR = {:.4} (volume {:.3} over {} MiB){skipped_note}",
            winner.name,
            t.vsr,
            t.volume,
            t.size_bytes / reunion_model::MIB
        ),
        CandidateScore::Memory(_) => String::new(),
    }
}

fn destination_reason(
    config: &RmnConfig,
    winner: &CandidateRecord,
    dest: &reunion_model::HostId,
) -> String {
    let Some(d) = winner.destinations.iter().find(|d| &d.host == dest) else {
        return format!("; destination {dest}");
    };
    let preference = if config.policy == PolicyKind::Idc && d.nsd > config.epsilon {
        format!(
            "its peers there carry Nsd = {:.3} of the link, which becomes IDC",
            d.nsd
        )
    } else {
        format!(
            "the lightest fitting host (host volume {:.3})",
            d.host_volume
        )
    };
    format!(
        "; to {dest}: {preference}; after the move cpu {:.2}, mem {:.2}, nic {:.2} (predicted)",
        d.predicted_cpu, d.predicted_mem, d.predicted_nic
    )
}
