//! `reunion explain`: the RMN's last decisions, with their evidence, in
//! readable form, from the JSON-lines decision log the daemon writes.

use anyhow::Context;
use reunion_model::{
    CandidateRecord, CandidateScore, DecisionOutcome, DecisionRecord, DestinationVerdict,
    MoveEffect, Resource, ResourceEvidence, MIB,
};
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::BufRead;
use std::path::PathBuf;

/// Print the last N decisions of the RMN: the hotspot and its evidence
/// (current and AR(1)-predicted values against the thresholds), every
/// candidate with its score terms, the destinations examined, and why the
/// winner won.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Each decision shows: the hotspot's CPU, memory (swap writes/s) and NIC, current and
AR(1)-predicted, against their thresholds (a hotspot needs both over); the outcome;
why the winner won; every candidate with its score terms (IDC policy: V = CPU×C +
Mem×M + NB, NB = NIC − Nds, Nds = min(Is, AB, NBound); Sandpiper: VSR = volume/size);
the move effect of a candidate with a destination (the source's predicted cpu'/nic'
after the move, whether that alone relieves the hotspot, IDC lost (Is) and gained
(Nsd), and the change in cross-host traffic); and the destinations examined (Nsd =
traffic with peers there, which becomes IDC; cpu'/mem'/nic' = predicted utilization
after the move). Definitions: docs/policy.md.

Examples:
  reunion explain                   # the last decision
  reunion explain 5 --host xen-a    # the last 5 decisions about xen-a
  reunion explain 1 --json | jq .   # the raw record")]
pub struct ExplainArgs {
    /// How many of the most recent decisions to show.
    #[arg(default_value_t = 1)]
    count: usize,
    /// The decision log (`decision_log` in the RMN's config).
    #[arg(
        long,
        default_value = "/var/log/reunion/decisions.jsonl",
        env = "REUNION_DECISION_LOG"
    )]
    log: PathBuf,
    /// Only decisions about this hotspot host.
    #[arg(long)]
    host: Option<String>,
    /// Destinations to list per examined candidate.
    #[arg(long, default_value_t = 5)]
    destinations: usize,
    /// Print the records as JSON lines instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs the subcommand.
pub fn run(args: ExplainArgs) -> anyhow::Result<()> {
    let file = std::fs::File::open(&args.log).with_context(|| {
        format!(
            "cannot open the decision log {} (is `reunion rmn` writing there? see --log)",
            args.log.display()
        )
    })?;
    let (records, skipped) = last_records(
        std::io::BufReader::new(file),
        args.count,
        args.host.as_deref(),
    )?;
    if skipped > 0 {
        eprintln!(
            "warning: {skipped} line(s) of {} are not decision records and were skipped",
            args.log.display()
        );
    }
    if records.is_empty() {
        println!(
            "no decisions in {}{}",
            args.log.display(),
            args.host
                .map_or(String::new(), |h| format!(" about host {h}"))
        );
        return Ok(());
    }
    for record in &records {
        if args.json {
            println!("{}", serde_json::to_string(record)?);
        } else {
            println!("{}", render(record, args.destinations));
        }
    }
    Ok(())
}

/// The last `count` records (oldest first), optionally only about `host`,
/// and how many lines were not records.
fn last_records(
    reader: impl BufRead,
    count: usize,
    host: Option<&str>,
) -> anyhow::Result<(Vec<DecisionRecord>, usize)> {
    let mut kept = VecDeque::with_capacity(count.min(1024));
    let mut skipped = 0;
    for line in reader.lines() {
        let line = line.context("cannot read the decision log")?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<DecisionRecord>(&line) {
            Ok(record) if host.is_none_or(|h| record.hotspot.host.as_str() == h) => {
                if kept.len() == count {
                    kept.pop_front();
                }
                if count > 0 {
                    kept.push_back(record);
                }
            }
            Ok(_) => {}
            Err(_) => skipped += 1,
        }
    }
    Ok((kept.into(), skipped))
}

fn value(resource: Resource, v: f64) -> String {
    match resource {
        Resource::Memory => format!("{v:.0} swap-writes/s"),
        Resource::Cpu | Resource::Nic => format!("{:.1}%", v * 100.0),
    }
}

fn evidence_line(e: &ResourceEvidence) -> String {
    let predicted = e.predicted.map_or("no prediction yet".into(), |p| {
        format!("predicted {}", value(e.resource, p))
    });
    format!(
        "  {:<7} {:>18}, {:<28} threshold {:>10}  {}",
        e.resource.to_string(),
        value(e.resource, e.current),
        predicted,
        value(e.resource, e.threshold),
        if e.overloaded { "OVERLOADED" } else { "ok" }
    )
}

/// UTC date and time of a Unix time in milliseconds.
fn utc(time_ms: u64) -> String {
    let secs = time_ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn when(time_ms: u64) -> String {
    // Daemons pass Unix time; simulators pass their own clock from 0.
    if time_ms >= 1_000_000_000_000 {
        utc(time_ms)
    } else {
        format!("t = {:.1} s", time_ms as f64 / 1000.0)
    }
}

fn outcome_line(record: &DecisionRecord) -> String {
    let prefix = if record.dry_run && record.action.is_some() {
        "RECOMMEND (dry run): "
    } else {
        ""
    };
    match &record.outcome {
        DecisionOutcome::MemoryStep {
            name,
            from_bytes,
            to_bytes,
            ..
        } => format!(
            "{prefix}grow {name}'s memory {} → {} MiB (xl mem-set)",
            from_bytes / MIB,
            to_bytes / MIB
        ),
        DecisionOutcome::Migrate {
            name,
            uuid,
            destination,
        } => {
            format!(
                "{prefix}migrate {name} ({uuid}) from {} to {destination}",
                record.hotspot.host
            )
        }
        DecisionOutcome::NoAction { reason } => format!("no action: {reason}"),
    }
}

fn candidate_header(candidates: &[CandidateRecord]) -> String {
    let lead = format!("    {:<16} {:<16}", "verdict", "name");
    match candidates.first().map(|c| &c.score) {
        Some(CandidateScore::Idc(_)) => format!(
            "{lead} {:>8} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8}",
            "V", "CPU×C", "Mem×M", "NIC", "Is", "AB", "Nds", "NB"
        ),
        Some(CandidateScore::Sandpiper(_)) => format!(
            "{lead} {:>8} {:>8} {:>8} {:>8} {:>8} {:>10}",
            "VSR", "volume", "cpu", "mem", "net", "size MiB"
        ),
        Some(CandidateScore::Memory(_)) => {
            format!(
                "{lead} {:>13} {:>9} {:>9}",
                "swap-writes/s", "mem MiB", "max MiB"
            )
        }
        None => String::new(),
    }
}

fn candidate_line(c: &CandidateRecord) -> String {
    // The same words as the JSON record (`chosen`, `no_destination`, ...).
    let verdict = serde_json::to_value(c.verdict)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let terms = match &c.score {
        CandidateScore::Idc(t) => format!(
            "{:>8.3} {:>5.3}×{} {:>5.3}×{} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>8.3}",
            t.volume,
            t.cpu_share,
            u8::from(t.cpu_flag),
            t.mem_share,
            u8::from(t.mem_flag),
            t.nic,
            t.is,
            t.ab,
            t.nds,
            t.network_benefit
        ),
        CandidateScore::Sandpiper(t) => format!(
            "{:>8.4} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>10}",
            t.vsr,
            t.volume,
            t.cpu,
            t.mem,
            t.net,
            t.size_bytes / MIB
        ),
        CandidateScore::Memory(m) => format!(
            "{:>13.1} {:>9} {:>9}",
            m.swap_write_pages_per_s,
            m.mem_bytes / MIB,
            m.max_mem_bytes / MIB
        ),
    };
    format!("    {verdict:<16} {:<16} {terms}", c.name)
}

/// The predicted effect of moving a candidate to its best destination: how
/// far it relieves the source, and the inter-VM traffic it makes cross-host
/// (Is, lost) or brings home (Nsd, gained).
fn move_effect_line(e: &MoveEffect) -> String {
    format!(
        "        move to {}: source cpu' {:.1}%, nic' {:.1}% ({}); IDC lost {:.3}, gained {:.3}, cross-host traffic {:+.3}",
        e.destination.as_str(),
        e.source_cpu_after * 100.0,
        e.source_nic_after * 100.0,
        if e.sufficient {
            "relieves the hotspot alone"
        } else {
            "not enough alone"
        },
        e.lost_idc,
        e.gained_idc,
        e.cross_host_delta
    )
}

fn verdict_text(v: &DestinationVerdict) -> String {
    match v {
        DestinationVerdict::Fits => "fits".into(),
        DestinationVerdict::NoRoom { resource } => format!("no room ({resource})"),
        DestinationVerdict::WouldBeHotspot { resource } => format!("would be hot ({resource})"),
        DestinationVerdict::Busy => "busy (migration cap)".into(),
        DestinationVerdict::ReturnBlocked => "left recently".into(),
        DestinationVerdict::Unavailable => "unavailable".into(),
    }
}

/// Renders one record as text.
fn render(record: &DecisionRecord, max_destinations: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "decision #{} (round {}, {}), policy {}{}",
        record.id,
        record.round,
        when(record.time_ms),
        record.policy,
        if record.dry_run { ", dry run" } else { "" }
    );
    let _ = writeln!(out, "hotspot {}:", record.hotspot.host);
    for e in &record.hotspot.resources {
        let _ = writeln!(out, "{}", evidence_line(e));
    }
    let _ = writeln!(out, "outcome: {}", outcome_line(record));
    if !record.why.is_empty() {
        let _ = writeln!(out, "why: {}", record.why);
    }
    if !record.candidates.is_empty() {
        let _ = writeln!(out, "candidates, best first (epsilon {}):", record.epsilon);
        let _ = writeln!(out, "{}", candidate_header(&record.candidates));
        for c in &record.candidates {
            let _ = writeln!(out, "{}", candidate_line(c));
            if let Some(effect) = &c.move_effect {
                let _ = writeln!(out, "{}", move_effect_line(effect));
            }
            if c.destinations.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "        {:<20} {:<22} {:>7} {:>9} {:>7} {:>7} {:>7}",
                "destination", "verdict", "Nsd", "host-vol", "cpu'", "mem'", "nic'"
            );
            for d in c.destinations.iter().take(max_destinations) {
                let _ = writeln!(
                    out,
                    "        {:<20} {:<22} {:>7.3} {:>9.3} {:>6.1}% {:>6.1}% {:>6.1}%",
                    d.host.as_str(),
                    verdict_text(&d.verdict),
                    d.nsd,
                    d.host_volume,
                    d.predicted_cpu * 100.0,
                    d.predicted_mem * 100.0,
                    d.predicted_nic * 100.0
                );
            }
            let hidden = c.destinations.len().saturating_sub(max_destinations) as u64
                + c.unlisted_destinations;
            if hidden > 0 {
                let _ = writeln!(out, "        … {hidden} more destination(s) examined");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use reunion_model::{
        Action, ActionId, ActionKind, CandidateVerdict, DestinationRecord, DomId, DomainUuid,
        HostId, HotspotEvidence, IdcScore, PolicyKind,
    };

    fn record(id: u64, host: &str) -> DecisionRecord {
        let uuid = DomainUuid::from_u128(3);
        DecisionRecord {
            id: ActionId(id),
            round: 4,
            time_ms: 1_764_100_800_000,
            policy: PolicyKind::Idc,
            dry_run: false,
            epsilon: 0.01,
            victim_selection: reunion_model::VictimSelection::Volume,
            hotspot: HotspotEvidence {
                host: HostId::new(host),
                resources: vec![ResourceEvidence {
                    resource: Resource::Cpu,
                    current: 0.95,
                    predicted: Some(0.8625),
                    threshold: 0.85,
                    overloaded: true,
                }],
            },
            outcome: DecisionOutcome::Migrate {
                uuid,
                name: "vm3".into(),
                destination: HostId::new("xen-b"),
            },
            action: Some(Action {
                id: ActionId(id),
                kind: ActionKind::Migrate {
                    uuid,
                    domid: DomId(7),
                    source: HostId::new(host),
                    destination: HostId::new("xen-b"),
                },
            }),
            candidates: vec![CandidateRecord {
                uuid,
                name: "vm3".into(),
                domid: DomId(7),
                score: CandidateScore::Idc(IdcScore {
                    cpu_share: 0.3,
                    mem_share: 0.125,
                    cpu_flag: true,
                    mem_flag: false,
                    net_flag: true,
                    nic: 0.04,
                    is: 0.0,
                    ab: 0.96,
                    nbound: 0.28,
                    nds: 0.0,
                    network_benefit: 0.04,
                    volume: 0.34,
                }),
                nic_traffic: 0.04,
                verdict: CandidateVerdict::Chosen,
                destinations: vec![DestinationRecord {
                    host: HostId::new("xen-b"),
                    nsd: 0.08,
                    host_volume: 1.5,
                    predicted_cpu: 0.55,
                    predicted_mem: 0.4,
                    predicted_nic: 0.1,
                    verdict: DestinationVerdict::Fits,
                }],
                unlisted_destinations: 3,
                move_effect: Some(MoveEffect {
                    destination: HostId::new("xen-b"),
                    source_cpu_after: 0.65,
                    source_nic_after: 0.2,
                    sufficient: true,
                    lost_idc: 0.0,
                    gained_idc: 0.08,
                    cross_host_delta: -0.08,
                }),
            }],
            why: "vm3 has the largest volume".into(),
        }
    }

    #[test]
    fn renders_evidence_candidates_and_destinations() {
        let text = render(&record(12, "xen-a"), 5);
        assert!(
            text.contains("decision #12 (round 4, 2025-11-25 20:00:00 UTC), policy idc"),
            "{text}"
        );
        assert!(
            text.contains("95.0%")
                && text.contains("predicted 86.2%")
                && text.contains("OVERLOADED"),
            "{text}"
        );
        assert!(
            text.contains("migrate vm3 (00000000-0000-0000-0000-000000000003) from xen-a to xen-b"),
            "{text}"
        );
        assert!(text.contains("0.340") && text.contains("chosen"), "{text}");
        assert!(text.contains("xen-b") && text.contains("fits"), "{text}");
        assert!(text.contains("3 more destination(s)"), "{text}");
        assert!(
            text.contains(
                "move to xen-b: source cpu' 65.0%, nic' 20.0% (relieves the hotspot alone); \
                 IDC lost 0.000, gained 0.080, cross-host traffic -0.080"
            ),
            "{text}"
        );
    }

    #[test]
    fn keeps_the_last_n_records_filters_by_host_and_counts_bad_lines() {
        let mut log = String::new();
        for (id, host) in [(1, "a"), (2, "b"), (3, "a"), (4, "a")] {
            log.push_str(&serde_json::to_string(&record(id, host)).expect("json"));
            log.push('\n');
        }
        log.push_str("not json\n\n");
        let (records, skipped) = last_records(log.as_bytes(), 2, None).expect("read");
        assert_eq!(
            records.iter().map(|r| r.id.0).collect::<Vec<_>>(),
            vec![3, 4]
        );
        assert_eq!(skipped, 1);
        let (records, _) = last_records(log.as_bytes(), 10, Some("b")).expect("read");
        assert_eq!(records.iter().map(|r| r.id.0).collect::<Vec<_>>(), vec![2]);
    }

    #[test]
    fn simulator_times_render_as_seconds() {
        assert_eq!(when(40_000), "t = 40.0 s");
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
    }
}
