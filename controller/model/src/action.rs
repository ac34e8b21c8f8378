//! What the RMN asks agents to do, and what they answer.

use crate::ids::{ActionId, DomId, DomainUuid, HostId};
use serde::{Deserialize, Serialize};

/// One command from the RMN to an agent (or to the simulator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// Unique id; the executor answers with an [`ActionResult`] of the same id.
    /// The [`crate::DecisionRecord`] that produced it carries the same id.
    pub id: ActionId,
    /// What to do.
    pub kind: ActionKind,
}

/// The two things the RMN ever asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Balloon a domain to `target_bytes`: `xl mem-set <domid> <target>` on `host`.
    MemSet {
        /// Host the domain runs on (the agent that executes).
        host: HostId,
        /// Domain identity; the executor checks it still matches `domid`.
        uuid: DomainUuid,
        /// Domain id on `host` at decision time.
        domid: DomId,
        /// New memory target, bytes (never above the domain's max memory).
        target_bytes: u64,
    },
    /// Live-migrate a domain: `xl migrate <domid> <destination>` run on `source`.
    Migrate {
        /// Domain identity; the executor checks it still matches `domid`.
        uuid: DomainUuid,
        /// Domain id on `source` at decision time.
        domid: DomId,
        /// Host the domain runs on (the agent that executes).
        source: HostId,
        /// Host to move it to.
        destination: HostId,
    },
}

impl ActionKind {
    /// The domain the action concerns.
    pub fn uuid(&self) -> DomainUuid {
        match self {
            ActionKind::MemSet { uuid, .. } | ActionKind::Migrate { uuid, .. } => *uuid,
        }
    }

    /// The host whose agent executes the action.
    pub fn executing_host(&self) -> &HostId {
        match self {
            ActionKind::MemSet { host, .. } => host,
            ActionKind::Migrate { source, .. } => source,
        }
    }
}

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionOutcome {
    /// Done: the balloon target is set, or the migration completed.
    Ok,
    /// Failed; `stderr` is what the command (e.g. `xl`) printed, for the log.
    Failed {
        /// The executor's error output.
        stderr: String,
    },
}

/// The executor's answer to one [`Action`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionResult {
    /// The action's id.
    pub id: ActionId,
    /// How it ended.
    pub outcome: ActionOutcome,
}
