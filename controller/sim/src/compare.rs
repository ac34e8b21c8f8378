//! Side-by-side tables of policies' summaries.

use std::fmt::Write as _;

use crate::output::Summary;

/// A fixed-width table: one row per summary (policy), the figures that matter.
pub fn comparison_table(summaries: &[Summary]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10} {:>10} {:>9} {:>9} {:>6} {:>8} {:>6} {:>9} {:>8} {:>8}",
        "policy",
        "hotspot-s",
        "NIC GB",
        "IDC GB",
        "migr",
        "migr GB",
        "memset",
        "delivered",
        "RT mean",
        "RT p95"
    );
    for s in summaries {
        let _ = writeln!(
            out,
            "{:<10} {:>10.0} {:>9.3} {:>9.3} {:>6} {:>8.3} {:>6} {:>9.4} {:>8.3} {:>8.3}",
            s.policy.to_string(),
            s.hotspot_s_total,
            s.nic_bytes / 1e9,
            s.idc_bytes / 1e9,
            s.migrations,
            s.migration_bytes / 1e9,
            s.mem_sets,
            s.delivered_mean,
            s.response_mean,
            s.response_p95_worst,
        );
    }
    out
}

/// Which hosts each group ended on, one line per declared group, for the
/// policies side by side (shows at a glance who kept groups together).
pub fn placement_table(summaries: &[Summary]) -> String {
    let mut out = String::new();
    let Some(first) = summaries.first() else {
        return out;
    };
    let _ = write!(out, "{:<14}", "group");
    for s in summaries {
        let _ = write!(out, " {:<24}", format!("{} final hosts", s.policy));
    }
    out.push('\n');
    for (g, group) in first.groups.iter().enumerate().filter(|(_, g)| !g.lone) {
        let _ = write!(out, "{:<14}", group.group);
        for s in summaries {
            let hosts = s
                .groups
                .get(g)
                .map(|x| x.final_hosts.join(","))
                .unwrap_or_default();
            let _ = write!(out, " {hosts:<24}");
        }
        out.push('\n');
    }
    out
}
