//! The scenarios `reunion demo` runs, compiled into the binary from scenarios/.

/// (file name, TOML text) of every built-in scenario, in demo order.
pub const BUILTIN_SCENARIOS: [(&str, &str); 7] = [
    (
        "group-vs-lone.toml",
        include_str!("../../../scenarios/group-vs-lone.toml"),
    ),
    (
        "peer-on-busy-host.toml",
        include_str!("../../../scenarios/peer-on-busy-host.toml"),
    ),
    (
        "network-benefit.toml",
        include_str!("../../../scenarios/network-benefit.toml"),
    ),
    (
        "multi-tier-surge.toml",
        include_str!("../../../scenarios/multi-tier-surge.toml"),
    ),
    (
        "memory-first.toml",
        include_str!("../../../scenarios/memory-first.toml"),
    ),
    (
        "no-inter-vm-traffic.toml",
        include_str!("../../../scenarios/no-inter-vm-traffic.toml"),
    ),
    (
        "all-external.toml",
        include_str!("../../../scenarios/all-external.toml"),
    ),
];
