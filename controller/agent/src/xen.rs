//! The real [`Hypervisor`]: libxenstat measures, `xl` acts.
//!
//! Every interval the agent needs the host's CPUs and memory and every domain's
//! identity, state, memory and CPU time. With libxenstat ([`crate::xenstat`])
//! that is one `xenstat_get_node` call plus, for a domid not seen before, one
//! xenstore read of its UUID ([`crate::uuid_cache`]): no process is started.
//! `xl info` and `xl list -v` remain the fallback, for good when libxenstat
//! cannot be loaded, and for one interval when a reading fails. Actions
//! (`xl mem-set`, `xl migrate`, `xl migrate-receive`) and the maximum memory of
//! a new domain (xenstore's `static-max`) always go through [`Xl`].

use std::sync::{Arc, Mutex, PoisonError};

use reunion_model::DomId;
use tracing::{debug, info, warn};

use crate::hypervisor::{HostInfo, Hypervisor, Measurement, MigrationTarget, XenDomain};
use crate::node_stats::NodeStatsSource;
use crate::uuid_cache::UuidCache;
use crate::xenstat::Xenstat;
use crate::xenstore::Xenstore;
use crate::xl::Xl;
use crate::AgentError;

/// Where measurements come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasurementSource {
    /// libxenstat and, for new domains, xenstore.
    Libxenstat,
    /// `xl info` and `xl list -v` every interval.
    Xl,
}

/// libxenstat's side: the source, the UUIDs it lacks, and whether the last
/// reading failed (to log a failure once and the recovery once).
struct StatsReader {
    source: Box<dyn NodeStatsSource>,
    uuids: UuidCache,
    failing: bool,
}

/// libxenstat for measurements, `xl` for actions and as the fallback.
pub struct Xen {
    xl: Xl,
    xenstore: Arc<dyn Xenstore>,
    stats: Option<Mutex<StatsReader>>,
}

impl std::fmt::Debug for Xen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Xen")
            .field("xl", &self.xl.xl)
            .field("source", &self.source())
            .finish_non_exhaustive()
    }
}

impl Xen {
    /// Measures with libxenstat when it loads and opens, else with `xl`; logs
    /// which, and why.
    pub fn open(xl: Xl, xenstore: Arc<dyn Xenstore>) -> Self {
        let stats = Xenstat::open().map(|x| Box::new(x) as Box<dyn NodeStatsSource>);
        Self::new(xl, xenstore, stats)
    }

    /// Measures with `stats` if it is there, else with `xl`; logs which.
    pub fn new(
        xl: Xl,
        xenstore: Arc<dyn Xenstore>,
        stats: Result<Box<dyn NodeStatsSource>, AgentError>,
    ) -> Self {
        let stats = match stats {
            Ok(source) => {
                info!(
                    "measurement source: libxenstat (CPU time in nanoseconds; \
                     no `xl` per interval)"
                );
                Some(Mutex::new(StatsReader {
                    source,
                    uuids: UuidCache::default(),
                    failing: false,
                }))
            }
            Err(e) => {
                warn!(
                    "measurement source: `xl info` and `xl list -v` every interval \
                     (CPU time to 0.1 s); {e}"
                );
                None
            }
        };
        Xen {
            xl,
            xenstore,
            stats,
        }
    }

    /// Where measurements come from (libxenstat even while a reading fails:
    /// it is tried again every interval).
    pub fn source(&self) -> MeasurementSource {
        if self.stats.is_some() {
            MeasurementSource::Libxenstat
        } else {
            MeasurementSource::Xl
        }
    }

    /// One libxenstat reading with UUIDs, or `None` (logged) when it failed.
    fn read_stats(&self) -> Option<Measurement> {
        let mut reader = self
            .stats
            .as_ref()?
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let reader = &mut *reader;
        let result = reader.source.read().and_then(|node| {
            // libxenstat leaves out a domain whose name it cannot read from
            // xenstore; without dom0 (whose CPU time the report needs) the
            // reading is not trusted: xenstore may be unreachable and every
            // domain missing.
            if !node.domains.iter().any(|d| d.domid == DomId(0)) {
                return Err(AgentError::Xenstat(
                    "the reading lists no Domain-0 (xenstore names unreadable?)".into(),
                ));
            }
            Ok(Measurement {
                info: node.info,
                domains: reader
                    .uuids
                    .identify(self.xenstore.as_ref(), node.domains)?,
            })
        });
        match result {
            Ok(measurement) => {
                if reader.failing {
                    info!("libxenstat readable again: measuring without `xl`");
                    reader.failing = false;
                }
                Some(measurement)
            }
            Err(e) => {
                if reader.failing {
                    debug!("libxenstat still fails, measuring with `xl`: {e}");
                } else {
                    warn!("measuring with `xl` until libxenstat reads again: {e}");
                    reader.failing = true;
                }
                None
            }
        }
    }

    fn measure_with_xl(&self) -> Result<Measurement, AgentError> {
        Ok(Measurement {
            info: self.xl.host_info()?,
            domains: self.xl.domains()?,
        })
    }
}

impl Hypervisor for Xen {
    fn host_info(&self) -> Result<HostInfo, AgentError> {
        match self.read_stats() {
            Some(measurement) => Ok(measurement.info),
            None => self.xl.host_info(),
        }
    }

    fn domains(&self) -> Result<Vec<XenDomain>, AgentError> {
        match self.read_stats() {
            Some(measurement) => Ok(measurement.domains),
            None => self.xl.domains(),
        }
    }

    fn measure(&self) -> Result<Measurement, AgentError> {
        match self.read_stats() {
            Some(measurement) => Ok(measurement),
            None => self.measure_with_xl(),
        }
    }

    fn max_mem_bytes(&self, domid: DomId) -> Result<u64, AgentError> {
        self.xl.max_mem_bytes(domid)
    }

    fn mem_set(&self, domid: DomId, target_bytes: u64) -> Result<(), AgentError> {
        self.xl.mem_set(domid, target_bytes)
    }

    fn migrate(&self, domid: DomId, target: &MigrationTarget) -> Result<(), AgentError> {
        self.xl.migrate(domid, target)
    }

    fn migrate_receive_argv(&self) -> Vec<String> {
        self.xl.migrate_receive_argv()
    }
}
