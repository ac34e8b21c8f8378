//! Attribute sets: one module per set, with a constant per attribute and `ALL`,
//! the set's table (name, id, wire type, multiplicity).

use super::attr_def::{AttrDef, AttrKind};

/// `address`: IPv4/IPv6 address with optional prefix length (nested in config).
pub mod address_attr {
    use super::{AttrDef, AttrKind};
    /// `ipv4`.
    pub const IPV4: u16 = 1;
    /// `ipv6`.
    pub const IPV6: u16 = 2;
    /// `prefix-len`.
    pub const PREFIX_LEN: u16 = 3;
    /// The set's table.
    pub const ALL: &[AttrDef] = &[
        AttrDef::new("ipv4", IPV4, AttrKind::U32Be, false),
        AttrDef::new("ipv6", IPV6, AttrKind::Binary(16), false),
        AttrDef::new("prefix-len", PREFIX_LEN, AttrKind::U8, false),
    ];
}

/// `vif`: Vif identity (nested in config).
pub mod vif_attr {
    use super::{AttrDef, AttrKind};
    /// `ifindex`.
    pub const IFINDEX: u16 = 1;
    /// `domid`.
    pub const DOMID: u16 = 2;
    /// `devid`.
    pub const DEVID: u16 = 3;
    /// `generation`.
    pub const GENERATION: u16 = 4;
    /// `mac`.
    pub const MAC: u16 = 5;
    /// The set's table.
    pub const ALL: &[AttrDef] = &[
        AttrDef::new("ifindex", IFINDEX, AttrKind::U32, false),
        AttrDef::new("domid", DOMID, AttrKind::U32, false),
        AttrDef::new("devid", DEVID, AttrKind::U32, false),
        AttrDef::new("generation", GENERATION, AttrKind::U32, false),
        AttrDef::new("mac", MAC, AttrKind::Binary(6), false),
    ];
}

/// `swap-range`: Swap location of a domain (nested in config).
pub mod swap_range_attr {
    use super::{AttrDef, AttrKind};
    /// `domid`.
    pub const DOMID: u16 = 1;
    /// `generation`.
    pub const GENERATION: u16 = 2;
    /// `dev`.
    pub const DEV: u16 = 3;
    /// `start-sector`.
    pub const START_SECTOR: u16 = 4;
    /// `nr-sectors`.
    pub const NR_SECTORS: u16 = 5;
    /// The set's table.
    pub const ALL: &[AttrDef] = &[
        AttrDef::new("domid", DOMID, AttrKind::U32, false),
        AttrDef::new("generation", GENERATION, AttrKind::U32, false),
        AttrDef::new("dev", DEV, AttrKind::U32, false),
        AttrDef::new("start-sector", START_SECTOR, AttrKind::Uint, false),
        AttrDef::new("nr-sectors", NR_SECTORS, AttrKind::Uint, false),
    ];
}

/// `counters`: Domain counters (nested in domain).
pub mod counters_attr {
    use super::{AttrDef, AttrKind};
    /// `tx-packets`.
    pub const TX_PACKETS: u16 = 1;
    /// `tx-bytes`.
    pub const TX_BYTES: u16 = 2;
    /// `rx-packets`.
    pub const RX_PACKETS: u16 = 3;
    /// `rx-bytes`.
    pub const RX_BYTES: u16 = 4;
    /// `idc-tx-packets`.
    pub const IDC_TX_PACKETS: u16 = 5;
    /// `idc-tx-bytes`.
    pub const IDC_TX_BYTES: u16 = 6;
    /// `idc-rx-packets`.
    pub const IDC_RX_PACKETS: u16 = 7;
    /// `idc-rx-bytes`.
    pub const IDC_RX_BYTES: u16 = 8;
    /// `nic-tx-packets`.
    pub const NIC_TX_PACKETS: u16 = 9;
    /// `nic-tx-bytes`.
    pub const NIC_TX_BYTES: u16 = 10;
    /// `nic-rx-packets`.
    pub const NIC_RX_PACKETS: u16 = 11;
    /// `nic-rx-bytes`.
    pub const NIC_RX_BYTES: u16 = 12;
    /// `external-tx-packets`.
    pub const EXTERNAL_TX_PACKETS: u16 = 13;
    /// `external-tx-bytes`.
    pub const EXTERNAL_TX_BYTES: u16 = 14;
    /// `external-rx-packets`.
    pub const EXTERNAL_RX_PACKETS: u16 = 15;
    /// `external-rx-bytes`.
    pub const EXTERNAL_RX_BYTES: u16 = 16;
    /// `bcast-tx-packets`.
    pub const BCAST_TX_PACKETS: u16 = 17;
    /// `bcast-tx-bytes`.
    pub const BCAST_TX_BYTES: u16 = 18;
    /// `bcast-rx-packets`.
    pub const BCAST_RX_PACKETS: u16 = 19;
    /// `bcast-rx-bytes`.
    pub const BCAST_RX_BYTES: u16 = 20;
    /// `non-ip-tx-packets`.
    pub const NON_IP_TX_PACKETS: u16 = 21;
    /// `non-ip-tx-bytes`.
    pub const NON_IP_TX_BYTES: u16 = 22;
    /// `non-ip-rx-packets`.
    pub const NON_IP_RX_PACKETS: u16 = 23;
    /// `non-ip-rx-bytes`.
    pub const NON_IP_RX_BYTES: u16 = 24;
    /// `dom0-tx-packets`.
    pub const DOM0_TX_PACKETS: u16 = 25;
    /// `dom0-tx-bytes`.
    pub const DOM0_TX_BYTES: u16 = 26;
    /// `dom0-rx-packets`.
    pub const DOM0_RX_PACKETS: u16 = 27;
    /// `dom0-rx-bytes`.
    pub const DOM0_RX_BYTES: u16 = 28;
    /// `swap-rd-req`.
    pub const SWAP_RD_REQ: u16 = 29;
    /// `swap-rd-sect`.
    pub const SWAP_RD_SECT: u16 = 30;
    /// `swap-wr-req`.
    pub const SWAP_WR_REQ: u16 = 31;
    /// `swap-wr-sect`.
    pub const SWAP_WR_SECT: u16 = 32;
    /// `dropped-peers`.
    pub const DROPPED_PEERS: u16 = 33;
    /// The set's table.
    pub const ALL: &[AttrDef] = &[
        AttrDef::new("tx-packets", TX_PACKETS, AttrKind::Uint, false),
        AttrDef::new("tx-bytes", TX_BYTES, AttrKind::Uint, false),
        AttrDef::new("rx-packets", RX_PACKETS, AttrKind::Uint, false),
        AttrDef::new("rx-bytes", RX_BYTES, AttrKind::Uint, false),
        AttrDef::new("idc-tx-packets", IDC_TX_PACKETS, AttrKind::Uint, false),
        AttrDef::new("idc-tx-bytes", IDC_TX_BYTES, AttrKind::Uint, false),
        AttrDef::new("idc-rx-packets", IDC_RX_PACKETS, AttrKind::Uint, false),
        AttrDef::new("idc-rx-bytes", IDC_RX_BYTES, AttrKind::Uint, false),
        AttrDef::new("nic-tx-packets", NIC_TX_PACKETS, AttrKind::Uint, false),
        AttrDef::new("nic-tx-bytes", NIC_TX_BYTES, AttrKind::Uint, false),
        AttrDef::new("nic-rx-packets", NIC_RX_PACKETS, AttrKind::Uint, false),
        AttrDef::new("nic-rx-bytes", NIC_RX_BYTES, AttrKind::Uint, false),
        AttrDef::new(
            "external-tx-packets",
            EXTERNAL_TX_PACKETS,
            AttrKind::Uint,
            false,
        ),
        AttrDef::new(
            "external-tx-bytes",
            EXTERNAL_TX_BYTES,
            AttrKind::Uint,
            false,
        ),
        AttrDef::new(
            "external-rx-packets",
            EXTERNAL_RX_PACKETS,
            AttrKind::Uint,
            false,
        ),
        AttrDef::new(
            "external-rx-bytes",
            EXTERNAL_RX_BYTES,
            AttrKind::Uint,
            false,
        ),
        AttrDef::new("bcast-tx-packets", BCAST_TX_PACKETS, AttrKind::Uint, false),
        AttrDef::new("bcast-tx-bytes", BCAST_TX_BYTES, AttrKind::Uint, false),
        AttrDef::new("bcast-rx-packets", BCAST_RX_PACKETS, AttrKind::Uint, false),
        AttrDef::new("bcast-rx-bytes", BCAST_RX_BYTES, AttrKind::Uint, false),
        AttrDef::new(
            "non-ip-tx-packets",
            NON_IP_TX_PACKETS,
            AttrKind::Uint,
            false,
        ),
        AttrDef::new("non-ip-tx-bytes", NON_IP_TX_BYTES, AttrKind::Uint, false),
        AttrDef::new(
            "non-ip-rx-packets",
            NON_IP_RX_PACKETS,
            AttrKind::Uint,
            false,
        ),
        AttrDef::new("non-ip-rx-bytes", NON_IP_RX_BYTES, AttrKind::Uint, false),
        AttrDef::new("dom0-tx-packets", DOM0_TX_PACKETS, AttrKind::Uint, false),
        AttrDef::new("dom0-tx-bytes", DOM0_TX_BYTES, AttrKind::Uint, false),
        AttrDef::new("dom0-rx-packets", DOM0_RX_PACKETS, AttrKind::Uint, false),
        AttrDef::new("dom0-rx-bytes", DOM0_RX_BYTES, AttrKind::Uint, false),
        AttrDef::new("swap-rd-req", SWAP_RD_REQ, AttrKind::Uint, false),
        AttrDef::new("swap-rd-sect", SWAP_RD_SECT, AttrKind::Uint, false),
        AttrDef::new("swap-wr-req", SWAP_WR_REQ, AttrKind::Uint, false),
        AttrDef::new("swap-wr-sect", SWAP_WR_SECT, AttrKind::Uint, false),
        AttrDef::new("dropped-peers", DROPPED_PEERS, AttrKind::Uint, false),
    ];
}

/// `domain`: Top level of domain-get, departed-ack, reset and the notifications.
pub mod domain_attr {
    use super::{AttrDef, AttrKind};
    /// `domid`.
    pub const DOMID: u16 = 1;
    /// `generation`.
    pub const GENERATION: u16 = 2;
    /// `state`.
    pub const STATE: u16 = 3;
    /// `departed-ms`.
    pub const DEPARTED_MS: u16 = 4;
    /// `mac`.
    pub const MAC: u16 = 5;
    /// `ipv4`.
    pub const IPV4: u16 = 6;
    /// `ipv6`.
    pub const IPV6: u16 = 7;
    /// `ifindex`.
    pub const IFINDEX: u16 = 8;
    /// `counters`.
    pub const COUNTERS: u16 = 9;
    /// `reset-epoch`.
    pub const RESET_EPOCH: u16 = 10;
    /// The set's table.
    pub const ALL: &[AttrDef] = &[
        AttrDef::new("domid", DOMID, AttrKind::U32, false),
        AttrDef::new("generation", GENERATION, AttrKind::U32, false),
        AttrDef::new("state", STATE, AttrKind::U32, false),
        AttrDef::new("departed-ms", DEPARTED_MS, AttrKind::Uint, false),
        AttrDef::new("mac", MAC, AttrKind::Binary(6), false),
        AttrDef::new("ipv4", IPV4, AttrKind::U32Be, false),
        AttrDef::new("ipv6", IPV6, AttrKind::Binary(16), true),
        AttrDef::new("ifindex", IFINDEX, AttrKind::U32, true),
        AttrDef::new("counters", COUNTERS, AttrKind::Nest, false),
        AttrDef::new("reset-epoch", RESET_EPOCH, AttrKind::U32, false),
    ];
}

/// `peer`: Top level of peer-get.
pub mod peer_attr {
    use super::{AttrDef, AttrKind};
    /// `domid`.
    pub const DOMID: u16 = 1;
    /// `generation`.
    pub const GENERATION: u16 = 2;
    /// `table`.
    pub const TABLE: u16 = 3;
    /// `peer-domid`.
    pub const PEER_DOMID: u16 = 4;
    /// `mac`.
    pub const MAC: u16 = 5;
    /// `ipv4`.
    pub const IPV4: u16 = 6;
    /// `ipv6`.
    pub const IPV6: u16 = 7;
    /// `packets`.
    pub const PACKETS: u16 = 8;
    /// `bytes`.
    pub const BYTES: u16 = 9;
    /// `other`.
    pub const OTHER: u16 = 10;
    /// The set's table.
    pub const ALL: &[AttrDef] = &[
        AttrDef::new("domid", DOMID, AttrKind::U32, false),
        AttrDef::new("generation", GENERATION, AttrKind::U32, false),
        AttrDef::new("table", TABLE, AttrKind::U32, false),
        AttrDef::new("peer-domid", PEER_DOMID, AttrKind::U32, false),
        AttrDef::new("mac", MAC, AttrKind::Binary(6), false),
        AttrDef::new("ipv4", IPV4, AttrKind::U32Be, false),
        AttrDef::new("ipv6", IPV6, AttrKind::Binary(16), false),
        AttrDef::new("packets", PACKETS, AttrKind::Uint, false),
        AttrDef::new("bytes", BYTES, AttrKind::Uint, false),
        AttrDef::new("other", OTHER, AttrKind::Flag, false),
    ];
}

/// `config`: Top level of config-get and config-set.
pub mod config_attr {
    use super::{AttrDef, AttrKind};
    /// `abi-version`.
    pub const ABI_VERSION: u16 = 1;
    /// `cluster-prefix`.
    pub const CLUSTER_PREFIX: u16 = 2;
    /// `host-addr`.
    pub const HOST_ADDR: u16 = 3;
    /// `uplink-ifindex`.
    pub const UPLINK_IFINDEX: u16 = 4;
    /// `vif`.
    pub const VIF: u16 = 5;
    /// `swap-range`.
    pub const SWAP_RANGE: u16 = 6;
    /// `clear`.
    pub const CLEAR: u16 = 7;
    /// `max-domains`.
    pub const MAX_DOMAINS: u16 = 8;
    /// `peers-per-table`.
    pub const PEERS_PER_TABLE: u16 = 9;
    /// `departed-timeout-ms`.
    pub const DEPARTED_TIMEOUT_MS: u16 = 10;
    /// `reset-epoch`.
    pub const RESET_EPOCH: u16 = 11;
    /// `untracked-packets`.
    pub const UNTRACKED_PACKETS: u16 = 12;
    /// `untracked-bytes`.
    pub const UNTRACKED_BYTES: u16 = 13;
    /// The set's table.
    pub const ALL: &[AttrDef] = &[
        AttrDef::new("abi-version", ABI_VERSION, AttrKind::U32, false),
        AttrDef::new("cluster-prefix", CLUSTER_PREFIX, AttrKind::Nest, true),
        AttrDef::new("host-addr", HOST_ADDR, AttrKind::Nest, true),
        AttrDef::new("uplink-ifindex", UPLINK_IFINDEX, AttrKind::U32, true),
        AttrDef::new("vif", VIF, AttrKind::Nest, true),
        AttrDef::new("swap-range", SWAP_RANGE, AttrKind::Nest, true),
        AttrDef::new("clear", CLEAR, AttrKind::U32, false),
        AttrDef::new("max-domains", MAX_DOMAINS, AttrKind::U32, false),
        AttrDef::new("peers-per-table", PEERS_PER_TABLE, AttrKind::U32, false),
        AttrDef::new(
            "departed-timeout-ms",
            DEPARTED_TIMEOUT_MS,
            AttrKind::U32,
            false,
        ),
        AttrDef::new("reset-epoch", RESET_EPOCH, AttrKind::U32, false),
        AttrDef::new(
            "untracked-packets",
            UNTRACKED_PACKETS,
            AttrKind::Uint,
            false,
        ),
        AttrDef::new("untracked-bytes", UNTRACKED_BYTES, AttrKind::Uint, false),
    ];
}
