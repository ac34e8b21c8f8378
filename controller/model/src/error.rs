//! Errors of the model crate: invalid configuration or reports.

/// An invalid [`crate::RmnConfig`] or [`crate::HostReport`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// A configuration value is outside its allowed range.
    #[error("config: `{field}` = {value} is invalid: {expected}")]
    ConfigOutOfRange {
        /// The TOML key of the offending field.
        field: &'static str,
        /// The value as given.
        value: String,
        /// What the value must be.
        expected: &'static str,
    },
    /// Two configuration values contradict each other.
    #[error("config: {0}")]
    ConfigInconsistent(String),
    /// A report is malformed (zero capacities, duplicate domains, ...).
    #[error("report from host `{host}`: {reason}")]
    InvalidReport {
        /// The reporting host.
        host: String,
        /// What is wrong with it.
        reason: String,
    },
}
