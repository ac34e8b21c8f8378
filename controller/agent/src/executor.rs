//! Executing the RMN's commands, with the agent's own checks.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use reunion_model::{Action, ActionKind, ActionOutcome, ActionResult, DomainUuid, HostId};
use tracing::info;

use crate::hypervisor::{Hypervisor, MigrationTarget};
use crate::AgentError;

/// Runs actions against the hypervisor after checking that they make sense here.
#[derive(Clone)]
pub struct Executor {
    host: HostId,
    hypervisor: Arc<dyn Hypervisor>,
    /// The cluster's hosts (name → migration channel address): the only valid
    /// migration destinations.
    peers: BTreeMap<String, String>,
    migrating: Arc<Mutex<BTreeSet<DomainUuid>>>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("host", &self.host)
            .field("peers", &self.peers)
            .finish_non_exhaustive()
    }
}

/// Removes a domain from the in-flight set when its migration ends, however it ends.
struct MigrationGuard {
    set: Arc<Mutex<BTreeSet<DomainUuid>>>,
    uuid: DomainUuid,
}

impl Drop for MigrationGuard {
    fn drop(&mut self) {
        lock(&self.set).remove(&self.uuid);
    }
}

fn lock(set: &Mutex<BTreeSet<DomainUuid>>) -> MutexGuard<'_, BTreeSet<DomainUuid>> {
    // A set of UUIDs cannot be left half-updated, so a poisoned lock is still valid.
    set.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Executor {
    /// An executor for `host`, allowed to migrate to `peers`.
    pub fn new(
        host: HostId,
        hypervisor: Arc<dyn Hypervisor>,
        peers: BTreeMap<String, String>,
    ) -> Self {
        Executor {
            host,
            hypervisor,
            peers,
            migrating: Arc::default(),
        }
    }

    /// Number of outgoing migrations running now.
    pub fn migrations_in_flight(&self) -> usize {
        lock(&self.migrating).len()
    }

    /// Checks and runs one action; never panics, always answers.
    pub fn execute(
        &self,
        action: &Action,
        ticket: Option<[u8; 32]>,
        dry_run: bool,
    ) -> ActionResult {
        let outcome = match self.try_execute(action, ticket, dry_run) {
            Ok(()) => ActionOutcome::Ok,
            Err(e) => ActionOutcome::Failed {
                stderr: e.to_string(),
            },
        };
        ActionResult {
            id: action.id,
            outcome,
        }
    }

    fn try_execute(
        &self,
        action: &Action,
        ticket: Option<[u8; 32]>,
        dry_run: bool,
    ) -> Result<(), AgentError> {
        let executing = action.kind.executing_host();
        if executing != &self.host {
            return Err(AgentError::Refused(format!(
                "action {} is for host {executing}, this is {}",
                action.id, self.host
            )));
        }
        let (uuid, domid) = match &action.kind {
            ActionKind::MemSet { uuid, domid, .. } | ActionKind::Migrate { uuid, domid, .. } => {
                (*uuid, *domid)
            }
        };
        let hosted = self.hypervisor.domains()?;
        match hosted.iter().find(|d| d.uuid == uuid) {
            None => {
                return Err(AgentError::Refused(format!(
                    "domain {uuid} is not hosted on {}",
                    self.host
                )))
            }
            Some(d) if d.domid != domid => {
                return Err(AgentError::Refused(format!(
                    "domain {uuid} has domid {} here, not {domid}",
                    d.domid
                )))
            }
            Some(_) => {}
        }
        if lock(&self.migrating).contains(&uuid) {
            return Err(AgentError::Refused(format!(
                "domain {uuid} is being migrated"
            )));
        }
        match &action.kind {
            ActionKind::MemSet { target_bytes, .. } => {
                let max = self.hypervisor.max_mem_bytes(domid)?;
                if *target_bytes > max {
                    return Err(AgentError::Refused(format!(
                        "target {target_bytes} bytes exceeds the domain's max memory {max}"
                    )));
                }
                if dry_run {
                    info!(%uuid, %domid, target_bytes, "dry run: would run xl mem-set");
                    return Ok(());
                }
                info!(%uuid, %domid, target_bytes, "xl mem-set");
                self.hypervisor.mem_set(domid, *target_bytes)
            }
            ActionKind::Migrate { destination, .. } => {
                if destination == &self.host {
                    return Err(AgentError::Refused("destination is this host".into()));
                }
                let Some(address) = self.peers.get(destination.as_str()) else {
                    return Err(AgentError::Refused(format!(
                        "destination {destination} is not in this agent's cluster host list"
                    )));
                };
                let Some(ticket) = ticket else {
                    return Err(AgentError::Refused("migration without a ticket".into()));
                };
                if dry_run {
                    info!(%uuid, %domid, %destination, "dry run: would run xl migrate");
                    return Ok(());
                }
                let _guard = {
                    let mut set = lock(&self.migrating);
                    if !set.insert(uuid) {
                        return Err(AgentError::Refused(format!(
                            "domain {uuid} is being migrated"
                        )));
                    }
                    MigrationGuard {
                        set: self.migrating.clone(),
                        uuid,
                    }
                };
                info!(%uuid, %domid, %destination, "xl migrate");
                self.hypervisor.migrate(
                    domid,
                    &MigrationTarget {
                        host: destination.as_str().to_string(),
                        address: address.clone(),
                        id: action.id.0,
                        ticket,
                    },
                )
            }
        }
    }
}
