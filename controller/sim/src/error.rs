//! The simulator's error type.

/// Everything that can go wrong loading or running a scenario.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The scenario file could not be parsed as TOML of the expected shape.
    #[error("cannot parse scenario: {0}")]
    Parse(#[from] toml::de::Error),
    /// The scenario parsed but is inconsistent (unknown host, duplicate name, ...).
    #[error("invalid scenario: {0}")]
    Scenario(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Serializing an output to JSON failed.
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The RMN core refused an input (a bug in the simulator or in the core).
    #[error("RMN core: {0}")]
    Rmn(String),
    /// Drawing a plot failed.
    #[error("cannot draw plot {path}: {reason}")]
    Plot {
        /// The PNG being drawn.
        path: String,
        /// What the plotting backend reported.
        reason: String,
    },
}
