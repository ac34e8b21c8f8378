//! The RMN example in `docs/operations.md` is a valid daemon config, and the
//! values it shows are the defaults, as the document says.

use std::path::Path;

use reunion_model::RmnConfig;
use reunion_rmnd::RmndConfig;

const OPERATIONS: &str = include_str!("../../../docs/operations.md");

/// The fenced ```toml block of `doc` whose text contains `marker`.
fn toml_block(doc: &str, marker: &str) -> String {
    doc.split("```toml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .find(|block| block.contains(marker))
        .unwrap_or_else(|| panic!("no ```toml block containing {marker:?}"))
        .to_string()
}

#[test]
fn the_rmn_example_parses_and_shows_the_defaults() {
    let text = toml_block(OPERATIONS, "[agents]");
    let example = RmndConfig::parse(&text, Path::new("docs/operations.md")).expect("valid");
    assert_eq!(example.agents.len(), 3);
    assert_eq!(example.rmn, RmnConfig::default());

    let minimal = RmndConfig::parse(
        "[agents]\nxen-a = \"/etc/reunion/keys/xen-a.key\"\n",
        Path::new("minimal.toml"),
    )
    .expect("valid");
    assert_eq!(example.listen, minimal.listen);
    assert_eq!(example.metrics_listen, minimal.metrics_listen);
    assert_eq!(example.decision_log, minimal.decision_log);
    assert_eq!(example.heartbeat_s, minimal.heartbeat_s);
    assert_eq!(example.migration_timeout_s, minimal.migration_timeout_s);
    assert_eq!(example.max_frame_bytes, minimal.max_frame_bytes);
}
