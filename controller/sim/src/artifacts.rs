//! Writing one run's files: events.json, summary.json and timeline.png.

use std::path::Path;

use crate::error::SimError;
use crate::output::write_json;
use crate::plot::draw_timeline;
use crate::run::RunOutput;
use crate::scenario::Scenario;

/// Thresholds drawn on the plots: (CPU, swap pages/s, NIC).
pub type PlotThresholds = (f64, f64, f64);

/// Writes `events.json`, `summary.json`, `no-action.json` (the RMN's decision
/// records of hotspots it left without action, with its reasons) and, if
/// `plots`, `timeline.png` and `timeline.csv` (the numbers behind the plot)
/// into `dir`, creating it.
pub fn write_run(
    dir: &Path,
    scenario: &Scenario,
    run: &RunOutput,
    thresholds: PlotThresholds,
    plots: bool,
) -> Result<(), SimError> {
    std::fs::create_dir_all(dir).map_err(|source| SimError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    write_json(&dir.join("events.json"), &run.events)?;
    write_json(&dir.join("summary.json"), &run.summary)?;
    write_json(&dir.join("no-action.json"), &run.records_without_action)?;
    if plots {
        write_timeline_csv(&dir.join("timeline.csv"), run)?;
    }
    if plots {
        let title = format!("{} - policy {}", scenario.name, run.summary.policy);
        draw_timeline(
            dir,
            &title,
            &run.cluster,
            &run.metrics.series,
            &run.events,
            thresholds,
            scenario.duration_s,
        )?;
    }
    Ok(())
}

/// The per-interval series as CSV: one row per report interval, columns
/// `time_s`, then `cpu:<host>`, `nic:<host>`, `swap:<host>` for every host and
/// `delivered:<group>`, `response:<group>` for every group.
fn write_timeline_csv(path: &Path, run: &RunOutput) -> Result<(), SimError> {
    use std::fmt::Write as _;
    let series = &run.metrics.series;
    let hosts = &run.cluster.hosts;
    let groups = &run.cluster.groups;
    let mut text = String::from("time_s");
    for kind in ["cpu", "nic", "swap"] {
        for h in hosts {
            let _ = write!(text, ",{kind}:{}", h.name);
        }
    }
    for kind in ["delivered", "response"] {
        for g in groups {
            let _ = write!(text, ",{kind}:{}", g.name);
        }
    }
    text.push('\n');
    for (i, t) in series.times.iter().enumerate() {
        let _ = write!(text, "{t}");
        for data in [
            &series.host_cpu,
            &series.host_nic,
            &series.host_swap,
            &series.group_delivered,
            &series.group_response,
        ] {
            for values in data.iter() {
                let _ = write!(text, ",{:.6}", values[i]);
            }
        }
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|source| SimError::Io {
        path: path.display().to_string(),
        source,
    })
}
