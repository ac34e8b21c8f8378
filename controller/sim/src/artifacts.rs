//! Writing one run's files: events.json, summary.json and timeline.png.

use std::path::Path;

use crate::error::SimError;
use crate::output::write_json;
use crate::plot::draw_timeline;
use crate::run::RunOutput;
use crate::scenario::Scenario;

/// Thresholds drawn on the plots: (CPU, swap pages/s, NIC).
pub type PlotThresholds = (f64, f64, f64);

/// Writes `events.json`, `summary.json` and (if `plots`) `timeline.png` into
/// `dir`, creating it.
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
