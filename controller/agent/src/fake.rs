//! In-memory adapters for tests, the load test and demos without Xen: a shared
//! "world" of hosts whose fake hypervisors move domains between each other.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use std::time::Instant;

use reunion_model::{DomId, DomainState, DomainUuid};

use crate::hypervisor::{HostInfo, Hypervisor, MigrationTarget, XenDomain};
use crate::idcstat::{IdcstatConfig, IdcstatSnapshot, IdcstatSource};
use crate::node_stats::{NodeStats, NodeStatsSource};
use crate::xenstore::Xenstore;
use crate::AgentError;

/// One fake host.
#[derive(Debug, Clone)]
pub struct FakeHost {
    /// CPUs and memory.
    pub info: HostInfo,
    /// Domains (dom0 included if the test wants it).
    pub domains: Vec<XenDomain>,
    /// When set, every `xl migrate` from this host fails with this stderr.
    pub migrate_failure: Option<String>,
}

/// Every command the fakes executed, in order, for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeCall {
    /// `xl mem-set`.
    MemSet {
        /// Host.
        host: String,
        /// Domain.
        domid: DomId,
        /// Target.
        target_bytes: u64,
    },
    /// `xl migrate`.
    Migrate {
        /// Source.
        host: String,
        /// Domain.
        domid: DomId,
        /// Destination.
        destination: String,
    },
}

/// The fake cluster.
#[derive(Debug, Default)]
pub struct FakeWorld {
    /// Hosts by name.
    pub hosts: BTreeMap<String, FakeHost>,
    /// Calls made so far.
    pub calls: Vec<FakeCall>,
    /// CPUs each domain burns (1.0 = one vCPU flat out), wherever it runs:
    /// its CPU time grows by this much per second of real time.
    pub busy_cpus: BTreeMap<DomainUuid, f64>,
    /// When the world's CPU clock started (first listing).
    pub started: Option<Instant>,
    next_domid: u32,
}

/// A shared handle on the fake cluster.
pub type SharedWorld = Arc<Mutex<FakeWorld>>;

/// Locks the world; a panicking test thread does not make it unusable.
pub fn lock_world(world: &SharedWorld) -> MutexGuard<'_, FakeWorld> {
    world.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A hypervisor that is one host of a [`FakeWorld`].
#[derive(Debug, Clone)]
pub struct FakeHypervisor {
    /// The world.
    pub world: SharedWorld,
    /// This host's name.
    pub host: String,
}

impl FakeHypervisor {
    fn with_host<T>(
        &self,
        f: impl FnOnce(&mut FakeHost) -> Result<T, AgentError>,
    ) -> Result<T, AgentError> {
        let mut world = lock_world(&self.world);
        let host = world
            .hosts
            .get_mut(&self.host)
            .ok_or_else(|| AgentError::Command {
                command: "xl".into(),
                reason: format!("fake host {} does not exist", self.host),
            })?;
        f(host)
    }
}

impl Hypervisor for FakeHypervisor {
    fn host_info(&self) -> Result<HostInfo, AgentError> {
        self.with_host(|h| Ok(h.info))
    }

    fn domains(&self) -> Result<Vec<XenDomain>, AgentError> {
        let mut world = lock_world(&self.world);
        let elapsed_s = world
            .started
            .get_or_insert_with(Instant::now)
            .elapsed()
            .as_secs_f64();
        let busy = world.busy_cpus.clone();
        let host = world
            .hosts
            .get(&self.host)
            .ok_or_else(|| AgentError::Command {
                command: "xl list".into(),
                reason: format!("fake host {} does not exist", self.host),
            })?;
        Ok(host
            .domains
            .iter()
            .map(|d| {
                let burnt = busy.get(&d.uuid).copied().unwrap_or(0.0) * elapsed_s * 1e9;
                XenDomain {
                    cpu_time_ns: d.cpu_time_ns.saturating_add(burnt as u64),
                    ..d.clone()
                }
            })
            .collect())
    }

    fn max_mem_bytes(&self, domid: DomId) -> Result<u64, AgentError> {
        self.with_host(|h| {
            h.domains
                .iter()
                .find(|d| d.domid == domid)
                .map(|d| d.mem_bytes.max(1 << 30))
                .ok_or_else(|| AgentError::Command {
                    command: "xenstore-read".into(),
                    reason: format!("no domain {domid}"),
                })
        })
    }

    fn mem_set(&self, domid: DomId, target_bytes: u64) -> Result<(), AgentError> {
        let mut world = lock_world(&self.world);
        world.calls.push(FakeCall::MemSet {
            host: self.host.clone(),
            domid,
            target_bytes,
        });
        if let Some(domain) = world
            .hosts
            .get_mut(&self.host)
            .and_then(|h| h.domains.iter_mut().find(|d| d.domid == domid))
        {
            domain.mem_bytes = target_bytes;
        }
        Ok(())
    }

    fn migrate(&self, domid: DomId, target: &MigrationTarget) -> Result<(), AgentError> {
        let mut world = lock_world(&self.world);
        world.calls.push(FakeCall::Migrate {
            host: self.host.clone(),
            domid,
            destination: target.host.clone(),
        });
        let source = world
            .hosts
            .get_mut(&self.host)
            .ok_or_else(|| AgentError::Command {
                command: "xl migrate".into(),
                reason: "no source host".into(),
            })?;
        if let Some(stderr) = &source.migrate_failure {
            return Err(AgentError::Command {
                command: "xl migrate".into(),
                reason: format!("exit status: 1; stderr: {stderr}"),
            });
        }
        let Some(at) = source.domains.iter().position(|d| d.domid == domid) else {
            return Err(AgentError::Command {
                command: "xl migrate".into(),
                reason: format!("no domain {domid}"),
            });
        };
        let mut domain = source.domains.remove(at);
        world.next_domid = world.next_domid.max(100) + 1;
        domain.domid = DomId(world.next_domid);
        domain.state = DomainState::Running;
        match world.hosts.get_mut(&target.host) {
            Some(destination) => {
                destination.domains.push(domain);
                Ok(())
            }
            None => Err(AgentError::Command {
                command: "xl migrate".into(),
                reason: format!("destination {} unreachable", target.host),
            }),
        }
    }

    fn migrate_receive_argv(&self) -> Vec<String> {
        vec!["cat".into()]
    }
}

/// An empty xenstore.
#[derive(Debug, Default)]
pub struct FakeXenstore;

impl Xenstore for FakeXenstore {
    fn read(&self, _path: &str) -> Result<Option<String>, AgentError> {
        Ok(None)
    }
    fn list(&self, _path: &str) -> Result<Vec<String>, AgentError> {
        Ok(Vec::new())
    }
}

/// A xenstore of fixed keys that records every read, to count them.
#[derive(Debug, Default)]
pub struct MapXenstore {
    entries: Mutex<BTreeMap<String, String>>,
    reads: Mutex<Vec<String>>,
}

impl MapXenstore {
    /// A store holding `entries` (path, value).
    pub fn new(entries: &[(&str, &str)]) -> Self {
        MapXenstore {
            entries: Mutex::new(
                entries
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            reads: Mutex::default(),
        }
    }

    /// Writes (or replaces) a key.
    pub fn set(&self, path: &str, value: &str) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.to_string(), value.to_string());
    }

    /// Every path read or listed so far, in order.
    pub fn reads(&self) -> Vec<String> {
        self.reads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Xenstore for MapXenstore {
    fn read(&self, path: &str) -> Result<Option<String>, AgentError> {
        self.reads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(path.to_string());
        Ok(self
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(path)
            .cloned())
    }

    fn list(&self, path: &str) -> Result<Vec<String>, AgentError> {
        self.reads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(path.to_string());
        let prefix = format!("{path}/");
        let mut children: Vec<String> = self
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter_map(|rest| rest.split('/').next())
            .map(str::to_string)
            .collect();
        children.dedup();
        Ok(children)
    }
}

/// A libxenstat stand-in: returns the reading the test put in `reading`, or
/// fails with the text in `failure` while it is set; counts the reads.
#[derive(Debug, Clone)]
pub struct FakeNodeStats {
    /// What the next read returns.
    pub reading: Arc<Mutex<NodeStats>>,
    /// When set, reads fail with this message (as `xenstat_get_node` can).
    pub failure: Arc<Mutex<Option<String>>>,
    /// Reads so far.
    pub reads: Arc<Mutex<u64>>,
}

impl FakeNodeStats {
    /// A source returning `reading`.
    pub fn new(reading: NodeStats) -> Self {
        FakeNodeStats {
            reading: Arc::new(Mutex::new(reading)),
            failure: Arc::default(),
            reads: Arc::default(),
        }
    }
}

impl NodeStatsSource for FakeNodeStats {
    fn read(&mut self) -> Result<NodeStats, AgentError> {
        *self.reads.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        if let Some(failure) = &*self.failure.lock().unwrap_or_else(PoisonError::into_inner) {
            return Err(AgentError::Xenstat(failure.clone()));
        }
        Ok(self
            .reading
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone())
    }
}

/// An idcstat source returning whatever the test put in `snapshot`, or an
/// error while `unloaded` is set.
#[derive(Debug, Clone, Default)]
pub struct FakeIdcstat {
    /// The counters to return.
    pub snapshot: Arc<Mutex<IdcstatSnapshot>>,
    /// Simulates the module being unloaded.
    pub unloaded: Arc<Mutex<bool>>,
    /// Last configuration pushed.
    pub config: Arc<Mutex<Option<IdcstatConfig>>>,
}

impl IdcstatSource for FakeIdcstat {
    fn snapshot(&mut self) -> Result<IdcstatSnapshot, AgentError> {
        if *self.unloaded.lock().unwrap_or_else(PoisonError::into_inner) {
            return Err(AgentError::Idcstat(
                "generic netlink family \"idcstat\" not found (module not loaded?)".into(),
            ));
        }
        Ok(self
            .snapshot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone())
    }
    fn configure(&mut self, config: &IdcstatConfig) -> Result<(), AgentError> {
        *self.config.lock().unwrap_or_else(PoisonError::into_inner) = Some(config.clone());
        Ok(())
    }
    fn ack_departed(&mut self, _domid: DomId, _generation: u32) -> Result<(), AgentError> {
        Ok(())
    }
}
