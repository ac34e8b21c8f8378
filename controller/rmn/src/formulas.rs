//! The policies' formulas, as pure functions of plain numbers. Every record's
//! score terms come from here, and tests recompute winners with them.

use reunion_model::{IdcScore, SandpiperScore, MIB};

/// Sandpiper clamps each utilization to at most this (eq. 5 diverges at 1; with
/// IDC counted, net above 1 is normal).
pub const SANDPIPER_CLAMP: f64 = 0.99;

/// Inputs of the IDC-aware volume of one candidate, all fractions of the
/// source host's capacity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdcInputs {
    /// CPU_ij.
    pub cpu_share: f64,
    /// Mem_ij.
    pub mem_share: f64,
    /// C_i.
    pub cpu_flag: bool,
    /// M_i.
    pub mem_flag: bool,
    /// Nso + Nsd: the candidate's NIC traffic.
    pub nic: f64,
    /// Is: its IDC with co-located peers.
    pub is: f64,
    /// AB: the source's spare NIC bandwidth after the move.
    pub ab: f64,
    /// NBound.
    pub nbound: f64,
}

fn flag(on: bool) -> f64 {
    if on {
        1.0
    } else {
        0.0
    }
}

/// The thesis's IDC-aware volume (eq. 1-3):
/// `Nds = min(Is, AB, NBound)`, `NB = Nso + Nsd − Nds`,
/// `V = CPU·C + Mem·M + NB·N` with N = 1.
pub fn idc_score(inputs: IdcInputs) -> IdcScore {
    let nds = inputs.is.min(inputs.ab).min(inputs.nbound);
    let network_benefit = inputs.nic - nds;
    let net_flag = true;
    let volume = inputs.cpu_share * flag(inputs.cpu_flag)
        + inputs.mem_share * flag(inputs.mem_flag)
        + network_benefit * flag(net_flag);
    IdcScore {
        cpu_share: inputs.cpu_share,
        mem_share: inputs.mem_share,
        cpu_flag: inputs.cpu_flag,
        mem_flag: inputs.mem_flag,
        net_flag,
        nic: inputs.nic,
        is: inputs.is,
        ab: inputs.ab,
        nbound: inputs.nbound,
        nds,
        network_benefit,
        volume,
    }
}

/// AB: the source's spare NIC capacity once the victim's NIC traffic leaves,
/// as a fraction of the link: `1 − max(TX − vTX, RX − vRX) / link`, in [0, 1].
pub fn available_bandwidth(
    host_tx: f64,
    host_rx: f64,
    victim_tx: f64,
    victim_rx: f64,
    link_bytes_per_s: f64,
) -> f64 {
    let remaining = (host_tx - victim_tx).max(host_rx - victim_rx).max(0.0);
    (1.0 - remaining / link_bytes_per_s).clamp(0.0, 1.0)
}

/// Sandpiper's volume (eq. 5): `1/(1−cpu) · 1/(1−mem) · 1/(1−net)`, each
/// utilization clamped to [0, 0.99].
pub fn sandpiper_volume(cpu: f64, mem: f64, net: f64) -> f64 {
    let c = clamp_util(cpu);
    let m = clamp_util(mem);
    let n = clamp_util(net);
    1.0 / ((1.0 - c) * (1.0 - m) * (1.0 - n))
}

fn clamp_util(value: f64) -> f64 {
    if value.is_nan() {
        0.0
    } else {
        value.clamp(0.0, SANDPIPER_CLAMP)
    }
}

/// Sandpiper's terms for one domain (eq. 5 and 6): `VSR = Volume / size`, the
/// size in MiB (the unit only scales every VSR alike).
pub fn sandpiper_score(cpu: f64, mem: f64, net: f64, size_bytes: u64) -> SandpiperScore {
    let volume = sandpiper_volume(cpu, mem, net);
    let size_mib = (size_bytes as f64 / MIB as f64).max(1.0 / 1024.0);
    SandpiperScore {
        cpu: clamp_util(cpu),
        mem: clamp_util(mem),
        net: clamp_util(net),
        volume,
        size_bytes,
        vsr: volume / size_mib,
    }
}

/// Orders items best first by `primary` (descending), where values within
/// `epsilon` of the best remaining one are equal and ordered among themselves
/// by `tiebreak` (descending); remaining ties by `primary`, then `id`.
///
/// Tiers are anchored at their best item: sort by `primary`, take everything
/// within `epsilon` of the first as one tier, reorder it by `tiebreak`, repeat
/// with the rest. This makes "equal within epsilon" a well-defined order.
pub fn rank_with_epsilon<T, K: Ord>(
    items: &mut [T],
    epsilon: f64,
    primary: impl Fn(&T) -> f64,
    tiebreak: impl Fn(&T) -> f64,
    id: impl Fn(&T) -> K,
) {
    items.sort_by(|a, b| {
        primary(b)
            .total_cmp(&primary(a))
            .then_with(|| id(a).cmp(&id(b)))
    });
    let mut start = 0;
    while start < items.len() {
        let anchor = primary(&items[start]);
        let end = start
            + items[start..]
                .iter()
                .take_while(|item| anchor - primary(item) <= epsilon)
                .count();
        items[start..end].sort_by(|a, b| {
            tiebreak(b)
                .total_cmp(&tiebreak(a))
                .then_with(|| primary(b).total_cmp(&primary(a)))
                .then_with(|| id(a).cmp(&id(b)))
        });
        start = end.max(start + 1);
    }
}
