//! PNG plots of one run: per-host CPU, NIC and swap over time and per-group
//! performance, with every migration marked.

use std::path::Path;

use plotters::prelude::*;

use crate::cluster::Cluster;
use crate::error::SimError;
use crate::metrics::TimeSeries;
use crate::output::{Event, EventResult};

/// Most series drawn with a legend; more are drawn in grey without one.
const MAX_LABELLED: usize = 10;

fn palette(i: usize) -> RGBColor {
    const COLORS: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    COLORS[i % COLORS.len()]
}

fn plot_error(path: &Path, e: impl std::fmt::Display) -> SimError {
    SimError::Plot {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

struct Panel<'a> {
    title: String,
    y_desc: &'a str,
    names: Vec<String>,
    data: &'a [Vec<f64>],
    y_max: f64,
    threshold: Option<f64>,
}

/// Draws `timeline.png` in `dir`: five stacked panels sharing the time axis.
pub fn draw_timeline(
    dir: &Path,
    title: &str,
    cluster: &Cluster,
    series: &TimeSeries,
    events: &[Event],
    thresholds: (f64, f64, f64),
    duration_s: f64,
) -> Result<(), SimError> {
    let path = dir.join("timeline.png");
    crate::font::ensure_registered().map_err(|e| plot_error(&path, e))?;
    let hosts: Vec<String> = cluster.hosts.iter().map(|h| h.name.clone()).collect();
    let groups: Vec<String> = cluster.groups.iter().map(|g| g.name.clone()).collect();
    let max_of = |data: &[Vec<f64>]| data.iter().flatten().copied().fold(0.0, f64::max);
    let swap_max = (max_of(&series.host_swap).max(thresholds.1) * 1.1).max(1.0);
    let response_max = (max_of(&series.group_response) * 1.1).max(2.0);
    let panels = [
        Panel {
            title: "Host CPU utilization (dom0 included)".into(),
            y_desc: "CPU",
            names: hosts.clone(),
            data: &series.host_cpu,
            y_max: 1.05,
            threshold: Some(thresholds.0),
        },
        Panel {
            title: "Host NIC utilization, max(TX, RX) / link (migrations included)".into(),
            y_desc: "NIC",
            names: hosts.clone(),
            data: &series.host_nic,
            y_max: (max_of(&series.host_nic) * 1.1).max(1.05),
            threshold: Some(thresholds.2),
        },
        Panel {
            title: "Swap writes per host".into(),
            y_desc: "pages/s",
            names: hosts,
            data: &series.host_swap,
            y_max: swap_max,
            threshold: Some(thresholds.1),
        },
        Panel {
            title: "Group delivered fraction of demand".into(),
            y_desc: "delivered",
            names: groups.clone(),
            data: &series.group_delivered,
            y_max: 1.05,
            threshold: None,
        },
        Panel {
            title: "Group response-time proxy 1/(1-rho) on its bottleneck".into(),
            y_desc: "1/(1-rho)",
            names: groups,
            data: &series.group_response,
            y_max: response_max,
            threshold: None,
        },
    ];
    let root = BitMapBackend::new(&path, (1200, 1650)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_error(&path, e))?;
    let (header, body) = root.split_vertically(50);
    header
        .draw(&Text::new(
            format!("{title}   (vertical lines: migrations, labelled at the top)"),
            (20, 15),
            (crate::font::FAMILY, 22).into_font().color(&BLACK),
        ))
        .map_err(|e| plot_error(&path, e))?;
    let areas = body.split_evenly((panels.len(), 1));
    let migrations: Vec<(f64, String)> = events
        .iter()
        .filter(|e| e.kind == "migrate" && !matches!(e.result, EventResult::Failed { .. }))
        .map(|e| {
            (
                e.time_s,
                format!("{}>{}", e.domain, e.destination.clone().unwrap_or_default()),
            )
        })
        .collect();
    for (index, (panel, area)) in panels.iter().zip(areas.iter()).enumerate() {
        let mut chart = ChartBuilder::on(area)
            .caption(&panel.title, (crate::font::FAMILY, 18))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..duration_s, 0f64..panel.y_max)
            .map_err(|e| plot_error(&path, e))?;
        chart
            .configure_mesh()
            .x_desc("simulated time (s)")
            .y_desc(panel.y_desc)
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| plot_error(&path, e))?;
        if let Some(threshold) = panel.threshold {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, threshold), (duration_s, threshold)],
                    6,
                    4,
                    RED.mix(0.6).stroke_width(1),
                ))
                .map_err(|e| plot_error(&path, e))?;
        }
        for (m, (t, label)) in migrations.iter().enumerate() {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(*t, 0.0), (*t, panel.y_max)],
                    BLACK.mix(0.5).stroke_width(1),
                )))
                .map_err(|e| plot_error(&path, e))?;
            if index == 0 {
                chart
                    .draw_series(std::iter::once(Text::new(
                        label.clone(),
                        // Staggered so labels of close migrations do not overlap.
                        (*t, panel.y_max * (0.98 - 0.07 * (m % 3) as f64)),
                        (crate::font::FAMILY, 13).into_font().color(&BLACK),
                    )))
                    .map_err(|e| plot_error(&path, e))?;
            }
        }
        let labelled = panel.names.len() <= MAX_LABELLED;
        for (i, (name, values)) in panel.names.iter().zip(panel.data).enumerate() {
            let color = if labelled {
                palette(i)
            } else {
                RGBColor(120, 120, 120)
            };
            let points: Vec<(f64, f64)> = series
                .times
                .iter()
                .copied()
                .zip(values.iter().copied())
                .collect();
            let drawn = chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .map_err(|e| plot_error(&path, e))?;
            if labelled {
                drawn.label(name.clone()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
            }
        }
        if labelled && !panel.names.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.4))
                .label_font((crate::font::FAMILY, 13))
                .draw()
                .map_err(|e| plot_error(&path, e))?;
        }
    }
    root.present().map_err(|e| plot_error(&path, e))?;
    Ok(())
}

/// One bar group of the comparison chart: a scenario and each policy's value.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRow {
    /// Scenario name.
    pub scenario: String,
    /// One value per policy, in `policies` order.
    pub values: Vec<f64>,
}

/// Draws a grouped bar chart (`file` in `dir`): per scenario, one bar per policy.
pub fn draw_comparison(
    dir: &Path,
    file: &str,
    title: &str,
    y_desc: &str,
    policies: &[String],
    rows: &[ComparisonRow],
) -> Result<(), SimError> {
    let path = dir.join(file);
    crate::font::ensure_registered().map_err(|e| plot_error(&path, e))?;
    let y_max = rows
        .iter()
        .flat_map(|r| r.values.iter().copied())
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.15;
    let root = BitMapBackend::new(&path, (1200, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_error(&path, e))?;
    let n = rows.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (crate::font::FAMILY, 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..n as f64, 0f64..y_max)
        .map_err(|e| plot_error(&path, e))?;
    let names: Vec<String> = rows.iter().map(|r| r.scenario.clone()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n * 2 + 1)
        .x_label_formatter(&|x| {
            let i = x.floor() as usize;
            if (x - x.floor() - 0.5).abs() < 0.01 && i < names.len() {
                names[i].clone()
            } else {
                String::new()
            }
        })
        .y_desc(y_desc)
        .label_style((crate::font::FAMILY, 13))
        .draw()
        .map_err(|e| plot_error(&path, e))?;
    let width = 0.8 / policies.len().max(1) as f64;
    for (p, policy) in policies.iter().enumerate() {
        let color = palette(p);
        chart
            .draw_series(rows.iter().enumerate().map(|(i, row)| {
                let x0 = i as f64 + 0.1 + p as f64 * width;
                Rectangle::new(
                    [(x0, 0.0), (x0 + width * 0.92, row.values[p])],
                    color.filled(),
                )
            }))
            .map_err(|e| plot_error(&path, e))?
            .label(policy.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font((crate::font::FAMILY, 15))
        .draw()
        .map_err(|e| plot_error(&path, e))?;
    root.present().map_err(|e| plot_error(&path, e))?;
    Ok(())
}
