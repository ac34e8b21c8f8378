//! Errors of the RMN core.

use reunion_model::{ActionId, HostId, ModelError};

/// What the RMN core refuses.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RmnError {
    /// The configuration does not validate.
    #[error("invalid RMN configuration: {0}")]
    Config(#[source] ModelError),
    /// A report does not validate; nothing of it was ingested.
    #[error("rejected report: {0}")]
    Report(#[source] ModelError),
    /// A report is not newer than the last one ingested from its host (same
    /// generation, `seq` not greater); nothing of it was ingested.
    #[error("report {seq} from host `{host}` is not newer than {last_seq}; ignored")]
    OutOfOrder {
        /// The host.
        host: HostId,
        /// The rejected report's sequence number.
        seq: u64,
        /// The last ingested sequence number.
        last_seq: u64,
    },
    /// An action result names an action that is not in flight (unknown, already
    /// answered or timed out).
    #[error("result for action {0}, which is not in flight")]
    UnknownAction(ActionId),
}
