//! `hysteresis_relief`: a destination may end inside the hysteresis band (never
//! over the threshold) when the move lowers the larger of the two hosts'
//! utilizations by more than the hysteresis; moves that would leave both hosts
//! at the threshold, ready to swap back, stay refused.

mod common;

use common::{first_migration, Cluster, HostSpec};
use reunion_model::{DestinationVerdict, Resource, RmnConfig};

/// `s` at 90% (two VMs of 1.8 cores on 4 CPUs); `t`, the only other host,
/// runs `t_cores`. Without relief `t` would have to stay under 80%.
fn pair(t_cores: f64) -> Cluster {
    let mut c = Cluster::new();
    c.host("s", HostSpec::default());
    c.host("t", HostSpec::default());
    c.vm(1, "s", 1.8, 1024).vm(2, "s", 1.8, 1024);
    c.vm(3, "t", t_cores, 1024);
    c
}

fn relief(on: bool) -> RmnConfig {
    RmnConfig {
        hysteresis_relief: on,
        ..RmnConfig::default()
    }
}

fn t_verdict(rounds: &[reunion_rmn::Round]) -> (DestinationVerdict, f64) {
    let record = rounds
        .iter()
        .flat_map(|r| r.records.iter())
        .next()
        .expect("hotspot");
    let t = record.candidates[0]
        .destinations
        .iter()
        .find(|d| d.host.as_str() == "t")
        .expect("t examined");
    (t.verdict, t.predicted_cpu)
}

#[test]
fn a_move_that_relieves_the_pair_may_end_in_the_band() {
    // t: 37% → 82%: inside the band (0.80, 0.85]; the pair's max 90% → 82%.
    let mut cluster = pair(1.48);
    let mut rmn = common::rmn(relief(true));
    let rounds = cluster.ticks(&mut rmn, 6);
    assert_eq!(first_migration(&rounds).map(|m| m.1), Some("t".to_string()));
    let (verdict, cpu) = t_verdict(&rounds);
    assert_eq!(verdict, DestinationVerdict::Fits);
    assert!(cpu > 0.80 && cpu <= 0.85, "{cpu}");
    // Without relief, the same hotspot stays.
    let mut cluster = pair(1.48);
    let mut rmn = common::rmn(relief(false));
    assert_eq!(first_migration(&cluster.ticks(&mut rmn, 6)), None);
}

#[test]
fn relief_never_lets_a_destination_over_the_threshold() {
    // t: 45% → 90%.
    let mut cluster = pair(1.8);
    let mut rmn = common::rmn(relief(true));
    let rounds = cluster.ticks(&mut rmn, 6);
    assert_eq!(first_migration(&rounds), None);
    assert_eq!(
        t_verdict(&rounds).0,
        DestinationVerdict::WouldBeHotspot {
            resource: Resource::Cpu
        }
    );
}

#[test]
fn relief_refuses_moves_that_leave_both_hosts_at_the_threshold() {
    // `s` at 87.5% (1.75 + 1.75 cores); t at 40% → 83.75%: the pair's max
    // drops by 0.0375, less than the hysteresis (0.05). Both hosts would sit
    // at the threshold and the next fluctuation on `t` would send a VM back.
    let mut c = Cluster::new();
    c.host("s", HostSpec::default());
    c.host("t", HostSpec::default());
    c.vm(1, "s", 1.75, 1024).vm(2, "s", 1.75, 1024);
    c.vm(3, "t", 1.6, 1024);
    let mut rmn = common::rmn(relief(true));
    let rounds = c.ticks(&mut rmn, 6);
    assert_eq!(first_migration(&rounds), None);
    let (verdict, cpu) = t_verdict(&rounds);
    assert!(cpu > 0.80 && cpu <= 0.85, "{cpu}");
    assert_eq!(
        verdict,
        DestinationVerdict::WouldBeHotspot {
            resource: Resource::Cpu
        }
    );
}

#[test]
fn a_relief_move_is_not_undone_when_the_destination_fluctuates() {
    let mut cluster = pair(1.48);
    let mut rmn = common::rmn(relief(true));
    let mut migrations = Vec::new();
    for tick in 0..40 {
        if tick == 10 {
            // t's own VM grows: t goes over 85% (1.8 + 1.7 cores = 87.5%).
            cluster.vm_mut(3).cpu_cores = 1.7;
        }
        let round = cluster.tick(&mut rmn);
        for action in &round.actions {
            cluster.execute(&mut rmn, action);
        }
        migrations.extend(round.actions);
    }
    // One move s → t; when t heats up, moving VM 3 (1.7 cores) to s (45%)
    // would put s at 87.5%, over the threshold; VM 1 is cooling down and may
    // not return. Nothing moves back.
    assert_eq!(migrations.len(), 1, "{migrations:?}");
}
