//! Actions emitted and not yet answered: the basis of the concurrency caps and
//! of "do not judge hosts that are migrating".

use reunion_model::{Action, ActionId, ActionKind, DomainUuid, HostId};
use std::collections::BTreeMap;

/// One outstanding action.
#[derive(Debug, Clone, PartialEq)]
pub struct Outstanding {
    /// The action.
    pub action: Action,
    /// RMN time it was emitted.
    pub issued_ms: u64,
}

/// Outstanding actions by id.
#[derive(Debug, Clone, Default)]
pub struct InFlight {
    actions: BTreeMap<ActionId, Outstanding>,
}

impl InFlight {
    /// Records an emitted action.
    pub fn insert(&mut self, action: Action, issued_ms: u64) {
        self.actions
            .insert(action.id, Outstanding { action, issued_ms });
    }

    /// Removes and returns an answered action.
    pub fn remove(&mut self, id: ActionId) -> Option<Outstanding> {
        self.actions.remove(&id)
    }

    /// Removes and returns the actions issued before `cutoff_ms`.
    pub fn expire_before(&mut self, cutoff_ms: u64) -> Vec<Outstanding> {
        let expired: Vec<ActionId> = self
            .actions
            .values()
            .filter(|o| o.issued_ms < cutoff_ms)
            .map(|o| o.action.id)
            .collect();
        expired
            .into_iter()
            .filter_map(|id| self.actions.remove(&id))
            .collect()
    }

    /// All outstanding actions, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Outstanding> {
        self.actions.values()
    }

    /// Number of migrations outstanding.
    pub fn migrations(&self) -> usize {
        self.iter()
            .filter(|o| matches!(o.action.kind, ActionKind::Migrate { .. }))
            .count()
    }

    /// Migrations outstanding per host (as source or destination).
    pub fn migrations_per_host(&self) -> BTreeMap<HostId, usize> {
        let mut counts = BTreeMap::new();
        for o in self.iter() {
            if let ActionKind::Migrate {
                source,
                destination,
                ..
            } = &o.action.kind
            {
                *counts.entry(source.clone()).or_insert(0) += 1;
                *counts.entry(destination.clone()).or_insert(0) += 1;
            }
        }
        counts
    }

    /// Domains with an outstanding action.
    pub fn domains(&self) -> std::collections::BTreeSet<DomainUuid> {
        self.iter().map(|o| o.action.kind.uuid()).collect()
    }

    /// Whether a memory action on this host is outstanding.
    pub fn memset_on(&self, host: &HostId) -> bool {
        self.iter()
            .any(|o| matches!(&o.action.kind, ActionKind::MemSet { host: h, .. } if h == host))
    }
}
