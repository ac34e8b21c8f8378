//! The daemon's TOML configuration; the RMN thresholds are the `[rmn]` table
//! ([`RmnConfig`], the one place thresholds live).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use reunion_model::RmnConfig;
use reunion_proto::Psk;
use serde::Deserialize;

use crate::RmndError;

/// `reunion rmn --config <file>`; see `docs/operations.md` for an example.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RmndConfig {
    /// Where agents connect.
    #[serde(default = "defaults::listen")]
    pub listen: SocketAddr,
    /// Prometheus metrics and `/status` (JSON). Exposes per-domain traffic:
    /// bind it to localhost or a management network.
    #[serde(default = "defaults::metrics_listen")]
    pub metrics_listen: SocketAddr,
    /// Append-only JSON-lines log of every decision record.
    #[serde(default = "defaults::decision_log")]
    pub decision_log: PathBuf,
    /// Agents allowed to connect: host name → key file (64 hex digits, mode 0600).
    pub agents: BTreeMap<String, PathBuf>,
    /// Heartbeat period towards agents, seconds.
    #[serde(default = "defaults::heartbeat_s")]
    pub heartbeat_s: u64,
    /// How long a destination may take to report a migrated domain running
    /// after the source said `xl migrate` finished (or to finish at all), seconds.
    #[serde(default = "defaults::migration_timeout_s")]
    pub migration_timeout_s: u64,
    /// Largest frame accepted from an agent, bytes.
    #[serde(default = "defaults::max_frame_bytes")]
    pub max_frame_bytes: u32,
    /// The RMN core's thresholds, policy, guards and dry-run switch.
    #[serde(default)]
    pub rmn: RmnConfig,
}

mod defaults {
    use std::net::SocketAddr;
    use std::path::PathBuf;
    pub fn listen() -> SocketAddr {
        SocketAddr::from(([0, 0, 0, 0], 7930))
    }
    pub fn metrics_listen() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 9464))
    }
    pub fn decision_log() -> PathBuf {
        PathBuf::from("/var/log/reunion/decisions.jsonl")
    }
    pub fn heartbeat_s() -> u64 {
        5
    }
    pub fn migration_timeout_s() -> u64 {
        600
    }
    pub fn max_frame_bytes() -> u32 {
        reunion_proto::DEFAULT_MAX_FRAME
    }
}

impl RmndConfig {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Self, RmndError> {
        let text = std::fs::read_to_string(path).map_err(|source| RmndError::ConfigRead {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses and validates config text.
    pub fn parse(text: &str, path: &Path) -> Result<Self, RmndError> {
        let invalid = |reason: String| RmndError::ConfigInvalid {
            path: path.to_path_buf(),
            reason,
        };
        let config: RmndConfig = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        config
            .rmn
            .validate()
            .map_err(|e| invalid(format!("[rmn] {e}")))?;
        if config.agents.is_empty() {
            return Err(invalid(
                "`[agents]` is empty: list each host with its key file".into(),
            ));
        }
        for name in config.agents.keys() {
            reunion_proto::keys::validate_identity(name)
                .map_err(|e| invalid(format!("[agents]: {e}")))?;
        }
        if config.heartbeat_s == 0 || config.migration_timeout_s == 0 {
            return Err(invalid(
                "`heartbeat_s` and `migration_timeout_s` must be at least 1".into(),
            ));
        }
        if config.max_frame_bytes < 1024 {
            return Err(invalid("`max_frame_bytes` must be at least 1024".into()));
        }
        Ok(config)
    }

    /// Loads every agent's key; the error names the host and the file.
    pub fn load_keys(&self, path: &Path) -> Result<BTreeMap<String, Psk>, RmndError> {
        self.agents
            .iter()
            .map(|(host, file)| {
                Psk::from_file(file)
                    .map(|key| (host.clone(), key))
                    .map_err(|e| RmndError::ConfigInvalid {
                        path: path.to_path_buf(),
                        reason: format!("[agents] {host}: {e}"),
                    })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_example_is_valid_and_states_the_defaults() {
        let text = include_str!("../../../dist/config/rmn.toml");
        let config = RmndConfig::parse(text, Path::new("dist/config/rmn.toml")).expect("valid");
        assert_eq!(config.agents.len(), 3);
        // The example lists every RMN key with its default value.
        assert_eq!(config.rmn, RmnConfig::default());
    }

    #[test]
    fn thresholds_come_from_the_rmn_table_and_are_validated() {
        let ok = RmndConfig::parse(
            "[agents]\nxen-a = \"/etc/reunion/keys/xen-a\"\n[rmn]\npolicy = \"sandpiper\"\ncpu_threshold = 0.9\n",
            Path::new("r.toml"),
        )
        .expect("valid");
        assert!((ok.rmn.cpu_threshold - 0.9).abs() < 1e-12);
        let err = RmndConfig::parse(
            "[agents]\nxen-a = \"k\"\n[rmn]\ncpu_threshold = 1.5\n",
            Path::new("r.toml"),
        )
        .expect_err("out of range");
        assert!(err.to_string().contains("cpu_threshold"), "{err}");
        let err = RmndConfig::parse("[agents]\n", Path::new("r.toml")).expect_err("no agents");
        assert!(err.to_string().contains("[agents]"), "{err}");
        let err = RmndConfig::parse(
            "listen = \"nope\"\n[agents]\na = \"k\"\n",
            Path::new("r.toml"),
        )
        .expect_err("bad address");
        assert!(err.to_string().contains("listen"), "{err}");
    }
}
