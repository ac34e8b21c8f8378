//! Max-min fair sharing of links among flows (progressive filling).
//!
//! Every flow crosses up to four capacity-limited links (sender NIC TX, receiver
//! NIC RX, and the two guests' network bounds). All unsatisfied flows grow at the
//! same rate; a flow stops when its demand is met or when one of its links fills.
//! The result is the unique max-min fair allocation. A heap of link saturation
//! levels keeps one call at O((flows + links) · log links).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Most links one flow may cross.
pub const MAX_LINKS_PER_FLOW: usize = 4;

/// One flow's demand and the links it crosses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlowDemand {
    /// Demanded rate (any unit, the same as the capacities).
    pub demand: f64,
    /// Indices into the capacity slice; only the first `link_count` are used.
    pub links: [u32; MAX_LINKS_PER_FLOW],
    /// How many entries of `links` are used.
    pub link_count: u8,
}

impl FlowDemand {
    /// A flow over the given links (at most [`MAX_LINKS_PER_FLOW`]; extra ones are ignored).
    pub fn new(demand: f64, over: &[u32]) -> Self {
        let mut links = [0; MAX_LINKS_PER_FLOW];
        let count = over.len().min(MAX_LINKS_PER_FLOW);
        links[..count].copy_from_slice(&over[..count]);
        Self {
            demand,
            links,
            link_count: count as u8,
        }
    }

    fn links(&self) -> &[u32] {
        &self.links[..usize::from(self.link_count)]
    }
}

#[derive(Debug, PartialEq)]
struct Saturation {
    level: f64,
    link: u32,
    version: u32,
}

impl Eq for Saturation {}

impl Ord for Saturation {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed for a min-heap; ties broken by link index for determinism.
        other
            .level
            .total_cmp(&self.level)
            .then_with(|| other.link.cmp(&self.link))
    }
}

impl PartialOrd for Saturation {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The max-min fair rate of every flow, in the order given.
///
/// A link whose flows' total demand fits its capacity can never fill, so it is
/// dropped from every flow before the filling; flows left with no link get
/// their demand. This changes no rate (beyond floating-point rounding) and
/// makes the common uncongested tick linear.
pub fn max_min_share(capacities: &[f64], flows: &[FlowDemand]) -> Vec<f64> {
    let mut load = vec![0.0f64; capacities.len()];
    for flow in flows {
        if flow.demand > 0.0 {
            for &l in flow.links() {
                load[l as usize] += flow.demand;
            }
        }
    }
    let tight: Vec<bool> = load
        .iter()
        .zip(capacities)
        .map(|(load, cap)| load > cap)
        .collect();
    let reduced: Vec<FlowDemand> = flows
        .iter()
        .map(|flow| {
            let over: Vec<u32> = flow
                .links()
                .iter()
                .copied()
                .filter(|&l| tight[l as usize])
                .collect();
            FlowDemand::new(flow.demand, &over)
        })
        .collect();
    progressive_filling(capacities, &reduced)
}

fn progressive_filling(capacities: &[f64], flows: &[FlowDemand]) -> Vec<f64> {
    let mut rates = vec![0.0; flows.len()];
    let mut frozen = vec![false; flows.len()];
    let link_count = capacities.len();
    let mut unfrozen_on = vec![0u32; link_count];
    let mut frozen_sum = vec![0.0f64; link_count];
    let mut version = vec![0u32; link_count];

    // Flows on each link (compressed rows).
    let mut start = vec![0usize; link_count + 1];
    for flow in flows {
        for &l in flow.links() {
            start[l as usize + 1] += 1;
        }
    }
    for i in 0..link_count {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut members = vec![0usize; start[link_count]];
    for (f, flow) in flows.iter().enumerate() {
        for &l in flow.links() {
            members[fill[l as usize]] = f;
            fill[l as usize] += 1;
        }
    }

    let mut remaining = 0usize;
    for (f, flow) in flows.iter().enumerate() {
        if flow.demand.is_nan() || flow.demand <= 0.0 {
            frozen[f] = true;
        } else if flow.link_count == 0 {
            rates[f] = flow.demand;
            frozen[f] = true;
        } else {
            remaining += 1;
            for &l in flow.links() {
                unfrozen_on[l as usize] += 1;
            }
        }
    }

    let mut by_demand: Vec<usize> = (0..flows.len()).filter(|&f| !frozen[f]).collect();
    by_demand.sort_by(|&a, &b| flows[a].demand.total_cmp(&flows[b].demand).then(a.cmp(&b)));
    let mut next_small = 0usize;

    let saturation_level = |l: usize, unfrozen: &[u32], sums: &[f64]| -> f64 {
        (capacities[l].max(0.0) - sums[l]).max(0.0) / f64::from(unfrozen[l])
    };
    let mut heap = BinaryHeap::new();
    for l in 0..link_count {
        if unfrozen_on[l] > 0 {
            heap.push(Saturation {
                level: saturation_level(l, &unfrozen_on, &frozen_sum),
                link: l as u32,
                version: 0,
            });
        }
    }

    let mut level = 0.0f64;
    while remaining > 0 {
        while next_small < by_demand.len() && frozen[by_demand[next_small]] {
            next_small += 1;
        }
        let demand_event = by_demand.get(next_small).map(|&f| flows[f].demand);
        let link_event = loop {
            match heap.peek() {
                Some(top)
                    if top.version != version[top.link as usize]
                        || unfrozen_on[top.link as usize] == 0 =>
                {
                    heap.pop();
                }
                Some(top) => break Some((top.level, top.link as usize)),
                None => break None,
            }
        };
        // Freeze either the smallest unmet demand or every flow of the fullest link.
        let to_freeze: Vec<usize> = match (demand_event, link_event) {
            (Some(d), Some((sat, _))) if d <= sat => {
                level = level.max(d);
                vec![by_demand[next_small]]
            }
            (_, Some((sat, link))) => {
                level = level.max(sat);
                heap.pop();
                members[start[link]..start[link + 1]]
                    .iter()
                    .copied()
                    .filter(|&f| !frozen[f])
                    .collect()
            }
            (Some(d), None) => {
                level = level.max(d);
                vec![by_demand[next_small]]
            }
            (None, None) => break,
        };
        for f in to_freeze {
            let rate = level.min(flows[f].demand);
            rates[f] = rate;
            frozen[f] = true;
            remaining -= 1;
            for &l in flows[f].links() {
                let l = l as usize;
                unfrozen_on[l] -= 1;
                frozen_sum[l] += rate;
                version[l] = version[l].wrapping_add(1);
                if unfrozen_on[l] > 0 {
                    heap.push(Saturation {
                        level: saturation_level(l, &unfrozen_on, &frozen_sum).max(level),
                        link: l as u32,
                        version: version[l],
                    });
                }
            }
        }
    }
    rates
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn unconstrained_flows_get_their_demand() {
        let rates = max_min_share(
            &[100.0],
            &[FlowDemand::new(10.0, &[0]), FlowDemand::new(20.0, &[0])],
        );
        assert_eq!(rates, vec![10.0, 20.0]);
    }

    #[test]
    fn equal_split_of_a_full_link() {
        let rates = max_min_share(&[90.0], &[FlowDemand::new(100.0, &[0]); 3]);
        assert!(rates.iter().all(|&r| close(r, 30.0)), "{rates:?}");
    }

    #[test]
    fn small_demand_leaves_room_for_others() {
        let rates = max_min_share(
            &[100.0],
            &[
                FlowDemand::new(10.0, &[0]),
                FlowDemand::new(500.0, &[0]),
                FlowDemand::new(500.0, &[0]),
            ],
        );
        assert!(
            close(rates[0], 10.0) && close(rates[1], 45.0) && close(rates[2], 45.0),
            "{rates:?}"
        );
    }

    #[test]
    fn classic_two_link_example() {
        // Flow 0 crosses both links; flow 1 only link 0; flow 2 only link 1.
        // Link 0 has 10, link 1 has 4: flows 0 and 2 get 2, flow 1 gets 8.
        let rates = max_min_share(
            &[10.0, 4.0],
            &[
                FlowDemand::new(100.0, &[0, 1]),
                FlowDemand::new(100.0, &[0]),
                FlowDemand::new(100.0, &[1]),
            ],
        );
        assert!(
            close(rates[0], 2.0) && close(rates[1], 8.0) && close(rates[2], 2.0),
            "{rates:?}"
        );
    }

    #[test]
    fn no_link_is_ever_overfull_and_no_flow_exceeds_demand() {
        let mut rng = crate::rng::SplitMix64::new(5);
        for _ in 0..200 {
            let links = 1 + rng.range_inclusive(0, 6) as usize;
            let caps: Vec<f64> = (0..links).map(|_| rng.uniform(0.0, 100.0)).collect();
            let flows: Vec<FlowDemand> = (0..rng.range_inclusive(0, 12))
                .map(|_| {
                    let a = rng.range_inclusive(0, links as u64 - 1) as u32;
                    let b = rng.range_inclusive(0, links as u64 - 1) as u32;
                    let over: Vec<u32> = if a == b { vec![a] } else { vec![a, b] };
                    FlowDemand::new(rng.uniform(0.0, 80.0), &over)
                })
                .collect();
            let rates = max_min_share(&caps, &flows);
            for (l, cap) in caps.iter().enumerate() {
                let used: f64 = flows
                    .iter()
                    .zip(&rates)
                    .filter(|(f, _)| f.links().contains(&(l as u32)))
                    .map(|(_, r)| r)
                    .sum();
                assert!(used <= cap + 1e-6, "link {l} over: {used} > {cap}");
            }
            for (f, r) in flows.iter().zip(&rates) {
                assert!(*r <= f.demand + 1e-9 && *r >= 0.0);
                // Max-min: an unmet flow crosses a full link.
                if *r < f.demand - 1e-6 {
                    let saturated = f.links().iter().any(|&l| {
                        let used: f64 = flows
                            .iter()
                            .zip(&rates)
                            .filter(|(g, _)| g.links().contains(&l))
                            .map(|(_, r)| r)
                            .sum();
                        used >= caps[l as usize] - 1e-6
                    });
                    assert!(saturated, "unmet flow with no full link");
                }
            }
        }
    }
}
