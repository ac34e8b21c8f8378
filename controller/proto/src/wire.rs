//! Wire forms of the model types whose serde layout bincode cannot decode.
//!
//! `reunion_model::ActionKind` and `ActionOutcome` are internally tagged for
//! readable JSON (`#[serde(tag = ...)]`), and decoding an internally tagged enum
//! needs `deserialize_any`, which bincode does not offer. These mirrors use the
//! default (externally tagged) layout and convert losslessly.

use reunion_model::{
    Action, ActionId, ActionKind, ActionOutcome, ActionResult, DomId, DomainUuid, HostId,
};
use serde::{Deserialize, Serialize};

/// [`Action`] on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireAction {
    id: ActionId,
    kind: WireActionKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum WireActionKind {
    MemSet {
        host: HostId,
        uuid: DomainUuid,
        domid: DomId,
        target_bytes: u64,
    },
    Migrate {
        uuid: DomainUuid,
        domid: DomId,
        source: HostId,
        destination: HostId,
    },
}

impl From<Action> for WireAction {
    fn from(action: Action) -> Self {
        let kind = match action.kind {
            ActionKind::MemSet {
                host,
                uuid,
                domid,
                target_bytes,
            } => WireActionKind::MemSet {
                host,
                uuid,
                domid,
                target_bytes,
            },
            ActionKind::Migrate {
                uuid,
                domid,
                source,
                destination,
            } => WireActionKind::Migrate {
                uuid,
                domid,
                source,
                destination,
            },
        };
        WireAction {
            id: action.id,
            kind,
        }
    }
}

impl From<WireAction> for Action {
    fn from(wire: WireAction) -> Self {
        let kind = match wire.kind {
            WireActionKind::MemSet {
                host,
                uuid,
                domid,
                target_bytes,
            } => ActionKind::MemSet {
                host,
                uuid,
                domid,
                target_bytes,
            },
            WireActionKind::Migrate {
                uuid,
                domid,
                source,
                destination,
            } => ActionKind::Migrate {
                uuid,
                domid,
                source,
                destination,
            },
        };
        Action { id: wire.id, kind }
    }
}

/// [`ActionResult`] on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireActionResult {
    id: ActionId,
    failure: Option<String>,
}

impl From<ActionResult> for WireActionResult {
    fn from(result: ActionResult) -> Self {
        WireActionResult {
            id: result.id,
            failure: match result.outcome {
                ActionOutcome::Ok => None,
                ActionOutcome::Failed { stderr } => Some(stderr),
            },
        }
    }
}

impl From<WireActionResult> for ActionResult {
    fn from(wire: WireActionResult) -> Self {
        ActionResult {
            id: wire.id,
            outcome: match wire.failure {
                None => ActionOutcome::Ok,
                Some(stderr) => ActionOutcome::Failed { stderr },
            },
        }
    }
}
