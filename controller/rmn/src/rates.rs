//! Turning cumulative counters into rates: the one place where deltas are taken.

use reunion_model::{DomainTraffic, PeerKey, TrafficCounters};

/// Bytes-per-second rates of one traffic class set.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TrafficRates {
    /// IDC bytes/s sent.
    pub idc_tx: f64,
    /// IDC bytes/s received.
    pub idc_rx: f64,
    /// NIC bytes/s sent.
    pub nic_tx: f64,
    /// NIC bytes/s received.
    pub nic_rx: f64,
}

impl TrafficRates {
    /// Rates from a byte delta over `seconds`.
    pub fn from_delta(delta: TrafficCounters, seconds: f64) -> Self {
        Self {
            idc_tx: delta.idc_tx_bytes as f64 / seconds,
            idc_rx: delta.idc_rx_bytes as f64 / seconds,
            nic_tx: delta.nic_tx_bytes as f64 / seconds,
            nic_rx: delta.nic_rx_bytes as f64 / seconds,
        }
    }

    /// Field-wise sum.
    pub fn add(&mut self, other: &TrafficRates) {
        self.idc_tx += other.idc_tx;
        self.idc_rx += other.idc_rx;
        self.nic_tx += other.nic_tx;
        self.nic_rx += other.nic_rx;
    }

    /// max(IDC TX, IDC RX), bytes/s.
    pub fn idc(&self) -> f64 {
        self.idc_tx.max(self.idc_rx)
    }

    /// max(NIC TX, NIC RX), bytes/s.
    pub fn nic(&self) -> f64 {
        self.nic_tx.max(self.nic_rx)
    }
}

/// `now − before` per field, or `None` when any field went backwards (the
/// counter restarted).
pub fn counter_delta(now: TrafficCounters, before: TrafficCounters) -> Option<TrafficCounters> {
    Some(TrafficCounters {
        idc_tx_bytes: now.idc_tx_bytes.checked_sub(before.idc_tx_bytes)?,
        idc_rx_bytes: now.idc_rx_bytes.checked_sub(before.idc_rx_bytes)?,
        nic_tx_bytes: now.nic_tx_bytes.checked_sub(before.nic_tx_bytes)?,
        nic_rx_bytes: now.nic_rx_bytes.checked_sub(before.nic_rx_bytes)?,
    })
}

/// The delta of a counter that may have restarted: a counter that went
/// backwards restarted from zero within the interval, so its value is the delta.
pub fn restart_tolerant_delta(now: TrafficCounters, before: TrafficCounters) -> TrafficCounters {
    counter_delta(now, before).unwrap_or(now)
}

/// One peer of one domain: its last cumulative counters and latest rates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeerEntry {
    /// The peer as the agent named it.
    pub key: PeerKey,
    /// Cumulative counters of the last report (the baseline of the next delta).
    pub base: TrafficCounters,
    /// Latest rates, bytes/s: IDC TX, IDC RX, NIC TX, NIC RX (f32 to keep a VM's
    /// state small; 7 significant digits are plenty for a rate).
    pub rate: [f32; 4],
}

impl PeerEntry {
    /// The rates as [`TrafficRates`].
    pub fn rates(&self) -> TrafficRates {
        TrafficRates {
            idc_tx: f64::from(self.rate[0]),
            idc_rx: f64::from(self.rate[1]),
            nic_tx: f64::from(self.rate[2]),
            nic_rx: f64::from(self.rate[3]),
        }
    }
}

fn rate_array(rates: &TrafficRates) -> [f32; 4] {
    [
        rates.idc_tx as f32,
        rates.idc_rx as f32,
        rates.nic_tx as f32,
        rates.nic_rx as f32,
    ]
}

/// Merges a report's peers into the stored peer entries (both sorted by key).
///
/// With `seconds = Some(dt)` (a valid delta), each peer's rate is its delta over
/// `dt`; a peer without a stored baseline counts from zero (its entry was
/// created after the previous report). With `None` (counters restarted, e.g. a
/// new host after migration), rates are carried over by peer key, so the policy
/// keeps seeing the domain's traffic, and only baselines are reset.
///
/// Returns the summed rates over all peers (zero when `seconds` is `None`).
pub fn merge_peers(
    stored: &mut Vec<PeerEntry>,
    traffic: &DomainTraffic,
    seconds: Option<f64>,
) -> TrafficRates {
    let mut total = TrafficRates::default();
    // Common case: the same peers as last time, updated in place.
    if stored.len() == traffic.peers.len()
        && stored
            .iter()
            .zip(&traffic.peers)
            .all(|(o, p)| o.key == p.peer)
    {
        for (entry, peer) in stored.iter_mut().zip(&traffic.peers) {
            if let Some(dt) = seconds {
                let rates =
                    TrafficRates::from_delta(restart_tolerant_delta(peer.counters, entry.base), dt);
                total.add(&rates);
                entry.rate = rate_array(&rates);
            }
            entry.base = peer.counters;
        }
        return total;
    }
    let mut merged = Vec::with_capacity(traffic.peers.len());
    let mut old = stored.iter().peekable();
    for peer in &traffic.peers {
        while old.peek().is_some_and(|o| o.key < peer.peer) {
            old.next();
        }
        let previous = old.peek().filter(|o| o.key == peer.peer).copied();
        let rate = match seconds {
            Some(dt) => {
                let base = previous.map(|p| p.base).unwrap_or_default();
                let rates =
                    TrafficRates::from_delta(restart_tolerant_delta(peer.counters, base), dt);
                total.add(&rates);
                rate_array(&rates)
            }
            None => previous.map(|p| p.rate).unwrap_or([0.0; 4]),
        };
        merged.push(PeerEntry {
            key: peer.peer,
            base: peer.counters,
            rate,
        });
    }
    *stored = merged;
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use reunion_model::{DomainUuid, PeerTraffic};

    fn traffic(entries: &[(u128, u64)]) -> DomainTraffic {
        DomainTraffic {
            peers: entries
                .iter()
                .map(|&(uuid, nic_tx)| PeerTraffic {
                    peer: PeerKey::Domain(DomainUuid::from_u128(uuid)),
                    counters: TrafficCounters {
                        nic_tx_bytes: nic_tx,
                        ..Default::default()
                    },
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn deltas_new_peers_and_restarts() {
        let mut stored = Vec::new();
        merge_peers(&mut stored, &traffic(&[(1, 1000), (2, 500)]), None);
        assert_eq!(stored.len(), 2);
        // Peer 1 grows by 2000 in 10 s, peer 2 restarted (300 < 500), peer 3 is new.
        let total = merge_peers(
            &mut stored,
            &traffic(&[(1, 3000), (2, 300), (3, 100)]),
            Some(10.0),
        );
        assert_eq!(stored[0].rate[2], 200.0);
        assert_eq!(stored[1].rate[2], 30.0);
        assert_eq!(stored[2].rate[2], 10.0);
        assert_eq!(total.nic_tx, 240.0);
    }

    #[test]
    fn restart_carries_rates_over_and_resets_baselines() {
        let mut stored = Vec::new();
        merge_peers(&mut stored, &traffic(&[(1, 0)]), None);
        merge_peers(&mut stored, &traffic(&[(1, 1000)]), Some(10.0));
        let total = merge_peers(&mut stored, &traffic(&[(1, 5)]), None);
        assert_eq!(total, TrafficRates::default());
        assert_eq!(stored[0].rate[2], 100.0);
        assert_eq!(stored[0].base.nic_tx_bytes, 5);
    }
}
