//! Errors of the RMN daemon library.

use std::path::PathBuf;

/// What can stop the daemon from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum RmndError {
    /// The configuration file could not be read.
    #[error("cannot read config {path}: {source}")]
    ConfigRead {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The configuration is invalid.
    #[error("config {path}: {reason}")]
    ConfigInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the key.
        reason: String,
    },
    /// A listener could not be opened.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// The address.
        address: String,
        /// Why.
        source: std::io::Error,
    },
    /// The decision log could not be opened or written.
    #[error("decision log {path}: {source}")]
    DecisionLog {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The decision engine refused its configuration.
    #[error("RMN core: {0}")]
    Engine(String),
}
