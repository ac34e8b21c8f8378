//! Memory first: grow a swapping domain in fixed steps before migrating
//! (thesis 3.3, "dynamic provisioning").

use crate::collector::{DomIdx, HostIdx, LoadCollector};
use reunion_model::{
    CandidateRecord, CandidateScore, CandidateVerdict, DomainState, MemoryScore, RmnConfig,
};

/// The outcome of trying a memory step on a memory hotspot.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryPlan {
    /// Every swapping domain, most swapping first, with its verdict.
    pub candidates: Vec<CandidateRecord>,
    /// The step: domain, memory before, memory after.
    pub step: Option<(DomIdx, u64, u64)>,
}

/// Plans one memory step on `host`: the domain that swaps the most and is
/// below its max memory grows by `mem_step_bytes` (less if its max or the host's
/// free memory, minus `reserved_bytes` promised this round, is closer). `None`
/// step when no domain can grow: then the caller migrates.
///
/// The thesis picks the domain with the largest volume; we pick the one that
/// swaps the most, as it is the one that lacks memory (a domain that does not
/// swap gains nothing from more).
pub fn plan(
    collector: &LoadCollector,
    config: &RmnConfig,
    host: HostIdx,
    reserved_bytes: u64,
    busy: impl Fn(DomIdx) -> bool,
) -> MemoryPlan {
    let entry = &collector.hosts[host];
    let free = entry.capacity.mem_free_bytes.saturating_sub(reserved_bytes);
    let mut swapping: Vec<(DomIdx, f64)> = entry
        .residents
        .iter()
        .filter_map(|&idx| {
            let dom = collector.domain(idx)?;
            let swap = dom.rates.map_or(0.0, |r| r.swap_write_pps);
            (swap > 0.0 && dom.state == DomainState::Running).then_some((idx, swap))
        })
        .collect();
    swapping.sort_by(|a, b| {
        b.1.total_cmp(&a.1).then_with(|| {
            let ua = collector.domain(a.0).map(|d| d.uuid);
            let ub = collector.domain(b.0).map(|d| d.uuid);
            ua.cmp(&ub)
        })
    });
    let mut step = None;
    let mut candidates = Vec::with_capacity(swapping.len());
    for (idx, swap) in swapping {
        let Some(dom) = collector.domain(idx) else {
            continue;
        };
        let room = dom.max_mem_bytes.saturating_sub(dom.mem_bytes).min(free);
        let verdict = if step.is_some() {
            CandidateVerdict::Outranked
        } else if busy(idx) {
            CandidateVerdict::InFlight
        } else if room == 0 {
            CandidateVerdict::NotEligible
        } else {
            let grow = config.mem_step_bytes.min(room);
            step = Some((idx, dom.mem_bytes, dom.mem_bytes.saturating_add(grow)));
            CandidateVerdict::Chosen
        };
        candidates.push(CandidateRecord {
            uuid: dom.uuid,
            name: dom.name.to_string(),
            domid: dom.domid,
            score: CandidateScore::Memory(MemoryScore {
                swap_write_pages_per_s: swap,
                mem_bytes: dom.mem_bytes,
                max_mem_bytes: dom.max_mem_bytes,
            }),
            nic_traffic: 0.0,
            verdict,
            destinations: Vec::new(),
            unlisted_destinations: 0,
            move_effect: None,
        });
    }
    MemoryPlan { candidates, step }
}
