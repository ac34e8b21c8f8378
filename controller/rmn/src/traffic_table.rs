//! The cluster-wide traffic table between domains, sorted by volume (thesis
//! 3.4.2, "load collector"). Built on demand from the per-domain peer rates,
//! which are what decisions read (a victim's traffic by peer host is a walk
//! over its own ~8 peers, no global table needed per round).

use crate::collector::LoadCollector;
use reunion_model::{DomainUuid, HostId};
use serde::Serialize;

/// Traffic between two domains (each pair once, `a < b`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrafficEdge {
    /// One domain.
    pub a: DomainUuid,
    /// The other.
    pub b: DomainUuid,
    /// Bytes/s in both directions as seen from both ends (the larger report wins
    /// per direction, so an edge reported by both ends is not counted twice).
    pub bytes_per_s: f64,
    /// Whether they share a host now (the traffic is IDC).
    pub co_located: bool,
    /// Host of `a`.
    pub host_a: HostId,
    /// Host of `b`.
    pub host_b: HostId,
}

/// All domain pairs with traffic, largest first (ties by UUIDs).
pub fn traffic_table(collector: &LoadCollector) -> Vec<TrafficEdge> {
    // (a, b) → (a→b bytes/s, b→a bytes/s), each the max over both ends' reports.
    let mut pairs: std::collections::BTreeMap<(DomainUuid, DomainUuid), (f64, f64)> =
        std::collections::BTreeMap::new();
    for dom in collector.domains.iter().flatten() {
        for peer in &dom.peers {
            let Some(other) = collector
                .resolve_peer(&peer.key)
                .and_then(|i| collector.domain(i))
            else {
                continue;
            };
            if other.uuid == dom.uuid {
                continue;
            }
            let r = peer.rates();
            let sent = r.idc_tx + r.nic_tx;
            let received = r.idc_rx + r.nic_rx;
            let (key, forward, backward) = if dom.uuid < other.uuid {
                ((dom.uuid, other.uuid), sent, received)
            } else {
                ((other.uuid, dom.uuid), received, sent)
            };
            let entry = pairs.entry(key).or_insert((0.0, 0.0));
            entry.0 = entry.0.max(forward);
            entry.1 = entry.1.max(backward);
        }
    }
    let mut edges: Vec<TrafficEdge> = pairs
        .into_iter()
        .filter_map(|((a, b), (ab, ba))| {
            let (_, da) = collector.domain_by_uuid(&a)?;
            let (_, db) = collector.domain_by_uuid(&b)?;
            Some(TrafficEdge {
                a,
                b,
                bytes_per_s: ab + ba,
                co_located: da.owner == db.owner,
                host_a: collector.hosts[da.owner].id.clone(),
                host_b: collector.hosts[db.owner].id.clone(),
            })
        })
        .filter(|e| e.bytes_per_s > 0.0)
        .collect();
    edges.sort_by(|x, y| {
        y.bytes_per_s
            .total_cmp(&x.bytes_per_s)
            .then_with(|| (x.a, x.b).cmp(&(y.a, y.b)))
    });
    edges
}
