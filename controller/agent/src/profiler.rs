//! One measurement: read Xen, xenstore and idcstat, build the report.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use reunion_model::{DomId, DomainUuid, HostId, HostReport};
use tracing::warn;

use crate::hypervisor::{Hypervisor, Measurement};
use crate::idcstat::{
    generation_of, IdcstatConfig, IdcstatSnapshot, IdcstatSource, SwapRange, VifIdentity,
};
use crate::report::{build_report, ReportInputs};
use crate::xenstore::{domain_devices, DomainDevices, Xenstore};
use crate::AgentError;

/// How many more intervals a domain's devices are read again while its swap disk
/// has no `physical-device` yet: the hotplug script writes it after libxl lists
/// the domain, and a domain first seen in that gap kept no swap range for good.
/// A swap disk that never gets one (a qdisk backend) stops being read after this.
const PENDING_SWAP_DEVICE_REREADS: u32 = 12;

/// What is kept of a domain between measurements.
#[derive(Debug, Clone)]
struct CachedDomain {
    devices: DomainDevices,
    max_mem: u64,
    /// Intervals left in which the devices are read again (see
    /// [`PENDING_SWAP_DEVICE_REREADS`]).
    device_rereads_left: u32,
}

impl CachedDomain {
    fn swap_device_pending(devices: &DomainDevices) -> bool {
        devices
            .swap_vbd()
            .is_some_and(|vbd| vbd.physical_device.is_none())
    }
}

/// Keeps what survives between measurements: sequence, epochs, caches.
pub struct Profiler {
    host: HostId,
    hypervisor: Arc<dyn Hypervisor>,
    xenstore: Arc<dyn Xenstore>,
    idcstat: Box<dyn IdcstatSource>,
    nic_bandwidth_bps: u64,
    interval_ms: u64,
    swap_vdev: String,
    cluster_prefixes: Vec<String>,
    uplinks: Vec<String>,
    started: Instant,
    seq: u64,
    generation: u64,
    last_epoch: Option<u32>,
    /// xenstore facts and max memory per (domid, uuid): devices rarely change.
    cache: BTreeMap<(DomId, DomainUuid), CachedDomain>,
    last_module_config: Option<IdcstatConfig>,
    idcstat_healthy: bool,
}

impl std::fmt::Debug for Profiler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profiler")
            .field("host", &self.host)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

/// What a [`Profiler`] is built from.
#[derive(Debug, Clone)]
pub struct ProfilerSettings {
    /// This host.
    pub host: HostId,
    /// NIC speed, bits per second.
    pub nic_bandwidth_bps: u64,
    /// Nominal interval, ms.
    pub interval_ms: u64,
    /// Default swap vdev.
    pub swap_vdev: String,
    /// Cluster prefixes for the module.
    pub cluster_prefixes: Vec<String>,
    /// Uplinks for the module.
    pub uplinks: Vec<String>,
    /// Base of the counter generation (e.g. the agent's start time): a restarted
    /// agent must not reuse the previous instance's generation.
    pub generation_base: u64,
}

impl Profiler {
    /// A profiler over the given adapters.
    pub fn new(
        settings: ProfilerSettings,
        hypervisor: Arc<dyn Hypervisor>,
        xenstore: Arc<dyn Xenstore>,
        idcstat: Box<dyn IdcstatSource>,
    ) -> Self {
        Profiler {
            host: settings.host,
            hypervisor,
            xenstore,
            idcstat,
            nic_bandwidth_bps: settings.nic_bandwidth_bps,
            interval_ms: settings.interval_ms,
            swap_vdev: settings.swap_vdev,
            cluster_prefixes: settings.cluster_prefixes,
            uplinks: settings.uplinks,
            started: Instant::now(),
            seq: 0,
            generation: settings.generation_base,
            last_epoch: None,
            cache: BTreeMap::new(),
            last_module_config: None,
            idcstat_healthy: true,
        }
    }

    /// Measures once. Xen failures are errors (no report); an idcstat failure
    /// is logged and the report carries no traffic counters.
    pub fn measure(&mut self, migration_in_flight: bool) -> Result<HostReport, AgentError> {
        let Measurement { info, domains } = self.hypervisor.measure()?;
        // The report's time is when the CPU times were read: the xenstore lookups for new
        // domains and the module's configuration after this took seconds on a loaded
        // testbed host, and a later stamp turned a short gap between two reports into
        // CPU rates of several hundred percent.
        let time_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let live: Vec<(DomId, DomainUuid)> = domains.iter().map(|d| (d.domid, d.uuid)).collect();
        self.cache.retain(|key, _| live.contains(key));
        for &(domid, uuid) in &live {
            if domid == DomId(0) {
                continue;
            }
            if let Some(cached) = self.cache.get_mut(&(domid, uuid)) {
                if cached.device_rereads_left > 0 {
                    cached.device_rereads_left -= 1;
                    cached.devices =
                        domain_devices(self.xenstore.as_ref(), domid, &self.swap_vdev)?;
                    if !CachedDomain::swap_device_pending(&cached.devices) {
                        cached.device_rereads_left = 0;
                    }
                }
                continue;
            }
            let devices = domain_devices(self.xenstore.as_ref(), domid, &self.swap_vdev)?;
            // A domain still being built or received (the paused `NAME--incoming` of
            // `xl migrate-receive`) has no static-max in xenstore yet. Failing here
            // dropped the destination's every report for the whole migration; instead
            // the domain is reported with its current memory as maximum (build_report)
            // and looked up again next interval.
            let max_mem = match self.hypervisor.max_mem_bytes(domid) {
                Ok(max_mem) => max_mem,
                Err(e) => {
                    tracing::debug!(domid = domid.0, "no maximum memory yet: {e}");
                    continue;
                }
            };
            let device_rereads_left = if CachedDomain::swap_device_pending(&devices) {
                PENDING_SWAP_DEVICE_REREADS
            } else {
                0
            };
            self.cache.insert(
                (domid, uuid),
                CachedDomain {
                    devices,
                    max_mem,
                    device_rereads_left,
                },
            );
        }
        let devices: BTreeMap<DomId, DomainDevices> = self
            .cache
            .iter()
            .map(|((domid, _), cached)| (*domid, cached.devices.clone()))
            .collect();
        let max_mem: BTreeMap<DomId, u64> = self
            .cache
            .iter()
            .map(|((domid, _), cached)| (*domid, cached.max_mem))
            .collect();
        self.configure_module();
        let snapshot = self.read_module(&live);
        self.seq += 1;
        Ok(build_report(&ReportInputs {
            host: &self.host,
            seq: self.seq,
            time_ms,
            interval_ms: self.interval_ms,
            generation: self.generation,
            info,
            nic_bandwidth_bps: self.nic_bandwidth_bps,
            domains: &domains,
            max_mem: &max_mem,
            devices: &devices,
            idcstat: &snapshot,
            migration_in_flight,
        }))
    }

    fn configure_module(&mut self) {
        let mut config = IdcstatConfig {
            cluster_prefixes: self.cluster_prefixes.clone(),
            uplinks: self.uplinks.clone(),
            ..IdcstatConfig::default()
        };
        for ((domid, uuid), CachedDomain { devices: dev, .. }) in &self.cache {
            let generation = generation_of(*uuid);
            config.vifs.extend(dev.vifs.iter().map(|vif| VifIdentity {
                domid: *domid,
                generation,
                devid: vif.devid,
                mac: vif.mac,
                name: vif.name.clone(),
            }));
            if let Some(device) = dev.swap_vbd().and_then(|v| v.physical_device) {
                config.swap_ranges.push(SwapRange {
                    domid: *domid,
                    generation,
                    device,
                    start_sector: 0,
                    nr_sectors: u64::MAX,
                });
            }
        }
        if self.last_module_config.as_ref() == Some(&config) {
            return;
        }
        match self.idcstat.configure(&config) {
            Ok(()) => self.last_module_config = Some(config),
            // While the module is known to be missing, read_module already said so.
            Err(e) if self.idcstat_healthy => warn!("cannot configure idcstat (will retry): {e}"),
            Err(e) => tracing::debug!("cannot configure idcstat: {e}"),
        }
    }

    fn read_module(&mut self, live: &[(DomId, DomainUuid)]) -> IdcstatSnapshot {
        match self.idcstat.snapshot() {
            Ok(snapshot) => {
                if !self.idcstat_healthy {
                    tracing::info!("idcstat readable again");
                    self.idcstat_healthy = true;
                    // The reports in between carried no traffic: start a new epoch.
                    self.generation = self.generation.wrapping_add(1);
                }
                if self.last_epoch.is_some_and(|e| e != snapshot.reset_epoch) {
                    // Reloaded or reset: counters restarted, and so must the generation.
                    self.generation = self.generation.wrapping_add(1);
                    self.last_module_config = None;
                }
                self.last_epoch = Some(snapshot.reset_epoch);
                for departed in snapshot.domains.iter().filter(|d| d.departed) {
                    if !live.iter().any(|(domid, _)| *domid == departed.domid) {
                        if let Err(e) = self
                            .idcstat
                            .ack_departed(departed.domid, departed.generation)
                        {
                            warn!(domid = %departed.domid, "cannot acknowledge departed domain: {e}");
                        }
                    }
                }
                snapshot
            }
            Err(e) => {
                if self.idcstat_healthy {
                    warn!("cannot read idcstat, reporting without traffic until it is back: {e}");
                    self.idcstat_healthy = false;
                    self.generation = self.generation.wrapping_add(1);
                }
                self.last_module_config = None;
                IdcstatSnapshot::default()
            }
        }
    }
}
