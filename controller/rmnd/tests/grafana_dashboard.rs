//! docs/grafana-dashboard.json queries only metrics the daemon exports, and
//! every query is valid PromQL (`promtool check rules`).

use std::collections::BTreeSet;
use std::process::Command;

const DASHBOARD: &str = include_str!("../../../docs/grafana-dashboard.json");

fn exprs() -> Vec<String> {
    let dashboard: serde_json::Value = serde_json::from_str(DASHBOARD).expect("valid JSON");
    let mut out = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().expect("targets") {
            out.push(target["expr"].as_str().expect("expr").to_string());
        }
    }
    out
}

fn exported_names() -> BTreeSet<String> {
    // A daemon's metrics with one of everything observed.
    let metrics = reunion_rmnd::metrics::Metrics::new();
    metrics.set_connected("h", true);
    metrics.set_hotspots(&[("h".into(), "cpu".into())]);
    metrics.action_sent("migrate");
    metrics.action_finished("migrate", "ok");
    metrics.round_done(0.01);
    metrics.report_received();
    metrics.rejected("garbage");
    metrics
        .render()
        .lines()
        .filter(|l| l.starts_with("# TYPE "))
        .filter_map(|l| l.split_whitespace().nth(2))
        .map(str::to_string)
        .collect()
}

#[test]
fn dashboard_uses_only_exported_metrics() {
    let names = exported_names();
    for expr in exprs() {
        for word in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if !word.starts_with("reunion_") {
                continue;
            }
            let base = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| word.strip_suffix(s))
                .filter(|b| names.contains(*b))
                .unwrap_or(word);
            assert!(names.contains(base), "{word} in `{expr}` is not exported");
        }
    }
}

#[test]
fn dashboard_queries_are_valid_promql() {
    let rules: Vec<serde_json::Value> = exprs()
        .into_iter()
        .enumerate()
        .map(|(i, expr)| serde_json::json!({"record": format!("dashboard:query{i}"), "expr": expr}))
        .collect();
    let file = std::env::temp_dir().join(format!(
        "reunion-dashboard-rules-{}.json",
        std::process::id()
    ));
    // JSON is YAML: promtool reads it as a rules file.
    std::fs::write(
        &file,
        serde_json::json!({"groups": [{"name": "dashboard", "rules": rules}]}).to_string(),
    )
    .expect("write");
    let out = Command::new("promtool")
        .args(["check", "rules"])
        .arg(&file)
        .output()
        .expect("promtool is installed by scripts/setup (Debian package `prometheus`)");
    let _ = std::fs::remove_file(&file);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
