//! Errors of the agent library.

use std::path::PathBuf;

/// What can go wrong in the agent.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
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
        /// The file (or `<inline>`).
        path: PathBuf,
        /// What is wrong, naming the key.
        reason: String,
    },
    /// A command could not be started, timed out or failed.
    #[error("`{command}` failed: {reason}")]
    Command {
        /// The command line (for humans; it was run as an argument vector).
        command: String,
        /// Exit status, timeout or spawn error, with stderr.
        reason: String,
    },
    /// A command's output could not be parsed.
    #[error("cannot parse output of `{command}`: {reason}")]
    Parse {
        /// The command.
        command: String,
        /// What was wrong.
        reason: String,
    },
    /// libxenstat could not be loaded, opened or read.
    #[error("libxenstat: {0}")]
    Xenstat(String),
    /// The idcstat module could not be read.
    #[error("idcstat: {0}")]
    Idcstat(String),
    /// A command from the RMN was refused.
    #[error("refused: {0}")]
    Refused(String),
    /// The wire protocol failed.
    #[error(transparent)]
    Proto(#[from] reunion_proto::ProtoError),
    /// Plain I/O.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}
