//! The messages agents and the RMN exchange, and the migration channel's.

use reunion_model::{Action, ActionId, ActionResult, DomainUuid, HostId, HostReport};

use serde::{Deserialize, Serialize};

/// Agent → RMN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AgentMessage {
    /// One interval's measurements.
    Report(HostReport),
    /// The outcome of a command (see [`AgentMessage::result`]).
    Result(ActionResult),
    /// The agent has opened its one-shot migration channel for an
    /// [`RmnMessage::ExpectMigration`], or failed to (then `error` says why).
    MigrationArmed {
        /// The migration's action id.
        id: ActionId,
        /// Why arming failed, if it did.
        error: Option<String>,
    },
    /// Nothing to say; proves liveness.
    Heartbeat,
}

/// RMN → agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RmnMessage {
    /// Execute an action (`xl mem-set`, or `xl migrate` as the source).
    /// `ticket` is set for migrations: the key of the one-shot channel that the
    /// destination agent was told to expect.
    Execute {
        /// The action (see [`RmnMessage::execute`]).
        action: Action,
        /// One-shot migration key, for [`reunion_model::ActionKind::Migrate`].
        ticket: Option<[u8; 32]>,
        /// Whether to only log the command instead of running it (dry run).
        dry_run: bool,
    },
    /// Prepare to receive a migration: accept exactly one connection
    /// authenticated with `ticket` as identity `migration-<id>`, from `source`,
    /// within `timeout_ms`, and feed it to `xl migrate-receive`.
    ExpectMigration {
        /// The migration's action id.
        id: ActionId,
        /// The incoming domain.
        uuid: DomainUuid,
        /// The host it comes from.
        source: HostId,
        /// The one-shot key.
        ticket: [u8; 32],
        /// How long the channel stays open.
        timeout_ms: u64,
    },
    /// Nothing to say; proves liveness.
    Heartbeat,
}

/// One message on a migration channel (both directions): a chunk of xl's
/// migration stream, or its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StreamMessage {
    /// Bytes of the stream, in order. Encoded as one byte string (length and
    /// raw bytes, the same wire bytes as a sequence of `u8` under bincode) so
    /// that a chunk is copied, not visited byte by byte.
    Data(#[serde(with = "serde_bytes")] Vec<u8>),
    /// The sender's side of the stream ended (EOF).
    End,
}

/// The identity a migration channel's client authenticates as.
pub fn migration_identity(id: ActionId) -> String {
    format!("migration-{}", id.0)
}

/// Largest chunk of a migration stream per frame.
pub const STREAM_CHUNK: usize = 64 * 1024;

impl AgentMessage {
    /// Wraps an action result.
    pub fn result(result: ActionResult) -> Self {
        AgentMessage::Result(result)
    }
}

impl RmnMessage {
    /// Wraps an action to execute.
    pub fn execute(action: Action, ticket: Option<[u8; 32]>, dry_run: bool) -> Self {
        RmnMessage::Execute {
            action,
            ticket,
            dry_run,
        }
    }
}
