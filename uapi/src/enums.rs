//! Enums and flags of the spec's `definitions`.

/// `peer-table`: which of a domain's four per-peer tables.
pub mod peer_table {
    /// IDC transmit.
    pub const ITX: u32 = 0;
    /// NIC transmit.
    pub const OTX: u32 = 1;
    /// IDC receive.
    pub const IRX: u32 = 2;
    /// NIC receive.
    pub const ORX: u32 = 3;
    /// Names in value order.
    pub const ALL: &[(&str, u32)] = &[("itx", ITX), ("otx", OTX), ("irx", IRX), ("orx", ORX)];
}

/// `domain-state`.
pub mod domain_state {
    /// At least one vif present.
    pub const ACTIVE: u32 = 0;
    /// All vifs gone; final counters kept until ack or timeout.
    pub const DEPARTED: u32 = 1;
    /// Names in value order.
    pub const ALL: &[(&str, u32)] = &[("active", ACTIVE), ("departed", DEPARTED)];
}

/// `config-category` flags (for the config `clear` attribute).
pub mod config_category {
    /// Cluster prefixes.
    pub const CLUSTER_PREFIXES: u32 = 1 << 0;
    /// Dom0's own addresses.
    pub const HOST_ADDRS: u32 = 1 << 1;
    /// Uplink ifindexes.
    pub const UPLINKS: u32 = 1 << 2;
    /// Vif identities.
    pub const VIFS: u32 = 1 << 3;
    /// Swap ranges.
    pub const SWAP_RANGES: u32 = 1 << 4;
    /// Names in bit order.
    pub const ALL: &[(&str, u32)] = &[
        ("cluster-prefixes", CLUSTER_PREFIXES),
        ("host-addrs", HOST_ADDRS),
        ("uplinks", UPLINKS),
        ("vifs", VIFS),
        ("swap-ranges", SWAP_RANGES),
    ];
}
