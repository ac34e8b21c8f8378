//! The agent's TOML configuration.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::AgentError;

/// `reunion agent --config <file>`; see `docs/operations.md` for an example.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// This host's name in the cluster (its identity towards the RMN).
    pub host: String,
    /// The RMN's `host:port`.
    pub rmn: String,
    /// File holding this host's 64-hex-digit key (mode 0600).
    pub key_file: PathBuf,
    /// Report interval, seconds.
    #[serde(default = "defaults::interval_s")]
    pub interval_s: u64,
    /// Physical NIC speed, bits per second (per direction).
    #[serde(default = "defaults::nic_bandwidth_bps")]
    pub nic_bandwidth_bps: u64,
    /// Guest device name of the swap disk, unless a domain's
    /// `/local/domain/<domid>/reunion/swap-vdev` says otherwise.
    #[serde(default = "defaults::swap_vdev")]
    pub swap_vdev: String,
    /// Where this agent listens for incoming migrations (only while one is expected).
    #[serde(default = "defaults::migration_listen")]
    pub migration_listen: SocketAddr,
    /// The fixed command `xl migrate -s` runs (xl appends the host and its own arguments).
    #[serde(default = "defaults::transport_command")]
    pub transport_command: String,
    /// Timeout of `xl list`, `xl info`, `xl mem-set`, xenstore reads, seconds.
    #[serde(default = "defaults::command_timeout_s")]
    pub command_timeout_s: u64,
    /// Timeout of one `xl migrate`, seconds.
    #[serde(default = "defaults::migrate_timeout_s")]
    pub migrate_timeout_s: u64,
    /// Path of `xl`.
    #[serde(default = "defaults::xl")]
    pub xl: String,
    /// Path of `xenstore-read`.
    #[serde(default = "defaults::xenstore_read")]
    pub xenstore_read: String,
    /// Path of `xenstore-list`.
    #[serde(default = "defaults::xenstore_list")]
    pub xenstore_list: String,
    /// The cluster's other hosts: name → `address:port` of their migration
    /// channel. The only hosts this agent migrates to.
    #[serde(default)]
    pub peers: BTreeMap<String, String>,
    /// The idcstat module.
    #[serde(default)]
    pub idcstat: IdcstatSection,
}

/// `[idcstat]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdcstatSection {
    /// Read the module (false: report CPU and memory only).
    #[serde(default = "defaults::yes")]
    pub enabled: bool,
    /// Cluster prefixes, e.g. `["10.0.0.0/16", "fd00::/64"]`.
    #[serde(default)]
    pub cluster_prefixes: Vec<String>,
    /// Uplink interfaces (the physical NIC side of the bridge).
    #[serde(default)]
    pub uplinks: Vec<String>,
}

impl Default for IdcstatSection {
    fn default() -> Self {
        IdcstatSection {
            enabled: true,
            cluster_prefixes: Vec::new(),
            uplinks: Vec::new(),
        }
    }
}

mod defaults {
    use std::net::SocketAddr;
    pub fn interval_s() -> u64 {
        10
    }
    pub fn nic_bandwidth_bps() -> u64 {
        1_000_000_000
    }
    pub fn swap_vdev() -> String {
        "xvdb".into()
    }
    pub fn migration_listen() -> SocketAddr {
        SocketAddr::from(([0, 0, 0, 0], 7931))
    }
    pub fn transport_command() -> String {
        "reunion migrate-transport".into()
    }
    pub fn command_timeout_s() -> u64 {
        30
    }
    pub fn migrate_timeout_s() -> u64 {
        600
    }
    pub fn xl() -> String {
        "xl".into()
    }
    pub fn xenstore_read() -> String {
        "xenstore-read".into()
    }
    pub fn xenstore_list() -> String {
        "xenstore-list".into()
    }
    pub fn yes() -> bool {
        true
    }
}

impl AgentConfig {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Self, AgentError> {
        let text = std::fs::read_to_string(path).map_err(|source| AgentError::ConfigRead {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses and validates config text (`path` only names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Self, AgentError> {
        let invalid = |reason: String| AgentError::ConfigInvalid {
            path: path.to_path_buf(),
            reason,
        };
        let config: AgentConfig = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        reunion_proto::keys::validate_identity(&config.host)
            .map_err(|e| invalid(format!("`host`: {e}")))?;
        for name in config.peers.keys() {
            reunion_proto::keys::validate_identity(name)
                .map_err(|e| invalid(format!("`peers`: {e}")))?;
        }
        if config.interval_s == 0 {
            return Err(invalid("`interval_s` must be at least 1".into()));
        }
        if config.nic_bandwidth_bps == 0 {
            return Err(invalid("`nic_bandwidth_bps` must be positive".into()));
        }
        if config.command_timeout_s == 0 || config.migrate_timeout_s == 0 {
            return Err(invalid("timeouts must be at least 1 second".into()));
        }
        if config.transport_command.trim().is_empty() {
            return Err(invalid("`transport_command` is empty".into()));
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_config_takes_defaults() {
        let config = AgentConfig::parse(
            "host = \"xen-a\"\nrmn = \"10.0.0.1:7930\"\nkey_file = \"/etc/reunion/agent.key\"\n",
            Path::new("t.toml"),
        )
        .expect("valid");
        assert_eq!(config.interval_s, 10);
        assert_eq!(config.swap_vdev, "xvdb");
        assert!(config.idcstat.enabled);
    }

    #[test]
    fn the_shipped_example_is_valid() {
        let text = include_str!("../../../dist/config/agent.toml");
        let config = AgentConfig::parse(text, Path::new("dist/config/agent.toml")).expect("valid");
        assert_eq!(config.host, "xen-a");
        assert_eq!(config.peers.len(), 2);
        assert_eq!(config.idcstat.uplinks, vec!["eth0".to_string()]);
    }

    #[test]
    fn errors_name_the_key() {
        let err = AgentConfig::parse(
            "host = \"xen a\"\nrmn = \"x:1\"\nkey_file = \"k\"\n",
            Path::new("t.toml"),
        )
        .expect_err("bad host");
        assert!(err.to_string().contains("`host`"), "{err}");
        let err = AgentConfig::parse(
            "host = \"a\"\nrmn = \"x:1\"\nkey_file = \"k\"\nintervall_s = 3\n",
            Path::new("t.toml"),
        )
        .expect_err("typo");
        assert!(err.to_string().contains("intervall_s"), "{err}");
    }
}
