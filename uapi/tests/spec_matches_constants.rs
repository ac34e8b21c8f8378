//! Proves that the hand-written constants mirror `uapi/idcstat.yaml` exactly:
//! every attribute, command, enum and flag in the spec has a constant with the
//! value YNL assigns it, and there is no constant the spec lacks.

use idcstat_uapi::attr_def::{AttrDef, AttrKind};
use idcstat_uapi::{attrs, enums, family};
use serde_yaml::Value;

fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/idcstat.yaml"))
        .expect("read idcstat.yaml");
    serde_yaml::from_str(&text).expect("parse idcstat.yaml")
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing string {key} in {value:?}"))
}

fn list<'a>(value: &'a Value, key: &str) -> &'a Vec<Value> {
    value[key]
        .as_sequence()
        .unwrap_or_else(|| panic!("missing list {key}"))
}

/// Expected table of one attribute set under YNL's genetlink numbering: ids from 1,
/// `value:` restarts the count.
fn spec_attr_set(spec: &Value, set: &str) -> Vec<AttrDef> {
    let set_value = list(spec, "attribute-sets")
        .iter()
        .find(|candidate| str_of(candidate, "name") == set)
        .unwrap_or_else(|| panic!("no attribute set {set}"));
    let mut next_id = 1u16;
    let mut defs = Vec::new();
    for attribute in list(set_value, "attributes") {
        let id = attribute["value"].as_u64().map_or(next_id, |v| v as u16);
        next_id = id + 1;
        let name: &'static str = Box::leak(str_of(attribute, "name").to_owned().into_boxed_str());
        let kind = match str_of(attribute, "type") {
            "u8" => AttrKind::U8,
            "u32" if attribute["byte-order"].as_str() == Some("big-endian") => AttrKind::U32Be,
            "u32" => AttrKind::U32,
            "uint" => AttrKind::Uint,
            "binary" => {
                AttrKind::Binary(attribute["checks"]["exact-len"].as_u64().unwrap_or(0) as usize)
            }
            "flag" => AttrKind::Flag,
            "nest" => AttrKind::Nest,
            other => panic!("type {other} not mirrored in AttrKind"),
        };
        let multi = attribute["multi-attr"].as_bool().unwrap_or(false);
        defs.push(AttrDef::new(name, id, kind, multi));
    }
    defs
}

#[test]
fn family_name_and_version_match() {
    let spec = spec();
    assert_eq!(str_of(&spec, "name"), family::FAMILY_NAME);
    assert_eq!(str_of(&spec, "protocol"), "genetlink");
    let abi = list(&spec, "definitions")
        .iter()
        .find(|d| str_of(d, "name") == "abi-version")
        .expect("abi-version const");
    assert_eq!(abi["value"].as_u64(), Some(u64::from(family::ABI_VERSION)));
    let auto = list(&spec, "definitions")
        .iter()
        .find(|d| str_of(d, "name") == "auto-generation-base")
        .expect("auto-generation-base const");
    assert_eq!(
        auto["value"].as_u64(),
        Some(u64::from(family::AUTO_GENERATION_BASE))
    );
    let groups: Vec<&str> = list(&spec["mcast-groups"], "list")
        .iter()
        .map(|g| str_of(g, "name"))
        .collect();
    assert_eq!(groups, vec![family::MCGRP_EVENTS]);
}

#[test]
fn every_attribute_set_matches() {
    let spec = spec();
    let mirrored: &[(&str, &[AttrDef])] = &[
        ("address", attrs::address_attr::ALL),
        ("vif", attrs::vif_attr::ALL),
        ("swap-range", attrs::swap_range_attr::ALL),
        ("counters", attrs::counters_attr::ALL),
        ("domain", attrs::domain_attr::ALL),
        ("peer", attrs::peer_attr::ALL),
        ("config", attrs::config_attr::ALL),
    ];
    let spec_sets: Vec<&str> = list(&spec, "attribute-sets")
        .iter()
        .map(|s| str_of(s, "name"))
        .collect();
    let mirrored_sets: Vec<&str> = mirrored.iter().map(|(name, _)| *name).collect();
    assert_eq!(spec_sets, mirrored_sets, "attribute sets differ");
    for (set, table) in mirrored {
        assert_eq!(
            spec_attr_set(&spec, set),
            table.to_vec(),
            "attribute set {set} differs"
        );
    }
}

#[test]
fn named_constants_match_their_tables() {
    use attrs::{config_attr, counters_attr, domain_attr, peer_attr};
    let id_of = |table: &[AttrDef], name: &str| table.iter().find(|d| d.name == name).map(|d| d.id);
    assert_eq!(
        id_of(domain_attr::ALL, "counters"),
        Some(domain_attr::COUNTERS)
    );
    assert_eq!(id_of(peer_attr::ALL, "other"), Some(peer_attr::OTHER));
    assert_eq!(
        id_of(counters_attr::ALL, "swap-wr-sect"),
        Some(counters_attr::SWAP_WR_SECT)
    );
    assert_eq!(id_of(config_attr::ALL, "clear"), Some(config_attr::CLEAR));
}

#[test]
fn commands_match_and_admin_flags_match() {
    let spec = spec();
    let ops = list(&spec["operations"], "list");
    let spec_ops: Vec<(String, u8)> = ops
        .iter()
        .enumerate()
        .map(|(i, op)| (str_of(op, "name").to_owned(), i as u8 + 1))
        .collect();
    let mirrored: Vec<(String, u8)> = family::cmd::ALL
        .iter()
        .map(|(n, v)| ((*n).to_owned(), *v))
        .collect();
    assert_eq!(spec_ops, mirrored);
    let admin: Vec<u8> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| {
            op["flags"]
                .as_sequence()
                .is_some_and(|flags| flags.iter().any(|f| f.as_str() == Some("admin-perm")))
        })
        .map(|(i, _)| i as u8 + 1)
        .collect();
    assert_eq!(admin, family::cmd::ADMIN_ONLY);
}

#[test]
fn enums_and_flags_match() {
    let spec = spec();
    let mirrored: &[(&str, &[(&str, u32)])] = &[
        ("peer-table", enums::peer_table::ALL),
        ("domain-state", enums::domain_state::ALL),
        ("config-category", enums::config_category::ALL),
    ];
    for (name, table) in mirrored {
        let def = list(&spec, "definitions")
            .iter()
            .find(|d| str_of(d, "name") == *name)
            .unwrap_or_else(|| panic!("no definition {name}"));
        let is_flags = str_of(def, "type") == "flags";
        let start = def["value-start"].as_u64().unwrap_or(0) as u32;
        let expected: Vec<(String, u32)> = list(def, "entries")
            .iter()
            .enumerate()
            .map(|(i, entry)| {
                let entry_name = entry
                    .as_str()
                    .map_or_else(|| str_of(entry, "name").to_owned(), str::to_owned);
                let value = if is_flags {
                    1u32 << (start + i as u32)
                } else {
                    start + i as u32
                };
                (entry_name, value)
            })
            .collect();
        let actual: Vec<(String, u32)> = table.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect();
        assert_eq!(expected, actual, "definition {name} differs");
    }
}
