//! The evaluation drivers behind `reunion-eval`: generated clusters, the
//! optimum on small instances, and scale. Each prints Markdown tables and
//! writes one CSV row per run, every seed included.

pub mod generated;
pub mod optimum_gap;
pub mod scale;
pub mod stats;
