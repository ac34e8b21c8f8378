//! The agent example in `docs/operations.md` is a valid agent config.

use std::path::Path;

use reunion_agent::config::AgentConfig;

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
fn the_agent_example_parses() {
    let text = toml_block(OPERATIONS, "key_file");
    let config = AgentConfig::parse(&text, Path::new("docs/operations.md")).expect("valid");
    assert_eq!(config.host, "xen-a");
    assert_eq!(config.peers.len(), 2);
    assert_eq!(
        config.idcstat.cluster_prefixes,
        vec!["10.0.0.0/16".to_string()]
    );
    assert_eq!(config.idcstat.uplinks, vec!["eth0".to_string()]);
}
