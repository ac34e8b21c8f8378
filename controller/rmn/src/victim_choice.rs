//! The "sufficient" victim rule (beyond the thesis): among the moves that
//! remove the hotspot on their own, the one that splits the least traffic.
//!
//! The thesis's highest volume is a proxy for "relieves the most"; but when
//! several single moves each remove the hotspot, relieving more buys nothing
//! and the network cost decides: the victim's IDC lost at the source (Is,
//! becomes cross-host traffic) minus its traffic with the destination's
//! domains (Nsd, becomes IDC). See docs/policy.md, section 5.

use crate::collector::HostIdx;
use crate::formulas::rank_with_epsilon;
use crate::placement::VictimLoad;
use reunion_model::{CandidateRecord, RmnConfig};

/// A candidate that has a fitting destination.
#[derive(Debug, Clone, PartialEq)]
pub struct MoveOption {
    /// Its index in the record's candidates (the thesis's rank order).
    pub position: usize,
    /// Its best destination.
    pub dest: HostIdx,
    /// CPU cores the move adds to the destination.
    pub added_cores: f64,
    /// Its load.
    pub victim: VictimLoad,
}

/// The option whose move suffices and adds the least cross-host traffic;
/// deltas within `epsilon` are equal and then the thesis's rank decides
/// (higher volume first). `None` when no single move suffices.
pub fn pick_sufficient<'a>(
    candidates: &[CandidateRecord],
    options: &'a [MoveOption],
    epsilon: f64,
) -> Option<&'a MoveOption> {
    let mut sufficient: Vec<(&MoveOption, f64)> = options
        .iter()
        .filter_map(|o| {
            let effect = candidates.get(o.position)?.move_effect.as_ref()?;
            effect.sufficient.then_some((o, effect.cross_host_delta))
        })
        .collect();
    rank_with_epsilon(
        &mut sufficient,
        epsilon,
        |(_, delta)| -delta,
        |(o, _)| -(o.position as f64),
        |(o, _)| o.position,
    );
    sufficient.first().map(|(o, _)| *o)
}

/// Why `winner` won under the sufficient rule; `None` when its move is not
/// sufficient (the thesis's rule decided).
pub fn sufficiency_reason(
    config: &RmnConfig,
    winner: &CandidateRecord,
    all: &[CandidateRecord],
) -> Option<String> {
    let effect = winner.move_effect.as_ref().filter(|e| e.sufficient)?;
    let others: Vec<String> = all
        .iter()
        .filter(|c| c.uuid != winner.uuid)
        .filter_map(|c| {
            let e = c.move_effect.as_ref()?;
            Some(if e.sufficient {
                format!("{} Δ {:+.3}", c.name, e.cross_host_delta)
            } else {
                format!("{} insufficient", c.name)
            })
        })
        .collect();
    let others = if others.is_empty() {
        String::new()
    } else {
        format!(" (others with a destination: {})", others.join(", "))
    };
    Some(format!(
        "{}'s move alone brings the source to cpu {:.2} / nic {:.2} (thresholds {:.2} / {:.2}) and changes \
         cross-host traffic the least: Δ = Is {:.3} − Nsd {:.3} = {:+.3}, deltas within epsilon {} equal, \
         then higher volume{others}",
        winner.name,
        effect.source_cpu_after,
        effect.source_nic_after,
        config.cpu_threshold,
        config.nic_threshold,
        effect.lost_idc,
        effect.gained_idc,
        effect.cross_host_delta,
        config.epsilon,
    ))
}
