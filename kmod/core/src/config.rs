//! The configured neighbourhood: cluster prefixes, dom0's addresses, uplinks. Stored in
//! the region under a seqlock (`G_CONFIG_SEQ`): packets read it lock-free, the control
//! path writes it (serialized by the caller).

use super::addr::{masks, IpAddr16, MacAddr, Prefix};
use super::classify::{IpPlace, Neighbourhood};
use super::engine::IdcstatCore;
use super::geometry::{
    G_CONFIG_SEQ, G_DOMAIN_TABLE_FULL, G_EVICTED_DEPARTED, G_HOST_ADDRS, G_NEXT_AUTO_GENERATION,
    G_N_HOST_ADDRS, G_N_PREFIXES, G_N_UPLINKS, G_PREFIXES, G_RESET_EPOCH, G_STRUCTURE_VERSION,
    G_UNTRACKED_BYTES, G_UNTRACKED_PACKETS, G_UPLINKS, G_VIF_TABLE_FULL, HOST_ADDR_WORDS,
    MAX_CLUSTER_PREFIXES, MAX_HOST_ADDRS, MAX_UPLINKS, PREFIX_WORDS,
};
use super::lifecycle::{ControlError, AUTO_GENERATION_BASE};
use super::snapshot::{GlobalStats, Traffic};

impl IdcstatCore<'_> {
    pub(super) fn init_globals(&self) {
        self.region
            .store(G_NEXT_AUTO_GENERATION, u64::from(AUTO_GENERATION_BASE));
    }

    /// Bumped by every structural change; the glue puts it in `cb->seq` so that
    /// `genl_dump_check_consistent` flags dumps that raced a change (NLM_F_DUMP_INTR).
    #[inline]
    pub fn structure_version(&self) -> u64 {
        self.region.load(G_STRUCTURE_VERSION)
    }

    pub(super) fn bump_structure_version(&self) {
        self.region.add_atomic(G_STRUCTURE_VERSION, 1);
    }

    /// Module-wide counters.
    pub fn global_stats(&self) -> GlobalStats {
        GlobalStats {
            untracked: Traffic {
                packets: self.region.load(G_UNTRACKED_PACKETS),
                bytes: self.region.load(G_UNTRACKED_BYTES),
            },
            domain_table_full: self.region.load(G_DOMAIN_TABLE_FULL),
            vif_table_full: self.region.load(G_VIF_TABLE_FULL),
            evicted_departed: self.region.load(G_EVICTED_DEPARTED),
            structure_version: self.structure_version(),
            reset_epoch: self.region.load(G_RESET_EPOCH) as u32,
        }
    }

    #[inline(always)]
    fn count(&self, at: usize, max: usize) -> usize {
        (self.region.load(at) as usize).min(max)
    }

    /// Adds a cluster prefix (no-op when already present).
    pub fn add_cluster_prefix(&self, prefix: Prefix) -> Result<(), ControlError> {
        if self
            .cluster_prefixes()
            .iter()
            .flatten()
            .any(|p| *p == prefix)
        {
            return Ok(());
        }
        let n = self.count(G_N_PREFIXES, MAX_CLUSTER_PREFIXES);
        if n == MAX_CLUSTER_PREFIXES {
            return Err(ControlError::ConfigFull("cluster prefixes"));
        }
        let (hi, lo) = prefix.addr().to_words();
        self.region.seq_write(G_CONFIG_SEQ, || {
            let at = G_PREFIXES + n * PREFIX_WORDS;
            self.region.store(at, hi);
            self.region.store(at + 1, lo);
            let (mask_hi, mask_lo) = masks(prefix.mapped_len());
            self.region.store(at + 2, mask_hi);
            self.region.store(at + 3, mask_lo);
            self.region.store(G_N_PREFIXES, n as u64 + 1);
        });
        self.bump_structure_version();
        Ok(())
    }

    /// Removes all cluster prefixes.
    pub fn clear_cluster_prefixes(&self) {
        self.region
            .seq_write(G_CONFIG_SEQ, || self.region.store(G_N_PREFIXES, 0));
        self.bump_structure_version();
    }

    /// The cluster prefixes.
    pub fn cluster_prefixes(&self) -> [Option<Prefix>; MAX_CLUSTER_PREFIXES] {
        self.region.seq_read(G_CONFIG_SEQ, || {
            let mut out = [None; MAX_CLUSTER_PREFIXES];
            for (i, entry) in out
                .iter_mut()
                .enumerate()
                .take(self.count(G_N_PREFIXES, MAX_CLUSTER_PREFIXES))
            {
                let at = G_PREFIXES + i * PREFIX_WORDS;
                let addr = IpAddr16::from_words(self.region.load(at), self.region.load(at + 1));
                let len =
                    self.region.load(at + 2).count_ones() + self.region.load(at + 3).count_ones();
                *entry = Prefix::from_mapped(addr, len as u8);
            }
            out
        })
    }

    /// Adds one of dom0's own addresses (no-op when already present).
    pub fn add_host_addr(&self, addr: IpAddr16) -> Result<(), ControlError> {
        if self.host_addrs().iter().flatten().any(|a| *a == addr) {
            return Ok(());
        }
        let n = self.count(G_N_HOST_ADDRS, MAX_HOST_ADDRS);
        if n == MAX_HOST_ADDRS {
            return Err(ControlError::ConfigFull("host addresses"));
        }
        let (hi, lo) = addr.to_words();
        self.region.seq_write(G_CONFIG_SEQ, || {
            let at = G_HOST_ADDRS + n * HOST_ADDR_WORDS;
            self.region.store(at, hi);
            self.region.store(at + 1, lo);
            self.region.store(G_N_HOST_ADDRS, n as u64 + 1);
        });
        self.bump_structure_version();
        Ok(())
    }

    /// Removes all of dom0's addresses.
    pub fn clear_host_addrs(&self) {
        self.region
            .seq_write(G_CONFIG_SEQ, || self.region.store(G_N_HOST_ADDRS, 0));
        self.bump_structure_version();
    }

    /// Dom0's addresses.
    pub fn host_addrs(&self) -> [Option<IpAddr16>; MAX_HOST_ADDRS] {
        self.region.seq_read(G_CONFIG_SEQ, || {
            let mut out = [None; MAX_HOST_ADDRS];
            for (i, entry) in out
                .iter_mut()
                .enumerate()
                .take(self.count(G_N_HOST_ADDRS, MAX_HOST_ADDRS))
            {
                let at = G_HOST_ADDRS + i * HOST_ADDR_WORDS;
                *entry = Some(IpAddr16::from_words(
                    self.region.load(at),
                    self.region.load(at + 1),
                ));
            }
            out
        })
    }

    /// Adds an uplink ifindex (no-op when already present).
    pub fn add_uplink(&self, ifindex: u32) -> Result<(), ControlError> {
        if ifindex == 0 {
            return Err(ControlError::InvalidArgument("ifindex"));
        }
        if self.is_uplink(ifindex) {
            return Ok(());
        }
        let n = self.count(G_N_UPLINKS, MAX_UPLINKS);
        if n == MAX_UPLINKS {
            return Err(ControlError::ConfigFull("uplinks"));
        }
        self.region.seq_write(G_CONFIG_SEQ, || {
            self.region.store(G_UPLINKS + n, u64::from(ifindex));
            self.region.store(G_N_UPLINKS, n as u64 + 1);
        });
        self.bump_structure_version();
        Ok(())
    }

    /// Removes all uplinks.
    pub fn clear_uplinks(&self) {
        self.region
            .seq_write(G_CONFIG_SEQ, || self.region.store(G_N_UPLINKS, 0));
        self.bump_structure_version();
    }

    /// The uplinks.
    pub fn uplinks(&self) -> [Option<u32>; MAX_UPLINKS] {
        self.region.seq_read(G_CONFIG_SEQ, || {
            let mut out = [None; MAX_UPLINKS];
            for (i, entry) in out
                .iter_mut()
                .enumerate()
                .take(self.count(G_N_UPLINKS, MAX_UPLINKS))
            {
                *entry = Some(self.region.load(G_UPLINKS + i) as u32);
            }
            out
        })
    }

    /// True when `ifindex` is a configured uplink (the glue never treats it as a vif).
    pub fn is_uplink(&self, ifindex: u32) -> bool {
        self.uplinks().contains(&Some(ifindex))
    }
}

impl Neighbourhood for IdcstatCore<'_> {
    #[inline(always)]
    fn local_domain_slot(&self, mac: MacAddr) -> Option<u16> {
        self.mac_index_lookup(mac)
    }

    #[inline(always)]
    fn place_of(&self, ip: IpAddr16) -> IpPlace {
        let (hi, lo) = ip.to_words();
        self.region.seq_read(G_CONFIG_SEQ, || {
            let is_host = (0..self.count(G_N_HOST_ADDRS, MAX_HOST_ADDRS)).any(|i| {
                let at = G_HOST_ADDRS + i * HOST_ADDR_WORDS;
                self.region.load(at) == hi && self.region.load(at + 1) == lo
            });
            if is_host {
                return IpPlace::Dom0;
            }
            let in_cluster = (0..self.count(G_N_PREFIXES, MAX_CLUSTER_PREFIXES)).any(|i| {
                let at = G_PREFIXES + i * PREFIX_WORDS;
                // Masks are stored precomputed: two ANDs and compares per prefix.
                hi & self.region.load(at + 2) == self.region.load(at)
                    && lo & self.region.load(at + 3) == self.region.load(at + 1)
            });
            if in_cluster {
                IpPlace::Cluster
            } else {
                IpPlace::Outside
            }
        })
    }
}
