//! Family name, version, commands and multicast groups.

/// Generic netlink family name.
pub const FAMILY_NAME: &str = "idcstat";
/// Generic netlink family version (`genlmsghdr.version`).
pub const FAMILY_VERSION: u8 = 1;
/// ABI version (the spec's `abi-version` const), reported by `config-get`.
pub const ABI_VERSION: u32 = 1;
/// The spec's `auto-generation-base`: generations from here up are the
/// module's own (vifs it names itself); an agent's generations stay below.
pub const AUTO_GENERATION_BASE: u32 = 1 << 31;
/// Name of the multicast group announcing domains appearing and departing.
pub const MCGRP_EVENTS: &str = "events";

/// Command numbers (`genlmsghdr.cmd`), unified model, starting at 1.
pub mod cmd {
    /// Get one domain or dump all.
    pub const DOMAIN_GET: u8 = 1;
    /// Dump per-peer tables (admin only).
    pub const PEER_GET: u8 = 2;
    /// Get the configuration.
    pub const CONFIG_GET: u8 = 3;
    /// Change the configuration (admin only).
    pub const CONFIG_SET: u8 = 4;
    /// Acknowledge a departed domain (admin only).
    pub const DEPARTED_ACK: u8 = 5;
    /// Zero all counters (admin only).
    pub const RESET: u8 = 6;
    /// Notification: a domain appeared (domain attributes).
    pub const DOMAIN_NEW_NTF: u8 = 7;
    /// Notification: a domain departed (domain attributes, final counters).
    pub const DOMAIN_DEPARTED_NTF: u8 = 8;

    /// Every command with its spec name.
    pub const ALL: &[(&str, u8)] = &[
        ("domain-get", DOMAIN_GET),
        ("peer-get", PEER_GET),
        ("config-get", CONFIG_GET),
        ("config-set", CONFIG_SET),
        ("departed-ack", DEPARTED_ACK),
        ("reset", RESET),
        ("domain-new-ntf", DOMAIN_NEW_NTF),
        ("domain-departed-ntf", DOMAIN_DEPARTED_NTF),
    ];

    /// Commands that require CAP_NET_ADMIN (`flags: [admin-perm]`).
    pub const ADMIN_ONLY: &[u8] = &[PEER_GET, CONFIG_SET, DEPARTED_ACK, RESET];
}
